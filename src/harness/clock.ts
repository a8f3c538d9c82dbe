/**
 * The engine's time seams, one of each. `Clock.now()` is monotonic milliseconds (never goes back,
 * unaffected by NTP); `epochMs()` is wall time, used only to label results and to line up with
 * server timestamps. `Timers` is every timer the engine sets: tests pass one fake clock that is
 * both (test/helpers/fake-clock.ts), so no unit test waits on real time.
 */
import { onAbort } from './abort.js';

export interface Clock {
  now(): number;
  epochMs(): number;
}

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  /** An interval never keeps the process alive on its own (Node: unref'd). */
  setInterval(fn: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

export const systemClock: Clock = {
  now: () => performance.now(),
  epochMs: () => Date.now(),
};

export const systemTimers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
  setInterval: (fn, ms) => setInterval(fn, ms).unref(),
  clearInterval: (handle) => clearInterval(handle as NodeJS.Timeout),
};

/** Resolves after `ms` (at once when `signal` aborts). */
export function sleep(ms: number, signal?: AbortSignal, timers: Timers = systemTimers): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = timers.setTimeout(done, ms);
    const unsubscribe = onAbort(signal, done);
    function done(): void {
      unsubscribe();
      timers.clearTimeout(timer);
      resolve();
    }
  });
}
