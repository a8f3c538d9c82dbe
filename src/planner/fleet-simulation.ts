/**
 * A discrete-event simulation of a fleet of GPUs, one ComfyUI (one worker, FIFO queue) per GPU,
 * fed one arrival at a time: `arrive(atMs, occupancyMs)` says which GPU takes the prompt, how long
 * it waits and when it ends. Pure and deterministic: no clock, no timers, no randomness of its own.
 *
 * No event heap is needed: a prompt's fate is fixed the moment it arrives — the dispatcher picks
 * a GPU from the queues as they stand at that instant, and each GPU serves its queue in order — so
 * taking arrivals in time order and first retiring, on each GPU, the prompts that ended by then
 * visits every event (arrival, start, departure) in time order, exactly as an event list would.
 *
 * Dispatch is comfyload's own (src/harness/dispatch.ts, the same `Dispatcher`): `round-robin` in
 * turn; `least-queue` the GPU with the fewest prompts waiting or running (ComfyUI's
 * `queue_remaining`, which the simulation knows without the status messages' delay), ties in
 * round-robin order. `shared-queue` is not something comfyload's fleet does: an ideal router that
 * holds every prompt in one queue until a GPU is free (M/M/c's discipline), a bound on what a
 * smarter dispatcher could save.
 */
import { Dispatcher, type DispatchPolicy, type TargetLoad } from '../harness/dispatch.js';

export type FleetDispatch = DispatchPolicy | 'shared-queue';

export const FLEET_DISPATCHES = ['least-queue', 'round-robin', 'shared-queue'] as const satisfies readonly FleetDispatch[];

/** What happened to one arrival. */
export interface Admission {
  gpu: number;
  /** Arrival to the start of its execution, ms. */
  waitMs: number;
  startMs: number;
  endMs: number;
}

/** One GPU's FIFO: the end times of the prompts it holds (waiting or running), oldest first. */
class GpuQueue {
  #ends: number[] = [];
  #head = 0;
  busyMs = 0;

  /** When the last prompt it holds ends (or ended). */
  freeAtMs = Number.NEGATIVE_INFINITY;

  /** Prompts waiting or running at `atMs` (a prompt ending exactly then has left). */
  inSystem(atMs: number): number {
    while (this.#head < this.#ends.length && (this.#ends[this.#head] as number) <= atMs) this.#head++;
    // Compact now and then so a long run does not keep every end time.
    if (this.#head > 4096 && this.#head * 2 > this.#ends.length) {
      this.#ends = this.#ends.slice(this.#head);
      this.#head = 0;
    }
    return this.#ends.length - this.#head;
  }

  /** Queues a prompt; returns when it starts. */
  admit(atMs: number, occupancyMs: number): number {
    const startMs = Math.max(atMs, this.freeAtMs);
    const endMs = startMs + occupancyMs;
    this.#ends.push(endMs);
    this.freeAtMs = endMs;
    this.busyMs += occupancyMs;
    return startMs;
  }
}

export class FleetSimulation {
  readonly #gpus: GpuQueue[];
  readonly #dispatch: FleetDispatch;
  readonly #dispatcher: Dispatcher | undefined;
  readonly #loads: TargetLoad[];
  #lastArrivalMs = Number.NEGATIVE_INFINITY;
  #lastGpu = 0;

  constructor(gpus: number, dispatch: FleetDispatch) {
    if (!(Number.isInteger(gpus) && gpus > 0)) throw new RangeError(`Expected \`gpus\` to be an integer > 0, got \`${gpus}\``);
    this.#gpus = Array.from({ length: gpus }, () => new GpuQueue());
    this.#dispatch = dispatch;
    this.#dispatcher = dispatch === 'shared-queue' ? undefined : new Dispatcher(dispatch, gpus);
    this.#loads = this.#gpus.map(() => ({ queueRemaining: 0, unacknowledged: 0, outstanding: 0 }));
  }

  get gpuCount(): number {
    return this.#gpus.length;
  }

  /** Σ occupancy admitted to each GPU so far, ms. */
  busyMs(): number[] {
    return this.#gpus.map((g) => g.busyMs);
  }

  /** Admits one prompt arriving at `atMs` (not before the previous arrival) that holds its GPU for `occupancyMs`. */
  arrive(atMs: number, occupancyMs: number): Admission {
    const waitMs = this.waitOf(atMs, occupancyMs);
    return { gpu: this.#lastGpu, waitMs, startMs: atMs + waitMs, endMs: atMs + waitMs + occupancyMs };
  }

  /** `arrive` without the record: only the wait, ms (the hot path of a long simulation). */
  waitOf(atMs: number, occupancyMs: number): number {
    if (!(atMs >= this.#lastArrivalMs)) throw new RangeError(`Arrivals must come in time order: ${atMs} ms after ${this.#lastArrivalMs} ms`);
    if (!(occupancyMs >= 0) || !Number.isFinite(occupancyMs))
      throw new RangeError(`Expected \`occupancyMs\` to be a finite number >= 0, got \`${occupancyMs}\``);
    this.#lastArrivalMs = atMs;
    const gpu = this.#pick(atMs);
    this.#lastGpu = gpu;
    return (this.#gpus[gpu] as GpuQueue).admit(atMs, occupancyMs) - atMs;
  }

  #pick(atMs: number): number {
    if (this.#dispatcher === undefined) return this.#earliestFree();
    if (this.#dispatch === 'least-queue') {
      for (const [i, gpu] of this.#gpus.entries()) {
        const load = this.#loads[i] as TargetLoad;
        const n = gpu.inSystem(atMs);
        load.queueRemaining = n;
        load.outstanding = n;
      }
    }
    return this.#dispatcher.pick(this.#loads);
  }

  /** Shared queue, first come first served: the GPU that frees first (the lowest index on a tie). */
  #earliestFree(): number {
    let best = 0;
    for (let i = 1; i < this.#gpus.length; i++) if ((this.#gpus[i] as GpuQueue).freeAtMs < (this.#gpus[best] as GpuQueue).freeAtMs) best = i;
    return best;
  }
}
