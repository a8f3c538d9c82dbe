/**
 * The few statistics the planner needs over plain arrays: nearest-rank percentiles (the
 * definition HDR histograms use, so a predicted p95 reads like a measured one) and a bootstrap
 * estimate — the median of the replications with their central interval at a confidence.
 */

/** A predicted figure: the median over replications and the central interval holding `confidence` of them. */
export interface Estimate {
  value: number;
  low: number;
  high: number;
}

/** Nearest-rank percentile of ascending values: the smallest value with at least p% of them at or below it. */
export function nearestRank(sorted: ArrayLike<number>, percentile: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const rank = Math.ceil((percentile / 100) * n);
  return sorted[Math.min(n - 1, Math.max(0, rank - 1))] as number;
}

/** Median and central `confidence` interval of replication values (nearest rank at each end). */
export function estimateOf(values: readonly number[], confidence: number): Estimate {
  const sorted = Float64Array.from(values).sort();
  const tail = ((1 - confidence) / 2) * 100;
  return { value: nearestRank(sorted, 50), low: nearestRank(sorted, tail), high: nearestRank(sorted, 100 - tail) };
}

export function mean(values: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i] as number;
  return values.length > 0 ? sum / values.length : Number.NaN;
}
