/**
 * One `GET /queue` read shared by the look-ups of many prompts at once. The read carries every
 * pending prompt's whole graph, so with thousands queued (an open loop far past the server's
 * rate) each prompt's own quiet look-up reading it was quadratic: 2,000 prompts × ~4 MB of JSON
 * blocked the event loop for tens of ms at a time. A look-up joins a read already in flight only
 * if that read started after the server acknowledged the prompt (so the prompt was queued, or
 * already in history, when the read was made: the look-up's reasoning in prompt-watchdog.ts
 * holds); otherwise it starts a fresh one, which later look-ups may join.
 */
import type { QueueResponse } from '../comfy/http-types.js';

interface Read {
  startedMs: number;
  promise: Promise<QueueResponse>;
}

const latest = new WeakMap<object, Read>();

/** The queue, read by `http` no earlier than `sinceMs` (clock ms; `nowMs` is the clock now). */
export function queueReadSince(http: { queue(): Promise<QueueResponse> }, sinceMs: number, nowMs: number): Promise<QueueResponse> {
  const read = latest.get(http);
  if (read !== undefined && read.startedMs >= sinceMs) return read.promise;
  const promise = http.queue();
  const entry: Read = { startedMs: nowMs, promise };
  latest.set(http, entry);
  const forget = (): void => {
    if (latest.get(http) === entry) latest.delete(http);
  };
  promise.then(forget, forget);
  return promise;
}

/** What a cancel needs of the target's HTTP side (ComfyHttp has it). */
export interface CancelHttp {
  deletePending(promptIds: string[]): Promise<void>;
  queue(): Promise<QueueResponse>;
  interruptPrompt(promptId: string): Promise<void>;
}

interface CancelEntry {
  promptId: string;
  /** Whether to interrupt when the queue cannot be read (the marks' guess). */
  runningIfUnread: () => boolean;
  resolve: () => void;
  reject: (err: unknown) => void;
}

interface CancelBatch {
  waiting: CancelEntry[];
  busy: boolean;
}

const cancels = new WeakMap<object, CancelBatch>();

/**
 * Cancels our own prompt: deletes it if pending, interrupts it by id only when a `GET /queue`
 * read after the delete shows it running (a server before 2025-09-02 ignores the id and
 * interrupts whatever runs). Cancels of one target coalesce: the first goes at once; those asked
 * while it is in flight (a level's timeouts, a stop) go together next — one POST /queue delete of
 * all their ids and one queue read, not one read (every pending graph) per prompt.
 * Rejects with the delete's error; a failed queue read falls back to `runningIfUnread`.
 */
export function cancelPrompt(http: CancelHttp, promptId: string, runningIfUnread: () => boolean): Promise<void> {
  let batch = cancels.get(http);
  if (batch === undefined) cancels.set(http, (batch = { waiting: [], busy: false }));
  const b = batch;
  const done = new Promise<void>((resolve, reject) => b.waiting.push({ promptId, runningIfUnread, resolve, reject }));
  // drain never rejects: every entry's outcome goes to its own promise.
  if (!b.busy) void drain(http, b);
  return done;
}

async function drain(http: CancelHttp, batch: CancelBatch): Promise<void> {
  batch.busy = true;
  while (batch.waiting.length > 0) {
    const entries = batch.waiting.splice(0);
    try {
      await http.deletePending(entries.map((e) => e.promptId));
    } catch (err) {
      for (const e of entries) e.reject(err);
      continue;
    }
    // An unreadable queue is no error of the cancel: each prompt's own marks say whether it runs.
    const queue = await http.queue().catch(() => undefined);
    for (const e of entries) {
      try {
        const running = queue === undefined ? e.runningIfUnread() : queue.queue_running.some((item) => Array.isArray(item) && item[1] === e.promptId);
        if (running) await http.interruptPrompt(e.promptId);
        e.resolve();
      } catch (err) {
        e.reject(err);
      }
    }
  }
  batch.busy = false;
}
