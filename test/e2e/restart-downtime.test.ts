/**
 * Issue #7, a restart with downtime: the emulator restarts after its 15th and 30th finished prompt
 * and keeps its port closed for 1.5 s each time (`restart:every=15,times=2,down=15000` at
 * time-scale 0.1), then listens again
 * with an empty queue and history. The run survives it: the sockets reconnect with backoff, the
 * prompts the restart swallowed end `lost` (the emulator lost them, or never got their POST), the
 * prompts after it end `ok`, and every count adds up.
 */
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type SimHandle } from '../../src/sim/index.js';
import { expectAccounted, runAndRead, SECRET_TOKEN, tempDir, withCredentials, writeFastWorkflow, type FaultRun } from './fault-run.js';

const PROMPTS = 45;
const DOWN_MS = 1500;

describe('comfyload run across emulator restarts with 1.5 s of downtime', () => {
  let sim: SimHandle;
  let dir: string;
  let r: FaultRun;

  beforeAll(async () => {
    sim = await startSim({ timeScale: 0.1, seed: 3, faults: [{ name: 'restart', every: 15, times: 2, downMs: DOWN_MS * 10 }] });
    dir = tempDir('comfyload-restart-down-');
    const workflow = writeFastWorkflow(dir);
    r = await runAndRead(
      [
        'run',
        '--url',
        withCredentials(sim.url),
        '--header',
        `X-Api-Key: ${SECRET_TOKEN}`,
        '--workflow',
        workflow,
        '--concurrency',
        '4',
        '--prompts',
        String(PROMPTS),
        '--warmup',
        '0',
        '--vram-interval',
        '1s',
        '--max-error-rate',
        '1',
        '--name',
        'restart-down',
      ],
      `${dir}/results`,
      {},
      60_000,
    );
  }, 70_000);

  afterAll(async () => {
    await sim?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('completes (exit 0, not partial), one outcome per prompt, files parse, no secret', () => {
    expect(r.cli.code, r.cli.stderr).toBe(0);
    expect(r.run.summary.partial).toBe(false);
    expectAccounted(r, PROMPTS);
  });

  it('the restarts happened and the sockets came back after the downtime', () => {
    const restarts = sim.state?.restarts ?? 0;
    expect(restarts).toBe(2);
    // Every one of the 4 sockets reconnected after each restart.
    expect(Number(r.run.summary.environment.reconnects)).toBeGreaterThanOrEqual(4 * restarts);
    expect(r.run.summary.durationMs).toBeGreaterThanOrEqual(restarts * DOWN_MS);
  });

  it('prompts the restarts swallowed are lost, exactly those; the others ok', () => {
    expect(Object.keys(r.outcomes).sort()).toEqual(['lost', 'ok']);
    const lost = r.run.requests.rows.filter((row) => row.outcome === 'lost');
    expect(lost.length).toBeGreaterThan(0);
    for (const row of lost) expect(['lost', undefined]).toContain(sim.groundTruth.prompts.get(row.promptId!)?.outcome);
    for (const row of r.run.requests.rows.filter((x) => x.outcome === 'ok')) expect(sim.groundTruth.prompts.get(row.promptId!)?.outcome).toBe('success');
    // The users waited for their sockets while the port was closed (at most one stray POST each,
    // sent as the restart began): each downtime shows as a gap in the send times.
    const sends = r.run.requests.rows.map((row) => Number(row.sentMs)).sort((a, b) => a - b);
    const gaps = sends.slice(1).map((v, i) => v - sends[i]!);
    expect(gaps.filter((g) => g >= DOWN_MS * 0.9)).toHaveLength(2);
    // After the last restart the server took work again: the last prompts sent ended ok.
    const bySend = [...r.run.requests.rows].sort((a, b) => Number(a.sentMs) - Number(b.sentMs));
    expect(bySend.slice(-3).map((row) => row.outcome)).toEqual(['ok', 'ok', 'ok']);
  });
});
