/** The fault seam's first named faults: http-500, slow-http and oom act where targeted, others are accepted. */
import { randomUUID } from 'node:crypto';
import { afterAll, expect, test } from 'vitest';
import { startSim } from '../../src/sim/index.js';
import type { SimHandle, SimOptions } from '../../src/sim/index.js';
import { Recorder, getJson, postJson } from './sim-test-helpers.js';

const sims: SimHandle[] = [];
async function open(opts: Partial<SimOptions>): Promise<SimHandle> {
  const s = await startSim({ timeScale: 0.01, ...opts });
  sims.push(s);
  return s;
}
afterAll(async () => {
  await Promise.all(sims.map((s) => s.close()));
});

const FAKE = {
  '1': { class_type: 'BenchFakeSampler', inputs: { steps: 2, step_ms: 10, seed: 1, vram_mb: 1 } },
  '2': { class_type: 'SaveImage', inputs: { images: ['1', 0], filename_prefix: 'f' } },
};

test('http-500 on one route (with its /api alias), others untouched', async () => {
  const sim = await open({ faults: [{ name: 'http-500', target: '/queue' }, { name: 'stall' }] });
  expect((await getJson(sim.url, '/queue')).status).toBe(500);
  expect((await getJson(sim.url, '/api/queue')).status).toBe(500);
  expect((await getJson(sim.url, '/prompt')).status).toBe(200);
});

test('slow-http delays the reply by ms × timeScale', async () => {
  const sim = await open({ faults: [{ name: 'slow-http', target: '/prompt', ms: 5000 }] });
  const t0 = performance.now();
  expect((await getJson(sim.url, '/prompt')).status).toBe(200);
  expect(performance.now() - t0).toBeGreaterThanOrEqual(45);
});

test('oom at a node class after N prompts: execution_error torch.OutOfMemoryError', async () => {
  const sim = await open({ faults: [{ name: 'oom', target: 'BenchFakeSampler', afterPrompts: 1 }] });
  const rec = await Recorder.open(sim.url);
  const ids = [randomUUID(), randomUUID()];
  for (const [i, id] of ids.entries()) {
    await postJson(sim.url, '/prompt', { prompt: { ...FAKE, '1': { ...FAKE['1'], inputs: { ...FAKE['1'].inputs, seed: i } } }, client_id: rec.clientId, prompt_id: id });
    await rec.waitDone(id);
  }
  expect(sim.groundTruth.prompts.get(ids[0] as string)?.outcome).toBe('success');
  expect(sim.groundTruth.prompts.get(ids[1] as string)?.exceptionType).toBe('torch.OutOfMemoryError');
  rec.close();
});
