/**
 * Output cache modes (classic / none / lru), /free, the simulated GPU's VRAM and OOM, and the
 * ground truth's service-time figures for an SD1.5 txt2img on the default RTX 4090 profile.
 */
import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, test } from 'vitest';
import { startSim } from '../../src/sim/index.js';
import type { SimHandle, SimOptions } from '../../src/sim/index.js';
import { Recorder, getJson, postJson } from './sim-test-helpers.js';

type Graph = Record<string, { class_type: string; inputs: Record<string, unknown> }>;

function workflow(name: string): Graph {
  return JSON.parse(readFileSync(new URL(`../../fixtures/workflows/${name}.json`, import.meta.url), 'utf8')) as Graph;
}

function sd15(seed: number): Graph {
  const g = workflow('sd15-txt2img');
  (g['3'] as { inputs: Record<string, unknown> }).inputs.seed = seed;
  return g;
}

const sims: SimHandle[] = [];
async function open(opts: Partial<SimOptions>): Promise<SimHandle> {
  const s = await startSim({ timeScale: 0.01, ...opts });
  sims.push(s);
  return s;
}
afterAll(async () => {
  await Promise.all(sims.map((s) => s.close()));
});

async function run(sim: SimHandle, rec: Recorder, prompt: Graph): Promise<{ id: string; cached: string[]; types: string[]; executed: unknown[] }> {
  const id = randomUUID();
  const r = await postJson(sim.url, '/prompt', { prompt, client_id: rec.clientId, prompt_id: id });
  expect(r.status, r.text).toBe(200);
  await rec.waitDone(id);
  const msgs = rec.forPrompt(id).filter((m) => m.type !== 'status');
  const cached = (msgs.find((m) => m.type === 'execution_cached')?.data as { nodes: string[] }).nodes;
  return { id, cached, types: msgs.map((m) => m.type), executed: msgs.filter((m) => m.type === 'executed').map((m) => (m.data as { output: unknown }).output) };
}

async function vramUsed(sim: SimHandle): Promise<number> {
  const d = ((await getJson(sim.url, '/system_stats')).json as { devices: { vram_total: number; vram_free: number }[] }).devices[0];
  return (d?.vram_total ?? 0) - (d?.vram_free ?? 0);
}

describe('classic cache', () => {
  test('identical prompt fully cached, new seed keeps loaders and encoders, another graph evicts', async () => {
    const sim = await open({});
    const rec = await Recorder.open(sim.url);
    const cold = await run(sim, rec, sd15(1));
    expect(cold.cached).toEqual([]);
    const again = await run(sim, rec, sd15(1));
    expect(again.cached).toEqual(['3', '4', '5', '6', '7', '8', '9']);
    expect(again.types).toEqual(['execution_start', 'execution_cached', 'executed', 'progress_state', 'execution_success', 'executing']);
    expect(again.executed).toEqual(cold.executed); // the earlier run's files, no new file
    const reseeded = await run(sim, rec, sd15(2));
    expect(reseeded.cached).toEqual(['4', '5', '6', '7']);
    const t = sim.groundTruth.prompts.get(reseeded.id);
    expect(t?.nodes.filter((n) => !n.cached).map((n) => n.nodeId)).toEqual(['3', '8', '9']);
    await run(sim, rec, {
      '1': { class_type: 'BenchFakeSampler', inputs: { steps: 1, step_ms: 1, seed: 1, vram_mb: 0 } },
      '2': { class_type: 'SaveImage', inputs: { images: ['1', 0], filename_prefix: 'x' } },
    });
    expect((await run(sim, rec, sd15(2))).cached).toEqual([]);
    rec.close();
  });

  test('none: nothing ever cached; lru: an older graph survives another one', async () => {
    const none = await open({ cache: 'none' });
    const r1 = await Recorder.open(none.url);
    await run(none, r1, sd15(5));
    expect((await run(none, r1, sd15(5))).cached).toEqual([]);
    r1.close();
    const lru = await open({ cache: { lru: 50 } });
    const r2 = await Recorder.open(lru.url);
    await run(lru, r2, sd15(6));
    await run(lru, r2, workflow('bench-fake-sampler'));
    expect((await run(lru, r2, sd15(6))).cached).toEqual(['3', '4', '5', '6', '7', '8', '9']);
    const argv = ((await getJson(lru.url, '/system_stats')).json as { system: { argv: string[] } }).system.argv;
    expect(argv.join(' ')).toContain('--cache-lru 50');
    r2.close();
  });
});

describe('/free and VRAM', () => {
  test('unload_models frees VRAM but keeps outputs; free_memory makes the next prompt cold', async () => {
    const sim = await open({});
    const rec = await Recorder.open(sim.url);
    const idle = await vramUsed(sim);
    await run(sim, rec, sd15(10));
    expect((await vramUsed(sim)) - idle).toBeGreaterThan(1.5e9);
    await postJson(sim.url, '/free', { unload_models: true });
    expect(await vramUsed(sim)).toBe(idle);
    const after = await run(sim, rec, sd15(11));
    expect(after.cached).toEqual(['4', '5', '6', '7']);
    expect(sim.groundTruth.prompts.get(after.id)?.serviceUnscaledMs.modelLoad).toBeGreaterThan(100); // upload again
    await postJson(sim.url, '/free', { free_memory: true });
    expect((await run(sim, rec, sd15(11))).cached).toEqual([]);
    rec.close();
  });

  test('OOM on a small GPU: torch.OutOfMemoryError with the tip, models unloaded', async () => {
    const sim = await open({ gpu: 'l4' });
    const rec = await Recorder.open(sim.url);
    const g = workflow('sdxl-txt2img');
    Object.assign((g['5'] as { inputs: Record<string, unknown> }).inputs, { width: 2048, height: 2048, batch_size: 16 });
    const r = await run(sim, rec, g);
    expect(r.types.slice(-2)).toEqual(['execution_error', 'executing']);
    const err = rec.forPrompt(r.id).find((m) => m.type === 'execution_error')?.data as Record<string, string>;
    expect(err.exception_type).toBe('torch.OutOfMemoryError');
    expect(err.node_id).toBe('3');
    expect(err.exception_message).toMatch(
      /^Allocation on device 0 would exceed allowed memory\. \(out of memory\)\n[\s\S]*\nThis error means you ran out of memory on your GPU\.\n\nTIPS: /,
    );
    const dev = ((await getJson(sim.url, '/system_stats')).json as { devices: Record<string, number | string>[] }).devices[0] as Record<string, number>;
    expect(dev.torch_vram_total).toBe(0);
    const fakeOom = await run(sim, rec, {
      '1': { class_type: 'BenchFakeSampler', inputs: { steps: 2, step_ms: 1, seed: 1, vram_mb: 40000 } },
      '2': { class_type: 'SaveImage', inputs: { images: ['1', 0], filename_prefix: 'x' } },
    });
    expect(fakeOom.types).toContain('execution_error');
    rec.close();
  });
});

describe('ground truth', () => {
  test('SD1.5 512² 20 steps on an RTX 4090: realistic service times, scaled by timeScale, 20 steps recorded', async () => {
    const sim = await open({ seed: 42 });
    const rec = await Recorder.open(sim.url);
    const cold = await run(sim, rec, sd15(21));
    const warm = await run(sim, rec, sd15(22));
    const total = (c: Record<string, number>): number => Object.values(c).reduce((a, b) => a + b, 0);
    const tc = sim.groundTruth.prompts.get(cold.id);
    const tw = sim.groundTruth.prompts.get(warm.id);
    if (tc === undefined || tw === undefined) throw new Error('no ground truth');
    expect(total(tw.serviceUnscaledMs)).toBeGreaterThan(1300);
    expect(total(tw.serviceUnscaledMs)).toBeLessThan(2000);
    expect(total(tc.serviceUnscaledMs)).toBeGreaterThan(total(tw.serviceUnscaledMs) + 1000); // checkpoint read + upload
    expect(tw.serviceUnscaledMs.steps / 20).toBeGreaterThan(50);
    expect(tw.serviceUnscaledMs.steps / 20).toBeLessThan(70);
    for (const [k, v] of Object.entries(tw.serviceUnscaledMs)) expect(tw.serviceScaledMs[k as keyof typeof tw.serviceScaledMs]).toBeCloseTo(v * 0.01, 9);
    expect(tw.steps.map((s) => s.value)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(tw.cachedNodes).toEqual(['4', '5', '6', '7']);
    expect(tw.outcome).toBe('success');
    const ordered = [tw.enqueuedMs, tw.dequeuedMs, tw.executionStartMs, tw.steps[0]?.atMs, tw.steps[19]?.atMs, tw.completedMs];
    expect([...ordered].sort((a, b) => (a ?? 0) - (b ?? 0))).toEqual(ordered);
    expect((tw.completedMs ?? 0) - (tw.executionStartMs ?? 0)).toBeGreaterThanOrEqual(total(tw.serviceScaledMs) * 0.95);
    expect(tw.vramPeakActiveBytes).toBeGreaterThan(2e9);
    expect(JSON.parse(JSON.stringify(sim.groundTruth)).prompts.length).toBeGreaterThanOrEqual(2);
    rec.close();
  });
});
