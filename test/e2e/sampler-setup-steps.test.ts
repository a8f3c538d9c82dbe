/**
 * Step intervals against the emulator's true step times when the sampler's setup is much longer
 * than a step (the real-server case: a 600 MB ballast, 10 steps × 100 ms, first
 * intervals of 980, 370 and 389 ms). The truth is the emulator's own record: a step is the time
 * between the sends of two consecutive progress updates of one node, and each step slept
 * `step_ms × time scale`; the setup is the `samplerSetup` component it slept before the first.
 * Neither comes from the harness's definitions.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type PromptTruth, type SimHandle } from '../../src/sim/index.js';
import { findRunDirs, readRun, runCli, type CliResult, type RunFiles } from './run-cli.js';

const TIME_SCALE = 0.3;
const STEPS = 10;
const STEP_MS = 100;
const PROMPTS = 12;
/** What one step really sleeps in the emulator, ms. */
const TRUE_STEP_MS = STEP_MS * TIME_SCALE;

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;
}

/** The emulator's steps of its sampler node, by step number: the durations of steps 2..n. */
function trueStepDurations(truth: PromptTruth): number[] {
  const steps = truth.steps.filter((s) => s.nodeId === '1').sort((a, b) => a.value - b.value);
  return steps.slice(1).map((s, i) => s.atMs - steps[i]!.atMs);
}

describe('stepIntervalMs and samplerStartMs with a sampler setup much longer than a step', () => {
  let sim: SimHandle;
  let resultsRoot: string;
  let cli: CliResult;
  let run: RunFiles;

  beforeAll(async () => {
    sim = await startSim({ timeScale: TIME_SCALE, seed: 11 });
    resultsRoot = mkdtempSync(join(tmpdir(), 'comfyload-e2e-setup-'));
    cli = await runCli([
      'run',
      '--url',
      sim.url,
      '--workflow',
      'fixtures/workflows/bench-fake-sampler.json',
      '--set',
      `1.steps=${STEPS}`,
      '--set',
      `1.step_ms=${STEP_MS}`,
      '--set',
      '1.vram_mb=600',
      '--concurrency',
      '1',
      '--prompts',
      String(PROMPTS),
      '--warmup',
      '1',
      '--results-dir',
      resultsRoot,
      '--name',
      'sampler-setup',
    ]);
    run = readRun(findRunDirs(resultsRoot)[0]!);
  }, 120_000);

  afterAll(async () => {
    await sim?.close();
    if (resultsRoot) rmSync(resultsRoot, { recursive: true, force: true });
  });

  it('exits 0 with every prompt in exactly one outcome', () => {
    expect(cli.code, cli.stderr).toBe(0);
    const level = run.summary.levels['0']!;
    expect(Object.values(level.outcomes).reduce((a, n) => a + n, 0)).toBe(level.submitted);
    expect(level.submitted).toBe(PROMPTS);
    expect(level.ok).toBe(PROMPTS);
  });

  it('the emulator really spent several steps setting up before each first step', () => {
    for (const row of run.requests.rows) {
      const node = sim.groundTruth.prompts.get(row.promptId!)!.nodes.find((n) => n.nodeId === '1')!;
      expect(node.serviceScaledMs.samplerSetup).toBeGreaterThan(2.5 * TRUE_STEP_MS);
    }
  });

  it('counts only step-to-step gaps as step intervals, each matching the true step it measures', () => {
    const measured = run.summary.levels['0']!.metrics.stepIntervalMs!;
    const rows = run.requests.rows.filter((r) => r.phase === 'measure');
    const truth = rows.flatMap((r) => trueStepDurations(sim.groundTruth.prompts.get(r.promptId!)!));
    expect(measured.count).toBe(PROMPTS * (STEPS - 1));
    expect(truth).toHaveLength(PROMPTS * (STEPS - 1));
    // The emulator slept exactly one step between consecutive sends.
    expect(percentile(truth, 50)).toBeGreaterThanOrEqual(TRUE_STEP_MS - 0.5);
    // Interval by interval: loopback delivery and scheduling on a busy 2-core machine, nothing more.
    const errors = rows.flatMap((r) => {
      const want = trueStepDurations(sim.groundTruth.prompts.get(r.promptId!)!);
      return r.stepIntervalsMs!.split(';').map((v, i) => Math.abs(Number(v) - want[i]!));
    });
    expect(percentile(errors, 50)).toBeLessThan(2);
    expect(percentile(errors, 95)).toBeLessThan(10);
    expect(Math.abs(measured.p50 - percentile(truth, 50))).toBeLessThan(2);
    expect(Math.abs(measured.p99 - percentile(truth, 99))).toBeLessThan(15);
    // No interval holds a setup: the tail stays below the shortest setup the emulator slept.
    const shortestSetup = Math.min(
      ...rows.map((r) => sim.groundTruth.prompts.get(r.promptId!)!.nodes.find((n) => n.nodeId === '1')!.serviceScaledMs.samplerSetup),
    );
    expect(measured.max).toBeLessThan(shortestSetup + TRUE_STEP_MS);
  });

  it("measures each sampler's start (executing → first progress) against the emulator's, prompt by prompt", () => {
    const errors: number[] = [];
    for (const row of run.requests.rows) {
      const truth = sim.groundTruth.prompts.get(row.promptId!)!;
      const node = truth.nodes.find((n) => n.nodeId === '1')!;
      const first = truth.steps.find((s) => s.nodeId === '1' && s.value === 1)!;
      const starts = row.samplerStartsMs!.split(';').map(Number);
      expect(starts).toHaveLength(1);
      errors.push(Math.abs(starts[0]! - (first.atMs - node.startMs)));
      expect(row.stepIntervalsMs!.split(';')).toHaveLength(STEPS - 1);
    }
    expect(percentile(errors, 50)).toBeLessThan(2);
    expect(percentile(errors, 90)).toBeLessThan(10);
    const level = run.levels.rows.find((r) => r.phase === 'measure')!;
    expect(Number(level.samplerStartMs_count)).toBe(PROMPTS);
    expect(Number(level.samplerStartMs_p50)).toBeGreaterThan(3.5 * TRUE_STEP_MS);
    expect(run.hlog).toContain('samplerStartMs@t0-L1-c1-measure');
  });
});
