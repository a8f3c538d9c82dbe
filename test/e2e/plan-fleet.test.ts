/**
 * `comfyload plan` checked against measured emulator fleets. One emulated RTX 4090 is measured
 * alone (open loop, Poisson, at 70% of its service rate); from that run alone plan predicts:
 *  - a two-GPU fleet at 80% of its capacity with evenly spaced arrivals, whose measured completion
 *    p95 must be within 15% of the prediction. Evenly spaced, because a short measured run with
 *    Poisson arrivals at 80% is itself too noisy for 15%: its p95 lands more than 15% from the
 *    steady state in about half of all 600-arrival runs (the planner's own simulation, run 200
 *    times, says so), whatever the prediction;
 *  - the same fleet with Poisson arrivals: the measured p95 must lie inside plan's 99% interval
 *    for a run of that length (--arrivals), the claim the interval makes;
 *  - "how many GPUs for completion p95 below 2.5 service times at 70% of one GPU's rate": 2, which
 *    the measured runs confirm (one GPU fails it, two pass).
 * Each emulator is a `comfyload sim` process of its own (no shared event loop); the single GPU is
 * measured while the fleet it predicts runs, so both see the same host, whose load moves the
 * emulated GPUs' speed. Rates and the threshold come from the emulator's ground truth (its true
 * service time, from a short probe), never from the code under test. Bad questions end in their
 * error codes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FleetPlan } from '../../src/planner/plan-types.js';
import { browserChecks, expectEveryChartDrawn, openReport } from './report-page.js';
import { cliPath, findRunDirs, readRun, root as repoRoot, runCli, type RunFiles } from './run-cli.js';

// 0.1, not the usual 0.02–0.05: the emulator's own CPU work per prompt (PNG, events; ~15 ms) must
// stay a small part of its service time, or the host's load moves the emulated GPU's speed.
const TIME_SCALE = Number(process.env.PLAN_E2E_TIME_SCALE ?? 0.1);
const WORKFLOW = 'fixtures/workflows/sd15-txt2img.json';

/** An emulator in a process of its own (`comfyload sim`), so the emulated GPUs share no event loop. */
interface SimProcess {
  url: string;
  groundTruthPath: string;
  child: ChildProcess;
}

function spawnSim(dir: string, seed: number): Promise<SimProcess> {
  const groundTruthPath = join(dir, `truth-${seed}.ndjson`);
  const args = ['sim', '--port', '0', '--gpu', 'rtx-4090', '--time-scale', String(TIME_SCALE), '--seed', String(seed), '--ground-truth', groundTruthPath];
  const child = spawn(process.execPath, [cliPath, ...args], { cwd: repoRoot, stdio: ['ignore', 'ignore', 'pipe'] });
  return new Promise((resolve, reject) => {
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const m = /listening on (http:\/\/\S+)/.exec(stderr);
      if (m?.[1]) resolve({ url: m[1], groundTruthPath, child });
    });
    child.once('exit', (code) => reject(new Error(`comfyload sim exited ${code}: ${stderr}`)));
  });
}

async function stopSim(sim: SimProcess): Promise<void> {
  if (sim.child.exitCode !== null) return;
  const exited = new Promise((resolve) => sim.child.once('exit', resolve));
  sim.child.kill('SIGTERM');
  await exited;
}

/** Median execution time of the emulator's prompts (dequeue → completion), from its ground-truth log. */
function trueServiceMs(sim: SimProcess): number {
  const busy = readFileSync(sim.groundTruthPath, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as { executionStartMs?: number; completedMs?: number })
    .filter((t) => t.completedMs !== undefined && t.executionStartMs !== undefined)
    .map((t) => (t.completedMs as number) - (t.executionStartMs as number))
    .sort((a, b) => a - b);
  return busy[Math.floor(busy.length / 2)] as number;
}

/** Mean serverExecMs of a run's ok measured prompts: how fast the emulated GPUs actually were during it. */
function meanServerExecMs(run: RunFiles): number {
  const values = run.requests.rows.filter((r) => r.phase === 'measure' && r.outcome === 'ok').map((r) => Number(r.serverExecMs));
  return values.reduce((a, b) => a + b, 0) / values.length;
}

/** Nearest-rank p95 of completionMs over a run's ok measured prompts (requests.csv). */
function completionP95(run: RunFiles): number {
  const values = run.requests.rows
    .filter((r) => r.phase === 'measure' && r.outcome === 'ok')
    .map((r) => Number(r.completionMs))
    .sort((a, b) => a - b);
  return values[Math.ceil(0.95 * values.length) - 1] as number;
}

describe('comfyload plan against measured emulator fleets', () => {
  let sims: SimProcess[] = [];
  let root: string;
  let serviceMs: number;
  let single: RunFiles;
  let fleetEven80: RunFiles;
  let fleetPoisson80: RunFiles;
  let fleetAt70: RunFiles;
  let r70PerSec: number;
  let r80PerSec: number;

  const run = async (name: string, args: string[]): Promise<RunFiles> => {
    const cli = await runCli(['run', ...args, '--workflow', WORKFLOW, '--warmup', '2', '--results-dir', join(root, name), '--name', name], {
      timeoutMs: 150_000,
    });
    expect(cli.code, cli.stderr).toBe(0);
    return readRun(findRunDirs(join(root, name))[0]!);
  };
  const rate = (perSec: number): string => `${perSec.toFixed(3)}/s`;
  const urls = (...indices: number[]): string[] => indices.flatMap((i) => ['--url', sims[i]!.url]);

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'comfyload-plan-'));
    sims = await Promise.all([11, 12, 13, 14].map((seed) => spawnSim(root, seed)));
    await run('probe', [...urls(0), '--concurrency', '1', '--prompts', '20']);
    serviceMs = trueServiceMs(sims[0]!);
    r70PerSec = (0.7 * 1000) / serviceMs;
    // Aimed a little below 80%: the short probe tends to find the emulated GPU faster than the runs do.
    r80PerSec = (0.78 * 2 * 1000) / serviceMs;
    // The single GPU is measured while the fleet it predicts runs: both see the same host (whose load moves the emulated GPUs' speed).
    [single, fleetEven80] = await Promise.all([
      run('single', [...urls(0), '--rate', rate(r70PerSec), '--prompts', '200', '--seed', '21']),
      run('fleet-even-80', [...urls(1, 2), '--rate', rate(r80PerSec), '--arrival', 'constant', '--prompts', '450', '--seed', '22']),
    ]);
    [fleetAt70, fleetPoisson80] = await Promise.all([
      run('fleet-70', [...urls(1, 2), '--rate', rate(r70PerSec), '--prompts', '150', '--seed', '23']),
      run('fleet-poisson-80', [...urls(0, 3), '--rate', rate(r80PerSec), '--prompts', '300', '--seed', '24']),
    ]);
  }, 300_000);

  afterAll(async () => {
    await Promise.all(sims.map(stopSim));
    if (root && process.env.PLAN_E2E_KEEP === undefined) rmSync(root, { recursive: true, force: true });
    else if (root) process.stderr.write(`plan e2e: kept ${root}\n`);
  });

  const plan = async (args: string[]): Promise<{ code: number | null; stdout: string; stderr: string; plan: FleetPlan | undefined }> => {
    const cli = await runCli(['plan', single.dir, ...args, '--out', join(root, 'plan-out'), '--quiet']);
    let parsed: FleetPlan | undefined;
    try {
      parsed = JSON.parse(readFileSync(join(root, 'plan-out', 'plan.json'), 'utf8')) as FleetPlan;
    } catch {
      parsed = undefined;
    }
    return { ...cli, plan: parsed };
  };

  it('from the single-GPU run, --gpus 2 predicts the completion p95 of the measured two-GPU fleet at 80% of its capacity within 15%', async () => {
    const p = await plan(['--gpus', '2', '--rate', rate(r80PerSec), '--arrival', 'constant']);
    expect(p.code, p.stderr).toBe(0);
    const point = p.plan!.points[0]!;
    const predicted = point.metrics.completionMs!.percentiles['p95']!;
    const measured = completionP95(fleetEven80);
    process.stderr.write(
      `plan e2e: true service ${serviceMs.toFixed(1)} ms; 2 GPUs at ${(r80PerSec * 60).toFixed(0)}/min evenly: predicted completion p95 ${predicted.value.toFixed(1)} ms [${predicted.low.toFixed(1)}–${predicted.high.toFixed(1)}] vs measured ${measured.toFixed(1)} ms (${((predicted.value / measured - 1) * 100).toFixed(1)}%), utilisation ${(point.utilisation.value * 100).toFixed(0)}%; mean serverExecMs alone ${meanServerExecMs(single).toFixed(1)} ms, in the fleet ${meanServerExecMs(fleetEven80).toFixed(1)} ms\n`,
    );
    // Near 80% (the probe is short and the host's load moves the emulated GPUs' speed a little).
    expect(point.utilisation.value).toBeGreaterThan(0.7);
    expect(point.utilisation.value).toBeLessThan(0.9);
    expect(Math.abs(predicted.value / measured - 1)).toBeLessThan(0.15);
    // The table on stdout names the point.
    expect(p.stdout).toMatch(/\/min\s+2\s+\d+%/);
  });

  it('with Poisson arrivals at 80%, the measured fleet p95 lies inside the 99% interval plan gives for a run of that length', async () => {
    const p = await plan(['--gpus', '2', '--rate', rate(r80PerSec), '--arrivals', '300', '--confidence', '0.99', '--replications', '200']);
    expect(p.code, p.stderr).toBe(0);
    const predicted = p.plan!.points[0]!.metrics.completionMs!.percentiles['p95']!;
    const measured = completionP95(fleetPoisson80);
    process.stderr.write(
      `plan e2e: 2 GPUs at ${(r80PerSec * 60).toFixed(0)}/min Poisson, 300 arrivals: predicted p95 ${predicted.value.toFixed(1)} ms [99%: ${predicted.low.toFixed(1)}–${predicted.high.toFixed(1)}] vs measured ${measured.toFixed(1)} ms\n`,
    );
    expect(measured).toBeGreaterThan(predicted.low);
    expect(measured).toBeLessThan(predicted.high);
  });

  it('for completion p95 below 2.5 service times at 70% of one GPU, plan answers 2 GPUs, and the measured fleets confirm it: 1 fails, 2 pass', async () => {
    const thresholdMs = Math.round(2.5 * serviceMs);
    const slo = `completionMs.p95<${thresholdMs}`;
    const p = await plan(['--rate', rate(r70PerSec), '--slo', slo]);
    expect(p.code, p.stderr).toBe(0);
    const answer = p.plan!.answers[0]!;
    const measuredOne = completionP95(single);
    const measuredTwo = completionP95(fleetAt70);
    process.stderr.write(
      `plan e2e: ${slo} at ${(r70PerSec * 60).toFixed(0)}/min → ${answer.gpus} GPUs; measured p95 on 1 GPU ${measuredOne.toFixed(1)} ms, on 2 ${measuredTwo.toFixed(1)} ms\n`,
    );
    expect(answer.gpus).toBe(2);
    expect(measuredOne).toBeGreaterThanOrEqual(thresholdMs);
    expect(measuredTwo).toBeLessThan(thresholdMs);
    expect(p.stdout).toContain(`plan: ${slo} at `);
    expect(p.stdout).toMatch(/needs 2 GPUs PASS with p95 .*; 1 GPU FAIL with p95 .*; rule: PASS when the 95% CI/);
  });

  it.skipIf(!browserChecks)('plan.html draws p95 vs GPU count with the SLO line in headless Chromium, offline', async () => {
    const p = await plan([
      '--rate',
      `${rate(r70PerSec * 0.5)},${rate(r70PerSec)}`,
      '--gpus',
      '1,2,3',
      '--slo',
      `completionMs.p95<${Math.round(2.5 * serviceMs)}`,
    ]);
    expect(p.code === 0 || p.code === 1, p.stderr).toBe(true);
    const page = await openReport(join(root, 'plan-out'), 'plan-page', 'plan.html');
    expectEveryChartDrawn(page);
    const byId = new Map(page.charts.map((c) => [c.id, c]));
    // x, then value/low/high for each of the 2 rates, then the SLO line.
    expect(byId.get('plan-gpus')!.lengths).toEqual([3, 3, 3, 3, 3, 3, 3, 3]);
    expect(byId.get('plan-rates')!.lengths).toHaveLength(5);
    expect(page.text).toContain('How far to trust this');
  });

  it('refuses questions it cannot answer, each with its code and fix', async () => {
    const metric = await plan(['--rate', rate(r70PerSec), '--slo', 'submitAckMs.p95<100']);
    expect(metric.code).toBe(2);
    expect(metric.stderr).toMatch(/COMFYLOAD_ERR_PLAN_SLO_METRIC/);
    const tooFast = await plan(['--rate', rate(r80PerSec * 4), '--slo', 'completionMs.p95<60000', '--max-gpus', '2']);
    expect(tooFast.code).toBe(2);
    expect(tooFast.stderr).toMatch(/needs at least \d+ GPUs of this kind just to keep up[\s\S]*raise --max-gpus[\s\S]*COMFYLOAD_ERR_PLAN_UNREACHABLE/);
    const belowService = await plan(['--rate', rate(r70PerSec), '--slo', `completionMs.p95<${Math.round(serviceMs / 2)}`]);
    expect(belowService.stderr).toMatch(/No fleet size can be shown to meet[\s\S]*COMFYLOAD_ERR_PLAN_UNREACHABLE/);
    const fleetFolder = await runCli(['plan', fleetEven80.dir, '--rate', '60/min', '--gpus', '2']);
    expect(fleetFolder.stderr).toMatch(/is a fleet run of 2 targets[\s\S]*--target 0/);
    // A folder whose every prompt is warm-up: nothing to take service times from.
    const empty = join(root, 'no-measured');
    cpSync(single.dir, empty, { recursive: true });
    const csv = readFileSync(join(empty, 'requests.csv'), 'utf8').replace(/,measure,/g, ',warmup,');
    writeFileSync(join(empty, 'requests.csv'), csv);
    const none = await runCli(['plan', empty, '--rate', '60/min', '--gpus', '2']);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/has no ok measured prompt to take service times from \(\d+ rows: \d+ warm-up\)[\s\S]*COMFYLOAD_ERR_PLAN_NO_SAMPLES/);
  });
});
