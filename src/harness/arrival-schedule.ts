/**
 * When each prompt of an open-loop run should be sent. Pure and seeded: the same spec and seed
 * give the same times.
 *
 * The rate may ramp: stages are piecewise linear, each from the previous stage's rate (the first
 * from `startRatePerSec`) to its own over its duration, as k6's `ramping-arrival-rate`. Arrivals
 * are drawn in cumulative-intensity space, where the process has rate 1 — gaps of exactly 1
 * (`constant`), exponential gaps (`poisson`) or gamma gaps of shape `burstiness` and mean 1
 * (`gamma`, vLLM's burstiness: 1 is Poisson, below 1 burstier, above 1 more regular) — and mapped
 * back to time through the inverse of Λ(t) = ∫₀ᵗ λ(s) ds. A constant process starts at t = 0.
 */
export type ArrivalProcess = 'constant' | 'poisson' | 'gamma';

export const ARRIVAL_PROCESSES = ['constant', 'poisson', 'gamma'] as const satisfies readonly ArrivalProcess[];

export interface RateStage {
  /** Rate reached at the end of the stage (arrivals per second). */
  ratePerSec: number;
  durationMs: number;
}

export interface ArrivalScheduleSpec {
  process: ArrivalProcess;
  /** Gamma shape (only for `gamma`; `poisson` is shape 1). */
  burstiness?: number;
  /** Rate at t = 0; the first stage ramps from it. */
  startRatePerSec: number;
  stages: readonly RateStage[];
  /** Stop after this many arrivals (the plan may also end with its last stage). */
  maxArrivals?: number;
}

export interface Arrival {
  /** Sequence number within this schedule, from 0. */
  index: number;
  /** Intended send time, ms after the schedule's start. */
  atMs: number;
  /** Index of the stage the arrival falls in. */
  stage: number;
}

interface Segment {
  startMs: number;
  durationMs: number;
  /** Rate at the segment start and its slope (per s, per ms). */
  rateStart: number;
  slopePerMs: number;
  /** Λ at the segment start, and the segment's own integral (arrivals expected in it). */
  lambdaStart: number;
  mass: number;
}

export class ArrivalSchedule {
  readonly #spec: ArrivalScheduleSpec;
  readonly #rng: () => number;
  readonly #segments: Segment[] = [];
  readonly #totalMass: number;
  #u = 0;
  #index = 0;

  constructor(spec: ArrivalScheduleSpec, rng: () => number) {
    validate(spec);
    this.#spec = spec;
    this.#rng = rng;
    let startMs = 0;
    let lambda = 0;
    let rate = spec.startRatePerSec;
    for (const stage of spec.stages) {
      const slopePerMs = Number.isFinite(stage.durationMs) ? (stage.ratePerSec - rate) / stage.durationMs : 0;
      const mass = Number.isFinite(stage.durationMs) ? ((rate + stage.ratePerSec) / 2) * (stage.durationMs / 1000) : Number.POSITIVE_INFINITY;
      this.#segments.push({ startMs, durationMs: stage.durationMs, rateStart: rate, slopePerMs, lambdaStart: lambda, mass });
      startMs += stage.durationMs;
      lambda += mass;
      rate = stage.ratePerSec;
    }
    this.#totalMass = lambda;
  }

  /** Length of the plan in ms (Infinity for an open-ended stage). */
  get durationMs(): number {
    return this.#spec.stages.reduce((sum, s) => sum + s.durationMs, 0);
  }

  /** Expected number of arrivals of the whole plan (Infinity when open-ended). */
  get expectedArrivals(): number {
    return Math.min(this.#totalMass, this.#spec.maxArrivals ?? Number.POSITIVE_INFINITY);
  }

  /** The next arrival, or undefined when the plan is over. */
  next(): Arrival | undefined {
    if (this.#spec.maxArrivals !== undefined && this.#index >= this.#spec.maxArrivals) return undefined;
    const u = this.#index === 0 && this.#spec.process === 'constant' ? 0 : this.#u + this.#gap();
    // A constant process starts at 0 (as k6 does); its later gaps are exactly 1.
    if (!(u < this.#totalMass)) return undefined;
    this.#u = u;
    const at = this.#inverse(u);
    if (at === undefined) return undefined;
    return { index: this.#index++, atMs: at.atMs, stage: at.stage };
  }

  #gap(): number {
    switch (this.#spec.process) {
      case 'constant':
        return 1;
      case 'poisson':
        return -Math.log(1 - this.#rng());
      case 'gamma': {
        const shape = this.#spec.burstiness ?? 1;
        return gammaSample(shape, this.#rng) / shape;
      }
    }
  }

  /** t such that Λ(t) = u, with the stage it falls in. */
  #inverse(u: number): { atMs: number; stage: number } | undefined {
    for (const [stage, seg] of this.#segments.entries()) {
      const local = u - seg.lambdaStart;
      if (local >= seg.mass) continue; // a stage owns [start, end)
      if (seg.mass === 0) continue;
      // Solve a·s + k·s²/2 = local for s (ms), with a per ms; the form below is stable as k → 0.
      const a = seg.rateStart / 1000;
      const k = seg.slopePerMs / 1000;
      const disc = Math.max(0, a * a + 2 * k * local);
      const denom = a + Math.sqrt(disc);
      const s = denom > 0 ? (2 * local) / denom : 0;
      return { atMs: seg.startMs + Math.min(s, seg.durationMs), stage };
    }
    return undefined;
  }
}

/** Gamma(shape, 1) by Marsaglia–Tsang; shape < 1 by the boost Gamma(a+1)·U^(1/a). */
export function gammaSample(shape: number, rng: () => number): number {
  if (shape < 1) {
    const u = 1 - rng();
    return gammaSample(shape + 1, rng) * Math.pow(u, 1 / shape);
  }
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = normalSample(rng);
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = 1 - rng();
    if (u < 1 - 0.0331 * x * x * x * x) return d * v;
    if (Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
  }
}

function normalSample(rng: () => number): number {
  const u1 = 1 - rng();
  const u2 = rng();
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

function validate(spec: ArrivalScheduleSpec): void {
  const bad = (what: string, got: unknown): never => {
    throw new RangeError(`Expected ${what}, got \`${String(got)}\``);
  };
  if (!(spec.startRatePerSec >= 0) || !Number.isFinite(spec.startRatePerSec)) bad('`startRatePerSec` to be a finite number >= 0', spec.startRatePerSec);
  if (spec.stages.length === 0) bad('at least one stage', 0);
  for (const s of spec.stages) {
    if (!(s.ratePerSec >= 0) || !Number.isFinite(s.ratePerSec)) bad('a stage rate to be a finite number >= 0', s.ratePerSec);
    if (!(s.durationMs > 0)) bad('a stage duration > 0 ms', s.durationMs);
  }
  if (spec.process === 'gamma' && !(spec.burstiness !== undefined && spec.burstiness > 0 && Number.isFinite(spec.burstiness)))
    bad('`burstiness` to be a finite number > 0', spec.burstiness);
  if (spec.maxArrivals !== undefined && !(Number.isInteger(spec.maxArrivals) && spec.maxArrivals >= 0))
    bad('`maxArrivals` to be an integer >= 0', spec.maxArrivals);
}
