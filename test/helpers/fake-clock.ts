/**
 * The one fake clock of the unit tests: a monotonic clock and the engine's Timers seam on it.
 * Tests move time by hand (`advance`), timers fire in due order with the promises they start
 * settled between them, and nothing waits on real time.
 */
import type { Clock, Timers } from '../../src/harness/clock.js';

interface Pending {
  id: number;
  atMs: number;
  fn: () => void;
  /** Set for intervals: rescheduled this far after each run. */
  everyMs?: number;
}

export class FakeClock implements Clock, Timers {
  #nowMs = 0;
  #nextId = 1;
  #pending = new Map<number, Pending>();
  readonly #epochBaseMs: number;

  constructor(epochBaseMs = 1_760_000_000_000) {
    this.#epochBaseMs = epochBaseMs;
  }

  now(): number {
    return this.#nowMs;
  }

  epochMs(): number {
    return this.#epochBaseMs + this.#nowMs;
  }

  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.#nextId++;
    this.#pending.set(id, { id, atMs: this.#nowMs + Math.max(0, ms), fn });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.#pending.delete(handle as number);
  }

  setInterval(fn: () => void, ms: number): unknown {
    const id = this.#nextId++;
    const everyMs = Math.max(1, ms);
    this.#pending.set(id, { id, atMs: this.#nowMs + everyMs, fn, everyMs });
    return id;
  }

  clearInterval(handle: unknown): void {
    this.#pending.delete(handle as number);
  }

  /** Timers (and intervals) not yet fired or cleared. */
  get pendingCount(): number {
    return this.#pending.size;
  }

  /** Moves to `now + ms`, running due timers in order (and the microtasks they start). */
  async advance(ms: number): Promise<void> {
    const end = this.#nowMs + ms;
    for (;;) {
      await flush();
      let due: Pending | undefined;
      for (const p of this.#pending.values()) if (p.atMs <= end && (due === undefined || p.atMs < due.atMs || (p.atMs === due.atMs && p.id < due.id))) due = p;
      if (due === undefined) break;
      this.#nowMs = Math.max(this.#nowMs, due.atMs);
      if (due.everyMs !== undefined) due.atMs += due.everyMs;
      else this.#pending.delete(due.id);
      due.fn();
    }
    this.#nowMs = end;
    await flush();
  }

  /** Jumps the clock without running timers (a stalled event loop). */
  jump(ms: number): void {
    this.#nowMs += ms;
  }
}

/** Lets chains of resolved promises run to their end. */
export async function flush(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}
