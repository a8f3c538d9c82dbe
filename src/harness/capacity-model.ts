/**
 * The queue model the capacity search places its trials with, and interpolates between them on.
 *
 * A ComfyUI server runs one prompt at a time from a FIFO queue: a single server. Fed the service
 * times measured so far (server-side execution time per prompt: the probe's, then every trial's)
 * and the trial's arrival process, Lindley's recursion over a few thousand simulated arrivals gives
 * the queue wait of each, so the completion-time percentile at any rate is read off that curve
 * (completion = wait + service + the probe's client overhead). The rate where it crosses an SLO's
 * threshold is the model's max rate; the search then runs trials just below and above it. Several
 * targets are modelled as one queue each at rate / targets (dispatch spreads the load).
 *
 * Only completion- and queue-wait SLOs depend on the queue: for SLOs on other metrics the model
 * has no opinion (undefined) and the search grows and bisects on verdicts alone.
 */
import type { SloSpec } from '../metrics/slo.js';
import { gammaSample, type ArrivalProcess } from './arrival-schedule.js';
import { createRng } from './rng.js';

export interface QueueModelInput {
  /** Measured service times (server-side execution per prompt), ms. */
  serviceMs: readonly number[];
  /** Completion time at no load minus service time (upload, socket, history), ms. */
  overheadMs: number;
  arrival: ArrivalProcess;
  burstiness: number;
  targets: number;
}

/**
 * Simulated arrivals per evaluation, and how many of the first are left out (the empty start).
 * Near μ a queue relaxes over ~1/(1−ρ)² services: 12 000 arrivals put the p95 < 30 × service
 * crossing of M/D/1 at 0.971 μ against 0.948 μ from 400 000; 100 000 give it within 0.5%.
 */
const ARRIVALS = 100_000;
const SETTLE = 5_000;

/** The SLO metrics the model predicts. */
export function modelled(slo: SloSpec): boolean {
  return slo.metric === 'completionMs' || slo.metric === 'queueWaitMs';
}

/** Prompts per s the targets serve flat out: Σ 1 / mean service time. */
export function serviceRatePerSec(input: QueueModelInput): number {
  const mean = input.serviceMs.reduce((a, b) => a + b, 0) / input.serviceMs.length;
  return mean > 0 ? (input.targets * 1000) / mean : 0;
}

/** Fixed draws (common random numbers): the curve is smooth and monotone in the rate. */
function draws(input: QueueModelInput): { gaps: Float64Array; service: Float64Array } {
  const rng = createRng(0x5eed);
  const gaps = new Float64Array(ARRIVALS);
  const service = new Float64Array(ARRIVALS);
  const shape = input.arrival === 'gamma' ? input.burstiness : 1;
  for (let i = 0; i < ARRIVALS; i++) {
    gaps[i] = input.arrival === 'constant' ? 1 : input.arrival === 'poisson' ? -Math.log(1 - rng()) : gammaSample(shape, rng) / shape;
    service[i] = input.serviceMs[Math.floor(rng() * input.serviceMs.length)] as number;
  }
  return { gaps, service };
}

export class QueueModel {
  readonly input: QueueModelInput;
  readonly #d: { gaps: Float64Array; service: Float64Array };

  constructor(input: QueueModelInput) {
    if (input.serviceMs.length === 0) throw new RangeError('Expected at least one service time');
    this.input = input;
    this.#d = draws(input);
  }

  get serviceRatePerSec(): number {
    return serviceRatePerSec(this.input);
  }

  /** The model's percentile of an SLO's metric at a total arrival rate, ms. */
  percentileMs(slo: SloSpec, ratePerSec: number): number {
    const meanGapMs = (1000 * this.input.targets) / ratePerSec;
    const { gaps, service } = this.#d;
    const values = new Float64Array(ARRIVALS - SETTLE);
    let wait = 0;
    for (let i = 0; i < ARRIVALS; i++) {
      if (i > 0) wait = Math.max(0, wait + (service[i - 1] as number) - (gaps[i] as number) * meanGapMs);
      if (i >= SETTLE) values[i - SETTLE] = slo.metric === 'queueWaitMs' ? wait : wait + (service[i] as number) + this.input.overheadMs;
    }
    values.sort();
    return values[Math.max(0, Math.ceil((slo.percentile / 100) * values.length) - 1)] as number;
  }

  /** The highest rate at which the model meets the SLO (0 when even no load misses it). */
  crossingRate(slo: SloSpec): number {
    const mu = this.serviceRatePerSec;
    let lo = 0;
    let hi = mu;
    if (this.percentileMs(slo, mu * 1e-6) >= slo.thresholdMs) return 0;
    for (let i = 0; i < 40 && (hi - lo) / hi > 1e-4; i++) {
      const mid = (lo + hi) / 2;
      if (this.percentileMs(slo, mid) < slo.thresholdMs) lo = mid;
      else hi = mid;
    }
    return lo;
  }

  /** The highest rate meeting every modelled SLO, or undefined when none is modelled. */
  maxRate(slos: readonly SloSpec[]): number | undefined {
    const rates = slos.filter(modelled).map((s) => this.crossingRate(s));
    return rates.length > 0 ? Math.min(...rates) : undefined;
  }
}
