/**
 * Many clients at once: each owner sees only its own prompts' owner-only messages, every prompt
 * completes once, strictly one after another (ground truth: no overlapping executions).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startSim } from '../../src/sim/index.js';
import type { SimHandle } from '../../src/sim/index.js';
import { Recorder, isRecord, postJson } from './sim-test-helpers.js';

let sim: SimHandle;
beforeAll(async () => {
  sim = await startSim({ timeScale: 0.002 });
});
afterAll(async () => {
  await sim.close();
});

test('20 clients × 5 prompts: routing stays per owner, execution stays serial', async () => {
  const clients = await Promise.all(Array.from({ length: 20 }, () => Recorder.open(sim.url)));
  const owned = new Map<Recorder, string[]>();
  await Promise.all(
    clients.map(async (rec, c) => {
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        const id = randomUUID();
        ids.push(id);
        const prompt = {
          '1': { class_type: 'BenchFakeSampler', inputs: { steps: 5, step_ms: 100, seed: c * 100 + i, vram_mb: 64 } },
          '2': { class_type: 'SaveImage', inputs: { images: ['1', 0], filename_prefix: `c${c}` } },
        };
        expect((await postJson(sim.url, '/prompt', { prompt, client_id: rec.clientId, prompt_id: id })).status).toBe(200);
      }
      owned.set(rec, ids);
    }),
  );
  for (const rec of clients) for (const id of owned.get(rec) ?? []) await rec.waitDone(id, 30_000);
  for (const rec of clients) {
    const mine = new Set(owned.get(rec));
    for (const m of rec.messages) {
      if (isRecord(m.data) && typeof m.data.prompt_id === 'string') expect(mine.has(m.data.prompt_id)).toBe(true);
    }
    expect(rec.messages.filter((m) => m.type === 'execution_success')).toHaveLength(5);
    rec.close();
  }
  const runs = [...sim.groundTruth.prompts.values()].sort((a, b) => (a.executionStartMs ?? 0) - (b.executionStartMs ?? 0));
  expect(runs).toHaveLength(100);
  for (let i = 1; i < runs.length; i++) expect(runs[i]?.executionStartMs ?? 0).toBeGreaterThanOrEqual(runs[i - 1]?.completedMs ?? Infinity);
}, 60_000);
