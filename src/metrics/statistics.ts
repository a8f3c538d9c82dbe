/**
 * Small statistics the load models rely on: a least-squares line (queue-wait slope), Little's
 * law, the binomial early-stopping rule for claiming a percentile, and perf_analyzer's stability
 * rule. Pure functions; every rule is stated where it is implemented.
 */

export interface LinearFit {
  /** dy/dx. */
  slope: number;
  intercept: number;
  /** Coefficient of determination (0 when y has no variance). */
  r2: number;
  n: number;
}

/** Ordinary least squares y = slope·x + intercept; undefined with fewer than 2 distinct x. */
export function linearFit(xs: readonly number[], ys: readonly number[]): LinearFit | undefined {
  const n = Math.min(xs.length, ys.length);
  return linearFitOfPoints((visit) => {
    for (let i = 0; i < n; i++) visit(xs[i] as number, ys[i] as number);
  });
}

/**
 * {@link linearFit} over points handed out by `each` (called twice, the same points in the same
 * order each time), for points never held in an array — runs of equal values, say. Same sums in
 * the same order as `linearFit`, so the same figures to the last bit.
 */
export function linearFitOfPoints(each: (visit: (x: number, y: number) => void) => void): LinearFit | undefined {
  let n = 0;
  let sx = 0;
  let sy = 0;
  each((x, y) => {
    n++;
    sx += x;
    sy += y;
  });
  if (n < 2) return undefined;
  const mx = sx / n;
  const my = sy / n;
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  each((x, y) => {
    const dx = x - mx;
    const dy = y - my;
    sxx += dx * dx;
    sxy += dx * dy;
    syy += dy * dy;
  });
  return fitOf(n, mx, my, sxx, sxy, syy);
}

function fitOf(n: number, mx: number, my: number, sxx: number, sxy: number, syy: number): LinearFit | undefined {
  if (sxx === 0) return undefined;
  const slope = sxy / sxx;
  return { slope, intercept: my - slope * mx, r2: syy === 0 ? 0 : (sxy * sxy) / (sxx * syy), n };
}

/**
 * A least-squares line kept up to date point by point in constant memory (Welford's co-moment
 * updates, as numerically sound as the two-pass sums of {@link linearFit}; they agree to within
 * floating-point rounding). For series as long as a run, where keeping every point would grow
 * memory with every prompt.
 */
export class RunningLinearFit {
  #n = 0;
  #mx = 0;
  #my = 0;
  #sxx = 0;
  #sxy = 0;
  #syy = 0;

  get n(): number {
    return this.#n;
  }

  add(x: number, y: number): void {
    this.#n++;
    const dx = x - this.#mx;
    const dy = y - this.#my;
    this.#mx += dx / this.#n;
    this.#my += dy / this.#n;
    // (x − old mean) × (y − new mean): the exact increment of each co-moment.
    this.#sxx += dx * (x - this.#mx);
    this.#sxy += dx * (y - this.#my);
    this.#syy += dy * (y - this.#my);
  }

  /** The fit so far; undefined with fewer than 2 distinct x. */
  fit(): LinearFit | undefined {
    if (this.#n < 2) return undefined;
    return fitOf(this.#n, this.#mx, this.#my, this.#sxx, this.#sxy, this.#syy);
  }
}

export interface LittleLawCheck {
  /** L measured: time-averaged number in the system. */
  meanInSystem: number;
  /** λ·W: throughput (per s) × mean time in the system (s). */
  predicted: number;
  /** meanInSystem / predicted (1 when the law holds; NaN when nothing to compare). */
  ratio: number;
  /** |ratio − 1| ≤ tolerance. */
  holds: boolean;
  tolerance: number;
}

/** Little's law L = λW, checked with a relative tolerance (default 15%). */
export function checkLittleLaw(meanInSystem: number, throughputPerSec: number, meanLatencyMs: number, tolerance = 0.15): LittleLawCheck {
  const predicted = throughputPerSec * (meanLatencyMs / 1000);
  const ratio = predicted > 0 ? meanInSystem / predicted : Number.NaN;
  return { meanInSystem, predicted, ratio, holds: Number.isFinite(ratio) && Math.abs(ratio - 1) <= tolerance, tolerance };
}

/** P(X ≤ k) for X ~ Binomial(n, q), summed in log space (stable for n in the thousands). */
export function binomialCdf(k: number, n: number, q: number): number {
  if (k < 0) return 0;
  if (k >= n) return 1;
  if (q <= 0) return 1;
  if (q >= 1) return 0;
  const lq = Math.log(q);
  const l1q = Math.log1p(-q);
  let logTerm = n * l1q; // i = 0
  let sum = Math.exp(logTerm);
  for (let i = 1; i <= k; i++) {
    logTerm += Math.log((n - i + 1) / i) + lq - l1q;
    sum += Math.exp(logTerm);
  }
  return Math.min(1, sum);
}

/**
 * Early stopping for a latency percentile (MLPerf LoadGen style). Claim "pXX < T" at confidence
 * C when, of n samples, k exceed T and P(Binomial(n, 1 − XX/100) ≤ k) ≤ 1 − C: if the true share
 * of samples above T were as large as 1 − XX/100, seeing this few would be that unlikely. Claim
 * "pXX ≥ T" when P(Binomial(n, 1 − XX/100) ≥ k) ≤ 1 − C.
 */
export type PercentileVerdict = 'pass' | 'fail' | 'undecided';

export function percentileVerdict(percentile: number, confidence: number, n: number, over: number): PercentileVerdict {
  const q = 1 - percentile / 100;
  const alpha = 1 - confidence;
  if (n > 0 && binomialCdf(over, n, q) <= alpha) return 'pass';
  if (over > 0 && 1 - binomialCdf(over - 1, n, q) <= alpha) return 'fail';
  return 'undecided';
}

/**
 * How much a sequence's autocorrelation inflates the variance of its mean, over independent
 * samples: 1 + 2 Σ ρ_k, summed over the initial positive autocorrelations (Geyer's initial
 * sequence, as MCMC effective-sample-size estimates do), lags up to n/4; at least 1. A queue's
 * over-threshold prompts come in runs (one slow stretch delays every prompt behind it), so n of
 * them carry the evidence of about n / designEffect independent ones. 1 when the sequence is
 * constant or shorter than 8.
 */
export function designEffect(values: readonly number[]): number {
  const n = values.length;
  if (n < 8) return 1;
  let mean = 0;
  for (const v of values) mean += v;
  mean /= n;
  let c0 = 0;
  for (const v of values) c0 += (v - mean) * (v - mean);
  if (!(c0 > 0)) return 1;
  let sum = 0;
  for (let k = 1; k <= Math.floor(n / 4); k++) {
    let ck = 0;
    for (let i = k; i < n; i++) ck += (values[i]! - mean) * (values[i - k]! - mean);
    const rho = ck / c0;
    if (!(rho > 0)) break;
    sum += rho;
  }
  return Math.min(n, Math.max(1, 1 + 2 * sum));
}

/**
 * `percentileVerdict` on the evidence of samples that came in order with autocorrelation: n and
 * k scaled down by the sequence's design effect (the share over kept), so runs of slow prompts
 * weigh as the fewer independent samples they are. `overs`: 1 per sample over the threshold, in order.
 */
export function correlatedPercentileVerdict(
  percentile: number,
  confidence: number,
  overs: readonly number[],
): { verdict: PercentileVerdict; designEffect: number; effectiveSamples: number; effectiveOver: number } {
  const n = overs.length;
  let over = 0;
  for (const v of overs) over += v;
  const raw = percentileVerdict(percentile, confidence, n, over);
  if (raw === 'undecided') return { verdict: raw, designEffect: 1, effectiveSamples: n, effectiveOver: over };
  const d = designEffect(overs);
  if (d <= 1) return { verdict: raw, designEffect: 1, effectiveSamples: n, effectiveOver: over };
  const effectiveSamples = Math.max(1, Math.round(n / d));
  const effectiveOver = Math.round((over * effectiveSamples) / n);
  return { verdict: percentileVerdict(percentile, confidence, effectiveSamples, effectiveOver), designEffect: d, effectiveSamples, effectiveOver };
}

/**
 * The fewest samples that can claim "pXX < T" at confidence C, reached when none exceeds T:
 * ⌈ln(1 − C) / ln(XX/100)⌉ (p95 at 99%: 90; p99 at 99%: 459). Each sample above T raises it.
 */
export function minSamplesForPercentile(percentile: number, confidence: number, over = 0): number {
  const q = 1 - percentile / 100;
  const alpha = 1 - confidence;
  let n = Math.max(1, Math.ceil(Math.log(alpha) / Math.log(1 - q)));
  while (binomialCdf(over, n, q) > alpha) n++;
  return n;
}

/**
 * perf_analyzer's stability rule: the last `windows` values are within `tolerance` of each
 * other, max/min ≤ 1 + tolerance (a value of 0 everywhere counts as stable).
 */
export function isStable(values: readonly number[], windows = 3, tolerance = 0.1): boolean {
  if (values.length < windows) return false;
  const last = values.slice(-windows);
  const max = Math.max(...last);
  const min = Math.min(...last);
  if (max === 0) return true;
  if (!(min > 0)) return false;
  return max / min <= 1 + tolerance;
}
