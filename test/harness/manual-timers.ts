/** A hand-driven clock and timer seam: `advance(ms)` runs what falls due, in order, and lets promises settle. */
import type { Clock } from '../../src/harness/clock.js';
import type { Timers } from '../../src/harness/prompt-watchdog.js';

interface Pending {
  id: number;
  atMs: number;
  fn: () => void;
}

export class ManualTimers implements Timers, Clock {
  #nowMs = 0;
  #nextId = 1;
  #pending: Pending[] = [];

  now(): number {
    return this.#nowMs;
  }

  epochMs(): number {
    return 1_700_000_000_000 + this.#nowMs;
  }

  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.#nextId++;
    this.#pending.push({ id, atMs: this.#nowMs + Math.max(0, ms), fn });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.#pending = this.#pending.filter((p) => p.id !== handle);
  }

  get pendingCount(): number {
    return this.#pending.length;
  }

  /** Moves time forward by `ms`, firing due timers one by one and flushing microtasks between them. */
  async advance(ms: number): Promise<void> {
    const end = this.#nowMs + ms;
    for (;;) {
      await flush();
      const due = this.#pending.filter((p) => p.atMs <= end).sort((a, b) => a.atMs - b.atMs || a.id - b.id)[0];
      if (due === undefined) break;
      this.#pending = this.#pending.filter((p) => p !== due);
      this.#nowMs = due.atMs;
      due.fn();
    }
    this.#nowMs = end;
    await flush();
  }
}

async function flush(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}
