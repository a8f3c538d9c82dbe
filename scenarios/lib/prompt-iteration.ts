/**
 * One k6 iteration = one prompt over one WebSocket, the VU's clientId on it:
 * open the socket → track the prompt (before the POST: its events can come first) → POST /prompt
 * with `http.asyncRequest` (a blocking request would hold back message delivery) → feed every
 * frame to the same SessionRouter/PromptTracker as the Node engine, stamped with the event's
 * `timestamp` (when k6 received the frame, not when the handler ran) → on the single outcome,
 * emit the metrics and close the socket, which ends the iteration.
 *
 * A guard timer ends a prompt that outlives `--prompt-timeout` or its scenario's time slot as
 * `timeout` and cancels it on the server (deleted from the queue, or interrupted by its own
 * prompt_id), so nothing of ours is left queued. A socket that closes first is followed by polling
 * `/history/{id}` and `/queue`, as the Node engine's look-ups do: the prompt settles from history,
 * or ends `lost` when the server no longer knows it.
 */
import http from 'k6/http';
import exec from 'k6/execution';
import { clearTimeout, setTimeout } from 'k6/timers';
import { WebSocket } from 'k6/websockets';
import type { HistoryEntry, PromptResponse } from '../../src/comfy/http-types.js';
import type { PromptMarks } from '../../src/comfy/marks.js';
import { PromptTracker } from '../../src/comfy/prompt-tracker.js';
import { SessionRouter } from '../../src/comfy/session-router.js';
import { K6_TAGS, K6_WIRE_VERSION, type K6Plan, type K6PromptWire, type K6ScenarioPlan } from '../../src/metrics/k6-wire.js';
import { promptGraph } from './graph.js';
import { countSubmitted, emitSettled } from './metrics.js';
import { levelAt } from './plan.js';
import { uuidV4 } from './uuid.js';

/** How often a prompt whose socket closed early is looked up. */
const LOOKUP_EVERY_MS = 1000;

type Level = K6ScenarioPlan['levels'][number];

/** The clientId of this VU in this k6 process: stable across its iterations, distinct across runners. */
export function vuClientId(plan: K6Plan): string {
  return `${clientPrefix(plan)}vu${exec.vu.idInInstance}`;
}

/** What every clientId of this k6 process starts with (teardown removes only these prompts). */
export function clientPrefix(plan: K6Plan): string {
  const segment = (exec.test.options as { executionSegment?: unknown }).executionSegment;
  const part = segment === undefined || segment === null || String(segment) === '' ? 'all' : String(segment).replace(/[^0-9A-Za-z]+/g, '_');
  return `comfyload-${plan.runId.slice(0, 8)}-${part}-`;
}

export class PromptIteration {
  readonly #plan: K6Plan;
  readonly #headers: Record<string, string>;
  readonly #scenario: K6ScenarioPlan;
  readonly #level: Level;
  readonly #seq: number;
  readonly #tracker: PromptTracker;
  readonly #router: SessionRouter;
  /** Open loop: the iteration's start is the arrival's time (k6 starts it when the rate says). */
  readonly #intendedMs: number | undefined;
  readonly #startedMs: number;
  readonly #deadlineMs: number;
  #ws: WebSocket | undefined;
  #guard: ReturnType<typeof setTimeout> | undefined;
  #lookup: ReturnType<typeof setTimeout> | undefined;
  #settled = false;
  #detail: string | undefined;

  constructor(plan: K6Plan, headers: Record<string, string>, scenario: K6ScenarioPlan) {
    const startedMs = Date.now();
    this.#plan = plan;
    this.#headers = headers;
    this.#scenario = scenario;
    this.#level = levelAt(scenario, startedMs - exec.scenario.startTime);
    this.#seq = scenario.seqBase + exec.scenario.iterationInTest;
    this.#startedMs = startedMs;
    this.#intendedMs = scenario.openLoop ? startedMs : undefined;
    const testStartMs = exec.scenario.startTime - scenario.startTimeMs;
    this.#deadlineMs = Math.min(startedMs + plan.promptTimeoutMs, testStartMs + scenario.endMs);
    const clientId = vuClientId(plan);
    this.#tracker = new PromptTracker({ promptId: uuidV4(), clientId, nodeIds: plan.nodeIds });
    this.#router = new SessionRouter({ clientId, onPromptDone: () => this.#settle() });
    this.#router.track(this.#tracker);
  }

  /** Opens the socket; the rest happens in its handlers. The iteration ends when it closes. */
  start(): void {
    const tags = exec.vu.metrics.tags;
    tags[K6_TAGS.level] = String(this.#level.level);
    tags[K6_TAGS.phase] = this.#scenario.phase;
    exec.vu.metrics.metadata.prompt_id = this.#tracker.promptId;
    this.#guard = setTimeout(() => this.#onGuard(), Math.max(0, this.#deadlineMs - Date.now()));
    const ws = new WebSocket(`${this.#plan.wsUrl}?clientId=${encodeURIComponent(this.#tracker.clientId)}`, null, { headers: this.#headers });
    this.#ws = ws;
    ws.addEventListener('open', () => this.#onOpen());
    ws.addEventListener('message', (event) => this.#onMessage(event as unknown as { data: string | ArrayBuffer; timestamp: number }));
    ws.addEventListener('close', () => this.#onClose());
    ws.addEventListener('error', (event) => this.#onError(event as unknown as { error?: string }));
  }

  #onOpen(): void {
    const sentMs = Date.now();
    this.#tracker.markSent(sentMs, this.#intendedMs ?? sentMs);
    countSubmitted();
    const body = JSON.stringify({ prompt: promptGraph(this.#plan, this.#seq), client_id: this.#tracker.clientId, prompt_id: this.#tracker.promptId });
    http
      .asyncRequest('POST', `${this.#plan.url}/prompt`, body, {
        headers: { ...this.#headers, 'Content-Type': 'application/json' },
        tags: { name: 'POST /prompt' },
      })
      .then(
        (res) => this.#onPosted(res.status, typeof res.body === 'string' ? res.body : '', res.error),
        (err: unknown) => this.#onPosted(0, '', String(err)),
      );
  }

  #onPosted(status: number, body: string, error: string): void {
    const atMs = Date.now();
    if (this.#settled) return;
    if (status === 200) {
      const reply = parseJson(body);
      this.#router.markAck(this.#tracker.promptId, atMs, (reply ?? {}) as PromptResponse);
    } else if (status === 0) {
      // The POST may or may not have queued the prompt: events already seen say it did.
      if (this.#tracker.marks.executionStartMs === undefined) {
        this.#detail = `POST /prompt failed: ${error}`;
        this.#tracker.markLost(atMs);
        this.#settle();
      }
    } else {
      this.#tracker.markRejected(atMs, status, body);
      this.#settle();
    }
  }

  #onMessage(event: { data: string | ArrayBuffer; timestamp: number }): void {
    // The router never throws on any input: a bad frame is counted, never fatal (a throwing handler would close the socket).
    if (typeof event.data === 'string') this.#router.onText(event.data, event.timestamp);
    else this.#router.onBinary(new Uint8Array(event.data), event.timestamp);
  }

  #onError(event: { error?: string }): void {
    if (!this.#settled) console.warn(`comfyload: WebSocket error for prompt ${this.#tracker.promptId}: ${event.error ?? 'unknown'}`);
  }

  #onClose(): void {
    this.#ws = undefined;
    if (this.#settled) return;
    if (this.#tracker.marks.sentMs === undefined) {
      this.#detail = `the WebSocket to ${this.#plan.wsUrl} did not open: the prompt was never sent`;
      this.#tracker.markLost(Date.now());
      this.#settle();
      return;
    }
    // The socket went before the prompt settled: follow it through /history and /queue.
    this.#scheduleLookup(0);
  }

  #scheduleLookup(delayMs: number): void {
    this.#lookup = setTimeout(() => this.#lookUp(), delayMs);
  }

  #lookUp(): void {
    const id = this.#tracker.promptId;
    const params = { headers: this.#headers, tags: { name: 'lookup' } };
    const retry = (): void => {
      if (!this.#settled) this.#scheduleLookup(LOOKUP_EVERY_MS);
    };
    void http.asyncRequest('GET', `${this.#plan.url}/history/${id}`, null, params).then((res) => {
      if (this.#settled) return;
      // History is written when a prompt ends (errors and interrupts included); `{}` while it has not.
      const entry = (parseJson(typeof res.body === 'string' ? res.body : '') as Record<string, HistoryEntry> | undefined)?.[id];
      if (entry !== undefined) {
        this.#tracker.applyHistory(entry, Date.now());
        this.#settle();
        return;
      }
      return http.asyncRequest('GET', `${this.#plan.url}/queue`, null, params).then((queue) => {
        if (this.#settled) return;
        const text = typeof queue.body === 'string' ? queue.body : '';
        if (queue.status === 200 && !text.includes(id)) {
          this.#detail = "the socket closed and the prompt is in neither the server's history nor its queue";
          this.#tracker.markLost(Date.now());
          this.#settle();
        } else retry();
      }, retry);
    }, retry);
  }

  #onGuard(): void {
    this.#guard = undefined;
    if (this.#settled) return;
    const running = this.#tracker.running;
    const slotEnded = this.#deadlineMs < this.#startedMs + this.#plan.promptTimeoutMs;
    this.#detail = slotEnded ? `the level's time slot ended (scenario ${this.#scenario.name}) before the prompt did` : 'no outcome within --prompt-timeout';
    this.#tracker.markTimeout(Date.now());
    this.#settle();
    // Cancel only our own prompt: interrupt it if it runs, else take it off the queue.
    const params = { headers: { ...this.#headers, 'Content-Type': 'application/json' }, tags: { name: 'cancel' } };
    const id = this.#tracker.promptId;
    void (running
      ? http.asyncRequest('POST', `${this.#plan.url}/interrupt`, JSON.stringify({ prompt_id: id }), params)
      : http.asyncRequest('POST', `${this.#plan.url}/queue`, JSON.stringify({ delete: [id] }), params));
  }

  #settle(): void {
    if (this.#settled) return;
    this.#settled = true;
    if (this.#guard !== undefined) clearTimeout(this.#guard);
    if (this.#lookup !== undefined) clearTimeout(this.#lookup);
    const wire: K6PromptWire = {
      v: K6_WIRE_VERSION,
      seq: this.#seq,
      level: this.#level.level,
      concurrency: this.#level.concurrency,
      phase: this.#scenario.phase,
      openLoop: this.#scenario.openLoop,
      ...(this.#detail !== undefined ? { detail: this.#detail } : {}),
      marks: wireMarks(this.#tracker.marks),
    };
    emitSettled(wire, this.#tracker.outcome ?? 'lost');
    this.#ws?.close();
  }
}

/** The marks as sent: node outputs cut to their images (all a record counts). */
function wireMarks(marks: Readonly<PromptMarks>): PromptMarks {
  const nodes: PromptMarks['nodes'] = {};
  for (const [id, node] of Object.entries(marks.nodes)) {
    const images = node.output?.images;
    nodes[id] = {
      ...(node.startMs !== undefined ? { startMs: node.startMs } : {}),
      ...(node.executedMs !== undefined ? { executedMs: node.executedMs } : {}),
      ...(images !== undefined ? { output: { images: images.map((i) => ({ filename: i.filename, subfolder: i.subfolder, type: i.type })) } } : {}),
    };
  }
  return { ...marks, nodes, cachedNodes: [...marks.cachedNodes], steps: marks.steps.map((s) => ({ ...s })) };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
