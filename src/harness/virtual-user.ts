/**
 * A virtual user: one clientId, one socket, one SessionRouter, and the prompts it submits.
 * Closed loop submits one prompt at a time; the open-loop scheduler may hold several per user.
 */
import { randomUUID } from 'node:crypto';
import { PromptTracker } from '../comfy/prompt-tracker.js';
import { SessionRouter } from '../comfy/session-router.js';
import type { DecodeStats } from '../comfy/decode-stats.js';
import type { ApiWorkflow } from '../comfy/http-types.js';
import type { Clock } from './clock.js';
import type { ComfyHttp } from './comfy-http.js';
import { WsSession } from './ws-session.js';

export interface SubmitOptions {
  graph: ApiWorkflow;
  nodeIds: readonly string[];
  /** Open loop: when the plan wanted this prompt sent (clock ms). */
  intendedAtMs?: number;
  /** Give up after this long: the prompt ends as `timeout` and is cancelled on the server. */
  timeoutMs: number;
  /** Aborting settles the prompt at once (run stopped): it is cancelled on the server. */
  signal?: AbortSignal;
}

export interface SubmitResult {
  tracker: PromptTracker;
  /** True when the harness cancelled the prompt (timeout or stop) instead of the server ending it. */
  cancelled: boolean;
}

interface Waiter {
  tracker: PromptTracker;
  resolve: () => void;
}

/** How long a stopped run waits for the server to confirm a cancellation before settling anyway. */
const CANCEL_GRACE_MS = 2000;

export class VirtualUser {
  readonly clientId = randomUUID();
  readonly #http: ComfyHttp;
  readonly #clock: Clock;
  readonly #router: SessionRouter;
  readonly #session: WsSession;
  readonly #waiters = new Map<string, Waiter>();
  readonly #onWarning: (message: string) => void;

  constructor(http: ComfyHttp, clock: Clock, stats: DecodeStats, onWarning: (message: string) => void) {
    this.#http = http;
    this.#clock = clock;
    this.#onWarning = onWarning;
    this.#router = new SessionRouter({ clientId: this.clientId, stats, onPromptDone: this.#routerOnPromptDone });
    this.#session = new WsSession({
      url: http.wsUrl(this.clientId),
      headers: { ...http.headers },
      clock,
      sink: this.#router,
      onReconnect: this.#sessionOnReconnect,
    });
  }

  get reconnects(): number {
    return this.#session.reconnectCount;
  }

  open(): Promise<void> {
    return this.#session.open();
  }

  close(): Promise<void> {
    return this.#session.close();
  }

  /** Submits one prompt and resolves when it has exactly one outcome. */
  async submit(options: SubmitOptions): Promise<SubmitResult> {
    const tracker = new PromptTracker({ promptId: randomUUID(), clientId: this.clientId, nodeIds: options.nodeIds });
    // Track before the POST: events can arrive before its reply.
    this.#router.track(tracker);
    const settled = new Promise<void>((resolve) => this.#waiters.set(tracker.promptId, { tracker, resolve }));
    try {
      const sentMs = this.#clock.now();
      tracker.markSent(sentMs, options.intendedAtMs ?? sentMs);
      try {
        const res = await this.#http.postPrompt({ prompt: options.graph, client_id: this.clientId, prompt_id: tracker.promptId });
        if (res.ok) {
          // Through the router: a server that ignores our prompt_id (before 2025-07-14) re-keys it.
          const sentId = tracker.promptId;
          this.#router.markAck(sentId, this.#clock.now(), res.body);
          if (tracker.promptId !== sentId) {
            const waiter = this.#waiters.get(sentId);
            this.#waiters.delete(sentId);
            if (waiter) this.#waiters.set(tracker.promptId, waiter);
          }
        } else tracker.markRejected(this.#clock.now(), res.status, res.body);
      } catch (err) {
        // The POST may or may not have queued the prompt: events already seen say it did.
        if (tracker.marks.executionStartMs === undefined) {
          tracker.markLost(this.#clock.now());
          this.#onWarning(`POST /prompt failed: ${(err as Error).message}`);
        }
      }
      if (tracker.done) return { tracker, cancelled: false };
      const ended = await this.#waitOrCancel(tracker, settled, options);
      return { tracker, cancelled: ended };
    } finally {
      this.#waiters.delete(tracker.promptId);
      this.#router.untrack(tracker.promptId);
    }
  }

  /** Waits for the outcome; on timeout or abort cancels the prompt on the server. */
  async #waitOrCancel(tracker: PromptTracker, settled: Promise<void>, options: SubmitOptions): Promise<boolean> {
    const reason = await raceTimeout(settled, options.timeoutMs, options.signal);
    if (reason === 'settled') return false;
    await this.#cancel(tracker.promptId);
    if (reason === 'timeout') {
      tracker.markTimeout(this.#clock.now());
      return true;
    }
    // Stopped: give the server a moment to confirm the interrupt, then settle as interrupted.
    await raceTimeout(settled, CANCEL_GRACE_MS, undefined);
    if (!tracker.done) tracker.onMessage({ type: 'execution_interrupted', data: { prompt_id: tracker.promptId, node_id: '', node_type: '', executed: [] } }, this.#clock.now());
    if (!tracker.done) tracker.markTimeout(this.#clock.now());
    return true;
  }

  /** Only our own prompt: delete it if pending, interrupt it by id if running. */
  async #cancel(promptId: string): Promise<void> {
    try {
      await this.#http.deletePending([promptId]);
      await this.#http.interruptPrompt(promptId);
    } catch (err) {
      this.#onWarning(`could not cancel prompt ${promptId}: ${(err as Error).message}`);
    }
  }

  #routerOnPromptDone = (tracker: PromptTracker): void => {
    this.#waiters.get(tracker.promptId)?.resolve();
  };

  /** Events sent while the socket was down are lost: ask /history for the prompts in flight. */
  #sessionOnReconnect = (): void => {
    for (const { tracker, resolve } of this.#waiters.values()) {
      void this.#fillFromHistory(tracker, resolve);
    }
  };

  async #fillFromHistory(tracker: PromptTracker, resolve: () => void): Promise<void> {
    try {
      const history = await this.#http.history(tracker.promptId);
      const entry = history[tracker.promptId];
      if (entry !== undefined && tracker.applyHistory(entry, this.#clock.now())) resolve();
    } catch (err) {
      this.#onWarning(`history lookup for ${tracker.promptId} failed: ${(err as Error).message}`);
    }
  }
}

/** Resolves with what happened first. */
function raceTimeout(p: Promise<void>, ms: number, signal: AbortSignal | undefined): Promise<'settled' | 'timeout' | 'aborted'> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve('aborted');
    const timer = setTimeout(() => finish('timeout'), ms);
    const onAbort = (): void => finish('aborted');
    signal?.addEventListener('abort', onAbort, { once: true });
    void p.then(() => finish('settled'));
    function finish(r: 'settled' | 'timeout' | 'aborted'): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      resolve(r);
    }
  });
}
