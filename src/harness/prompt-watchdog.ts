/**
 * Settling prompts the socket cannot settle. Events sent while a socket was down are lost for
 * good (protocol §6.13), a proxy can swallow frames, and a restarted server forgets its queue and
 * history (§6.8). So a prompt in flight is looked up on the server — `/history/{id}` first,
 * `GET /queue` only when history does not have it (it carries every pending graph: expensive) —
 * right after a reconnect, and after a quiet period with no event for it. A prompt that is
 * waiting (still queued or running) doubles its quiet period each time, so a deep queue is not
 * polled hard. Once the socket is given up for good no event will ever come: the prompt is then
 * looked up at once and polled on a short period, doubling only up to the quiet period, so a
 * prompt the server still finishes settles soon after. Timers and clock are seams: tests drive
 * them by hand.
 */
import type { HistoryResponse, QueueResponse } from '../comfy/http-types.js';
import type { PromptMarks } from '../comfy/marks.js';
import type { PromptTracker } from '../comfy/prompt-tracker.js';
import { onAbort } from './abort.js';
import { systemTimers, type Clock, type Timers } from './clock.js';

/** The two reads a look-up needs (ComfyHttp has them). */
export interface PromptLookupHttp {
  history(promptId: string): Promise<HistoryResponse>;
  queue(): Promise<QueueResponse>;
}

/** `settled`: history filled the marks; `waiting`: queued or running; `lost`: the server no longer knows it. */
export type LookupResult = 'settled' | 'waiting' | 'lost';

/**
 * One look at the server for an unsettled prompt. History, then the queue, then history again:
 * a prompt moves from the queue to history in one step on the server (history written first),
 * so one absent from both reads — with a history read after the queue read — is gone.
 */
export async function lookUpPrompt(tracker: PromptTracker, http: PromptLookupHttp, clock: Clock): Promise<LookupResult> {
  if (await fillFromHistory(tracker, http, clock)) return 'settled';
  if (tracker.done) return 'settled';
  const queue = await http.queue();
  if (inQueue(queue, tracker.promptId)) return 'waiting';
  if (await fillFromHistory(tracker, http, clock)) return 'settled';
  if (tracker.done) return 'settled';
  tracker.markLost(clock.now());
  return 'lost';
}

async function fillFromHistory(tracker: PromptTracker, http: PromptLookupHttp, clock: Clock): Promise<boolean> {
  const history = await http.history(tracker.promptId);
  const entry = typeof history === 'object' && history !== null ? history[tracker.promptId] : undefined;
  return entry !== undefined && tracker.applyHistory(entry, clock.now());
}

function inQueue(queue: QueueResponse, promptId: string): boolean {
  const has = (items: unknown): boolean => Array.isArray(items) && items.some((item) => Array.isArray(item) && item[1] === promptId);
  return has(queue?.queue_running) || has(queue?.queue_pending);
}

/** Receipt time of the latest event the prompt got (or its POST reply, or its send). */
export function lastActivityMs(marks: Readonly<PromptMarks>): number {
  let last = Math.max(marks.sentMs ?? -Infinity, marks.ackMs ?? -Infinity, marks.executionStartMs ?? -Infinity, marks.cachedMs ?? -Infinity);
  const step = marks.steps[marks.steps.length - 1];
  if (step !== undefined) last = Math.max(last, step.atMs);
  for (const id in marks.nodes) {
    const n = marks.nodes[id];
    if (n?.startMs !== undefined && n.startMs > last) last = n.startMs;
    if (n?.executedMs !== undefined && n.executedMs > last) last = n.executedMs;
  }
  return last;
}

export interface PromptWatchdogOptions {
  clock: Clock;
  timers: Timers;
  /** Silence before the first look-up. */
  quietMs: number;
  /** Cap of the doubling quiet period. */
  maxQuietMs: number;
  /** Latest event of the prompt (clock ms). */
  lastActivityMs: () => number;
  /** One look-up; a rejection counts as `waiting` and is reported through `onError`. */
  check: () => Promise<LookupResult>;
  onError?: (err: Error) => void;
}

/** Watches one prompt in flight; `poke()` after a reconnect, `deafen()` once the socket is given up, `stop()` once it settled. */
export class PromptWatchdog {
  readonly #o: PromptWatchdogOptions;
  #quietMs: number;
  #timer: unknown;
  #checking = false;
  #stopped = false;
  /** No socket any more: look-ups are the only news, so no waiting for silence and a lower cap. */
  #deaf = false;
  /** Look-ups made (tests and diagnostics). */
  checks = 0;

  constructor(options: PromptWatchdogOptions) {
    this.#o = options;
    this.#quietMs = options.quietMs;
  }

  start(): void {
    this.#schedule();
  }

  /** Looks up now (the socket came back: whatever it missed is in history, or the prompt is gone). */
  poke(): void {
    void this.#runCheck();
  }

  /**
   * The socket is gone for good: looks up now, then every `pollMs` while the prompt is still
   * queued or running, doubling up to the quiet period (never the long cap: nothing else will
   * tell us it finished).
   */
  deafen(pollMs: number): void {
    if (this.#deaf) return;
    this.#deaf = true;
    this.#quietMs = Math.min(pollMs, this.#o.quietMs);
    void this.#runCheck(false);
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer !== undefined) this.#o.timers.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #schedule(): void {
    if (this.#stopped) return;
    if (this.#timer !== undefined) this.#o.timers.clearTimeout(this.#timer);
    const due = this.#o.lastActivityMs() + this.#quietMs;
    this.#timer = this.#o.timers.setTimeout(this.#watchdogOnTimer, Math.max(0, due - this.#o.clock.now()));
  }

  #watchdogOnTimer = (): void => {
    this.#timer = undefined;
    if (this.#stopped) return;
    if (!this.#deaf && this.#o.clock.now() - this.#o.lastActivityMs() < this.#quietMs) this.#schedule();
    else void this.#runCheck();
  };

  async #runCheck(grow = true): Promise<void> {
    if (this.#stopped || this.#checking) return;
    this.#checking = true;
    this.checks++;
    let result: LookupResult = 'waiting';
    try {
      result = await this.#o.check();
    } catch (err) {
      this.#o.onError?.(err as Error);
    } finally {
      this.#checking = false;
    }
    if (this.#stopped) return;
    if (result !== 'waiting') {
      this.stop();
      return;
    }
    if (grow) this.#quietMs = Math.min(this.#deaf ? this.#o.quietMs : this.#o.maxQuietMs, this.#quietMs * 2);
    // Counted from now, not from the last event: the look-up just said "still there".
    if (this.#timer !== undefined) this.#o.timers.clearTimeout(this.#timer);
    this.#timer = this.#o.timers.setTimeout(this.#watchdogOnTimer, this.#quietMs);
  }
}

/** Resolves with what happened first: the prompt settled, `ms` passed, or `signal` aborted. */
export function raceSettled(
  p: Promise<void>,
  ms: number,
  signal: AbortSignal | undefined,
  timers: Timers = systemTimers,
): Promise<'settled' | 'timeout' | 'aborted'> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve('aborted');
    const timer = timers.setTimeout(() => finish('timeout'), ms);
    const unsubscribe = onAbort(signal, () => finish('aborted'));
    void p.then(() => finish('settled'));
    function finish(r: 'settled' | 'timeout' | 'aborted'): void {
      timers.clearTimeout(timer);
      unsubscribe();
      resolve(r);
    }
  });
}
