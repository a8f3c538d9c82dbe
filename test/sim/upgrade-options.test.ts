/**
 * The emulator playing an upgrade: `slowdown` stretches the GPU's compute (steps, decode, text
 * encode, sampler setup) by exactly that factor and nothing else, a GPU profile object replaces
 * the named one, and `comfyuiVersion` is what /system_stats reports. Two emulators with the same
 * seed run the same prompt, so the jitter is identical and the ratio is exact.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, test } from 'vitest';
import { startSim, type SimHandle, type SimOptions } from '../../src/sim/index.js';
import { getGpuProfile, gpuProfileFromJson } from '../../src/sim/profiles.js';
import { Recorder, getJson, postJson } from './sim-test-helpers.js';

const sims: SimHandle[] = [];
async function open(opts: Partial<SimOptions>): Promise<SimHandle> {
  const s = await startSim({ timeScale: 0.01, seed: 5, ...opts });
  sims.push(s);
  return s;
}
afterAll(async () => {
  await Promise.all(sims.map((s) => s.close()));
});

async function oneWarmPrompt(sim: SimHandle): Promise<Record<string, number>> {
  const rec = await Recorder.open(sim.url);
  const graph = JSON.parse(readFileSync(new URL('../../fixtures/workflows/sd15-txt2img.json', import.meta.url), 'utf8')) as Record<
    string,
    { inputs: Record<string, unknown> }
  >;
  let last = '';
  for (const seed of [1, 2]) {
    graph['3']!.inputs.seed = seed;
    last = randomUUID();
    const r = await postJson(sim.url, '/prompt', { prompt: graph, client_id: rec.clientId, prompt_id: last });
    expect(r.status, r.text).toBe(200);
    await rec.waitDone(last);
  }
  rec.close();
  return sim.groundTruth.prompts.get(last)!.serviceUnscaledMs;
}

describe('emulator upgrade options', () => {
  test('slowdown 1.1 makes steps, sampler setup and decode exactly 10% slower, model loads and saves not', async () => {
    const base = await oneWarmPrompt(await open({}));
    const slow = await oneWarmPrompt(await open({ slowdown: 1.1 }));
    for (const k of ['steps', 'decode', 'samplerSetup'] as const) expect(slow[k]! / base[k]!).toBeCloseTo(1.1, 9);
    expect(slow.save).toBeCloseTo(base.save!, 9);
    expect(slow.modelLoad).toBeCloseTo(base.modelLoad!, 9);
  });

  test('reports the given ComfyUI version and a custom GPU profile', async () => {
    const profile = gpuProfileFromJson({ base: 'rtx-4090', name: 'My GPU', relativeSpeed: 0.5 }, 'my-gpu');
    expect(profile).toMatchObject({ id: 'my-gpu', name: 'My GPU', relativeSpeed: 0.5, vramBytes: getGpuProfile('rtx-4090').vramBytes });
    // As the CLI starts it: the GPU id is the profile's own, which no built-in profile has.
    const sim = await open({ comfyuiVersion: '0.3.65', gpu: 'my-gpu', gpuProfile: profile as Exclude<typeof profile, string> });
    const stats = (await getJson(sim.url, '/system_stats')).json as { system: { comfyui_version: string }; devices: { name: string }[] };
    expect(stats.system.comfyui_version).toBe('0.3.65');
    expect(stats.devices[0]!.name).toContain('My GPU');
    expect(gpuProfileFromJson({ name: 'x' }, 'x')).toContain('`vramBytes`');
    expect(gpuProfileFromJson({ base: 'nope' }, 'x')).toContain('`base` one of');
  });
});
