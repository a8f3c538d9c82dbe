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
