/**
 * `comfyload plan`'s question answered from one GPU's measured service: for each rate, the fewest
 * GPUs whose predicted percentile meets the SLO (searched upwards from the fewest that keep up at
 * all), with the count one below for contrast; or, with `gpus`, the prediction at each given size.
 * Questions no fleet size can answer throw PLAN_UNREACHABLE before anything is simulated.
 */
import { ComfyloadError } from '../comfy/errors.js';
import type { ArrivalProcess } from '../harness/arrival-schedule.js';
import type { FleetDispatch } from './fleet-simulation.js';
import { meanOccupancyMs, predictFleet, type PredictionSettings } from './fleet-prediction.js';
import type { MeasuredService } from './measured-service.js';
import type { FleetPrediction, MeasuredSummary, PlanSlo, PlanVerdictLine, PredictedMetric, RateAnswer } from './plan-types.js';
import { ci, formatMs, formatRate } from './plan-format.js';
import { MIN_PLAN_SAMPLES, pointPhrase, ruleText, sloEstimate, tooFewText, verdictOf, type VerdictContext } from './plan-verdict.js';
import { mean, nearestRank } from './sample-stats.js';

export interface PlanQuestion {
  ratesPerSec: readonly number[];
  slo: PlanSlo | undefined;
  /** Predict at these sizes instead of searching. */
  gpus: readonly number[] | undefined;
  maxGpus: number;
  dispatch: FleetDispatch;
  arrival: ArrivalProcess;
  burstiness: number;
  replications: number;
  confidence: number;
  seed: number;
  /** Arrivals per replication (default: from the utilisation). */
  arrivals?: number;
}

export interface PlanOutcome {
  measured: MeasuredSummary;
  points: FleetPrediction[];
  answers: RateAnswer[];
  verdicts: PlanVerdictLine[];
  warnings: string[];
}

const TABLE_PERCENTILES = [50, 95, 99];

/** Answers the question; `onPoint` hears each point as it is predicted (progress). */
export function planFleet(service: MeasuredService, q: PlanQuestion, onPoint?: (point: FleetPrediction) => void): PlanOutcome {
  const measured = summarise(service);
  const settings: PredictionSettings = {
    dispatch: q.dispatch,
    arrival: q.arrival,
    burstiness: q.burstiness,
    replications: q.replications,
    ...(q.arrivals !== undefined ? { arrivals: q.arrivals } : {}),
    confidence: q.confidence,
    seed: q.seed,
    metrics: unique<PredictedMetric>(['completionMs', 'queueWaitMs', ...(q.slo !== undefined ? [q.slo.metric] : [])]),
    percentiles: unique([...TABLE_PERCENTILES, ...(q.slo !== undefined ? [q.slo.percentile] : [])]),
  };
  const enough = service.samples.length >= MIN_PLAN_SAMPLES;
  const context = (slo: PlanSlo): VerdictContext => ({ slo, confidence: q.confidence, samples: service.samples.length, arrivalText: q.arrival });
  const points: FleetPrediction[] = [];
  const predict = (gpus: number, ratePerSec: number): FleetPrediction => {
    const point = predictFleet(service, gpus, ratePerSec, settings);
    if (q.slo !== undefined) point.verdict = verdictOf(point, q.slo);
    points.push(point);
    onPoint?.(point);
    return point;
  };
  const answers: RateAnswer[] = [];
  const verdicts: PlanVerdictLine[] = [];
  if (q.gpus !== undefined) {
    for (const ratePerSec of q.ratesPerSec) {
      for (const gpus of q.gpus) {
        const point = predict(gpus, ratePerSec);
        if (q.slo === undefined) continue;
        const c = context(q.slo);
        const head = `plan: ${q.slo.text} at ${formatRate(ratePerSec)} (${q.arrival}, ${q.dispatch}) on `;
        verdicts.push(
          enough
            ? { verdict: point.verdict ?? 'undecided', text: `${head}${pointPhrase(point, c)}; ${ruleText(c, q.replications, [point])}` }
            : { verdict: 'too-few', text: `${head}${point.gpus} GPUs: ${tooFewText(service.samples.length)}` },
        );
      }
    }
  } else if (q.slo !== undefined) {
    const slo = q.slo;
    for (const ratePerSec of q.ratesPerSec) checkReachable(service, ratePerSec, slo, q, settings);
    for (const ratePerSec of q.ratesPerSec) {
      const answer = searchRate(ratePerSec, slo, q, service, predict, context(slo), enough);
      answers.push(answer);
      verdicts.push({ verdict: !enough ? 'too-few' : answer.gpus !== null ? 'pass' : 'fail', text: answer.verdictLine });
    }
  }
  return { measured, points, answers, verdicts, warnings: warningsFor(service, points) };
}

function searchRate(
  ratePerSec: number,
  slo: PlanSlo,
  q: PlanQuestion,
  service: MeasuredService,
  predict: (gpus: number, ratePerSec: number) => FleetPrediction,
  c: VerdictContext,
  enough: boolean,
): RateAnswer {
  const minStableGpus = Math.floor((ratePerSec * meanOccupancyMs(service)) / 1000) + 1;
  const below = minStableGpus > 1 ? predict(minStableGpus - 1, ratePerSec) : undefined;
  let previous = below;
  let found: FleetPrediction | undefined;
  for (let gpus = minStableGpus; gpus <= q.maxGpus; gpus++) {
    const point = predict(gpus, ratePerSec);
    if (point.verdict === 'pass') {
      found = point;
      break;
    }
    previous = point;
  }
  const head = `plan: ${slo.text} at ${formatRate(ratePerSec)} (${q.arrival}, ${q.dispatch})`;
  if (!enough) return { ratePerSec, gpus: null, minStableGpus, verdictLine: `${head}: ${tooFewText(service.samples.length)}` };
  const rule = ruleText(
    c,
    q.replications,
    [found, previous].filter((p): p is FleetPrediction => p !== undefined),
  );
  if (found === undefined) {
    const tail = previous !== undefined ? `; ${pointPhrase(previous, c)}` : '';
    return { ratePerSec, gpus: null, minStableGpus, verdictLine: `${head}: no count up to --max-gpus ${q.maxGpus} passes${tail}; ${rule}` };
  }
  const fewer = previous !== undefined ? `; ${pointPhrase(previous, c)}` : '';
  return {
    ratePerSec,
    gpus: found.gpus,
    minStableGpus,
    verdictLine: `${head} needs ${pointPhrase(found, c)}${fewer}; ${rule}`,
  };
}

/** Questions no fleet size up to --max-gpus can answer, refused before the search. */
function checkReachable(service: MeasuredService, ratePerSec: number, slo: PlanSlo, q: PlanQuestion, settings: PredictionSettings): void {
  const occupancyMs = meanOccupancyMs(service);
  const minStable = Math.floor((ratePerSec * occupancyMs) / 1000) + 1;
  if (minStable > q.maxGpus) {
    throw new ComfyloadError(
      'COMFYLOAD_ERR_PLAN_UNREACHABLE',
      `${formatRate(ratePerSec)} needs at least ${minStable} GPUs of this kind just to keep up (one serves ${formatRate(1000 / occupancyMs)}: mean ${formatMs(occupancyMs)} per prompt), more than --max-gpus ${q.maxGpus}`,
      { hint: `raise --max-gpus to ${Math.max(minStable * 2, minStable + 4)}, or plan for a lower --rate.` },
    );
  }
  // With unboundedly many GPUs nobody waits: the floor no fleet size gets below.
  const floor = sloEstimate(predictFleet(service, undefined, ratePerSec, { ...settings, arrivals: 20_000 }), slo);
  if (floor !== undefined && floor.high >= slo.thresholdMs) {
    throw new ComfyloadError(
      'COMFYLOAD_ERR_PLAN_UNREACHABLE',
      `No fleet size can be shown to meet ${slo.text}: even with a GPU free for every prompt, p${slo.percentile} of ${slo.metric} is ${formatMs(floor.value)} [${ci(q.confidence)} ${formatMs(floor.low)}–${formatMs(floor.high)}], not below ${formatMs(slo.thresholdMs)}`,
      { hint: 'adding GPUs only removes waiting: relax the --slo, or measure a faster GPU or a lighter workflow.' },
    );
  }
}

function summarise(service: MeasuredService): MeasuredSummary {
  const sorted = Float64Array.from(service.samples.map((s) => s.serviceMs)).sort();
  const occupancyMs = meanOccupancyMs(service);
  const excluded: Record<string, number> = {
    warmup: service.excluded.warmup,
    fromHistory: service.excluded.fromHistory,
    suspectCached: service.excluded.suspectCached,
    noTiming: service.excluded.noTiming,
    otherTargets: service.excluded.otherTargets,
  };
  for (const [outcome, n] of Object.entries(service.excluded.notOk)) excluded[outcome] = n;
  return {
    prompts: service.samples.length,
    serviceColumn:
      service.serviceColumns.execMs === 0 ? 'serverExecMs' : service.serviceColumns.serverExecMs === 0 ? 'execMs' : 'serverExecMs (execMs where absent)',
    meanServiceMs: mean(sorted),
    serviceP50Ms: nearestRank(sorted, 50),
    serviceP95Ms: nearestRank(sorted, 95),
    serviceP99Ms: nearestRank(sorted, 99),
    betweenPromptsMs: service.betweenPromptsMs,
    backToBackPairs: service.backToBackPairs,
    overheadPrompts: service.overheads.length,
    serviceRatePerSec: 1000 / occupancyMs,
    excluded,
    targets: service.targets,
  };
}

function warningsFor(service: MeasuredService, points: readonly FleetPrediction[]): string[] {
  const warnings: string[] = [];
  const n = service.samples.length;
  if (n < MIN_PLAN_SAMPLES) warnings.push(`only ${n} measured prompts: no verdict below ${MIN_PLAN_SAMPLES}, and the intervals are wide`);
  if (service.overheads.length === 0)
    warnings.push(
      'no prompt of the run found its GPU idle, so the time outside the GPU (POST, events) is unknown and taken as 0 ms: predicted waits and completions are low by it',
    );
  if (service.backToBackPairs === 0) warnings.push("no back-to-back prompts in the run: the worker's time between prompts is unknown and taken as 0 ms");
  if (service.serviceColumns.execMs > 0)
    warnings.push(
      `${service.serviceColumns.execMs} prompts had no server timestamps: their service time is the client's execMs (includes network and harness lag)`,
    );
  const near = points.filter((p) => !p.saturated && p.utilisation.value > 0.95);
  if (near.length > 0)
    warnings.push(
      `near saturation (utilisation > 95%) at ${near.map((p) => `${p.gpus} GPUs, ${formatRate(p.ratePerSec)}`).join('; ')}: waits there hinge on the mean service time and a long run`,
    );
  return warnings;
}

function unique<T>(items: readonly T[]): T[] {
  return [...new Set(items)];
}
