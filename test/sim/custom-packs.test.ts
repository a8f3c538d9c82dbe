/**
 * Extra custom node packs in the emulator: their classes appear in /object_info from
 * `custom_nodes.<pack>` as real ComfyUI names a pack's module, they run in a prompt, /extensions
 * lists one script per pack (and serves it), and a class that already exists is refused.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, expect, test } from 'vitest';
import { startSim, type SimHandle, type SimOptions } from '../../src/sim/index.js';
import { Recorder, getJson, isRecord, postJson } from './sim-test-helpers.js';

const sims: SimHandle[] = [];
async function open(opts: Partial<SimOptions>): Promise<SimHandle> {
  const s = await startSim({ timeScale: 0.01, ...opts });
  sims.push(s);
  return s;
}
afterAll(async () => {
  await Promise.all(sims.map((s) => s.close()));
});

const PACK = { name: 'ComfyUI-Impact-Pack', classes: ['ImpactSwitch', 'ImpactWildcardProcessor'] };

test('a pack adds its classes to /object_info, from custom_nodes.<pack>, beside the bench nodes', async () => {
  const sim = await open({ customPacks: [PACK] });
  const info = (await getJson(sim.url, '/object_info')).json as Record<string, Record<string, unknown>>;
  expect(info.ImpactSwitch).toMatchObject({ name: 'ImpactSwitch', python_module: 'custom_nodes.ComfyUI-Impact-Pack', output: ['IMAGE'] });
  expect(info.ImpactWildcardProcessor?.python_module).toBe('custom_nodes.ComfyUI-Impact-Pack');
  expect(info.BenchFakeSampler?.python_module).toBe('custom_nodes.bench_nodes');
  expect(info.KSampler?.python_module).toBe('nodes');
  expect((await getJson(sim.url, '/object_info/ImpactSwitch')).json).toEqual({ ImpactSwitch: info.ImpactSwitch });
});

test('/extensions lists one script per pack and serves it; without packs it is empty', async () => {
  const sim = await open({ customPacks: [PACK, { name: 'rgthree-comfy', classes: ['Seed (rgthree)'] }] });
  const scripts = (await getJson(sim.url, '/extensions')).json;
  expect(scripts).toEqual(['/extensions/ComfyUI-Impact-Pack/ComfyUI-Impact-Pack.js', '/extensions/rgthree-comfy/rgthree-comfy.js']);
  expect((await getJson(sim.url, '/extensions/rgthree-comfy/rgthree-comfy.js')).status).toBe(200);
  expect((await getJson(sim.url, '/extensions/rgthree-comfy/other.js')).status).toBe(404);
  const plain = await open({});
  expect((await getJson(plain.url, '/extensions')).json).toEqual([]);
});

test("a pack's class runs in a prompt as a pass-through image node", async () => {
  const sim = await open({ customPacks: [PACK] });
  const rec = await Recorder.open(sim.url);
  const id = randomUUID();
  const r = await postJson(sim.url, '/prompt', {
    prompt: {
      '1': { class_type: 'BenchFakeSampler', inputs: { steps: 2, step_ms: 5, seed: 3, vram_mb: 1, size: 64 } },
      '2': { class_type: 'ImpactSwitch', inputs: { image: ['1', 0] } },
      '3': { class_type: 'SaveImage', inputs: { images: ['2', 0], filename_prefix: 'pack' } },
    },
    client_id: rec.clientId,
    prompt_id: id,
  });
  expect(r.status).toBe(200);
  await rec.waitDone(id);
  rec.close();
  expect(sim.groundTruth.prompts.get(id)?.outcome).toBe('success');
  const history = (await getJson(sim.url, `/history/${id}`)).json;
  expect(isRecord(history) && JSON.stringify(history)).toContain('pack_');
});

test('a class already registered, or a pack name that is not a folder name, is refused', async () => {
  await expect(open({ customPacks: [{ name: 'dup', classes: ['KSampler'] }] })).rejects.toThrow(
    'Expected `customPacks[].classes` to name new node classes, got `KSampler` in dup (already registered)',
  );
  await expect(open({ customPacks: [{ name: 'a/b', classes: ['X'] }] })).rejects.toThrow('Expected `customPacks[].name` to be a folder name');
});
