/**
 * Which target of a fleet (one ComfyUI per GPU) gets the next arrival.
 * `round-robin`: in turn, whatever their speed. `least-queue`: the target with the fewest prompts
 * waiting or running — its last `queue_remaining` (every client's work, from its `status`
 * messages) plus the prompts we have posted to it that the server has not acknowledged yet (not
 * in that figure yet) — ties broken in round-robin order, so a burst spreads instead of piling
 * onto one target between two status messages.
 */
export type DispatchPolicy = 'round-robin' | 'least-queue';

export const DISPATCH_POLICIES = ['round-robin', 'least-queue'] as const satisfies readonly DispatchPolicy[];

export interface TargetLoad {
  /** Last `queue_remaining` the target reported; undefined before its first status. */
  queueRemaining: number | undefined;
  /** Our prompts sent to the target and not yet acknowledged (or still waiting to be sent). */
  unacknowledged: number;
  /** Our prompts on the target not yet settled (used when no status was seen). */
  outstanding: number;
}

export class Dispatcher {
  readonly #policy: DispatchPolicy;
  readonly #count: number;
  #next = 0;

  constructor(policy: DispatchPolicy, targetCount: number) {
    if (!(Number.isInteger(targetCount) && targetCount > 0)) throw new RangeError(`Expected at least one target, got \`${targetCount}\``);
    this.#policy = policy;
    this.#count = targetCount;
  }

  /** Index of the target for the next arrival. */
  pick(loads: readonly TargetLoad[]): number {
    const start = this.#next;
    this.#next = (this.#next + 1) % this.#count;
    if (this.#policy === 'round-robin' || this.#count === 1) return start;
    let best = start;
    let bestScore = Number.POSITIVE_INFINITY;
    for (let i = 0; i < this.#count; i++) {
      const index = (start + i) % this.#count;
      const score = queueEstimate(loads[index]);
      if (score < bestScore) {
        best = index;
        bestScore = score;
      }
    }
    return best;
  }
}

/** Prompts ahead of a new one on this target, as far as we know. */
export function queueEstimate(load: TargetLoad | undefined): number {
  if (load === undefined) return Number.POSITIVE_INFINITY;
  if (load.queueRemaining === undefined) return load.outstanding;
  return load.queueRemaining + load.unacknowledged;
}
