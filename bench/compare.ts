/**
 * Calibration of `comfyload compare`: how often it cries wolf and how often it catches a real
 * slowdown, at the default prompt counts (run's defaults: --concurrency 1,2,4, --prompts 20,
 * --warmup 2), on the emulator at a small time scale. Runs the built CLI (dist/cli.js):
 *  - 2N baseline runs with different seeds, paired into N identical-configuration pairs;
 *  - N runs per slowdown (--sim-slowdown 1.01 … 1.08), each paired with a baseline run.
 * Each pair is compared with the library compare uses (src/compare), and the figures are written
 * into bench/README.md between the `compare-calibration` markers.
 * Run: `npm run build && npm run bench -- compare -- [time-scale] [pairs]` (defaults 0.1, 10).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { compareRuns } from '../src/compare/compare-runs.js';
import { readSide } from '../src/compare/compare-session.js';
import { DEFAULT_GATES, parseGate, type CompareGate } from '../src/metrics/compare-gates.js';
import type { CompareResult } from '../src/metrics/compare-types.js';

const timeScale = Number(process.argv[2] ?? 0.1);
const pairs = Number(process.argv[3] ?? 10);
const slowdowns = [1.01, 1.02, 1.03, 1.05, 1.08];
const cli = join(process.cwd(), 'dist/cli.js');
const root = mkdtempSync(join(tmpdir(), 'comfyload-calibration-'));
const gates = DEFAULT_GATES.map((g) => parseGate(g) as CompareGate);
const zeroGates = ['stepIntervalMs.p50:+0%', 'execMs.p50:+0%'].map((g) => parseGate(g) as CompareGate);

function run(name: string, seed: number, slowdown: number): Promise<string> {
  const dir = join(root, name);
  const args = [cli, 'run', '--sim-time-scale', String(timeScale), '--seed', String(seed), '--results-dir', dir, '--name', name, '--quiet'];
  if (slowdown !== 1) args.push('--sim-slowdown', String(slowdown));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.once('exit', (code) => (code === 0 ? resolve(dir) : reject(new Error(`run ${name} exited ${code}: ${err}`))));
  });
}

function compare(a: string, b: string, g: readonly CompareGate[]): CompareResult {
  return compareRuns(readSide([a], root, 'baseline'), readSide([b], root, 'candidate'), { confidence: 0.95, gates: g, allowDifferentWorkflow: false });
}

interface PairFigures {
  exitDefault: boolean;
  exitZero: boolean;
  stepSlowerC1: boolean;
  stepSlowerAny: boolean;
  anySlower: boolean;
  stepDeltaC1: number | null;
}

function figures(a: string, b: string): PairFigures {
  const r = compare(a, b, gates);
  const z = compare(a, b, zeroGates);
  const step = r.rows.filter((x) => x.metric === 'stepIntervalMs');
  const c1 = step.find((x) => x.level === 'c=1');
  return {
    exitDefault: r.regression,
    exitZero: z.regression,
    stepSlowerC1: c1?.comparison.verdict === 'slower',
    stepSlowerAny: step.some((x) => x.comparison.verdict === 'slower'),
    anySlower: r.rows.some((x) => x.comparison.verdict === 'slower'),
    stepDeltaC1: c1?.comparison.decisive.delta ?? null,
  };
}

const rate = (xs: PairFigures[], f: (p: PairFigures) => boolean): number => xs.filter(f).length / Math.max(1, xs.length);
const pct = (v: number): string => `${(v * 100).toFixed(0)}%`;

const started = performance.now();
const loadStart = loadavg()[0]!.toFixed(2);
console.log(`calibration: time scale ${timeScale}, ${pairs} pairs per configuration, ${cpus().length} cores (shared)`);
// Runs of one i back to back (a_i, b_i, then the slowdowns, 3% first), so the runs of a pair are
// made minutes apart at most: the machine's load drifts, and a pair should not straddle the drift.
const identical: PairFigures[] = [];
const bySlowdown = slowdowns.map((slowdown) => ({ slowdown, pairs: [] as PairFigures[] }));
const order = [...slowdowns].sort((x, y) => Math.abs(x - 1.03) - Math.abs(y - 1.03));
for (let i = 0; i < pairs; i++) {
  const a = await run(`a-${i}`, 1000 + 2 * i, 1);
  const b = await run(`b-${i}`, 1001 + 2 * i, 1);
  identical.push(figures(a, b));
  for (const s of order) {
    const c = await run(`slow-${s}-${i}`, 5000 + i * 10 + Math.round((s - 1) * 100), s);
    bySlowdown.find((x) => x.slowdown === s)!.pairs.push(figures(b, c));
  }
  console.log(
    `  pair ${i + 1}/${pairs}: identical step Δ ${((identical.at(-1)!.stepDeltaC1 ?? 0) * 100).toFixed(1)}%, 3% step Δ ${((bySlowdown.find((x) => x.slowdown === 1.03)!.pairs.at(-1)!.stepDeltaC1 ?? 0) * 100).toFixed(1)}%`,
  );
}
const minutes = (performance.now() - started) / 60_000;
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
const p90 = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil(0.9 * xs.length) - 1)] ?? Number.NaN;
const smallest = bySlowdown.find((s) => rate(s.pairs, (p) => p.stepSlowerC1) >= 0.9)?.slowdown;
const smallestGate = bySlowdown.find((s) => rate(s.pairs, (p) => p.exitDefault) >= 0.9)?.slowdown;
const rows = [
  '| configuration | pairs | step Δ at c=1 (median) | stepIntervalMs `slower` at c=1 | at any level | any metric `slower` | exit 1, default gates | exit 1, `+0%` gates on step and exec |',
  '|---|--:|--:|--:|--:|--:|--:|--:|',
  `| identical (different seeds) | ${pairs} | ${pct(median(identical.map((p) => p.stepDeltaC1 ?? 0)))} | ${pct(rate(identical, (p) => p.stepSlowerC1))} | ${pct(rate(identical, (p) => p.stepSlowerAny))} | ${pct(rate(identical, (p) => p.anySlower))} | ${pct(rate(identical, (p) => p.exitDefault))} | ${pct(rate(identical, (p) => p.exitZero))} |`,
  ...bySlowdown.map(
    (s) =>
      `| --sim-slowdown ${s.slowdown} | ${pairs} | ${(median(s.pairs.map((p) => p.stepDeltaC1 ?? 0)) * 100).toFixed(1)}% | ${pct(rate(s.pairs, (p) => p.stepSlowerC1))} | ${pct(rate(s.pairs, (p) => p.stepSlowerAny))} | ${pct(rate(s.pairs, (p) => p.anySlower))} | ${pct(rate(s.pairs, (p) => p.exitDefault))} | ${pct(rate(s.pairs, (p) => p.exitZero))} |`,
  ),
];
const summary = [
  `False-regression rate (identical configurations, exit 1 with the default gates): **${pct(rate(identical, (p) => p.exitDefault))}** (goal ≤ 5%); stepIntervalMs called \`slower\` at c=1: ${pct(rate(identical, (p) => p.stepSlowerC1))}.`,
  `Detection of a 3% step slowdown (stepIntervalMs \`slower\` at c=1): **${pct(rate(bySlowdown.find((s) => s.slowdown === 1.03)!.pairs, (p) => p.stepSlowerC1))}** (goal ≥ 90%).`,
  `Smallest slowdown detected in ≥ 90% of pairs: **${smallest !== undefined ? `${((smallest - 1) * 100).toFixed(0)}%` : `none up to ${((slowdowns.at(-1)! - 1) * 100).toFixed(0)}%`}** (stepIntervalMs \`slower\` at c=1); by the default gates (exit 1): ${smallestGate !== undefined ? `${((smallestGate - 1) * 100).toFixed(0)}%` : `none up to ${((slowdowns.at(-1)! - 1) * 100).toFixed(0)}%`}.`,
  `Run-to-run spread seen between identical runs: |step Δ| at c=1 median ${(median(identical.map((p) => Math.abs(p.stepDeltaC1 ?? 0))) * 100).toFixed(1)}%, 90th percentile ${(p90(identical.map((p) => Math.abs(p.stepDeltaC1 ?? 0))) * 100).toFixed(1)}%; with one run per side compare cannot see it (its note says so): repeat each side ≥ 3 times for the between-run test.`,
  `Measured ${new Date().toISOString().slice(0, 10)} at emulator time scale ${timeScale} (a step of the SD 1.5 fixture ≈ ${(60 * timeScale).toFixed(1)} ms), ${pairs} pairs each, ${2 * pairs + slowdowns.length * pairs} runs in ${minutes.toFixed(1)} min, on ${cpus().length} cores shared with other work (load average ${loadStart} at the start, ${loadavg()[0]!.toFixed(2)} at the end): timing noise is higher than on a quiet machine; the "step Δ" column shows the slowdown the harness saw.`,
];
const table = [...rows, '', ...summary.map((s) => `- ${s}`)].join('\n');
console.log(`\n${table}\n`);
const readme = join(process.cwd(), 'bench/README.md');
if (existsSync(readme)) {
  const text = readFileSync(readme, 'utf8');
  const begin = '<!-- compare-calibration:begin -->';
  const end = '<!-- compare-calibration:end -->';
  const block = `${begin}\n${table}\n${end}`;
  const next = text.includes(begin) ? text.replace(new RegExp(`${begin}[\\s\\S]*?${end}`), block) : `${text.trimEnd()}\n\n## compare calibration\n\n${block}\n`;
  writeFileSync(readme, next);
  console.log('bench/README.md updated');
}
rmSync(root, { recursive: true, force: true });
