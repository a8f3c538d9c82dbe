/** §7 Jobs API (current protocol): list with status filter and pagination, one job, cancel. */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startSim } from '../../src/sim/index.js';
import type { SimHandle } from '../../src/sim/index.js';
import { Recorder, getJson, isRecord, postJson } from './sim-test-helpers.js';

let sim: SimHandle;
beforeAll(async () => {
  sim = await startSim({ timeScale: 0.05 });
});
afterAll(async () => {
  await sim.close();
});

const fake = (seed: number, steps: number): Record<string, unknown> => ({
  '1': { class_type: 'BenchFakeSampler', inputs: { steps, step_ms: 100, seed, vram_mb: 1 } },
  '2': { class_type: 'SaveImage', inputs: { images: ['1', 0], filename_prefix: 'j' } },
});

test('completed, in_progress, pending and cancelled jobs', async () => {
  const rec = await Recorder.open(sim.url);
  const done = randomUUID();
  await postJson(sim.url, '/prompt', { prompt: fake(1, 1), client_id: rec.clientId, prompt_id: done });
  await rec.waitDone(done);
  const running = randomUUID();
  const pending = randomUUID();
  await postJson(sim.url, '/prompt', { prompt: fake(2, 500), client_id: rec.clientId, prompt_id: running });
  await postJson(sim.url, '/prompt', { prompt: fake(3, 1), client_id: rec.clientId, prompt_id: pending });
  await rec.waitFor((m) => m.type === 'progress' && isRecord(m.data) && m.data.prompt_id === running);
  const list = (await getJson(sim.url, '/api/jobs?sort_order=asc')).json as { jobs: { id: string; status: string }[]; pagination: Record<string, unknown> };
  expect(list.jobs.map((j) => [j.id, j.status])).toEqual([
    [done, 'completed'],
    [running, 'in_progress'],
    [pending, 'pending'],
  ]);
  expect(list.pagination).toEqual({ offset: 0, limit: null, total: 3, has_more: false });
  const page = (await getJson(sim.url, '/api/jobs?status=pending,in_progress&limit=1&sort_order=asc')).json as {
    jobs: { id: string }[];
    pagination: { has_more: boolean };
  };
  expect(page.jobs.map((j) => j.id)).toEqual([running]);
  expect(page.pagination.has_more).toBe(true);
  expect(await getJson(sim.url, '/api/jobs/nope')).toMatchObject({ status: 404, json: { error: 'Job not found' } });
  expect((await postJson(sim.url, '/api/jobs/cancel', { job_ids: [pending] })).json).toEqual({ cancelled: [pending] });
  expect((await postJson(sim.url, `/api/jobs/${running}/cancel`, {})).json).toEqual({ cancelled: true });
  await rec.waitDone(running);
  expect(((await getJson(sim.url, `/api/jobs/${running}`)).json as { status: string }).status).toBe('cancelled');
  rec.close();
});
