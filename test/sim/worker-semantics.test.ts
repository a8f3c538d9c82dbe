/**
 * Worker semantics of the emulator: priority and `front`, queue delete/clear beside a running
 * prompt, interrupt by id, /free, reconnect and clientId takeover, routing without an owner.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
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

export const fake = (seed: number, steps = 2, stepMs = 10): Record<string, unknown> => ({
  '1': { class_type: 'BenchFakeSampler', inputs: { steps, step_ms: stepMs, seed, vram_mb: 16 } },
  '2': { class_type: 'SaveImage', inputs: { images: ['1', 0], filename_prefix: 'bench' } },
});

async function submit(rec: Recorder, prompt: Record<string, unknown>, extra: Record<string, unknown> = {}): Promise<string> {
  const id = randomUUID();
  const r = await postJson(sim.url, '/prompt', { prompt, client_id: rec.clientId, prompt_id: id, ...extra });
  expect(r.status).toBe(200);
  return id;
}

/** A long prompt that keeps the worker busy until interrupted. */
async function blocker(rec: Recorder): Promise<string> {
  const id = await submit(rec, fake(Math.floor(Math.random() * 1e9), 1000, 100));
  await rec.waitFor((m) => m.type === 'progress' && isRecord(m.data) && m.data.prompt_id === id);
  return id;
}

function startOrder(rec: Recorder): string[] {
  return rec.messages.filter((m) => m.type === 'execution_start').map((m) => (m.data as { prompt_id: string }).prompt_id);
}

describe('queue order', () => {
  test('lowest number first; front jumps the queue; /queue shows 5-element items', async () => {
    const rec = await Recorder.open(sim.url);
    const b = await blocker(rec);
    const a = await submit(rec, fake(101));
    const f = await submit(rec, fake(102), { front: true });
    const n = await submit(rec, fake(103), { number: -1e9 });
    const q = (await getJson(sim.url, '/queue')).json as { queue_running: unknown[][]; queue_pending: unknown[][] };
    expect(q.queue_running.map((i) => i[1])).toEqual([b]);
    expect(q.queue_pending.map((i) => i.length)).toEqual([5, 5, 5]);
    expect(new Set(q.queue_pending.map((i) => i[1]))).toEqual(new Set([a, f, n]));
    await postJson(sim.url, '/interrupt', {});
    await rec.waitDone(a);
    expect(startOrder(rec)).toEqual([b, n, f, a]);
    rec.close();
  });

  test('delete and clear touch pending prompts only', async () => {
    const rec = await Recorder.open(sim.url);
    const b = await blocker(rec);
    const x = await submit(rec, fake(201));
    const y = await submit(rec, fake(202));
    const z = await submit(rec, fake(203));
    await postJson(sim.url, '/queue', { delete: [x, 'unknown-id'] });
    expect(((await getJson(sim.url, '/queue')).json as { queue_pending: unknown[][] }).queue_pending.map((i) => i[1]).sort()).toEqual([y, z].sort());
    await postJson(sim.url, '/queue', { clear: true });
    const q = (await getJson(sim.url, '/queue')).json as { queue_running: unknown[][]; queue_pending: unknown[][] };
    expect(q.queue_pending).toEqual([]);
    expect(q.queue_running.map((i) => i[1])).toEqual([b]);
    expect((await getJson(sim.url, '/prompt')).json).toEqual({ exec_info: { queue_remaining: 1 } });
    await postJson(sim.url, '/interrupt', { prompt_id: b });
    await rec.waitDone(b);
    expect(startOrder(rec)).toEqual([b]);
    for (const id of [x, y, z]) expect((await getJson(sim.url, `/history/${id}`)).json).toEqual({});
    rec.close();
  });
});

describe('interrupt', () => {
  test('by another id does nothing; by the running id interrupts; history says error', async () => {
    const rec = await Recorder.open(sim.url);
    const r = await submit(rec, fake(301, 40, 20));
    await rec.waitFor((m) => m.type === 'progress' && isRecord(m.data) && m.data.prompt_id === r);
    const other = await postJson(sim.url, '/interrupt', { prompt_id: randomUUID() });
    expect([other.status, other.text]).toEqual([200, '']);
    await rec.waitFor((m) => m.type === 'progress' && isRecord(m.data) && m.data.prompt_id === r && (m.data.value as number) >= 3);
    await postJson(sim.url, '/interrupt', { prompt_id: r });
    await rec.waitDone(r);
    const types = rec.forPrompt(r).map((m) => m.type);
    expect(types.slice(-3)).toEqual(['execution_interrupted', 'status', 'executing']);
    const h = ((await getJson(sim.url, `/history/${r}`)).json as Record<string, { status: { status_str: string; completed: boolean; messages: [string][] } }>)[
      r
    ];
    expect(h?.status.status_str).toBe('error');
    expect(h?.status.completed).toBe(false);
    expect(h?.status.messages.map((m) => m[0])).toEqual(['execution_start', 'execution_cached', 'execution_interrupted']);
    rec.close();
  });

  test('an interrupt while idle is cleared when the next prompt starts', async () => {
    const rec = await Recorder.open(sim.url);
    await sim.state?.worker.whenIdle();
    await postJson(sim.url, '/interrupt', '');
    const id = await submit(rec, fake(401));
    await rec.waitDone(id);
    expect(rec.forPrompt(id).some((m) => m.type === 'execution_success')).toBe(true);
    rec.close();
  });
});

describe('sockets', () => {
  test('an owner reconnecting mid-run is told the running node without prompt_id', async () => {
    const first = await Recorder.open(sim.url);
    // A sampler that runs until interrupted (50 s at this time scale): node 1 is still running at the reconnect however loaded the machine.
    const id = await blocker(first);
    first.close();
    await new Promise((r) => setTimeout(r, 20));
    const again = await Recorder.open(sim.url, { clientId: first.clientId });
    const replay = await again.waitFor((m) => m.type === 'executing');
    expect(replay.data).toEqual({ node: '1' });
    expect(again.messages[0]?.data).toMatchObject({ sid: first.clientId });
    await postJson(sim.url, '/interrupt', { prompt_id: id });
    await again.waitDone(id);
    again.close();
  });

  test('a second socket with the same clientId takes over, and hears nothing once the first closes', async () => {
    const a = await Recorder.open(sim.url);
    const b = await Recorder.open(sim.url, { clientId: a.clientId });
    const id1 = await submit(a, fake(601));
    await b.waitDone(id1);
    expect(a.messages.some((m) => m.type === 'execution_start')).toBe(false);
    a.close();
    await new Promise((r) => setTimeout(r, 20));
    const seen = b.messages.length;
    const watcher = await Recorder.open(sim.url);
    const id2 = await submit(b, fake(602));
    await watcher.waitFor((m) => m.type === 'status' && isRecord(m.data) && m.data.sid === undefined);
    await sim.state?.worker.whenIdle();
    expect((await getJson(sim.url, `/history/${id2}`)).json).toHaveProperty(id2);
    expect(b.messages.length).toBe(seen);
    b.close();
    watcher.close();
  });

  test('no owner: progress and progress_state are broadcast, owner-only messages are not sent', async () => {
    const watcher = await Recorder.open(sim.url);
    const id = randomUUID();
    await postJson(sim.url, '/prompt', { prompt: fake(701), prompt_id: id });
    await watcher.waitFor((m) => m.type === 'progress' && isRecord(m.data) && m.data.prompt_id === id);
    await sim.state?.worker.whenIdle();
    const types = new Set(watcher.messages.slice(1).map((m) => m.type));
    expect(types).toEqual(new Set(['status', 'progress', 'progress_state']));
    watcher.close();
  });

  test('a random 32-hex sid without clientId', async () => {
    const r = await Recorder.open(sim.url, { clientId: null });
    expect((r.messages[0]?.data as { sid: string }).sid).toMatch(/^[0-9a-f]{32}$/);
    r.close();
  });
});
