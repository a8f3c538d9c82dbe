/**
 * Distribution-free statistics for comparing two sets of timings, as benchstat does
 * (golang.org/x/perf/benchmath AssumeNothing: the median as centre, its confidence interval from
 * order statistics, and the Mann-Whitney U test for a difference): and, beyond benchstat, the
 * Hodges-Lehmann shift with its Moses confidence interval (the U test inverted), so a difference
 * comes with an interval, not only a p-value.
 *
 * Samples must be independent units (prompts at concurrency 1, batches or runs otherwise: the
 * caller decides, see compare-stats.ts). Exact U distribution for small untied samples, else the
 * normal approximation with tie and continuity corrections. Pure functions.
 */
import normalCdf from '@stdlib/stats-base-dists-normal-cdf';
import normalQuantile from '@stdlib/stats-base-dists-normal-quantile';
import { binomialCdf } from './statistics.js';

/** Above this many pairs (m·n) the exact U distribution is not computed. */
const EXACT_MAX_PAIRS = 2500;

export interface UTestResult {
  /** Pairs (a, b) with b > a, ties counting ½. */
  u: number;
  /** Two-sided p-value. */
  p: number;
  n1: number;
  n2: number;
  method: 'exact' | 'normal';
}

/** Mann-Whitney U test of `a` vs `b`, two-sided. p = 1 when either side is empty. */
export function mannWhitneyU(a: readonly number[], b: readonly number[]): UTestResult {
  const m = a.length;
  const n = b.length;
  if (m === 0 || n === 0) return { u: 0, p: 1, n1: m, n2: n, method: 'exact' };
  const { u, tieTerm } = uStatistic(a, b);
  if (tieTerm === 0 && m * n <= EXACT_MAX_PAIRS) {
    const dist = uDistribution(m, n);
    const total = dist.reduce((s, c) => s + c, 0);
    let below = 0;
    for (let k = 0; k <= Math.floor(u); k++) below += dist[k] ?? 0;
    let above = 0;
    for (let k = Math.ceil(u); k <= m * n; k++) above += dist[k] ?? 0;
    return { u, p: Math.min(1, (2 * Math.min(below, above)) / total), n1: m, n2: n, method: 'exact' };
  }
  const sd = uStandardDeviation(m, n, tieTerm);
  if (sd === 0) return { u, p: 1, n1: m, n2: n, method: 'normal' };
  const z = Math.max(0, Math.abs(u - (m * n) / 2) - 0.5) / sd;
  return { u, p: Math.min(1, 2 * (1 - normalCdf(z, 0, 1))), n1: m, n2: n, method: 'normal' };
}

export interface ShiftEstimate {
  /** Hodges-Lehmann estimate: the median of every difference b − a. */
  shift: number;
  /** Moses confidence interval of the shift; null when the samples are too few for `confidence`. */
  lo: number | null;
  hi: number | null;
  confidence: number;
}

/**
 * The location shift of `b` against `a` (Hodges-Lehmann) with the confidence interval that
 * inverts the U test: [D(k), D(mn+1−k)] of the sorted pairwise differences, k the U test's
 * critical count. Null bounds when even the most extreme order cannot reach `confidence`.
 */
export function hodgesLehmann(a: readonly number[], b: readonly number[], confidence: number): ShiftEstimate {
  const m = a.length;
  const n = b.length;
  if (m === 0 || n === 0) return { shift: Number.NaN, lo: null, hi: null, confidence };
  const diffs = new Float64Array(m * n);
  let i = 0;
  for (const x of a) for (const y of b) diffs[i++] = y - x;
  const total = m * n;
  const shift = (kthSmallest(diffs, Math.floor((total - 1) / 2)) + kthSmallest(diffs, Math.ceil((total - 1) / 2))) / 2;
  const k = mosesRank(m, n, confidence, uStatistic(a, b).tieTerm);
  if (k < 1) return { shift, lo: null, hi: null, confidence };
  return { shift, lo: kthSmallest(diffs, k - 1), hi: kthSmallest(diffs, total - k), confidence };
}

/**
 * The 1-based rank k of the Moses interval: the largest k with P(U ≤ k − 1) ≤ (1 − C)/2, exact
 * for small samples, else from the (tie-corrected) normal approximation; 0 when no interval exists.
 */
export function mosesRank(m: number, n: number, confidence: number, tieTerm = 0): number {
  const halfAlpha = (1 - confidence) / 2;
  // Small samples use the untied exact distribution even with ties: the tie-corrected normal
  // approximation would shrink with many ties and grant an interval to 2 + 2 equal values.
  if (m * n <= EXACT_MAX_PAIRS) {
    const dist = uDistribution(m, n);
    const total = dist.reduce((s, c) => s + c, 0);
    let cumulative = 0;
    let k = 0;
    while (k < dist.length) {
      cumulative += dist[k] ?? 0;
      if (cumulative / total > halfAlpha) break;
      k++;
    }
    return Math.min(k, Math.floor((m * n) / 2));
  }
  const sd = uStandardDeviation(m, n, tieTerm);
  return Math.max(0, Math.floor((m * n) / 2 - normalQuantile(1 - halfAlpha, 0, 1) * sd));
}

/** The fewest units per side (equal sides) for which the U test can reach `confidence`: 4 at 95%. */
export function minUnitsForUTest(confidence: number): number {
  for (let n = 1; n <= 50; n++) if (mosesRank(n, n, confidence) >= 1) return n;
  return 51;
}

/** The fewest units on the larger side, given `m` on the smaller, for which a U test can reach `confidence`. */
export function minUnitsBeside(m: number, confidence: number): number | null {
  if (m < 1) return null;
  for (let n = m; n <= 1000; n++) if (mosesRank(m, n, confidence) >= 1) return n;
  return null;
}

export interface MedianCi {
  median: number;
  /** Order-statistic bounds; null when the sample is too small for `confidence` (benchstat's ± ∞). */
  lo: number | null;
  hi: number | null;
}

/** The median with its distribution-free confidence interval [x(l), x(n+1−l)], l from Binomial(n, ½). */
export function medianCi(values: readonly number[], confidence: number): MedianCi {
  const sorted = [...values].sort((x, y) => x - y);
  const n = sorted.length;
  if (n === 0) return { median: Number.NaN, lo: null, hi: null };
  const median = n % 2 === 1 ? sorted[(n - 1) / 2]! : (sorted[n / 2 - 1]! + sorted[n / 2]!) / 2;
  const halfAlpha = (1 - confidence) / 2;
  let l = 0;
  while (l + 1 <= n / 2 && binomialCdf(l, n, 0.5) <= halfAlpha) l++;
  if (l < 1) return { median, lo: null, hi: null };
  return { median, lo: sorted[l - 1]!, hi: sorted[n - l]! };
}

/** The fewest values whose median has a confidence interval at `confidence`: 6 at 95%. */
export function minValuesForMedianCi(confidence: number): number {
  for (let n = 1; n <= 200; n++)
    if (
      medianCi(
        Array.from({ length: n }, (_, i) => i),
        confidence,
      ).lo !== null
    )
      return n;
  return 201;
}

/** U of `b` over `a`, and Σ(t³ − t) over tie groups of the pooled sample. */
function uStatistic(a: readonly number[], b: readonly number[]): { u: number; tieTerm: number } {
  const pooled = [...a.map((v) => ({ v, side: 0 })), ...b.map((v) => ({ v, side: 1 }))].sort((x, y) => x.v - y.v);
  let rankSumB = 0;
  let tieTerm = 0;
  for (let i = 0; i < pooled.length;) {
    let j = i;
    while (j + 1 < pooled.length && pooled[j + 1]!.v === pooled[i]!.v) j++;
    const rank = (i + j) / 2 + 1;
    const t = j - i + 1;
    if (t > 1) tieTerm += t * t * t - t;
    for (let k = i; k <= j; k++) if (pooled[k]!.side === 1) rankSumB += rank;
    i = j + 1;
  }
  return { u: rankSumB - (b.length * (b.length + 1)) / 2, tieTerm };
}

function uStandardDeviation(m: number, n: number, tieTerm: number): number {
  const N = m + n;
  const variance = ((m * n) / 12) * (N + 1 - tieTerm / (N * (N - 1)));
  return Math.sqrt(Math.max(0, variance));
}

const DISTRIBUTIONS = new Map<string, Float64Array>();

/**
 * Counts of each U value for untied samples of sizes m and n (the coefficients of the Gaussian
 * binomial [m+n choose m]_q), by the recurrence N(u; m, n) = N(u − n; m − 1, n) + N(u; m, n − 1).
 */
function uDistribution(m: number, n: number): Float64Array {
  const key = m <= n ? `${m},${n}` : `${n},${m}`;
  const cached = DISTRIBUTIONS.get(key);
  if (cached !== undefined) return cached;
  const [small, large] = m <= n ? [m, n] : [n, m];
  // prev[j] = distribution for (i − 1, j); cur[j] for (i, j).
  let prev: Float64Array[] = Array.from({ length: large + 1 }, () => Float64Array.of(1));
  for (let i = 1; i <= small; i++) {
    const cur: Float64Array[] = [Float64Array.of(1)];
    for (let j = 1; j <= large; j++) {
      const out = new Float64Array(i * j + 1);
      const up = prev[j]!;
      const left = cur[j - 1]!;
      for (let u = 0; u < left.length; u++) out[u]! += left[u]!;
      for (let u = 0; u < up.length; u++) out[u + j]! += up[u]!;
      cur.push(out);
    }
    prev = cur;
  }
  const dist = prev[large]!;
  if (DISTRIBUTIONS.size > 64) DISTRIBUTIONS.clear();
  DISTRIBUTIONS.set(key, dist);
  return dist;
}

/** The k-th smallest (0-based) of `values`, reordering them (quickselect). */
export function kthSmallest(values: Float64Array, k: number): number {
  let lo = 0;
  let hi = values.length - 1;
  while (lo < hi) {
    const pivot = values[(lo + hi) >> 1]!;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (values[i]! < pivot) i++;
      while (values[j]! > pivot) j--;
      if (i <= j) {
        const t = values[i]!;
        values[i] = values[j]!;
        values[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return values[k]!;
  }
  return values[k]!;
}
