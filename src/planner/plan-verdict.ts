/**
 * The SLO verdict of a predicted point and its one line (rule, figures, confidence). The rule:
 * PASS when the whole confidence interval of the predicted percentile lies below the threshold,
 * FAIL when it lies at or above it (or the fleet cannot keep up at all), UNDECIDED when it
 * straddles the threshold — more measured prompts narrow it.
 */
import type { FleetPrediction, PlanSlo, PlanVerdict } from './plan-types.js';
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

/** `3 GPUs FAIL: p95 48.2 s [95% CI 44.0–53.1 s] ≥ 30 s at 91% utilisation` */
export function pointPhrase(point: FleetPrediction, c: VerdictContext): string {
  const gpus = `${point.gpus} GPU${point.gpus === 1 ? '' : 's'}`;
  const verdict = (point.verdict ?? verdictOf(point, c.slo)).toUpperCase();
  if (point.saturated) return `${gpus} ${verdict}: saturated (utilisation ${percent(point.utilisation.value)}: the queues grow without bound)`;
  const e = sloEstimate(point, c.slo);
  if (e === undefined) return `${gpus} ${verdict}: no prediction of ${c.slo.metric}`;
  const relation = e.high < c.slo.thresholdMs ? '<' : e.low >= c.slo.thresholdMs ? '≥' : 'vs';
  return `${gpus} ${verdict}: p${c.slo.percentile} ${formatMs(e.value)} [${ci(c.confidence)} ${formatMs(e.low)}–${formatMs(e.high)}] ${relation} ${formatMs(c.slo.thresholdMs)} at ${percent(point.utilisation.value)} utilisation`;
}

export function ruleText(c: VerdictContext, replications: number, arrivals: number): string {
  return `rule: PASS when the ${ci(c.confidence)} of the predicted percentile lies below the threshold (${replications} bootstrap replications × ${arrivals} arrivals, ${c.samples} measured prompts)`;
}

export function tooFewText(samples: number): string {
  return `TOO FEW SAMPLES: ${samples} measured prompts, at least ${MIN_PLAN_SAMPLES} for a verdict; measure more (e.g. --prompts ${Math.max(MIN_PLAN_SAMPLES * 3, 100)})`;
}

export function ci(confidence: number): string {
  return `${Number((confidence * 100).toFixed(1))}% CI`;
}

export function percent(fraction: number): string {
  return `${(fraction * 100).toFixed(0)}%`;
}

/** ms as a person reads it: `850 ms`, `21.3 s`, `2.5 min`. */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return '∞';
  if (ms < 1000) return `${ms < 10 ? ms.toFixed(1) : ms.toFixed(0)} ms`;
  if (ms < 120_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  return `${(ms / 60_000).toFixed(1)} min`;
}

/** A rate per second as a person writes it: `600/min`, `12.5/s`. */
export function formatRate(perSec: number): string {
  const round = (n: number): string => String(Number(n.toPrecision(4)));
  return perSec >= 10 ? `${round(perSec)}/s` : `${round(perSec * 60)}/min`;
}
