/**
 * Fault injection seam. The servers and the worker ask the {@link FaultPlan} at fixed points
 * ("an HTTP request arrived", "a node starts"); a fault acts only where its point and target
 * match, with its probability drawn from a seeded RNG so a faulty run reproduces.
 *
 * Acting today: `http-500` and `slow-http` (router), `oom` (node start). The other names are
 * reserved and accepted, so plans can be written now and gain behaviour later.
 */
import { SeededRng } from './rng.js';

/** The named faults the emulator is designed to take. */
export type FaultName =
  | 'ws-drop' // close every socket (or the owner's) mid-run
  | 'restart' // drop queue, history, caches and sockets as a process restart would
  | 'http-500' // answer a route with aiohttp's plain-text 500
  | 'slow-http' // delay replies of a route
  | 'stall' // stop sending ws messages for a while, then resume
  | 'stuck' // a prompt that never finishes until interrupted
  | 'oom' // torch.OutOfMemoryError when a node starts
  | 'malformed' // a broken ws frame
  | 'progress-storm'; // many progress messages per step

export interface FaultSpec {
  name: FaultName;
  /** Probability per opportunity (default 1). */
  probability?: number;
  /** Route path (`/prompt`, matched with and without `/api`) or node class (`KSampler`); all when absent. */
  target?: string;
  /** Delay or duration in ms for slow-http / stall (default 1000). */
  ms?: number;
  /** Act only once this many prompts have finished (default 0). */
  afterPrompts?: number;
}

/** Points where a fault can act. */
export type FaultPoint = 'http-request' | 'node-start';

const POINT_OF: Partial<Record<FaultName, FaultPoint>> = {
  'http-500': 'http-request',
  'slow-http': 'http-request',
  oom: 'node-start',
};

export class FaultPlan {
  readonly #specs: FaultSpec[];
  readonly #rng: SeededRng;
  readonly #promptsDone: () => number;

  constructor(specs: FaultSpec[], seed = 1, promptsDone: () => number = () => 0) {
    this.#specs = [...specs];
    this.#rng = new SeededRng(seed + 7919);
    this.#promptsDone = promptsDone;
  }

  get specs(): readonly FaultSpec[] {
    return this.#specs;
  }

  /** The faults that fire now at `point` for `target` (route path or node class). */
  at(point: FaultPoint, target: string): FaultSpec[] {
    if (this.#specs.length === 0) return [];
    const bare = target.startsWith('/api/') ? target.slice(4) : target;
    return this.#specs.filter(
      (s) =>
        POINT_OF[s.name] === point &&
        (s.target === undefined || s.target === target || s.target === bare) &&
        this.#promptsDone() >= (s.afterPrompts ?? 0) &&
        this.#rng.next() < (s.probability ?? 1),
    );
  }
}
