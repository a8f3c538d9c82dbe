/**
 * The emulator against the recorded ComfyUI 0.3.64 traffic: for every trace scenario, the same
 * graph is submitted with a real ws client and the messages compared — sequence of types (with
 * progress_state node states), field sets of every message's data, binary frame types and
 * preview metadata, the POST reply's fields and the history entry's shape. Ids, times and
 * values are normalised away; step loops of different lengths are collapsed.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startSim } from '../../src/sim/index.js';
import type { SimHandle } from '../../src/sim/index.js';
import type { Recorded, TraceLine } from './sim-test-helpers.js';
import { Recorder, collapse, getJson, isRecord, loadTrace, loadTraceJson, postJson, skeleton, token } from './sim-test-helpers.js';

let sim: SimHandle;
beforeAll(async () => {
  sim = await startSim({ timeScale: 0.05, seed: 7 });
});
afterAll(async () => {
  await sim.close();
});

interface Msg {
  type: string;
  data: unknown;
  event?: number;
  metadata?: Record<string, unknown>;
}

/** The trace's server → client messages after the handshake (connect status, feature_flags reply). */
function traceMessages(lines: TraceLine[]): Msg[] {
  const out: Msg[] = [];
  let sawConnect = false;
  for (const l of lines) {
    if (l.kind === 'ws' && l.msg !== undefined) {
      if (!sawConnect && l.msg.type === 'status') {
        sawConnect = true;
        continue;
      }
      if (l.msg.type === 'feature_flags') continue;
      out.push({ type: l.msg.type, data: l.msg.data });
    } else if (l.kind === 'ws_binary' && l.event !== undefined) {
      out.push({ type: `<binary ${l.event}>`, data: null, event: l.event, ...(l.metadata !== undefined ? { metadata: l.metadata } : {}) });
    }
  }
  return out;
}

function emulatorMessages(rec: Recorder): Msg[] {
  return rec.messages
    .slice(1)
    .filter((m) => m.type !== 'feature_flags')
    .map((m) => withMetadata(m));
}

function withMetadata(m: Recorded): Msg {
  if (m.event === 4 && m.bytes !== undefined) {
    const len = m.bytes.readUInt32BE(4);
    return { type: m.type, data: null, event: 4, metadata: JSON.parse(m.bytes.subarray(8, 8 + len).toString('utf8')) as Record<string, unknown> };
  }
  return { type: m.type, data: m.data, ...(m.event !== undefined ? { event: m.event } : {}) };
}

/** For each message type, every distinct list of data keys (nested for progress_state/executed). */
function fieldSets(msgs: Msg[]): Record<string, string[]> {
  const sets = new Map<string, Set<string>>();
  const add = (k: string, v: string): void => {
    const s = sets.get(k) ?? new Set<string>();
    s.add(v);
    sets.set(k, s);
  };
  for (const m of msgs) {
    if (m.metadata !== undefined) add(`${m.type}.metadata`, Object.keys(m.metadata).join(','));
    if (!isRecord(m.data)) continue;
    add(m.type, Object.keys(m.data).join(','));
    if (m.type === 'progress_state' && isRecord(m.data.nodes)) {
      for (const n of Object.values(m.data.nodes)) if (isRecord(n)) add('progress_state.node', Object.keys(n).join(','));
    }
    if (m.type === 'executed' && isRecord(m.data.output)) {
      add('executed.output', Object.keys(m.data.output).join(','));
      const images = m.data.output.images;
      if (Array.isArray(images)) for (const i of images) if (isRecord(i)) add('executed.output.image', Object.keys(i).join(','));
    }
  }
  return Object.fromEntries([...sets].map(([k, v]) => [k, [...v].sort()]));
}

interface Run {
  msgs: Msg[];
  rec: Recorder;
  replies: { status: number; json: unknown }[];
  promptIds: string[];
}

async function runScenario(name: string): Promise<Run> {
  const lines = loadTrace(name);
  const posts = lines.filter((l) => l.kind === 'http' && l.method === 'POST' && l.path === '/prompt');
  const rec = await Recorder.open(sim.url, { featureFlags: name === 'previews-metadata' });
  const promptIds = posts.map(() => randomUUID());
  // Post everything at once, as the scenario did (queue3 queues three prompts).
  const replies = await Promise.all(
    posts.map((p, i) => postJson(sim.url, '/prompt', { ...(p.request as object), client_id: rec.clientId, prompt_id: promptIds[i] })),
  );
  if (name === 'interrupt') {
    const first = promptIds[0] as string;
    await rec.waitFor((m) => m.type === 'progress' && isRecord(m.data) && (m.data.value as number) >= 3);
    await postJson(sim.url, '/interrupt', { prompt_id: first });
  }
  await rec.waitDone(promptIds[promptIds.length - 1] as string);
  rec.close();
  return { msgs: emulatorMessages(rec), rec, replies, promptIds };
}

const SCENARIOS = ['fake-sampler', 'fake-sampler-cached', 'core', 'error', 'interrupt', 'queue3', 'previews', 'previews-metadata'] as const;

describe('trace conformance (ComfyUI 0.3.64)', () => {
  for (const name of SCENARIOS) {
    test(`${name}: same message sequence, fields and binary frames`, async () => {
      const expected = traceMessages(loadTrace(name));
      const run = await runScenario(name);
      const keep = (m: Msg): boolean => name !== 'queue3' || m.type !== 'status'; // queue3: status interleaving is timing
      expect(collapse(run.msgs.filter(keep).map(token))).toEqual(collapse(expected.filter(keep).map(token)));
      expect(fieldSets(run.msgs)).toEqual(fieldSets(expected));
      // collapse() merges the adjacent enqueue/dequeue statuses: count them separately.
      const statuses = (ms: Msg[]): number => ms.filter((m) => m.type === 'status').length;
      expect(statuses(run.msgs)).toBe(statuses(expected));
      for (const r of run.replies) expect(Object.keys(r.json as object)).toEqual(['prompt_id', 'number', 'node_errors']);
    });
  }

  test('Python float formatting: progress_state 0.0/1.0 for a started node, ints for steps', async () => {
    const rec = await Recorder.open(sim.url);
    const id = randomUUID();
    const body = traceMessages(loadTrace('fake-sampler'));
    expect(body.length).toBeGreaterThan(0);
    const graph = loadTrace('fake-sampler').find((l) => l.kind === 'http')?.request as { prompt: Record<string, { inputs: Record<string, unknown> }> };
    const prompt = structuredClone(graph.prompt);
    (prompt['1'] as { inputs: Record<string, unknown> }).inputs.seed = 99;
    await postJson(sim.url, '/prompt', { prompt, client_id: rec.clientId, prompt_id: id });
    await rec.waitDone(id);
    const raws = rec.messages.filter((m) => m.type === 'progress_state').map((m) => m.raw ?? '');
    expect(raws[0]).toContain('"value": 0.0, "max": 1.0, "state": "running"');
    expect(raws[1]).toContain('"value": 1, "max": 20, "state": "running"');
    expect(raws.at(-1)).toContain('"value": 1.0, "max": 1.0, "state": "finished"');
    expect(rec.messages[0]?.raw).toMatch(/^\{"type": "status", "data": \{"status": \{"exec_info": \{"queue_remaining": 0\}\}, "sid": "/);
    rec.close();
  });

  test('history entries have the recorded shape (success, cached, core)', async () => {
    for (const [scenario, file] of [
      ['fake-sampler', 'real-history-fake-sampler.json'],
      ['fake-sampler-cached', 'real-history-fake-sampler-cached.json'],
      ['core', 'real-history-core.json'],
    ] as const) {
      const run = await runScenario(scenario);
      const id = run.promptIds[0] as string;
      const got = await getJson(sim.url, `/history/${id}`);
      const real = loadTraceJson(file) as Record<string, Record<string, unknown>>;
      const realEntry = Object.values(real)[0] as Record<string, unknown>;
      const entry = (got.json as Record<string, Record<string, unknown>>)[id] as Record<string, unknown>;
      // outputs order follows execution; compare per key, then the rest whole.
      expect(skeleton({ ...entry, outputs: null, prompt: null })).toEqual(skeleton({ ...realEntry, outputs: null, prompt: null }));
      expect(Object.keys(entry.outputs as object).sort()).toEqual(Object.keys(realEntry.outputs as object).sort());
      const prompt = entry.prompt as unknown[];
      expect(prompt).toHaveLength(5);
      expect(skeleton(prompt.slice(1, 3))).toEqual(skeleton((realEntry.prompt as unknown[]).slice(1, 3)));
      expect((prompt[4] as string[]).sort()).toEqual(((realEntry.prompt as unknown[])[4] as string[]).sort());
    }
  });

  test('error: the exception reaches the client as BenchFail raised it', async () => {
    const run = await runScenario('error');
    const err = run.msgs.find((m) => m.type === 'execution_error')?.data as Record<string, unknown>;
    const real = traceMessages(loadTrace('error')).find((m) => m.type === 'execution_error')?.data as Record<string, unknown>;
    for (const k of ['node_id', 'node_type', 'executed', 'exception_message', 'exception_type', 'current_inputs', 'current_outputs']) {
      expect(err[k]).toEqual(real[k]);
    }
    expect(Array.isArray(err.traceback)).toBe(true);
  });

  test('previews: JPEG payloads; metadata preview names the node and prompt', async () => {
    const plain = await runScenario('previews');
    const bins = plain.rec.messages.filter((m) => m.kind === 'binary');
    expect(bins.map((b) => b.event)).toEqual([1, 1]);
    for (const b of bins) expect(b.bytes?.subarray(4, 10).toString('hex')).toBe('00000001ffd8');
    const meta = await runScenario('previews-metadata');
    const m4 = meta.msgs.filter((m) => m.event === 4);
    expect(m4).toHaveLength(2);
    expect(m4[0]?.metadata).toMatchObject({ node_id: '1', prompt_id: meta.promptIds[0], image_type: 'image/jpeg' });
  });
});
