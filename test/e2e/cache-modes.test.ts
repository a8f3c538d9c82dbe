/**
 * `--cache-mode allow` and `--cache-mode audit` end to end, against an emulator started here.
 * allow: fixed seeds, so every measured prompt is a cache hit — a valid measurement of one: the
 * run exits 0, the hits count as ok (`cached` in the outcomes), in throughput and in latency.
 * audit: the audit's varied prompts and the run's prompts draw from one seed stream, so with an
 * LRU cache (which keeps the audit's outputs) no measured prompt repeats an audit seed.
 */
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type SimHandle } from '../../src/sim/index.js';
import { expectAccounted, runAndRead, tempDir, writeFastWorkflow, type FaultRun } from './fault-run.js';

const PROMPTS = 5;

function run(sim: SimHandle, dir: string, mode: string, warmup: number): Promise<FaultRun> {
  return runAndRead(
    [
      'run',
      '--url',
      sim.url,
      '--workflow',
      writeFastWorkflow(dir),
      '--cache-mode',
      mode,
      '--concurrency',
      '1',
      '--prompts',
      String(PROMPTS),
      '--warmup',
      String(warmup),
    ],
    `${dir}/results`,
  );
}

describe('--cache-mode allow with fixed seeds', () => {
  let dir: string;
  let sim: SimHandle;
  let r: FaultRun;

  beforeAll(async () => {
    dir = tempDir('comfyload-cache-allow-');
    sim = await startSim({ timeScale: 0.05 });
    r = await run(sim, dir, 'allow', 1);
  }, 70_000);

  afterAll(async () => {
    await sim?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('exits 0 with every measured prompt a cache hit, counted ok', () => {
    expect(r.cli.code, r.cli.stderr).toBe(0);
    expectAccounted(r, PROMPTS + 1);
    expect(r.run.summary.settings.cacheMode).toBe('allow');
    expect(r.run.summary.totals).toMatchObject({ submitted: PROMPTS, ok: PROMPTS, notOk: 0, outcomes: { cached: PROMPTS } });
    const level = r.run.levels.rows[0]!;
    expect(level).toMatchObject({ submitted: String(PROMPTS), ok: String(PROMPTS), notOk: '0', cached: String(PROMPTS) });
    expect(r.cli.stderr).not.toMatch(/served entirely from ComfyUI's cache: they measure nothing/);
  });

  it('measures the hits: in throughput and latency, each no shorter than the emulator took to serve it', () => {
    const level = r.run.levels.rows[0]!;
    expect(Number(level.promptsPerSec)).toBeGreaterThan(0);
    expect(Number(level.completionMs_count)).toBe(PROMPTS);
    for (const row of r.run.requests.rows.filter((x) => x.phase === 'measure')) {
      const truth = sim.groundTruth.prompts.get(row.promptId!)!;
      expect(truth.cachedNodes.length).toBeGreaterThan(0);
      expect(truth.steps).toHaveLength(0);
      expect(Number(row.completionMs)).toBeGreaterThanOrEqual(truth.completedMs! - truth.enqueuedMs - 0.5);
    }
  });
});

describe('--cache-mode audit before the run, with an LRU cache that keeps the audit outputs', () => {
  let dir: string;
  let sim: SimHandle;
  let r: FaultRun;

  beforeAll(async () => {
    dir = tempDir('comfyload-cache-audit-');
    sim = await startSim({ timeScale: 0.05, cache: { lru: 16 } });
    r = await run(sim, dir, 'audit', 0);
  }, 70_000);

  afterAll(async () => {
    await sim?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('passes the audit, then measures prompts none of which the cache served', () => {
    expect(r.cli.stderr).toMatch(/cache audit passed/);
    expect(r.cli.code, r.cli.stderr).toBe(0);
    expectAccounted(r, PROMPTS);
    expect(r.run.summary.totals.outcomes).toEqual({ ok: PROMPTS });
  });

  it('never gives a measured prompt a seed of the audit: one seed stream for both', async () => {
    const history = (await (await fetch(`${sim.url}/history`)).json()) as Record<
      string,
      { prompt: [number, string, Record<string, { inputs: { seed?: number } }>] }
    >;
    const seedOf = (id: string): number => history[id]!.prompt[2]['1']!.inputs.seed!;
    const runIds = new Set(r.ids);
    const auditIds = Object.keys(history).filter((id) => !runIds.has(id));
    expect(auditIds).toHaveLength(1 + 3 + 3); // priming, identical, varied
    const auditSeeds = new Set(auditIds.map(seedOf));
    const runSeeds = r.ids.map(seedOf);
    expect(runSeeds.filter((s) => auditSeeds.has(s))).toEqual([]);
    expect(new Set(runSeeds).size).toBe(PROMPTS);
  });
});
