/**
 * The engine's time seam. `now()` is monotonic milliseconds (never goes back, unaffected by NTP);
 * `epochMs()` is wall time, used only to label results and to line up with server timestamps.
 */
export interface Clock {
  now(): number;
  epochMs(): number;
}

export const systemClock: Clock = {
  now: () => performance.now(),
  epochMs: () => Date.now(),
};

/** Resolves after `ms` on the real timer; the seam tests replace with fake timers. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      signal?.removeEventListener('abort', done);
      clearTimeout(timer);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
