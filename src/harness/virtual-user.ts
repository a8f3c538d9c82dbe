/**
 * A virtual user: one clientId, one socket, one SessionRouter, and the prompts it submits.
 * Closed loop submits one prompt at a time; the open-loop scheduler may hold several per user.
 *
 * Outcomes decided here, besides the server's own (ok, cached, error:<type>, interrupted):
 * - a POST /prompt answered with anything but 200 is `rejected:<error.type>`, or
 *   `rejected:http_<status>` when the body is not ComfyUI's JSON (a 500 means the handler failed
 *   before queueing). It is never retried: POST is not idempotent.
 * - a POST that got no answer is `lost` unless events show the server queued it;
 * - past --prompt-timeout: `timeout`, then cancelled (deleted if pending, interrupted by id if running);
 * - gone from the server's queue and history (a restart): `lost` (see prompt-watchdog.ts).
 *
 * A user sends only over an open socket: after a drop it waits for the reconnect (events of a
 * prompt sent while the socket is down would be lost, and a server that is down would turn every
 * prompt into an instant `lost`). When its socket is given up for good, the user takes no new
 * prompts, and its prompts in flight are settled by look-ups alone — the server may still finish
 * them; its owner decides whether the run can go on without it.
 */
import { randomUUID } from 'node:crypto';
import { PromptTracker } from '../comfy/prompt-tracker.js';
import { SessionRouter } from '../comfy/session-router.js';
import type { DecodeStats } from '../comfy/decode-stats.js';
import type { ApiWorkflow } from '../comfy/http-types.js';
import type { Clock } from './clock.js';
import type { ComfyHttp } from './comfy-http.js';
import type { ComfyloadError } from '../comfy/errors.js';
import { lastActivityMs, lookUpPrompt, PromptWatchdog, raceSettled, type PromptLookupHttp } from './prompt-watchdog.js';
import { cancelPrompt, queueReadSince } from './shared-queue-read.js';
import { onAbort } from './abort.js';
import { systemTimers, type Timers } from './clock.js';
import { WsSession, type Session, type WsSessionOptions } from './ws-session.js';
import type { StepProgress } from './run-observer.js';

/** What a user needs of the target's HTTP side. */
export type VirtualUserHttp = Pick<ComfyHttp, 'wsUrl' | 'headers' | 'postPrompt' | 'history' | 'queue' | 'deletePending' | 'interruptPrompt'>;

export interface SubmitOptions {
  graph: ApiWorkflow;
  nodeIds: readonly string[];
  /** Open loop: when the plan wanted this prompt sent (clock ms). */
  intendedAtMs?: number;
  /** Give up after this long: the prompt ends as `timeout` and is cancelled on the server. */
  timeoutMs: number;
  /** Aborting settles the prompt at once (run stopped): it is cancelled on the server. */
  signal?: AbortSignal;
  /** Called once the POST /prompt has been answered (or failed): the open loop's send lane frees up. */
  onPosted?: () => void;
}

export interface SubmitResult {
  tracker: PromptTracker;
  /** True when the harness cancelled the prompt (timeout or stop) instead of the server ending it. */
  cancelled: boolean;
}

interface Waiter {
  tracker: PromptTracker;
  resolve: () => void;
  /** Armed once the POST was answered: before that the server may not know the prompt yet. */
  watchdog?: PromptWatchdog;
}

export interface VirtualUserOptions {
  /** Timer seam of the prompt timeout and the watchdog. */
  timers?: Timers;
  /** Silence (no event for a prompt) before it is looked up on the server. @default 30000 */
  quietMs?: number;
  /** Cap of the doubling quiet period of a prompt that is still queued. @default 300000 */
  maxQuietMs?: number;
  /** How long a closed socket keeps reconnecting before it is given up. @default 60000 */
  reconnectWindowMs?: number;
  /** WebSocket ping period (see WsSession). @default 5000 */
  heartbeatMs?: number;
  /** Called once when the socket is given up (after the user's own warning). */
  onGiveUp?: (err: ComfyloadError) => void;
  /** Socket seam: tests pass a scripted session. Default: a real {@link WsSession}. */
  session?: (options: WsSessionOptions) => Session;
}

/** First look-up period of prompts in flight once their socket is given up, ms. */
const DEAF_POLL_MS = 1000;

/** How long a stopped run waits for the server to confirm a cancellation before settling anyway. */
const CANCEL_GRACE_MS = 2000;

export class VirtualUser {
  readonly clientId = randomUUID();
  readonly #http: VirtualUserHttp;
  readonly #clock: Clock;
  readonly #router: SessionRouter;
  readonly #session: Session;
  readonly #waiters = new Map<string, Waiter>();
  readonly #onWarning: (message: string) => void;
  readonly #timers: Timers;
  readonly #quietMs: number;
  readonly #maxQuietMs: number;
  readonly #onGiveUp: ((err: ComfyloadError) => void) | undefined;

  constructor(http: VirtualUserHttp, clock: Clock, stats: DecodeStats, onWarning: (message: string) => void, options: VirtualUserOptions = {}) {
    this.#http = http;
    this.#clock = clock;
    this.#onWarning = onWarning;
    this.#timers = options.timers ?? systemTimers;
    this.#quietMs = options.quietMs ?? 30_000;
    this.#maxQuietMs = options.maxQuietMs ?? Math.max(300_000, this.#quietMs);
    this.#onGiveUp = options.onGiveUp;
    this.#router = new SessionRouter({ clientId: this.clientId, stats, onPromptDone: this.#routerOnPromptDone });
    const sessionOptions: WsSessionOptions = {
      url: http.wsUrl(this.clientId),
      headers: { ...http.headers },
      clock,
      sink: this.#router,
      onReconnect: this.#sessionOnReconnect,
      onGiveUp: this.#sessionOnGiveUp,
      ...(options.reconnectWindowMs !== undefined ? { reconnectWindowMs: options.reconnectWindowMs } : {}),
      ...(options.heartbeatMs !== undefined ? { heartbeatMs: options.heartbeatMs } : {}),
      ...(options.timers !== undefined ? { timers: options.timers } : {}),
    };
    this.#session = options.session?.(sessionOptions) ?? new WsSession(sessionOptions);
  }

  get reconnects(): number {
    return this.#session.reconnectCount;
  }

  /** True once the socket has been given up: the user takes no new prompts. */
  get gaveUp(): boolean {
    return this.#session.gaveUp;
  }

  /** Prompts submitted and not yet settled. */
  get inFlight(): number {
    return this.#waiters.size;
  }

  /** The latest step of each of its prompts in flight that has reported one (read on demand, for the live line). */
  get steps(): StepProgress[] {
    const out: StepProgress[] = [];
    for (const { tracker } of this.#waiters.values()) {
      const last = tracker.marks.steps[tracker.marks.steps.length - 1];
      if (last !== undefined && !tracker.done) out.push({ value: last.value, max: last.max });
    }
    return out;
  }

  /**
   * Resolves true when the user can send: its socket is open (at once), or reopened after a
   * drop; false when the socket was given up or `signal` aborted first.
   */
  whenReady(signal?: AbortSignal): Promise<boolean> {
    if (this.#session.isOpen) return Promise.resolve(true);
    if (signal?.aborted === true) return Promise.resolve(false);
    return new Promise((resolve) => {
      const unsubscribe = onAbort(signal, () => resolve(false));
      void this.#session.ready().then((open) => {
        unsubscribe();
        resolve(open);
      });
    });
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
    const reconnectsAtSend = this.#session.reconnectCount;
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
      options.onPosted?.();
      if (tracker.done) return { tracker, cancelled: false };
      const waiter = this.#waiters.get(tracker.promptId);
      if (waiter !== undefined) {
        waiter.watchdog = this.#watch(waiter);
        // The socket came back while the POST was in flight: its events in between are lost.
        if (this.#session.gaveUp) waiter.watchdog.deafen(DEAF_POLL_MS);
        else if (this.#session.reconnectCount !== reconnectsAtSend) waiter.watchdog.poke();
      }
      const ended = await this.#waitOrCancel(tracker, settled, options);
      return { tracker, cancelled: ended };
    } finally {
      this.#waiters.get(tracker.promptId)?.watchdog?.stop();
      this.#waiters.delete(tracker.promptId);
      this.#router.untrack(tracker.promptId);
    }
  }

  /** History as usual; the queue read shared with other look-ups made after this prompt's POST reply (see shared-queue-read.ts). */
  #lookupHttp(tracker: PromptTracker): PromptLookupHttp {
    const ackMs = tracker.marks.ackMs ?? Infinity;
    return { history: (id) => this.#http.history(id), queue: () => queueReadSince(this.#http, ackMs, this.#clock.now()) };
  }

  #watch(waiter: Waiter): PromptWatchdog {
    const { tracker, resolve } = waiter;
    const watchdog = new PromptWatchdog({
      clock: this.#clock,
      timers: this.#timers,
      quietMs: this.#quietMs,
      maxQuietMs: this.#maxQuietMs,
      lastActivityMs: () => lastActivityMs(tracker.marks),
      check: async () => {
        const result = await lookUpPrompt(tracker, this.#lookupHttp(tracker), this.#clock);
        // One wording for every prompt (ids are in requests.csv): warnings are kept once each, a restart must not grow them.
        if (result === 'lost') this.#onWarning("prompts vanished from the server's queue and history (a restart?): counted as `lost`");
        if (result !== 'waiting') resolve();
        return result;
      },
      onError: (err) => this.#onWarning(`a look-up of a prompt in /history or /queue failed: ${err.message}`),
    });
    watchdog.start();
    return watchdog;
  }

  /** Waits for the outcome; on timeout or abort cancels the prompt on the server. */
  async #waitOrCancel(tracker: PromptTracker, settled: Promise<void>, options: SubmitOptions): Promise<boolean> {
    const reason = await raceSettled(settled, options.timeoutMs, options.signal, this.#timers);
    if (reason === 'settled') return false;
    if (reason === 'timeout') {
      // The outcome is decided now; the interrupt it causes must not turn it into `interrupted`.
      tracker.markTimeout(this.#clock.now());
      await this.#cancel(tracker);
      return true;
    }
    await this.#cancel(tracker);
    // Stopped: give the server a moment to confirm the interrupt, then settle as interrupted.
    await raceSettled(settled, CANCEL_GRACE_MS, undefined, this.#timers);
    if (!tracker.done)
      tracker.onMessage({ type: 'execution_interrupted', data: { prompt_id: tracker.promptId, node_id: '', node_type: '', executed: [] } }, this.#clock.now());
    if (!tracker.done) tracker.markTimeout(this.#clock.now());
    return true;
  }

  /** Only our own prompt, in a batch with the target's other cancels (see shared-queue-read.ts). */
  async #cancel(tracker: PromptTracker): Promise<void> {
    const marks = tracker.marks;
    try {
      await cancelPrompt(this.#http, tracker.promptId, () => marks.executionStartMs !== undefined && marks.completedMs === undefined);
    } catch (err) {
      this.#onWarning(`could not cancel a prompt: ${(err as Error).message}`);
    }
  }

  #routerOnPromptDone = (tracker: PromptTracker): void => {
    this.#waiters.get(tracker.promptId)?.resolve();
  };

  /** Events sent while the socket was down are lost: look up every prompt in flight (history, then queue). */
  #sessionOnReconnect = (): void => {
    for (const waiter of this.#waiters.values()) waiter.watchdog?.poke();
  };

  /** No event will come any more: prompts in flight are looked up now, then polled (they may still finish on the server). */
  #sessionOnGiveUp = (err: ComfyloadError): void => {
    // One wording for every socket: warnings are kept once each.
    this.#onWarning(
      `a WebSocket closed and did not reopen (${err.code}): its virtual user took no new prompts, and its prompts in flight were settled by looking them up in /history and /queue`,
    );
    for (const waiter of this.#waiters.values()) waiter.watchdog?.deafen(DEAF_POLL_MS);
    this.#onGiveUp?.(err);
  };
}
