/**
 * The k6 engine end to end, on real k6 (K6_BIN, PATH, then ../shared/bin/k6; without one these
 * tests skip with one line): `run --engine k6` against the emulator held against the emulator's
 * ground truth and against the Node engine on the same plan; a threshold on both sides of its
 * gate; and a bundle run as two k6 processes split by --execution-segment, imported and merged.
 *
 * Tolerances: k6 takes the send time with `Date.now()` (whole ms, floored: the send mark can be up
 * to 1 ms early, never late) and every receipt from the message event's `timestamp` (taken by
 * k6's reader, sub-ms). So a measured wait can only exceed the true one, by loopback delivery plus
 * up to 1 ms; step intervals have no whole-ms error at all.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mergeHistograms, summarizeHistogram } from '../../src/metrics/hdr.js';
import { formatTag, parseTag } from '../../src/metrics/histogram-key.js';
import { readHlog } from '../../src/metrics/hlog-reader.js';
import { startSim, type PromptTruth, type SimHandle } from '../../src/sim/index.js';
import { findRunDirs, readRun, runCli, type CliResult, type RunFiles } from '../e2e/run-cli.js';
import { K6, k6Env, runK6 } from './k6-helpers.js';

const LEVELS = [1, 2];
const PROMPTS = 6;
const WARMUP = 1;

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;
}

/** True step intervals: between consecutive progress sends of one node, the first from the node's start. */
/** The emulator's own step sends, consecutive per node (a sampler's start before its first step is not a step). */
function trueStepIntervals(truth: PromptTruth): number[] {
  const out: number[] = [];
  for (const node of truth.nodes) {
    const steps = truth.steps.filter((s) => s.nodeId === node.nodeId).sort((a, b) => a.value - b.value);
    for (let k = 1; k < steps.length; k++) out.push(steps[k]!.atMs - steps[k - 1]!.atMs);
  }
  return out;
}

function runArgs(url: string, resultsRoot: string, name: string, extra: string[]): string[] {
  return [
    'run',
    '--url',
    url,
    '--workflow',
    'fixtures/workflows/sd15-txt2img.json',
    '--concurrency',
    LEVELS.join(','),
    '--prompts',
    String(PROMPTS),
    '--warmup',
    String(WARMUP),
    '--seed',
    '11',
    '--results-dir',
    resultsRoot,
    '--name',
    name,
    ...extra,
  ];
}

function onlyRun(resultsRoot: string, name: string): RunFiles {
  const dirs = findRunDirs(resultsRoot).filter((d) => d.endsWith(`-${name}`));
  expect(dirs, name).toHaveLength(1);
  return readRun(dirs[0]!);
}

if (K6 === undefined) {
  describe('the k6 engine', () => {
    it.skip('k6 was not found (K6_BIN, PATH, ../shared/bin/k6): the k6 end-to-end tests did not run', () => undefined);
  });
} else {
  describe('comfyload run --engine k6 against the emulator (time-scale 0.1), and the Node engine on the same plan', () => {
    let sim: SimHandle;
    let resultsRoot: string;
    let k6Cli: CliResult;
    let nodeCli: CliResult;
    let k6Run: RunFiles;
    let nodeRun: RunFiles;

    beforeAll(async () => {
      sim = await startSim({ timeScale: 0.1, seed: 7 });
      resultsRoot = mkdtempSync(join(tmpdir(), 'comfyload-k6-'));
      k6Cli = await runCli(runArgs(sim.url, resultsRoot, 'k6', ['--engine', 'k6', '--threshold', 'completionMs.p99<60s']), { env: k6Env() });
      nodeCli = await runCli(runArgs(sim.url, resultsRoot, 'node', []), { env: k6Env() });
      k6Run = onlyRun(resultsRoot, 'k6');
      nodeRun = onlyRun(resultsRoot, 'node');
    }, 120_000);

    afterAll(async () => {
      await sim?.close();
      if (resultsRoot) rmSync(resultsRoot, { recursive: true, force: true });
    });

    it('exits 0, says engine k6 and the k6 version in summary.json, and passes the threshold k6 judged', () => {
      expect(k6Cli.stderr).not.toMatch(/at .+\.js:\d+/);
      expect(k6Cli.code, k6Cli.stderr).toBe(0);
      expect(nodeCli.code, nodeCli.stderr).toBe(0);
      const s = k6Run.summary;
      expect(s.engine).toBe('k6');
      expect(s.k6?.version).toMatch(/^\d+\.\d+\.\d+$/);
      expect(s.k6?.exitCode).toBe(0);
      expect(s.thresholds?.[0]).toMatchObject({ threshold: 'completionMs.p99<60000', decidedBy: 'k6', samples: LEVELS.length * PROMPTS });
      // Met as observed; with this few prompts the binomial claim at 95% may be out of reach: never a fail.
      expect(s.thresholds?.[0]?.verdict).not.toBe('fail');
      expect(nodeRun.summary.engine).toBe('node');
    });

    it('ends every prompt in exactly one outcome, and the counts add up in every file', () => {
      const ids = k6Run.requests.rows.map((r) => r.promptId!);
      expect(ids).toHaveLength(LEVELS.length * PROMPTS + WARMUP);
      expect(new Set(ids).size).toBe(ids.length);
      for (const id of ids) expect(sim.groundTruth.prompts.has(id), id).toBe(true);
      expect(k6Run.levels.rows.map((r) => Number(r.concurrency))).toEqual(LEVELS);
      for (const row of k6Run.levels.rows) {
        expect(Number(row.submitted)).toBe(PROMPTS);
        expect(Number(row.ok) + Number(row.notOk)).toBe(PROMPTS);
      }
      // Totals are the measured prompts: the warm-up is reported apart.
      const t = k6Run.summary.totals;
      expect(t.submitted).toBe(ids.length - WARMUP);
      expect(k6Run.summary.warmup?.submitted).toBe(WARMUP);
      expect(Object.values(t.outcomes).reduce((a, n) => a + n, 0)).toBe(t.submitted);
      expect(t.outcomes.ok).toBe(ids.length - WARMUP);
      // The VRAM scenario polled /system_stats through the run.
      expect(k6Run.summary.vram?.samples ?? 0).toBeGreaterThan(3);
    });

    it('measures step intervals within 1 ms (median) and 5 ms (p95) of the ground truth', () => {
      const errors: number[] = [];
      for (const row of k6Run.requests.rows) {
        const expected = trueStepIntervals(sim.groundTruth.prompts.get(row.promptId!)!);
        const measured = row.stepIntervalsMs!.split(';').map(Number);
        expect(measured).toHaveLength(expected.length);
        measured.forEach((m, i) => errors.push(Math.abs(m - expected[i]!)));
      }
      expect(percentile(errors, 50)).toBeLessThan(1);
      expect(percentile(errors, 95)).toBeLessThan(5);
    });

    it('measures queue wait and completion as the true ones plus delivery and at most 1 ms of whole-ms send time: never less', () => {
      const waitExcess: number[] = [];
      const completionExcess: number[] = [];
      for (const row of k6Run.requests.rows) {
        const truth = sim.groundTruth.prompts.get(row.promptId!)!;
        waitExcess.push(Number(row.queueWaitMs) - (truth.executionStartMs! - truth.enqueuedMs));
        completionExcess.push(Number(row.completionMs) - (truth.completedMs! - truth.enqueuedMs));
      }
      for (const excess of [waitExcess, completionExcess]) {
        expect(Math.min(...excess)).toBeGreaterThan(-0.5);
        expect(percentile(excess, 50)).toBeLessThan(6);
        expect(percentile(excess, 90)).toBeLessThan(15);
      }
    });

    it('matches the Node engine on the same plan: counts equal, service time and step interval within 15% (or 1 ms), throughput within 15%', () => {
      for (const [i, k6Row] of k6Run.levels.rows.entries()) {
        const nodeRow = nodeRun.levels.rows[i]!;
        const where = `level ${k6Row.level} c=${k6Row.concurrency}`;
        expect(k6Row.submitted, where).toBe(nodeRow.submitted);
        expect(k6Row.ok, where).toBe(nodeRow.ok);
        for (const column of ['execMs_p50', 'stepIntervalMs_p50', 'serverExecMs_p50']) {
          const a = Number(k6Row[column]);
          const b = Number(nodeRow[column]);
          expect(Math.abs(a - b), `${where} ${column}: k6 ${a} vs node ${b}`).toBeLessThanOrEqual(Math.max(0.15 * b, 1));
        }
        const ratio = Number(k6Row.promptsPerSec) / Number(nodeRow.promptsPerSec);
        expect(ratio, `${where} prompts/s`).toBeGreaterThan(0.85);
        expect(ratio, `${where} prompts/s`).toBeLessThan(1.15);
      }
    });

    it("writes a histograms.hlog that reads back to levels.csv's percentiles (the Node engine's writers)", () => {
      const byTag = readHlog(k6Run.hlog);
      for (const row of k6Run.levels.rows) {
        const figures = summarizeHistogram(byTag.get(`completionMs@t0-L${row.level}-c${row.concurrency}-measure`)!)!;
        expect(figures.count).toBe(Number(row.completionMs_count));
        expect(figures.p99.toFixed(3)).toBe(Number(row.completionMs_p99).toFixed(3));
      }
    });
  });

  describe('a --threshold that fails', () => {
    let sim: SimHandle;
    let resultsRoot: string;

    beforeAll(async () => {
      sim = await startSim({ timeScale: 0.02, seed: 3 });
      resultsRoot = mkdtempSync(join(tmpdir(), 'comfyload-k6-threshold-'));
    });

    afterAll(async () => {
      await sim?.close();
      if (resultsRoot) rmSync(resultsRoot, { recursive: true, force: true });
    });

    it("is k6's exit 99 and comfyload's exit 1, with the rule, the figures and the results kept", async () => {
      const cli = await runCli(
        [
          'run',
          '--engine',
          'k6',
          '--url',
          sim.url,
          '--workflow',
          'fixtures/workflows/sd15-txt2img.json',
          '--concurrency',
          '1',
          '--prompts',
          '2',
          '--warmup',
          '0',
          '--expected-completion',
          '300ms',
          '--threshold',
          'completionMs.p50<1',
          '--results-dir',
          resultsRoot,
        ],
        { env: k6Env() },
      );
      expect(cli.code, cli.stderr).toBe(1);
      expect(cli.stderr).toMatch(/threshold completionMs\.p50<1: FAIL \(k6\): p50 = [\d.]+ ms over 2 prompts \(2 above 1\.0 ms\)/);
      const [dir] = findRunDirs(resultsRoot);
      const summary = readRun(dir!).summary;
      expect(summary.k6?.exitCode).toBe(99);
      expect(summary.k6?.thresholds).toEqual([{ metric: 'completionMs{phase:measure}', expression: 'p(50)<1', ok: false }]);
      expect(summary.thresholds?.[0]?.verdict).toBe('fail');
      expect(summary.totals.submitted).toBe(2);
    });
  });

  describe('a k6 bundle run by two k6 processes split by --execution-segment, imported and merged', () => {
    let sim: SimHandle;
    let work: string;
    let a: RunFiles;
    let b: RunFiles;
    let merged: RunFiles;
    let mergeCli: CliResult;

    beforeAll(async () => {
      sim = await startSim({ timeScale: 0.02, seed: 5 });
      work = mkdtempSync(join(tmpdir(), 'comfyload-k6-segments-'));
      const bundle = join(work, 'bundle');
      const bundled = await runCli(
        [
          'k6',
          'bundle',
          '--url',
          sim.url,
          '--workflow',
          'fixtures/workflows/sd15-txt2img.json',
          '--concurrency',
          LEVELS.join(','),
          '--prompts',
          String(PROMPTS),
          '--warmup',
          String(WARMUP),
          '--out',
          bundle,
        ],
        { env: k6Env() },
      );
      expect(bundled.code, bundled.stderr).toBe(0);
      // Both runners at once, as k6-operator starts them.
      const [ra, rb] = await Promise.all([
        runK6(bundle, ['--execution-segment', '0:1/2', '--out', `json=${join(work, 'a.json.gz')}`]),
        runK6(bundle, ['--execution-segment', '1/2:1', '--out', `json=${join(work, 'b.json.gz')}`]),
      ]);
      expect(ra.code, ra.stderr).toBe(0);
      expect(rb.code, rb.stderr).toBe(0);
      for (const part of ['a', 'b']) {
        const imported = await runCli(['import-k6', join(work, `${part}.json.gz`), '--out', join(work, part.toUpperCase())], { env: k6Env() });
        expect(imported.code, imported.stderr).toBe(0);
      }
      mergeCli = await runCli(['merge', join(work, 'A'), join(work, 'B'), '--out', join(work, 'M')], { env: k6Env() });
      a = readRun(join(work, 'A'));
      b = readRun(join(work, 'B'));
      merged = readRun(join(work, 'M'));
    }, 120_000);

    afterAll(async () => {
      await sim?.close();
      if (work) rmSync(work, { recursive: true, force: true });
    });

    it('gives one result whose counts equal the whole plan, at the plan’s concurrency', () => {
      expect(mergeCli.code, mergeCli.stderr).toBe(0);
      expect(merged.summary.totals.submitted).toBe(LEVELS.length * PROMPTS);
      expect(merged.summary.totals.outcomes).toEqual({ ok: LEVELS.length * PROMPTS });
      expect(merged.levels.rows.map((r) => [Number(r.concurrency), Number(r.submitted)])).toEqual(LEVELS.map((c) => [c, PROMPTS]));
      expect(a.summary.totals.submitted + b.summary.totals.submitted).toBe(merged.summary.totals.submitted);
      expect(merged.summary.merge?.segmentCoverage).toMatch(/the whole plan$/);
      // Each runner ran its own prompts: none twice, every one the server ran (the bundle's two probes aside).
      const ids = merged.requests.rows.map((r) => r.promptId!);
      const aIds = new Set(a.requests.rows.map((r) => r.promptId!));
      expect(b.requests.rows.some((r) => aIds.has(r.promptId!))).toBe(false);
      expect(new Set(ids).size).toBe(ids.length);
      expect(sim.groundTruth.prompts.size).toBe(ids.length + 2);
      for (const id of ids) expect(sim.groundTruth.prompts.has(id)).toBe(true);
    });

    it("has histograms equal to the sum of the runners' (re-tagged with the plan's concurrency)", () => {
      // levels.csv numbers levels from 1; parseTag gives the index (0 = L1).
      const concurrencyOf = new Map(merged.levels.rows.map((r) => [Number(r.level) - 1, Number(r.concurrency)]));
      const sums = new Map<string, ReturnType<typeof mergeHistograms>[]>();
      for (const part of [a, b]) {
        for (const [tag, histogram] of readHlog(part.hlog)) {
          const key = parseTag(tag)!;
          const c = key.phase === 'warmup' ? key.concurrency : (concurrencyOf.get(key.level) ?? -1);
          const mergedTag = formatTag({ ...key, concurrency: c });
          sums.set(mergedTag, [...(sums.get(mergedTag) ?? []), histogram]);
        }
      }
      const got = readHlog(merged.hlog);
      expect([...got.keys()].sort()).toEqual([...sums.keys()].sort());
      for (const [tag, parts] of sums) {
        const expected = summarizeHistogram(mergeHistograms(parts))!;
        const actual = summarizeHistogram(got.get(tag)!)!;
        expect(actual, tag).toEqual(expected);
      }
      // levels.csv of the merged folder is read from those sums.
      for (const row of merged.levels.rows) {
        const expected = summarizeHistogram(mergeHistograms(sums.get(`completionMs@t0-L${row.level}-c${row.concurrency}-measure`)!))!;
        expect(Number(row.completionMs_count)).toBe(expected.count);
        expect(Number(row.completionMs_p95).toFixed(3)).toBe(expected.p95.toFixed(3));
      }
      expect(readFileSync(join(merged.dir, 'report.html'), 'utf8')).toContain('<html');
    });
  });
}
