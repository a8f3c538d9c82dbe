/**
 * Regression (issue 11): between closed-loop levels the harness waits for the server's queue to
 * drain; a GET /prompt that failed ended the wait silently and the next level started on a queue
 * of unknown depth (here: every prompt of level 2 rejected, and a plain error-rate failure).
 * Now repeated failures stop the run with COMFYLOAD_ERR_QUEUE_READ (exit 3), level 1 kept,
 * `"partial": true` with the reason.
 */
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectAccounted, runAndRead, tempDir, writeFastWorkflow, type FaultRun } from './fault-run.js';

describe('a queue that cannot be read between levels (http-500 on /prompt after 3 prompts)', () => {
  let dir: string;
  let r: FaultRun;

  beforeAll(async () => {
    dir = tempDir('comfyload-drain-');
    r = await runAndRead(
      [
        'run',
        '--workflow',
        writeFastWorkflow(dir),
        '--sim-fault',
        'http-500:route=/prompt,after=3',
        '--sim-time-scale',
        '0.02',
        '--concurrency',
        '1,2',
        '--prompts',
        '3',
        '--warmup',
        '0',
      ],
      `${dir}/results`,
    );
  }, 60_000);

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('stops with COMFYLOAD_ERR_QUEUE_READ (exit 3) and its fix, before level 2 sends anything', () => {
    expect(r.cli.code, r.cli.stderr).toBe(3);
    expect(r.cli.stderr).toMatch(/COMFYLOAD_ERR_QUEUE_READ/);
    expect(r.cli.stderr).toMatch(/GET \/prompt on http:\/\/127\.0\.0\.1:\d+ failed 5 times in a row while waiting for the queue to drain between levels/);
    expect(r.cli.stderr).toMatch(/must forward GET \/prompt/);
    expect(r.outcomes).toEqual({ ok: 3 });
    expectAccounted(r, 3);
  });

  it('keeps level 1 and says why the results are partial', () => {
    expect(r.run.summary.partial).toBe(true);
    expect(r.run.summary.partialReason).toMatch(/failed 5 times in a row/);
    expect(Object.keys(r.run.summary.levels)).toEqual(['0']);
    expect(r.run.summary.levels['0']!.ok).toBe(3);
  });
});
