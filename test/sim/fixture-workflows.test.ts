/**
 * Every workflow in fixtures/workflows runs to success on the emulator (inputs uploaded first),
 * with plausible simulated service times per family.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startSim } from '../../src/sim/index.js';
import type { SimHandle } from '../../src/sim/index.js';
import { Recorder, postJson } from './sim-test-helpers.js';

const DIR = new URL('../../fixtures/workflows/', import.meta.url);
let sim: SimHandle;
beforeAll(async () => {
  sim = await startSim({ timeScale: 0.001 });
  for (const name of readdirSync(new URL('input/', DIR))) {
    const form = new FormData();
    form.append('image', new Blob([readFileSync(new URL(`input/${name}`, DIR))]), name);
    const res = await fetch(`${sim.url}/upload/image`, { method: 'POST', body: form });
    expect(res.status).toBe(200);
  }
});
afterAll(async () => {
  await sim.close();
});

const workflows = readdirSync(DIR).filter((f) => f.endsWith('.json'));

test.each(workflows)('%s runs to success', async (file) => {
  const prompt = JSON.parse(readFileSync(new URL(file, DIR), 'utf8')) as unknown;
  const rec = await Recorder.open(sim.url);
  const id = randomUUID();
  const r = await postJson(sim.url, '/prompt', { prompt, client_id: rec.clientId, prompt_id: id });
  expect(r.status, r.text).toBe(200);
  await rec.waitDone(id, 20_000);
  rec.close();
  const t = sim.groundTruth.prompts.get(id);
  expect(t?.outcome, JSON.stringify(rec.forPrompt(id).find((m) => m.type === 'execution_error')?.data)).toBe('success');
  const total = Object.values(t?.serviceUnscaledMs ?? {}).reduce((a, b) => a + b, 0);
  const steps = t?.steps.length ?? 0;
  console.info(
    `${file}: ${(total / 1000).toFixed(2)} s simulated, ${steps} steps, ${((t?.serviceUnscaledMs.steps ?? 0) / Math.max(1, steps)).toFixed(0)} ms/step, peak VRAM ${((t?.vramPeakActiveBytes ?? 0) / 2 ** 30).toFixed(1)} GiB`,
  );
  expect(t?.outputFiles.length).toBeGreaterThan(0);
});
