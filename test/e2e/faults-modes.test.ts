/**
 * One `comfyload run` per emulator fault mode, each against its own emulator started here: the
 * run completes, every submitted prompt has exactly one outcome and the counts add up, the result
 * files parse, and what the harness counted matches what the emulator did (its fault counters and
 * ground truth). Credentials ride along on every run and must appear nowhere.
 */
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type FaultSpec, type SimHandle } from '../../src/sim/index.js';
import { expectAccounted, runAndRead, SECRET_TOKEN, tempDir, withCredentials, writeFastWorkflow, type FaultRun } from './fault-run.js';

const TIME_SCALE = 0.1;

interface Case {
  faults: FaultSpec[];
  concurrency: number;
  prompts: number;
  extra?: string[];
  check: (r: FaultRun, sim: SimHandle) => void;
}

/** Truth outcomes of the run's prompts. */
function truthOf(sim: SimHandle, ids: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const id of ids) {
    const t = sim.groundTruth.prompts.get(id);
    const o = t === undefined ? 'never-queued' : (t.outcome ?? 'undefined');
    out[o] = (out[o] ?? 0) + 1;
  }
  return out;
}

const CASES: Record<string, Case> = {
  'ws-drop': {
    faults: [{ name: 'ws-drop', every: 25 }],
    concurrency: 4,
    prompts: 60,
    check: (r) => {
      expect(r.outcomes).toEqual({ ok: 60 });
      expect(Number(r.run.summary.environment.reconnects)).toBeGreaterThan(5);
      // Completions missed while a socket was down were filled from /history, and say so.
      expect(r.run.requests.rows.filter((row) => row.source === 'history').length).toBeGreaterThan(0);
    },
  },
  restart: {
    faults: [{ name: 'restart', every: 20 }],
    concurrency: 4,
    prompts: 60,
    check: (r, sim) => {
      expect(sim.state?.restarts).toBeGreaterThanOrEqual(2);
      expect(r.outcomes.lost).toBeGreaterThan(0);
      // A prompt is `lost` exactly when the emulator lost it in a restart.
      const lost = r.run.requests.rows.filter((row) => row.outcome === 'lost').map((row) => row.promptId!);
      for (const id of lost) expect(sim.groundTruth.prompts.get(id)?.outcome).toBe('lost');
      expect((r.outcomes.ok ?? 0) + (r.outcomes.lost ?? 0)).toBe(60);
    },
  },
  'http-500': {
    faults: [{ name: 'http-500', target: '/prompt', probability: 0.1 }],
    concurrency: 4,
    prompts: 60,
    check: (r, sim) => {
      // POST /prompt is never retried: each 500 is one rejected prompt the server never queued.
      const fired = sim.state?.faults.counts()['http-500'] ?? 0;
      expect(fired).toBeGreaterThan(0);
      expect(r.outcomes['rejected:http_500']).toBe(fired);
      expect(truthOf(sim, r.ids)).toEqual({ success: 60 - fired, 'never-queued': fired });
    },
  },
  'slow-http': {
    faults: [{ name: 'slow-http', target: '/prompt', ms: 3000, probability: 0.3 }],
    concurrency: 2,
    prompts: 30,
    check: (r) => {
      expect(r.outcomes).toEqual({ ok: 30 });
      const acks = r.run.requests.rows.map((row) => Number(row.submitAckMs));
      expect(Math.max(...acks)).toBeGreaterThanOrEqual(290);
    },
  },
  stall: {
    faults: [{ name: 'stall', target: 'BenchFakeSampler', ms: 5000, probability: 0.2 }],
    concurrency: 2,
    prompts: 30,
    check: (r, sim) => {
      expect(sim.state?.faults.counts().stall).toBeGreaterThan(0);
      expect(r.outcomes).toEqual({ ok: 30 });
    },
  },
  stuck: {
    faults: [{ name: 'stuck', target: 'BenchFakeSampler', probability: 0.15 }],
    concurrency: 2,
    prompts: 30,
    extra: ['--prompt-timeout', '1s'],
    check: (r, sim) => {
      const stuck = sim.state?.faults.counts().stuck ?? 0;
      expect(stuck).toBeGreaterThan(0);
      // Each stuck prompt timed out and was interrupted by its id; a prompt waiting behind it may
      // time out while pending and be deleted from the queue (never run).
      expect(r.outcomes.timeout).toBeGreaterThanOrEqual(stuck);
      expect((r.outcomes.ok ?? 0) + r.outcomes.timeout!).toBe(30);
      const timedOut = r.run.requests.rows.filter((row) => row.outcome === 'timeout').map((row) => row.promptId!);
      const truth = truthOf(sim, timedOut);
      // Stuck ones were interrupted by id; one that waited behind them timed out pending (deleted,
      // never ran), just after it started (interrupted too), or as it was finishing (the server's
      // success raced the deadline).
      expect(truth.interrupted).toBeGreaterThanOrEqual(stuck);
      expect(truth.error).toBeUndefined();
      expect(sim.state?.queue.remaining).toBe(0); // nothing of the run left on the server
    },
  },
  oom: {
    faults: [{ name: 'oom', target: 'BenchFakeSampler', probability: 0.2 }],
    concurrency: 2,
    prompts: 40,
    check: (r, sim) => {
      const fired = sim.state?.faults.counts().oom ?? 0;
      expect(fired).toBeGreaterThan(0);
      expect(r.outcomes['error:torch.OutOfMemoryError']).toBe(fired);
      expect(r.outcomes.ok).toBe(40 - fired);
    },
  },
  malformed: {
    faults: [{ name: 'malformed', probability: 0.05 }],
    concurrency: 2,
    prompts: 40,
    check: (r) => {
      expect(r.outcomes).toEqual({ ok: 40 });
      expect(Number(r.run.summary.environment.malformedMessages)).toBeGreaterThan(0);
    },
  },
  'progress-storm': {
    faults: [{ name: 'progress-storm', factor: 500 }],
    concurrency: 2,
    prompts: 20,
    check: (r) => {
      expect(r.outcomes).toEqual({ ok: 20 });
      for (const row of r.run.requests.rows) expect(Number(row.stepCount)).toBe(3 * 500);
    },
  },
};

describe.each(Object.keys(CASES))('comfyload run against the emulator with the %s fault', (name) => {
  const c = CASES[name]!;
  let sim: SimHandle;
  let dir: string;
  let result: FaultRun;

  beforeAll(async () => {
    sim = await startSim({ timeScale: TIME_SCALE, seed: 11, faults: c.faults });
    dir = tempDir(`comfyload-fault-${name}-`);
    const workflow = writeFastWorkflow(dir);
    result = await runAndRead(
      [
        'run',
        '--url',
        withCredentials(sim.url),
        '--header',
        `X-Api-Key: ${SECRET_TOKEN}`,
        '--workflow',
        workflow,
        '--concurrency',
        String(c.concurrency),
        '--prompts',
        String(c.prompts),
        '--warmup',
        '0',
        '--vram-interval',
        '1s',
        '--max-error-rate',
        '1',
        '--name',
        `fault-${name}`,
        ...(c.extra ?? []),
      ],
      `${dir}/results`,
    );
  }, 100_000);

  afterAll(async () => {
    await sim?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('completes, accounts for every prompt once, writes files that parse, leaks no secret', () => {
    expect(result.cli.code, result.cli.stderr).toBe(0);
    expect(result.run.summary.partial).toBe(false);
    expectAccounted(result, c.prompts);
  });

  it('counts what the fault did', () => {
    c.check(result, sim);
  });
});
