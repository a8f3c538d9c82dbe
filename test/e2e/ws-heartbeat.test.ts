/**
 * Regression (issue 11): a WebSocket whose peer stops answering without closing (half-open) was
 * found only by the quiet look-ups (30 s, here set to 10 min), so its prompts hung. The emulator's
 * `ws-mute` fault silences a socket for good — no frame, no pong — and the harness's heartbeat
 * (--ws-heartbeat 200ms) drops it within 2 periods, reconnects, and settles its prompts from
 * /history: every prompt ends ok, long before any quiet look-up.
 */
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type SimHandle } from '../../src/sim/index.js';
import { expectAccounted, runAndRead, tempDir, writeFastWorkflow, type FaultRun } from './fault-run.js';

describe('a peer that goes silent without closing (emulator fault ws-mute)', () => {
  let dir: string;
  let sim: SimHandle;
  let r: FaultRun;
  let startedMs: number;
  let tookMs: number;

  beforeAll(async () => {
    dir = tempDir('comfyload-mute-');
    sim = await startSim({ timeScale: 0.02, seed: 3, faults: [{ name: 'ws-mute', every: 40 }] });
    startedMs = performance.now();
    r = await runAndRead(
      [
        'run',
        '--url',
        sim.url,
        '--workflow',
        writeFastWorkflow(dir),
        '--concurrency',
        '2',
        '--prompts',
        '12',
        '--warmup',
        '0',
        '--ws-heartbeat',
        '200ms',
        '--quiet-lookup',
        '10m',
      ],
      `${dir}/results`,
      {},
      60_000,
    );
    tookMs = performance.now() - startedMs;
  }, 70_000);

  afterAll(async () => {
    await sim?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('muted sockets for real, and the run still ends with every prompt ok, without waiting for a quiet look-up', () => {
    const muted = sim.state!.faults.counts()['ws-mute'] ?? 0;
    expect(muted).toBeGreaterThanOrEqual(1);
    expect(r.cli.code, r.cli.stderr).toBe(0);
    expect(r.outcomes).toEqual({ ok: 12 });
    expectAccounted(r, 12);
    // Each muted socket is found within 2 heartbeat periods (+ one tick): far below the 10 min quiet look-up.
    expect(tookMs).toBeLessThan(40_000);
  });

  it('reconnected each muted socket and filled the prompts it lost from /history', () => {
    const muted = sim.state!.faults.counts()['ws-mute'] ?? 0;
    expect(Number(r.run.summary.environment.reconnects)).toBeGreaterThanOrEqual(muted);
    expect(r.run.requests.rows.some((row) => row.source === 'history' || (row.flags ?? '').includes('fromHistory'))).toBe(true);
  });
});
