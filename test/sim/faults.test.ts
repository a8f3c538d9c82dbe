/** The emulator's named faults: each acts where targeted, reproducibly; the plan's counting rules. */
import { randomUUID } from 'node:crypto';
import { afterAll, expect, test } from 'vitest';
import { startSim } from '../../src/sim/index.js';
import type { SimHandle, SimOptions } from '../../src/sim/index.js';
import { FAULT_NAMES, FaultPlan, parseFaultText } from '../../src/sim/faults.js';
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

test('http-404 hides one route as a server without it (aiohttp text), others untouched', async () => {
  const sim = await open({ faults: [{ name: 'http-404', target: '/extensions' }] });
  expect(await getJson(sim.url, '/extensions')).toMatchObject({ status: 404, text: '404: Not Found' });
  expect((await getJson(sim.url, '/api/extensions')).status).toBe(404);
  expect((await getJson(sim.url, '/features')).status).toBe(200);
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
    await postJson(sim.url, '/prompt', {
      prompt: { ...FAKE, '1': { ...FAKE['1'], inputs: { ...FAKE['1'].inputs, seed: i } } },
      client_id: rec.clientId,
      prompt_id: id,
    });
    await rec.waitDone(id);
  }
  expect(sim.groundTruth.prompts.get(ids[0] as string)?.outcome).toBe('success');
  expect(sim.groundTruth.prompts.get(ids[1] as string)?.exceptionType).toBe('torch.OutOfMemoryError');
  rec.close();
});

function fake(seed: number, steps = 2, stepMs = 10): typeof FAKE {
  return { ...FAKE, '1': { ...FAKE['1'], inputs: { ...FAKE['1'].inputs, seed, steps, step_ms: stepMs } } };
}

test('FaultPlan: every counts per scope, times caps, afterPrompts waits, probability is seeded', () => {
  let done = 0;
  const plan = new FaultPlan(
    [
      { name: 'ws-drop', every: 3 },
      { name: 'restart', afterPrompts: 2 },
    ],
    1,
    () => done,
  );
  const a = {};
  const b = {};
  const fired = (scope: object): boolean => plan.at('ws-send', '', scope).length > 0;
  expect([fired(a), fired(a), fired(a), fired(b), fired(a), fired(a), fired(a)]).toEqual([false, false, true, false, false, false, true]);
  expect(plan.at('prompt-done', '')).toEqual([]); // 0 done < 2
  done = 2;
  expect(plan.at('prompt-done', '').map((f) => f.name)).toEqual(['restart']);
  expect(plan.at('prompt-done', '')).toEqual([]); // restart without `every` acts once
  const draws = (seed: number): boolean[] => {
    const p = new FaultPlan([{ name: 'malformed', probability: 0.5 }], seed);
    return Array.from({ length: 20 }, () => p.at('ws-send', '', {}).length > 0);
  };
  expect(draws(3)).toEqual(draws(3));
  expect(plan.counts()).toEqual({ 'ws-drop': 2, restart: 1 });
});

test('parseFaultText: several faults, aliases, refusals', () => {
  expect(parseFaultText('ws-drop:every=50,http-500:rate=0.05,route=/prompt')).toEqual([
    { name: 'ws-drop', every: 50 },
    { name: 'http-500', probability: 0.05, target: '/prompt' },
  ]);
  expect(parseFaultText('stuck')).toEqual([{ name: 'stuck' }]);
  expect(parseFaultText('restart:every=20,down=1500')).toEqual([{ name: 'restart', every: 20, downMs: 1500 }]);
  expect(parseFaultText('restart:down=-1')).toEqual({ error: expect.stringContaining('`down` must be a number >= 0') });
  expect(parseFaultText('nope')).toEqual({ error: expect.stringContaining('unknown fault `nope`') });
  expect(parseFaultText('ws-drop:every=0')).toEqual({ error: expect.stringContaining('`every` must be') });
  expect(FAULT_NAMES).toContain('progress-storm');
});

test('ws-drop every=N terminates a socket at its N-th frame (close 1006), others keep theirs', async () => {
  const sim = await open({ faults: [{ name: 'ws-drop', every: 4 }] });
  const rec = await Recorder.open(sim.url);
  const closed = new Promise<number>((resolve) => rec.ws.once('close', (code) => resolve(code)));
  await postJson(sim.url, '/prompt', { prompt: fake(11), client_id: rec.clientId, prompt_id: randomUUID() });
  expect(await closed).toBe(1006);
  // At most the connect status and two more: the 4th was never sent, frames in flight died with the socket.
  expect(rec.messages.length).toBeLessThanOrEqual(3);
  await sim.state?.worker.whenIdle();
});

test('malformed: broken text frames and an unknown binary frame go out beside the real messages', async () => {
  const sim = await open({ faults: [{ name: 'malformed', probability: 1 }] });
  const { default: WebSocket } = await import('ws');
  const clientId = randomUUID();
  const ws = new WebSocket(`${sim.url.replace('http', 'ws')}/ws?clientId=${clientId}`);
  const frames: { text?: string; binary?: Buffer }[] = [];
  ws.on('message', (data: Buffer, isBinary: boolean) => frames.push(isBinary ? { binary: Buffer.from(data) } : { text: data.toString() }));
  await new Promise((r) => ws.once('open', r));
  const id = randomUUID();
  await postJson(sim.url, '/prompt', { prompt: fake(12), client_id: clientId, prompt_id: id });
  await sim.state?.worker.whenIdle();
  await new Promise((r) => setTimeout(r, 50));
  ws.close();
  const bad = frames.filter((f) => {
    if (f.binary !== undefined) return f.binary.readUInt32BE(0) === 99;
    try {
      const m = JSON.parse(f.text ?? '') as unknown;
      return typeof m !== 'object' || m === null || Array.isArray(m) || typeof (m as { type?: unknown }).type !== 'string';
    } catch {
      return true;
    }
  });
  expect(bad.length).toBeGreaterThan(5);
  expect(frames.some((f) => f.text?.includes('"node": null') === true && f.text.includes(id))).toBe(true);
});

test('restart after N prompts: pending prompts, history and sockets are gone, the port answers, truth says lost', async () => {
  const sim = await open({ faults: [{ name: 'restart', afterPrompts: 1 }] });
  const rec = await Recorder.open(sim.url);
  const closed = new Promise<void>((resolve) => rec.ws.once('close', () => resolve()));
  const ids = [randomUUID(), randomUUID(), randomUUID()];
  for (const [i, id] of ids.entries()) await postJson(sim.url, '/prompt', { prompt: fake(20 + i, 2, 5000), client_id: rec.clientId, prompt_id: id });
  await closed;
  await sim.state?.worker.whenIdle();
  expect(sim.state?.restarts).toBe(1);
  expect((await getJson(sim.url, `/history/${ids[0]}`)).json).toEqual({});
  expect((await getJson(sim.url, '/queue')).json).toEqual({ queue_running: [], queue_pending: [] });
  expect(ids.slice(1).map((id) => sim.groundTruth.prompts.get(id)?.outcome)).toEqual(['lost', 'lost']);
  // The restarted server takes new work on the same port.
  const again = await Recorder.open(sim.url);
  const id = randomUUID();
  await postJson(sim.url, '/prompt', { prompt: fake(30), client_id: again.clientId, prompt_id: id });
  await again.waitDone(id);
  again.close();
});

test('restart with down=<ms>: the port refuses connections for ms × timeScale, then the same port answers with an empty queue and history', async () => {
  // 20 s × 0.01 = 200 ms of downtime.
  const sim = await open({ faults: [{ name: 'restart', afterPrompts: 1, downMs: 20_000 }] });
  const rec = await Recorder.open(sim.url);
  const closed = new Promise<number>((resolve) => rec.ws.once('close', () => resolve(performance.now())));
  const first = randomUUID();
  await postJson(sim.url, '/prompt', { prompt: fake(40), client_id: rec.clientId, prompt_id: first });
  const downAt = await closed;
  const refused = await fetch(`${sim.url}/system_stats`).then(
    () => 'answered',
    (err: Error) => (err.cause as { code?: string } | undefined)?.code ?? err.message,
  );
  expect(refused).toBe('ECONNREFUSED');
  let upAt = 0;
  for (let i = 0; i < 100 && upAt === 0; i++) {
    await new Promise((r) => setTimeout(r, 20));
    upAt = await fetch(`${sim.url}/system_stats`).then(
      (res) => (res.ok ? performance.now() : 0),
      () => 0,
    );
  }
  expect(upAt - downAt).toBeGreaterThanOrEqual(150);
  expect(upAt - downAt).toBeLessThan(1500);
  expect(sim.state?.restarts).toBe(1);
  expect((await getJson(sim.url, `/history/${first}`)).json).toEqual({});
  expect((await getJson(sim.url, '/queue')).json).toEqual({ queue_running: [], queue_pending: [] });
  const again = await Recorder.open(sim.url);
  const id = randomUUID();
  await postJson(sim.url, '/prompt', { prompt: fake(41), client_id: again.clientId, prompt_id: id });
  await again.waitDone(id);
  again.close();
});

test('stuck: the node never ends until its prompt is interrupted by id', async () => {
  const sim = await open({ faults: [{ name: 'stuck', target: 'BenchFakeSampler', times: 1 }] });
  const rec = await Recorder.open(sim.url);
  const id = randomUUID();
  await postJson(sim.url, '/prompt', { prompt: fake(40), client_id: rec.clientId, prompt_id: id });
  await rec.waitFor((m) => m.type === 'executing' && isRecord(m.data) && m.data.node === '1');
  await new Promise((r) => setTimeout(r, 200));
  expect(sim.state?.queue.isRunning(id)).toBe(true);
  await postJson(sim.url, '/interrupt', { prompt_id: id });
  await rec.waitDone(id);
  expect(rec.forPrompt(id).some((m) => m.type === 'execution_interrupted')).toBe(true);
});

test('stall: silence after a node starts for ms × timeScale, then the prompt goes on', async () => {
  const sim = await open({ timeScale: 0.01, faults: [{ name: 'stall', target: 'BenchFakeSampler', probability: 1, ms: 20_000 }] });
  const rec = await Recorder.open(sim.url);
  const id = randomUUID();
  const t0 = performance.now();
  await postJson(sim.url, '/prompt', { prompt: fake(50), client_id: rec.clientId, prompt_id: id });
  await rec.waitDone(id);
  expect(performance.now() - t0).toBeGreaterThanOrEqual(195);
  expect(sim.groundTruth.prompts.get(id)?.outcome).toBe('success');
});

test('progress-storm: factor progress messages per step, values scaled, truth unchanged', async () => {
  const sim = await open({ faults: [{ name: 'progress-storm', factor: 50 }] });
  const rec = await Recorder.open(sim.url);
  const id = randomUUID();
  await postJson(sim.url, '/prompt', { prompt: fake(60, 3), client_id: rec.clientId, prompt_id: id });
  await rec.waitDone(id);
  const progress = rec.forPrompt(id).filter((m) => m.type === 'progress');
  expect(progress).toHaveLength(150);
  expect(progress.at(-1)?.data).toMatchObject({ value: 150, max: 150 });
  expect(sim.groundTruth.prompts.get(id)?.steps).toHaveLength(3);
});
