/**
 * The sampler's setup (its `executing` → its first step) as the emulator simulates it:
 * BenchFakeSampler makes its `vram_mb` ballast first, so a 600 MiB ballast takes many times a
 * 100 ms step — more the first time, when the allocator must reserve the memory anew — as the
 * recorded server did (first intervals of 980, 370 and 389 ms). The ground truth records it as
 * the `samplerSetup` component, and the first step is sent only after it.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startSim, type SimHandle } from '../../src/sim/index.js';
import { Recorder, postJson } from './sim-test-helpers.js';

const TIME_SCALE = 0.05;
const STEP_MS = 100;

const ballast = (seed: number): Record<string, unknown> => ({
  '1': { class_type: 'BenchFakeSampler', inputs: { steps: 3, step_ms: STEP_MS, seed, vram_mb: 600 } },
  '2': { class_type: 'SaveImage', inputs: { images: ['1', 0], filename_prefix: 'setup' } },
});

let sim: SimHandle;
beforeAll(async () => {
  sim = await startSim({ timeScale: TIME_SCALE });
});
afterAll(async () => {
  await sim.close();
});

describe('BenchFakeSampler setup', () => {
  test('a 600 MiB ballast takes several steps before the first progress, longest when the allocator must reserve it anew', async () => {
    const rec = await Recorder.open(sim.url);
    const ids: string[] = [];
    for (const seed of [1, 2, 3, 4]) {
      const id = randomUUID();
      expect((await postJson(sim.url, '/prompt', { prompt: ballast(seed), client_id: rec.clientId, prompt_id: id })).status).toBe(200);
      await rec.waitDone(id);
      ids.push(id);
    }
    rec.close();
    const setups = ids.map((id) => {
      const truth = sim.groundTruth.prompts.get(id)!;
      const node = truth.nodes.find((n) => n.nodeId === '1')!;
      const firstStep = truth.steps.find((s) => s.nodeId === '1')!;
      // The first progress is sent after the setup and one step were slept.
      expect(firstStep.atMs - node.startMs).toBeGreaterThanOrEqual(node.serviceScaledMs.samplerSetup + STEP_MS * TIME_SCALE - 1);
      return node.serviceUnscaledMs.samplerSetup;
    });
    // Unscaled (what the recorded server took): ≈ 880 ms cold (the first prompt, and after the
    // worker's periodic empty_cache), ≈ 275 ms while the allocator still holds the memory.
    const cold = (ms: number): boolean => ms > 800 && ms < 950;
    const warm = (ms: number): boolean => ms > 2.5 * STEP_MS && ms < 3 * STEP_MS;
    expect(cold(setups[0]!)).toBe(true);
    for (const ms of setups) expect(cold(ms) || warm(ms), `setup ${ms} ms`).toBe(true);
    expect(setups.some(warm)).toBe(true);
  });
});
