/** A manual clock with timers on it: tests move time by hand and nothing waits on real time. */
import type { Clock } from '../../src/harness/clock.js';
import type { Timers } from '../../src/harness/open-loop.js';

interface Pending {
  at: number;
  seq: number;
  callback: () => void;
}

export class FakeTime implements Clock, Timers {
  #now = 0;
  #seq = 0;
  #pending = new Map<number, Pending>();

  now(): number {
    return this.#now;
  }

  epochMs(): number {
    return 1_760_000_000_000 + this.#now;
  }

  setTimeout(callback: () => void, ms: number): unknown {
    const id = this.#seq++;
    this.#pending.set(id, { at: this.#now + Math.max(0, ms), seq: id, callback });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.#pending.delete(handle as number);
  }

  /** Moves to `now + ms`, running due timers in order (and the microtasks they start). */
  async advance(ms: number): Promise<void> {
    const target = this.#now + ms;
    for (;;) {
      await flush();
      const due = [...this.#pending.values()].filter((p) => p.at <= target).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (due === undefined) break;
      this.#pending.delete(due.seq);
      this.#now = Math.max(this.#now, due.at);
      due.callback();
    }
    this.#now = target;
    await flush();
  }

  /** Jumps the clock without running timers (a stalled event loop). */
  jump(ms: number): void {
    this.#now += ms;
  }
}

export async function flush(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}
