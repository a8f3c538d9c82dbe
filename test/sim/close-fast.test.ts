/** close() returns promptly even while a long model load is being simulated at real speed. */
import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { expect, test } from 'vitest';
import { startSim } from '../../src/sim/index.js';
import { Recorder, postJson } from './sim-test-helpers.js';

test('close during a cold Flux load (≈ 15 s simulated at timeScale 1) takes well under a second', async () => {
  const sim = await startSim({ timeScale: 1 });
  const rec = await Recorder.open(sim.url);
  const prompt = JSON.parse(readFileSync(new URL('../../fixtures/workflows/flux-dev-txt2img.json', import.meta.url), 'utf8')) as unknown;
  await postJson(sim.url, '/prompt', { prompt, client_id: rec.clientId, prompt_id: randomUUID() });
  await rec.waitFor((m) => m.type === 'executing');
  const t0 = performance.now();
  await sim.close();
  expect(performance.now() - t0).toBeLessThan(1000);
});
