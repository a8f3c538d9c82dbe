/**
 * The legacy (mid-2024) protocol's messages, previews of a real sampler, the history cap, and
 * the worker driven by a ManualClock (no real waiting, exact ground-truth times).
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, test } from 'vitest';
import { ManualClock, startSim } from '../../src/sim/index.js';
import type { SimHandle, SimOptions } from '../../src/sim/index.js';
import { Recorder, collapse, getJson, isRecord, postJson, token } from './sim-test-helpers.js';

const sims: SimHandle[] = [];
async function open(opts: Partial<SimOptions>): Promise<SimHandle> {
  const s = await startSim({ timeScale: 0.02, ...opts });
  sims.push(s);
  return s;
}
afterAll(async () => {
  await Promise.all(sims.map((s) => s.close()));
});

const FAKE = (seed: number, steps = 3, stepMs = 10): Record<string, unknown> => ({
  '1': { class_type: 'BenchFakeSampler', inputs: { steps, step_ms: stepMs, seed, vram_mb: 16 } },
  '2': { class_type: 'SaveImage', inputs: { images: ['1', 0], filename_prefix: 'bench' } },
});

describe('legacy protocol (mid-2024 server)', () => {
  test('no progress_state, execution_success, timestamps, display_node or cached executed', async () => {
    const sim = await open({ protocol: 'legacy' });
    const rec = await Recorder.open(sim.url, { clientId: 'legacy-client' });
    rec.ws.send(JSON.stringify({ type: 'feature_flags', data: { supports_preview_metadata: true } }));
    const id = 'my-own-id-1'; // no UUID check on a legacy server
    const r = await postJson(sim.url, '/prompt', { prompt: FAKE(1), client_id: rec.clientId, prompt_id: id });
    expect(r.json).toEqual({ prompt_id: id, number: 0, node_errors: {} });
    await rec.waitDone(id);
    expect(collapse(rec.forPrompt(id).slice(1).map(token))).toEqual([
      'status',
      'execution_start',
      'execution_cached',
      'executing(1)',
      'progress',
      'executing(2)',
      'executed(2)',
      'status',
      'executing(null)',
    ]);
    expect(rec.messages.some((m) => m.type === 'feature_flags')).toBe(false);
    const start = rec.messages.find((m) => m.type === 'execution_start');
    expect(start?.data).toEqual({ prompt_id: id });
    expect(rec.messages.find((m) => m.type === 'executing' && isRecord(m.data) && m.data.node === '1')?.data).toEqual({ node: '1', prompt_id: id });
    const id2 = 'my-own-id-2';
    await postJson(sim.url, '/prompt', { prompt: FAKE(1), client_id: rec.clientId, prompt_id: id2 });
    await rec.waitDone(id2);
    expect(
      collapse(
        rec
          .forPrompt(id2)
          .slice(1)
          .filter((m) => m.type !== 'status')
          .map(token),
      ),
    ).toEqual(['execution_start', 'execution_cached', 'executing(null)']);
    const h = (await getJson(sim.url, `/history/${id}`)).json as Record<string, Record<string, unknown>>;
    expect(Object.keys(h[id] ?? {})).toEqual(['prompt', 'outputs', 'status']);
    expect((await getJson(sim.url, '/features')).status).toBe(404);
    const stats = (await getJson(sim.url, '/system_stats')).json as { system: Record<string, unknown> };
    expect(stats.system).not.toHaveProperty('argv');
    const none = await postJson(sim.url, '/prompt', {});
    expect(none.json).toEqual({ error: 'no prompt', node_errors: [] });
    rec.close();
  });
});

test('previewMethod auto: one JPEG preview per KSampler step, after its progress', async () => {
  const sim = await open({ previewMethod: 'auto', timeScale: 0.005 });
  const rec = await Recorder.open(sim.url);
  const g = JSON.parse(readFileSync(new URL('../../fixtures/workflows/sd15-txt2img.json', import.meta.url), 'utf8')) as Record<string, unknown>;
  const id = randomUUID();
  await postJson(sim.url, '/prompt', { prompt: g, client_id: rec.clientId, prompt_id: id });
  await rec.waitDone(id);
  const msgs = rec.forPrompt(id);
  const bins = msgs.filter((m) => m.kind === 'binary');
  expect(bins).toHaveLength(20);
  const i = msgs.findIndex((m) => m.kind === 'binary');
  expect(msgs[i - 1]?.type).toBe('progress');
  expect(((await getJson(sim.url, '/system_stats')).json as { system: { argv: string[] } }).system.argv).toEqual(
    expect.arrayContaining(['--preview-method', 'auto']),
  );
  rec.close();
});

test('history cap: the oldest entry goes, max_items returns the newest oldest-first', async () => {
  const sim = await open({ historyMax: 2 });
  const rec = await Recorder.open(sim.url);
  const ids: string[] = [];
  for (let i = 0; i < 5; i++) {
    const id = randomUUID();
    ids.push(id);
    await postJson(sim.url, '/prompt', { prompt: FAKE(100 + i, 1, 1), client_id: rec.clientId, prompt_id: id });
    await rec.waitDone(id);
  }
  // Upstream pops one entry when the size already exceeds the cap, so it holds cap + 1.
  expect(Object.keys((await getJson(sim.url, '/history')).json as object)).toEqual(ids.slice(2));
  expect(Object.keys((await getJson(sim.url, '/history?max_items=2')).json as object)).toEqual(ids.slice(3));
  expect(Object.keys((await getJson(sim.url, '/history?max_items=1&offset=1')).json as object)).toEqual([ids[3]]);
  rec.close();
});

test('ManualClock: the worker moves only when the clock does; ground truth has exact times', async () => {
  const clock = new ManualClock(1000);
  const sim = await open({ clock, timeScale: 1 });
  const rec = await Recorder.open(sim.url);
  const id = randomUUID();
  await postJson(sim.url, '/prompt', { prompt: FAKE(7, 3, 100), client_id: rec.clientId, prompt_id: id });
  await clock.advance(0);
  const progressCount = (): number => rec.messages.filter((m) => m.type === 'progress').length;
  await new Promise((r) => setTimeout(r, 20));
  expect(progressCount()).toBe(0);
  await clock.advance(150);
  await rec.waitFor((m) => m.type === 'progress');
  await new Promise((r) => setTimeout(r, 20));
  expect(progressCount()).toBe(1);
  await clock.advance(1000);
  await rec.waitDone(id);
  const t = sim.groundTruth.prompts.get(id);
  const start = t?.nodes[0]?.startMs ?? 0;
  // The sampler's setup (its 16 MiB ballast) comes before the first step.
  const setup = t?.nodes[0]?.serviceScaledMs.samplerSetup ?? Number.NaN;
  expect(setup).toBeGreaterThan(0);
  expect(t?.steps.map((s) => Math.round((s.atMs - start - setup) * 1e6) / 1e6)).toEqual([100, 200, 300]);
  expect(t?.serviceScaledMs.steps).toBe(300);
  rec.close();
});
