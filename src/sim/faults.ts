/**
 * Fault injection seam. The worker and the servers ask a {@link FaultPlan} at fixed points
 * ("before a step", "before an HTTP reply", …); today the plan only records what is configured,
 * so named faults can be added here without touching the worker or the servers again.
 */

/** The named faults the emulator is designed to take. */
export type FaultName =
  | 'ws-drop' // close every socket (or the owner's) mid-run
  | 'restart' // drop queue, history, caches and sockets as a process restart would
  | 'http-500' // answer a route with aiohttp's plain-text 500
  | 'slow-http' // delay replies of a route
  | 'stall' // stop sending ws messages for a while, then resume
  | 'stuck' // a prompt that never finishes until interrupted
  | 'oom' // torch.OutOfMemoryError in the sampler
  | 'malformed' // a broken ws frame
  | 'progress-storm'; // many progress messages per step

export interface FaultSpec {
  name: FaultName;
  /** Probability per opportunity (default 1). */
  probability?: number;
  /** Route or node the fault applies to (e.g. `/prompt`, `KSampler`). */
  target?: string;
  /** Delay or duration in ms for slow-http / stall. */
  ms?: number;
  /** Apply only from this prompt index on (0-based, counted by the worker). */
  afterPrompts?: number;
}

/** Points where a fault can act. */
export type FaultPoint = 'http-request' | 'prompt-start' | 'node-start' | 'sampler-step' | 'ws-send';

export class FaultPlan {
  readonly #specs: FaultSpec[];

  constructor(specs: FaultSpec[]) {
    this.#specs = [...specs];
  }

  get specs(): readonly FaultSpec[] {
    return this.#specs;
  }

  /** Faults configured for a point. None acts yet; callers treat an empty list as "no fault". */
  at(point: FaultPoint): FaultSpec[] {
    void point;
    return [];
  }
}
