/**
 * Open loop: arrivals are launched at the times an arrival schedule chose, whether or not earlier
 * prompts have finished, so a slow server cannot slow the load down (no coordinated omission).
 * Each arrival carries its intended time; latencies are measured from it.
 *
 * `maxInFlight` caps the prompts outstanding (launched and not settled, waiting to be sent
 * included). An arrival that finds the cap full is not sent: it is handed to `drop` and counted —
 * k6's `dropped_iterations`, the client-side sign of saturation. Every arrival is either launched
 * or dropped, exactly once: `scheduled = launched + dropped`.
 *
 * A launch or drop that fails (an observer that cannot write its file, a bug) is never swallowed:
 * the first failure stops arrivals, what is in flight settles, and `run` rejects with it.
 *
 * Timers are a seam: tests pass fake ones driven by a manual clock.
 */
import type { Arrival } from './arrival-schedule.js';
import type { Clock, Timers } from './clock.js';

export interface ScheduledArrival extends Arrival {
  /** Clock ms the plan wanted it sent. */
  intendedAtMs: number;
  /** How late the scheduler fired it (event-loop lag), ms. */
  lateMs: number;
}

export interface OpenLoopOptions {
  clock: Clock;
  timers: Timers;
  schedule: { next(): Arrival | undefined };
  /** Clock ms of the schedule's t = 0. */
  startMs: number;
  maxInFlight: number;
  /** Sends an accepted arrival; resolves when it has settled. A rejection stops the run (see `run`). */
  launch: (arrival: ScheduledArrival) => Promise<void>;
  /** An arrival that found `maxInFlight` outstanding; a promise it returns is waited for like a launch. */
  drop: (arrival: ScheduledArrival) => void | Promise<void>;
}

export interface OpenLoopCounts {
  scheduled: number;
  launched: number;
  dropped: number;
  settled: number;
}

export class OpenLoopScheduler {
  readonly #o: OpenLoopOptions;
  readonly #counts: OpenLoopCounts = { scheduled: 0, launched: 0, dropped: 0, settled: 0 };
  readonly #pending = new Set<Promise<void>>();
  #next: Arrival | undefined;
  #timer: unknown;
  #finished = false;
  #resolveArrivalsDone: (() => void) | undefined;
  /** The first launch or drop that failed. */
  #failure: { error: unknown } | undefined;

  constructor(options: OpenLoopOptions) {
    if (!(Number.isInteger(options.maxInFlight) && options.maxInFlight > 0))
      throw new RangeError(`Expected \`maxInFlight\` to be a positive integer, got \`${options.maxInFlight}\``);
    this.#o = options;
  }

  get counts(): Readonly<OpenLoopCounts> {
    return this.#counts;
  }

  /** Launched and not yet settled. */
  get inFlight(): number {
    return this.#counts.launched - this.#counts.settled;
  }

  /**
   * Fires arrivals until the schedule ends or `stop` aborts, then waits for every launched one
   * to settle. Aborting `stop` ends arrivals only; what is in flight is the launcher's business.
   * Rejects with the first failed launch or drop, once everything in flight has settled.
   */
  async run(stop?: AbortSignal): Promise<OpenLoopCounts> {
    const arrivalsDone = new Promise<void>((resolve) => (this.#resolveArrivalsDone = resolve));
    const onStop = (): void => this.#finish();
    if (stop?.aborted) this.#finish();
    else {
      stop?.addEventListener('abort', onStop, { once: true });
      this.#next = this.#o.schedule.next();
      this.#arm();
    }
    await arrivalsDone;
    stop?.removeEventListener('abort', onStop);
    while (this.#pending.size > 0) await Promise.all([...this.#pending]);
    if (this.#failure !== undefined) throw this.#failure.error;
    return { ...this.#counts };
  }

  #arm(): void {
    if (this.#finished) return;
    const next = this.#next;
    if (next === undefined) return this.#finish();
    const delay = Math.max(0, this.#o.startMs + next.atMs - this.#o.clock.now());
    this.#timer = this.#o.timers.setTimeout(this.#timerOnFire, delay);
  }

  #timerOnFire = (): void => {
    this.#timer = undefined;
    if (this.#finished) return;
    const now = this.#o.clock.now();
    // Catch up: after a stall of our own event loop every overdue arrival fires now, each keeping
    // its intended time, so the stall shows in the corrected latencies instead of vanishing.
    while (this.#next !== undefined && this.#o.startMs + this.#next.atMs <= now) {
      const arrival = this.#next;
      const intendedAtMs = this.#o.startMs + arrival.atMs;
      this.#fire({ ...arrival, intendedAtMs, lateMs: now - intendedAtMs });
      this.#next = this.#o.schedule.next();
    }
    this.#arm();
  };

  #fire(arrival: ScheduledArrival): void {
    this.#counts.scheduled++;
    if (this.inFlight >= this.#o.maxInFlight) {
      this.#counts.dropped++;
      this.#track(() => this.#o.drop(arrival), false);
      return;
    }
    this.#counts.launched++;
    this.#track(() => this.#o.launch(arrival), true);
  }

  /** Runs a launch or drop, waits for it with the others, and keeps its failure (thrown or rejected). */
  #track(work: () => void | Promise<void>, launched: boolean): void {
    let result: void | Promise<void>;
    try {
      result = work();
    } catch (err) {
      result = Promise.reject(err);
    }
    if (result === undefined && !launched) return;
    const p: Promise<void> = Promise.resolve(result)
      .catch((err: unknown) => this.#fail(err))
      .then(() => {
        if (launched) this.#counts.settled++;
        this.#pending.delete(p);
      });
    this.#pending.add(p);
  }

  #fail(error: unknown): void {
    this.#failure ??= { error };
    this.#finish();
  }

  #finish(): void {
    if (this.#finished) return;
    this.#finished = true;
    if (this.#timer !== undefined) this.#o.timers.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#resolveArrivalsDone?.();
  }
}
