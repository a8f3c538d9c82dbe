/**
 * The queue routes: POST/GET /prompt, /queue, /history, /interrupt, /free — server.py of
 * 0.3.64 (plus §7's prompt_id check in the current protocol).
 */
import { randomUUID } from 'node:crypto';
import type { ExtraData, PromptErrorResponse } from '../comfy/http-types.js';
import type { HttpRouter, RouteCtx } from './http-router.js';
import { HttpFail, isObject, parseJson, pyInt, pyTruthy, sendEmpty, sendJson } from './http-util.js';
import { validatePrompt } from './nodes/validate.js';
import { queueItem } from './prompt-queue.js';
import type { QueueEntry } from './prompt-queue.js';
import { pyFloat } from './py-json.js';
import type { SimCore } from './sim-core.js';

const SENSITIVE_EXTRA_DATA_KEYS = ['auth_token_comfy_org', 'api_key_comfy_org'];
const CANONICAL_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Python's `"key" in json_data` for whatever JSON the client sent. */
function has(json: unknown, key: string): boolean {
  if (isObject(json)) return Object.hasOwn(json, key);
  if (Array.isArray(json)) return json.includes(key);
  if (typeof json === 'string') return json.includes(key);
  throw new HttpFail(500, `TypeError: argument of type '${json === null ? 'NoneType' : typeof json}' is not iterable`);
}

function get(json: unknown, key: string): unknown {
  if (!isObject(json)) throw new HttpFail(500, 'TypeError: indices must be integers');
  return json[key];
}

/** Python's `float(x)`. */
function pyFloatOf(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v.trim()))) return Number(v.trim());
  if (typeof v === 'string' && /^\s*[+-]?(inf|infinity|nan)\s*$/i.test(v)) return v.includes('-') ? -Infinity : /nan/i.test(v) ? NaN : Infinity;
  throw new HttpFail(500, `float() argument must be a string or a real number`);
}

/** Python's `str(x)` of a JSON value (a client prompt_id of 5 becomes "5", null "None"). */
function pyStrOf(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v === null) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  return typeof v === 'number' ? String(v) : JSON.stringify(v);
}

export function addPromptRoutes(router: HttpRouter, sim: SimCore): void {
  router.add('GET', '/prompt', ({ res }) => sendJson(res, 200, { exec_info: { queue_remaining: sim.queue.remaining } }));
  router.add('POST', '/prompt', (ctx) => promptOnPost(sim, ctx));
  router.add('GET', '/queue', ({ res }) => {
    sendJson(res, 200, { queue_running: sim.queue.running().map(queueItem), queue_pending: sim.queue.pending().map(queueItem) });
  });
  router.add('POST', '/queue', async ({ res, body }) => {
    const json = parseJson(await body());
    if (has(json, 'clear') && pyTruthy(get(json, 'clear'))) sim.queue.clearPending();
    if (has(json, 'delete')) {
      const ids = get(json, 'delete');
      for (const id of Array.isArray(ids) ? ids : []) sim.queue.deletePending(String(id));
    }
    sendEmpty(res, 200);
  });
  addHistoryRoutes(router, sim);
  router.add('POST', '/interrupt', (ctx) => interruptOnPost(sim, ctx));
  router.add('POST', '/free', async ({ res, body }) => {
    const json = parseJson(await body());
    if (!isObject(json)) throw new HttpFail(500, "AttributeError: object has no attribute 'get'");
    if (pyTruthy(json.unload_models)) sim.queue.setFlag('unload_models', true);
    if (pyTruthy(json.free_memory)) sim.queue.setFlag('free_memory', true);
    sim.worker.wake(); // idle: applied at once; busy: after the current prompt
    sendEmpty(res, 200);
  });
}

function addHistoryRoutes(router: HttpRouter, sim: SimCore): void {
  router.add('GET', '/history', ({ res, url }) => {
    const maxItems = url.searchParams.get('max_items');
    const offset = url.searchParams.get('offset');
    sendJson(res, 200, sim.history.list(maxItems === null ? undefined : pyInt(maxItems), offset === null ? undefined : pyInt(offset)));
  });
  router.add('GET', '/history/{prompt_id}', ({ res, params }) => {
    const id = params.prompt_id ?? '';
    const entry = sim.history.get(id);
    sendJson(res, 200, entry === undefined ? {} : { [id]: entry });
  });
  router.add('POST', '/history', async ({ res, body }) => {
    const json = parseJson(await body());
    if (has(json, 'clear') && pyTruthy(get(json, 'clear'))) sim.history.clear();
    if (has(json, 'delete')) {
      const ids = get(json, 'delete');
      for (const id of Array.isArray(ids) ? ids : []) sim.history.delete(String(id));
    }
    sendEmpty(res, 200);
  });
}

/** POST /prompt: priority number, prompt_id, validation, then the queue; events may precede the reply, as upstream. */
async function promptOnPost(sim: SimCore, { res, body }: RouteCtx): Promise<void> {
  const json = parseJson(await body());
  let number: number;
  let numberIsFloat = false;
  if (has(json, 'number')) {
    number = pyFloatOf(get(json, 'number'));
    numberIsFloat = true;
  } else {
    number = sim.promptCounter;
    if (has(json, 'front') && pyTruthy(get(json, 'front'))) number = -number;
    sim.promptCounter++;
  }
  if (!has(json, 'prompt')) {
    const error: PromptErrorResponse = sim.legacy
      ? { error: 'no prompt', node_errors: [] }
      : { error: { type: 'no_prompt', message: 'No prompt provided', details: 'No prompt provided', extra_info: {} }, node_errors: {} };
    sendJson(res, 400, error);
    return;
  }
  const request = json as Record<string, unknown>;
  const promptId = promptIdOf(sim, request);
  if (promptId === undefined) {
    sendJson(res, 400, {
      error: {
        type: 'invalid_prompt_id',
        message: 'Invalid prompt_id format',
        details: `prompt_id must be a canonical lowercase UUID, got ${pyStrOf(request.prompt_id)}`,
        extra_info: {},
      },
      node_errors: {},
    });
    return;
  }
  const partial = Array.isArray(request.partial_execution_targets) ? request.partial_execution_targets.map(String) : undefined;
  const valid = validatePrompt(request.prompt, sim.objectInfo(), partial);
  const extraData: ExtraData = isObject(request.extra_data) ? { ...request.extra_data } : {};
  if (Object.hasOwn(request, 'client_id')) extraData.client_id = request.client_id as string;
  if (!valid.ok) {
    sendJson(res, 400, valid.body);
    return;
  }
  const entry: QueueEntry = {
    number,
    numberIsFloat,
    promptId,
    prompt: valid.prompt,
    extraData,
    outputs: valid.outputs,
    sensitive: takeSensitive(extraData),
    enqueuedMs: sim.clock.nowMs(),
    enqueuedEpochMs: sim.clock.epochMs(),
  };
  sim.truth.open(promptId, number, typeof extraData.client_id === 'string' ? extraData.client_id : null, entry.enqueuedMs, entry.enqueuedEpochMs);
  // The status broadcast and the worker's first events go out before the reply, as upstream.
  sim.queue.put(entry);
  sim.worker.wake();
  sendJson(res, 200, { prompt_id: promptId, number: numberIsFloat ? pyFloat(number) : number, node_errors: valid.nodeErrors });
}

/** The client's prompt_id (0.3.64 takes anything; the current server only a canonical UUID), else a new one; undefined: refused. */
function promptIdOf(sim: SimCore, request: Record<string, unknown>): string | undefined {
  if (!Object.hasOwn(request, 'prompt_id')) return randomUUID();
  if (!sim.legacy && (typeof request.prompt_id !== 'string' || !CANONICAL_UUID.test(request.prompt_id))) return undefined;
  return pyStrOf(request.prompt_id);
}

/** API keys the server strips from extra_data before it reaches history (kept apart for the nodes). */
function takeSensitive(extraData: ExtraData): Record<string, unknown> {
  const sensitive: Record<string, unknown> = {};
  for (const k of SENSITIVE_EXTRA_DATA_KEYS) {
    if (Object.hasOwn(extraData, k)) {
      sensitive[k] = extraData[k];
      delete extraData[k];
    }
  }
  return sensitive;
}

/** POST /interrupt: global without an id (or on a legacy server); with one, only if that prompt runs. */
async function interruptOnPost(sim: SimCore, { res, body }: RouteCtx): Promise<void> {
  let json: unknown;
  try {
    json = JSON.parse((await body()).toString('utf8')) as unknown;
  } catch {
    json = {}; // empty or invalid body = global interrupt
  }
  if (!isObject(json)) throw new HttpFail(500, "AttributeError: object has no attribute 'get'");
  const promptId = json.prompt_id;
  if (!sim.legacy && pyTruthy(promptId)) {
    if (sim.queue.isRunning(String(promptId))) sim.executor.interrupt();
  } else {
    sim.executor.interrupt();
  }
  sendEmpty(res, 200);
}
