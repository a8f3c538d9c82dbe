/**
 * The warm-up is reported apart and never gates: a warm-up prompt that hangs (the emulator's
 * `stuck` fault on the first prompt) times out, the 4 measured prompts finish ok, and the run
 * exits 0 — summary.totals and the --max-error-rate gate count the measured prompts only,
 * summary.warmup holds the timeout, and a warning says the model was never loaded.
 */
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type SimHandle } from '../../src/sim/index.js';
import { expectAccounted, runAndRead, tempDir, writeFastWorkflow, type FaultRun } from './fault-run.js';

const PROMPTS = 4;

describe('a warm-up that timed out, before 4 measured prompts that finished ok', () => {
  let dir: string;
  let sim: SimHandle;
  let r: FaultRun;

  beforeAll(async () => {
    dir = tempDir('comfyload-warmup-gate-');
    sim = await startSim({ timeScale: 0.05, faults: [{ name: 'stuck', probability: 1, times: 1 }] });
    r = await runAndRead(
      [
        'run',
        '--url',
        sim.url,
        '--workflow',
        writeFastWorkflow(dir),
        '--concurrency',
        '1',
        '--prompts',
        String(PROMPTS),
        '--warmup',
        '1',
        '--prompt-timeout',
        '1s',
        '--max-error-rate',
        '0',
      ],
      `${dir}/results`,
    );
  }, 70_000);

  afterAll(async () => {
    await sim?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('exits 0: the gate counts measured prompts only (0 errors of 4)', () => {
    expect(r.cli.code, r.cli.stderr).toBe(0);
    expect(r.cli.stderr).not.toMatch(/error rate .* is above --max-error-rate/);
    expectAccounted(r, PROMPTS + 1);
  });

  it('keeps the warm-up out of summary.totals and reports it apart', () => {
    expect(r.run.summary.totals).toMatchObject({ submitted: PROMPTS, ok: PROMPTS, notOk: 0, outcomes: { ok: PROMPTS } });
    expect(r.run.summary.warmup).toMatchObject({ submitted: 1, ok: 0, notOk: 1, outcomes: { timeout: 1 } });
  });

  it('warns that no warm-up prompt finished ok, on the console and in summary.json', () => {
    expect(r.cli.stderr).toMatch(/warning: no warm-up prompt finished ok \(timeout × 1\): the model was never loaded/);
    expect(r.run.summary.warnings?.some((w) => w.startsWith('no warm-up prompt finished ok'))).toBe(true);
  });
});
