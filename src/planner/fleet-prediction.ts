/**
 * Predicts the latency percentiles of a fleet of N GPUs at an arrival rate from one GPU's measured
 * service times, with a confidence interval: a bootstrap. Each replication resamples the measured
 * prompts (with replacement, as many as were measured), draws a fresh arrival stream from
 * comfyload's own arrival schedule (Poisson, gamma burstiness or constant, seeded), replays it
 * through the fleet simulation with service times drawn from the resample, and reads the
 * percentiles of the prompts after a warm-up. The predicted figure is the median over
 * replications and its interval the central `confidence` share of them, so it carries both the
 * uncertainty of a finite measurement and the noise of a finite simulated run.
 *
 * Replication r uses the same random streams at every GPU count and rate (common random numbers),
 * so N and N − 1 GPUs are compared on the same arrivals and the curves do not wobble.
 */
import { ArrivalSchedule, type ArrivalProcess } from '../harness/arrival-schedule.js';
import { createRng } from '../harness/rng.js';
import { FleetSimulation, type FleetDispatch } from './fleet-simulation.js';
import type { MeasuredService, OverheadSample, ServiceSample } from './measured-service.js';
import type { FleetPrediction, MetricPrediction, PredictedMetric } from './plan-types.js';
import { estimateOf, mean, nearestRank, type Estimate } from './sample-stats.js';

export interface PredictionSettings {
  dispatch: FleetDispatch;
  arrival: ArrivalProcess;
  /** Gamma shape (gamma arrivals only). */
  burstiness: number;
  replications: number;
  /** Arrivals per replication after the warm-up; default from the utilisation (see `autoArrivals`). */
  arrivals?: number;
  confidence: number;
  seed: number;
  metrics: readonly PredictedMetric[];
  /** Percentiles to read, e.g. [50, 95, 99]. */
  percentiles: readonly number[];
}

/** Mean time one prompt holds its GPU: service plus the worker's gap between prompts, ms. */
export function meanOccupancyMs(service: MeasuredService): number {
  return mean(service.samples.map((s) => s.serviceMs)) + service.betweenPromptsMs;
}

/**
 * Arrivals per replication: a queue near saturation forgets its past slowly (its relaxation time
 * grows as 1/(1 − ρ)²), so the run grows with it, between 2 000 and 50 000.
 */
export function autoArrivals(utilisation: number): number {
  const rho = Math.min(Math.max(utilisation, 0), 0.995);
  return Math.round(Math.min(50_000, Math.max(2_000, 400 / (1 - rho) ** 2)));
}

/** `gpus` undefined: an unbounded fleet (no prompt ever waits), the floor no fleet size goes below. */
export function predictFleet(service: MeasuredService, gpus: number | undefined, ratePerSec: number, settings: PredictionSettings): FleetPrediction {
  if (service.samples.length === 0) throw new RangeError('No service samples to predict from');
  const occupancyMs = meanOccupancyMs(service);
  const fleet = gpus ?? Number.POSITIVE_INFINITY;
  const pointUtilisation = (ratePerSec * occupancyMs) / 1000 / fleet;
  const saturated = pointUtilisation >= 1;
  const arrivals = saturated ? 0 : (settings.arrivals ?? autoArrivals(pointUtilisation));
  const utilisations: number[] = [];
  const values = new Map<string, number[]>();
  const means = new Map<PredictedMetric, number[]>();
  const seeds = replicationSeeds(settings.seed, settings.replications);
  for (const seed of seeds) {
    const r = new Replication(service, seed);
    utilisations.push((ratePerSec * r.meanOccupancyMs) / 1000 / fleet);
    if (saturated) continue;
    const run = r.run(gpus, ratePerSec, arrivals, settings);
    for (const metric of settings.metrics) {
      const sorted = run.get(metric);
      if (sorted === undefined || sorted.length === 0) continue;
      push(means, metric, mean(sorted));
      for (const p of settings.percentiles) push(values, `${metric}:${p}`, nearestRank(sorted, p));
    }
  }
  const metrics: Partial<Record<PredictedMetric, MetricPrediction>> = {};
  for (const metric of settings.metrics) {
    const m = means.get(metric);
    if (m === undefined) continue;
    const percentiles: Record<string, Estimate> = {};
    for (const p of settings.percentiles) percentiles[`p${p}`] = estimateOf(values.get(`${metric}:${p}`) ?? [], settings.confidence);
    metrics[metric] = { mean: estimateOf(m, settings.confidence), percentiles };
  }
  return {
    gpus: gpus ?? 0,
    ratePerSec,
    utilisation: estimateOf(utilisations, settings.confidence),
    saturated,
    arrivals,
    replications: settings.replications,
    metrics,
  };
}

function push<K>(map: Map<K, number[]>, key: K, value: number): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}

/** One 32-bit seed per replication, drawn from the plan's seed. */
function replicationSeeds(seed: number, count: number): number[] {
  const rng = createRng(seed);
  return Array.from({ length: count }, () => Math.floor(rng() * 2 ** 32));
}

/** One bootstrap resample of the measured prompts and the random streams that go with it. */
class Replication {
  readonly #samples: ServiceSample[];
  readonly #overheads: OverheadSample[];
  readonly #gapMs: number;
  readonly #seed: number;
  readonly meanOccupancyMs: number;

  constructor(service: MeasuredService, seed: number) {
    const rng = createRng(seed);
    this.#samples = resample(service.samples, rng);
    this.#overheads = resample(service.overheads, rng);
    this.#gapMs = service.betweenPromptsMs;
    this.#seed = seed;
    this.meanOccupancyMs = mean(this.#samples.map((s) => s.serviceMs)) + this.#gapMs;
  }

  /** Simulated values per metric, ascending, of the arrivals after the warm-up. */
  run(gpus: number | undefined, ratePerSec: number, arrivals: number, s: PredictionSettings): Map<PredictedMetric, Float64Array> {
    const warmup = Math.ceil(arrivals / 10);
    const draw = createRng(this.#seed ^ 0x2545f491);
    const schedule = new ArrivalSchedule(
      {
        process: s.arrival,
        ...(s.arrival === 'gamma' ? { burstiness: s.burstiness } : {}),
        startRatePerSec: ratePerSec,
        stages: [{ ratePerSec, durationMs: Number.POSITIVE_INFINITY }],
        maxArrivals: warmup + arrivals,
      },
      createRng(this.#seed ^ 0x5bd1e995),
    );
    const sim = gpus === undefined ? undefined : new FleetSimulation(gpus, s.dispatch);
    const completion = new Float64Array(arrivals);
    const queueWait = new Float64Array(arrivals);
    const firstStep = new Float64Array(arrivals);
    const exec = new Float64Array(arrivals);
    const serverExec = new Float64Array(arrivals);
    let n = 0;
    let steps = 0;
    const noOverhead: OverheadSample = { queueWaitMs: 0, completionMs: 0 };
    for (let a = schedule.next(); a !== undefined; a = schedule.next()) {
      const sample = this.#samples[Math.floor(draw() * this.#samples.length)] as ServiceSample;
      const overhead = this.#overheads.length > 0 ? (this.#overheads[Math.floor(draw() * this.#overheads.length)] as OverheadSample) : noOverhead;
      const waitMs = sim === undefined ? 0 : sim.waitOf(a.atMs, sample.serviceMs + this.#gapMs);
      if (a.index < warmup) continue;
      const queueWaitMs = waitMs + overhead.queueWaitMs;
      completion[n] = waitMs + sample.serviceMs + overhead.completionMs;
      queueWait[n] = queueWaitMs;
      exec[n] = sample.execMs;
      serverExec[n] = sample.serviceMs;
      n++;
      if (sample.firstStepAfterStartMs !== undefined) firstStep[steps++] = queueWaitMs + sample.firstStepAfterStartMs;
    }
    const all: Record<PredictedMetric, Float64Array> = {
      completionMs: completion.subarray(0, n),
      queueWaitMs: queueWait.subarray(0, n),
      timeToFirstStepMs: firstStep.subarray(0, steps),
      execMs: exec.subarray(0, n),
      serverExecMs: serverExec.subarray(0, n),
    };
    return new Map(s.metrics.map((m) => [m, all[m].sort()]));
  }
}

function resample<T>(items: readonly T[], rng: () => number): T[] {
  return Array.from({ length: items.length }, () => items[Math.floor(rng() * items.length)] as T);
}
