/**
 * The emulator's time seam. Every simulated duration goes through `sleep`, every recorded time
 * through `nowMs`/`epochMs`, so a unit test can swap in {@link ManualClock} and step the worker
 * deterministically instead of waiting on real timers.
 */
import { performance } from 'node:perf_hooks';

export interface SimClock {
  /** Monotonic milliseconds (`performance.now()` for the real clock). */
  nowMs(): number;
  /** Epoch milliseconds, as the server's `int(time.time() * 1000)` timestamps. */
  epochMs(): number;
  /** Resolves once `ms` have passed; 0 or less still yields to the event loop once. */
  sleep(ms: number): Promise<void>;
  /** Shutdown: wakes every pending sleep now and makes later ones return at once. */
  release?(): void;
}

/**
 * Real time. `sleep` aims at an absolute deadline so a chain of short sleeps (0.5 ms steps at
 * timeScale 0.01) does not accumulate setTimeout's 1 ms rounding as drift.
 */
export class RealClock implements SimClock {
  #pending = new Set<() => void>();
  #released = false;

  nowMs(): number {
    return performance.now();
  }

  epochMs(): number {
    return performance.timeOrigin + performance.now();
  }

  sleep(ms: number): Promise<void> {
    const deadline = performance.now() + Math.max(0, ms);
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | NodeJS.Immediate | undefined;
      const done = (): void => {
        this.#pending.delete(done);
        if (timer !== undefined) {
          clearTimeout(timer as NodeJS.Timeout);
          clearImmediate(timer as NodeJS.Immediate);
        }
        resolve();
      };
      const tick = (): void => {
        const left = deadline - performance.now();
        if (left <= 0 || this.#released) done();
        else if (left < 1) timer = setImmediate(tick);
        else timer = setTimeout(tick, Math.floor(left));
      };
      this.#pending.add(done);
      if (ms <= 0 || this.#released) timer = setImmediate(done);
      else tick();
    });
  }

  release(): void {
    this.#released = true;
    for (const done of [...this.#pending]) done();
  }
}

interface Sleeper {
  at: number;
  seq: number;
  resolve: () => void;
}

/** A clock that only moves when told: `advance(ms)` wakes every sleeper due by then, in order. */
export class ManualClock implements SimClock {
  #now: number;
  #epochBase: number;
  #seq = 0;
  #sleepers: Sleeper[] = [];

  constructor(startMs = 0, epochBaseMs = 1_760_000_000_000) {
    this.#now = startMs;
    this.#epochBase = epochBaseMs;
  }

  nowMs(): number {
    return this.#now;
  }

  epochMs(): number {
    return this.#epochBase + this.#now;
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.#sleepers.push({ at: this.#now + Math.max(0, ms), seq: this.#seq++, resolve });
    });
  }

  /** Number of pending sleeps (a test can wait until the worker is parked). */
  get pending(): number {
    return this.#sleepers.length;
  }

  /** Moves time forward, resolving sleepers in deadline order and letting each continuation run. */
  async advance(ms: number): Promise<void> {
    const target = this.#now + ms;
    for (;;) {
      await flushMicrotasks();
      this.#sleepers.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const next = this.#sleepers[0];
      if (next === undefined || next.at > target) break;
      this.#sleepers.shift();
      this.#now = Math.max(this.#now, next.at);
      next.resolve();
    }
    this.#now = target;
    await flushMicrotasks();
  }
}

async function flushMicrotasks(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
  await new Promise<void>((r) => setImmediate(r));
}
