/**
 * The SLO verdict of a predicted point and its one line (rule, figures, confidence). The rule:
 * PASS when the whole confidence interval of the predicted percentile lies below the threshold,
 * FAIL when it lies at or above it (or the fleet cannot keep up at all), UNDECIDED when it
 * straddles the threshold — more measured prompts narrow it.
 */
import type { FleetPrediction, PlanSlo, PlanVerdict } from './plan-types.js';
import { ci, formatMs, percent } from './plan-format.js';
import type { Estimate } from './sample-stats.js';

/** The fewest measured prompts for a verdict; below it the verdict is "too few samples". */
export const MIN_PLAN_SAMPLES = 30;

export function verdictOf(point: FleetPrediction, slo: PlanSlo): PlanVerdict {
  if (point.saturated) return 'fail';
  const e = sloEstimate(point, slo);
  if (e === undefined) return 'undecided';
  if (e.high < slo.thresholdMs) return 'pass';
  if (e.low >= slo.thresholdMs) return 'fail';
  return 'undecided';
}

export function sloEstimate(point: FleetPrediction, slo: PlanSlo): Estimate | undefined {
  return point.metrics[slo.metric]?.percentiles[`p${slo.percentile}`];
}

export interface VerdictContext {
  slo: PlanSlo;
  confidence: number;
  samples: number;
  arrivalText: string;
}

/** `3 GPUs FAIL with p95 48.2 s [95% CI 44.0 s–53.1 s] ≥ 30.0 s at 91% utilisation` */
export function pointPhrase(point: FleetPrediction, c: VerdictContext): string {
  const gpus = `${point.gpus} GPU${point.gpus === 1 ? '' : 's'}`;
  const verdict = (point.verdict ?? verdictOf(point, c.slo)).toUpperCase();
  if (point.saturated) return `${gpus} ${verdict}: saturated (utilisation ${percent(point.utilisation.value)}: the queues grow without bound)`;
  const e = sloEstimate(point, c.slo);
  if (e === undefined) return `${gpus} ${verdict}: no prediction of ${c.slo.metric}`;
  const relation = e.high < c.slo.thresholdMs ? '<' : e.low >= c.slo.thresholdMs ? '≥' : 'vs';
  return `${gpus} ${verdict} with p${c.slo.percentile} ${formatMs(e.value)} [${ci(c.confidence)} ${formatMs(e.low)}–${formatMs(e.high)}] ${relation} ${formatMs(c.slo.thresholdMs)} at ${percent(point.utilisation.value)} utilisation`;
}

/** The rule and the evidence: replications, arrivals per replication (a range when the points differ), measured prompts. */
export function ruleText(c: VerdictContext, replications: number, points: readonly FleetPrediction[]): string {
  const counts = points.filter((p) => !p.saturated).map((p) => p.arrivals);
  const rule = `rule: PASS when the ${ci(c.confidence)} of the predicted percentile lies below the threshold`;
  if (counts.length === 0) return `${rule}, FAIL when the fleet cannot keep up (the mean service time of ${c.samples} measured prompts)`;
  const arrivals = Math.min(...counts) === Math.max(...counts) ? String(counts[0]) : `${Math.min(...counts)}–${Math.max(...counts)}`;
  return `${rule} (${replications} bootstrap replications × ${arrivals} arrivals, ${c.samples} measured prompts)`;
}

export function tooFewText(samples: number): string {
  return `TOO FEW SAMPLES: ${samples} measured prompts, at least ${MIN_PLAN_SAMPLES} for a verdict; measure more (e.g. --prompts ${Math.max(MIN_PLAN_SAMPLES * 3, 100)})`;
}
