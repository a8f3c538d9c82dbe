/**
 * `comfyload run` end to end, as a user runs it (the built CLI, spawned), against the emulator
 * started in this process so that its ground truth — the true emulator-side times of every
 * prompt — can be held against what the harness measured. Tolerances are stated per check and
 * come from what separates the two clocks: loopback delivery and event-loop scheduling.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type SimHandle } from '../../src/sim/index.js';
import type { PromptTruth } from '../../src/sim/index.js';
import { readHlog } from '../../src/metrics/hlog-reader.js';
import { summarizeHistogram } from '../../src/metrics/hdr.js';
import { findRunDirs, readRun, runCli, type CliResult, type RunFiles } from './run-cli.js';

const LEVELS = [1, 2, 4];
const PROMPTS = 12;
const WARMUP = 2;
const TIME_SCALE = 0.2;

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;
}

/** The emulator's steps 2..n of each sampler node: the time between the sends of step k−1 and step k. */
function trueStepIntervals(truth: PromptTruth): number[] {
  const out: number[] = [];
  for (const node of truth.nodes) {
    const steps = truth.steps.filter((s) => s.nodeId === node.nodeId).sort((a, b) => a.value - b.value);
    for (let k = 1; k < steps.length; k++) out.push(steps[k]!.atMs - steps[k - 1]!.atMs);
  }
  return out;
}

describe.each(['current', 'legacy'] as const)('comfyload run, closed loop, against the emulator (%s protocol)', (protocol) => {
  let sim: SimHandle;
  let resultsRoot: string;
  let cli: CliResult;
  let run: RunFiles;

  beforeAll(async () => {
    sim = await startSim({ timeScale: TIME_SCALE, protocol, seed: 7 });
    resultsRoot = mkdtempSync(join(tmpdir(), 'comfyload-e2e-'));
    cli = await runCli([
      'run',
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
      '--results-dir',
      resultsRoot,
      '--name',
      `e2e-${protocol}`,
    ]);
    const dirs = findRunDirs(resultsRoot);
    expect(dirs).toHaveLength(1);
    run = readRun(dirs[0]!);
  }, 120_000);

  afterAll(async () => {
    await sim?.close();
    if (resultsRoot) rmSync(resultsRoot, { recursive: true, force: true });
  });

  it('exits 0 and prints where its results are', () => {
    expect(cli.stderr).not.toMatch(/at .+\.js:\d+/); // no stack trace
    expect(cli.code).toBe(0);
    expect(cli.stderr).toContain(`results in ${run.dir}`);
    expect(run.summary.partial).toBe(false);
  });

  it('writes levels.csv with a row per level at the planned concurrency', () => {
    expect(run.levels.rows.map((r) => Number(r.concurrency))).toEqual(LEVELS);
    for (const row of run.levels.rows) expect(Number(row.submitted)).toBe(PROMPTS);
    // Levels are numbered from 1 in the files as on the console (L1 is level 1, the warm-up 0), and the files say so.
    expect(run.levels.rows.map((r) => r.level)).toEqual(LEVELS.map((_, i) => String(i + 1)));
    expect(run.levels.comments).toContain('# levels: numbered from 1 as on the console (level 1 = L1); the warm-up is level 0');
    expect(new Set(run.requests.rows.filter((r) => r.phase === 'warmup').map((r) => r.level))).toEqual(new Set(['0']));
    expect(new Set(run.requests.rows.filter((r) => r.phase === 'measure').map((r) => r.level))).toEqual(new Set(LEVELS.map((_, i) => String(i + 1))));
  });

  it('ends every submitted prompt in exactly one outcome, and the counts add up everywhere', () => {
    const ids = run.requests.rows.map((r) => r.promptId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toHaveLength(LEVELS.length * PROMPTS + WARMUP);
    // Every prompt the emulator ran is one the harness accounted for, and vice versa.
    expect(new Set(sim.groundTruth.prompts.keys())).toEqual(new Set(ids));
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    for (const row of run.levels.rows) {
      const outcomes = Object.fromEntries(row.outcomes!.split(';').map((kv) => kv.split('=') as [string, string]));
      const sum = Object.values(outcomes).reduce((a, n) => a + Number(n), 0);
      expect(sum).toBe(Number(row.submitted));
      expect(Number(row.ok) + Number(row.notOk)).toBe(Number(row.submitted));
    }
    // The totals are the measured levels'; the warm-up is reported apart.
    const t = run.summary.totals;
    expect(Object.values(t.outcomes).reduce((a, n) => a + n, 0)).toBe(t.submitted);
    expect(t.submitted).toBe(LEVELS.length * PROMPTS);
    expect(t.outcomes.ok).toBe(LEVELS.length * PROMPTS); // seeds randomised: nothing served from cache
    expect(run.summary.warmup).toMatchObject({ submitted: WARMUP, outcomes: { ok: WARMUP } });
  });

  it('measures step intervals within 1 ms (median) and 5 ms (p95) of the emulator ground truth', () => {
    const errors: number[] = [];
    for (const row of run.requests.rows) {
      const truth = sim.groundTruth.prompts.get(row.promptId!)!;
      const measured = row.stepIntervalsMs!.split(';').map(Number);
      const expected = trueStepIntervals(truth);
      expect(measured).toHaveLength(expected.length);
      measured.forEach((m, i) => errors.push(Math.abs(m - expected[i]!)));
    }
    expect(errors.length).toBe((LEVELS.length * PROMPTS + WARMUP) * 19);
    expect(percentile(errors, 50)).toBeLessThan(1);
    // The tail is the receiving process's scheduling on a busy 2-core machine, not the protocol.
    expect(percentile(errors, 95)).toBeLessThan(5);
  });

  it('measures queue wait as the true queue wait plus loopback delivery: never less, a few ms more', () => {
    const excess: number[] = [];
    for (const row of run.requests.rows) {
      const truth = sim.groundTruth.prompts.get(row.promptId!)!;
      const trueWaitMs = truth.executionStartMs! - truth.enqueuedMs;
      const e = Number(row.queueWaitMs) - trueWaitMs;
      // Causality: the POST is sent before the server enqueues, and execution_start received after it is sent.
      expect(e, `prompt ${row.promptId} (c=${row.concurrency})`).toBeGreaterThan(-0.5);
      excess.push(e);
    }
    // Delivery over loopback; the tail allows for a busy 2-core machine's scheduling.
    expect(percentile(excess, 50)).toBeLessThan(5);
    expect(percentile(excess, 90)).toBeLessThan(15);
    expect(Math.max(...excess)).toBeLessThan(100);
    // And queueing is real: at c=4 the median prompt waits for about 3 others' service.
    const c4 = run.requests.rows.filter((r) => r.concurrency === '4' && r.phase === 'measure');
    const meanExecMs = c4.reduce((a, r) => a + Number(r.execMs), 0) / c4.length;
    expect(
      percentile(
        c4.map((r) => Number(r.queueWaitMs)),
        50,
      ) / meanExecMs,
    ).toBeGreaterThan(2.5);
  });

  it('reports a throughput equal to the emulator service rate at every level (one worker), within 5%', () => {
    for (const row of run.levels.rows) {
      const level = run.requests.rows.filter((r) => r.level === row.level && r.phase === 'measure');
      const busyMs = level.reduce((a, r) => {
        const t = sim.groundTruth.prompts.get(r.promptId!)!;
        return a + (t.completedMs! - t.executionStartMs!);
      }, 0);
      const serviceRate = (level.length * 1000) / busyMs;
      expect(Number(row.promptsPerSec) / serviceRate, `level ${row.level} c=${row.concurrency}`).toBeGreaterThan(0.95);
      expect(Number(row.promptsPerSec) / serviceRate, `level ${row.level} c=${row.concurrency}`).toBeLessThan(1.05);
    }
  });

  it('writes a histograms.hlog that reads back to the percentiles of levels.csv', () => {
    const byTag = readHlog(run.hlog);
    for (const row of run.levels.rows) {
      for (const metric of ['completionMs', 'queueWaitMs', 'stepIntervalMs', 'execMs'] as const) {
        const tag = `${metric}@t0-L${row.level}-c${row.concurrency}-measure`;
        const figures = summarizeHistogram(byTag.get(tag)!);
        expect(figures, tag).toBeDefined();
        for (const p of ['p50', 'p90', 'p99', 'max'] as const) {
          expect(figures![p].toFixed(3), `${tag} ${p}`).toBe(Number(row[`${metric}_${p}`]).toFixed(3));
        }
        expect(figures!.count).toBe(Number(row[`${metric}_count`]));
      }
    }
  });

  it(
    protocol === 'legacy'
      ? 'completes by `executing null` alone, with no server timestamps'
      : 'takes the server-side execution time from the message timestamps',
    () => {
      for (const row of run.requests.rows) {
        if (protocol === 'legacy') expect(row.serverExecMs).toBe('');
        else expect(Number(row.serverExecMs)).toBeGreaterThan(0);
      }
    },
  );

  it("records the harness's own event-loop delay (its receive lag) in summary.json", () => {
    const env = run.summary.environment;
    for (const key of ['harnessEventLoopDelayP50Ms', 'harnessEventLoopDelayP99Ms', 'harnessEventLoopDelayMaxMs']) {
      expect(Number(env[key]), key).toBeGreaterThanOrEqual(0);
    }
    expect(Number(env.harnessEventLoopDelayP50Ms)).toBeLessThanOrEqual(Number(env.harnessEventLoopDelayMaxMs));
  });

  it('keeps warm-up prompts out of the level figures', () => {
    const warm = run.requests.rows.filter((r) => r.phase === 'warmup');
    expect(warm).toHaveLength(WARMUP);
    expect(run.summary.warmup?.submitted).toBe(WARMUP);
    expect(run.levels.rows.every((r) => r.phase === 'measure')).toBe(true);
  });
});
