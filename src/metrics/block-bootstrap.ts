/**
 * The ratio of a tail percentile (p90, p95, p99) of candidate over baseline with a bootstrap
 * confidence interval: rank tests speak of the centre, a gate on `completionMs.p95` needs the
 * tail. Each run is resampled by moving blocks of `block` consecutive units (Künsch's moving-block
 * bootstrap), so prompts that shared a queue stay together as they do in the rank tests' batches;
 * the runs of a side are resampled apart and pooled. Percentile interval, seeded generator (the
 * same inputs give the same interval). Pure.
 */

export interface QuantileRatio {
  /** candidate quantile / baseline quantile − 1 (0.05 = 5% higher). */
  delta: number;
  lo: number | null;
  hi: number | null;
  /** Two-sided bootstrap p-value of "no difference" (share of resamples on the other side of 0, doubled). */
  p: number | null;
  resamples: number;
}

/** Units each side needs for a tail quantile: at least two samples beyond it. */
export function minUnitsForQuantile(q: number): number {
  return Math.ceil(2 / (1 - q));
}

/** Nearest-rank quantile (0 < q < 1) of values (the HDR histograms' definition). */
export function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sortedQuantile(sorted, q);
}

function sortedQuantile(sorted: readonly number[] | Float64Array, q: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  return sorted[Math.min(n - 1, Math.max(0, Math.ceil(q * n) - 1))]!;
}

/**
 * The quantile ratio with its interval; bounds null when a side has fewer than
 * {@link minUnitsForQuantile} units.
 */
export function bootstrapQuantileRatio(
  baseline: readonly (readonly number[])[],
  candidate: readonly (readonly number[])[],
  q: number,
  options: { block: number; confidence: number; resamples?: number; seed?: number },
): QuantileRatio {
  const resamples = options.resamples ?? 2000;
  const block = Math.max(1, Math.round(options.block));
  const baseAll = baseline.flat();
  const candAll = candidate.flat();
  const base = quantile(baseAll, q);
  const delta = quantile(candAll, q) / base - 1;
  const need = minUnitsForQuantile(q);
  if (baseAll.length < need || candAll.length < need || !(base > 0)) return { delta, lo: null, hi: null, p: null, resamples: 0 };
  const rng = mulberry32(options.seed ?? 1);
  const ratios = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) {
    const b = resampleSide(baseline, block, rng);
    const c = resampleSide(candidate, block, rng);
    ratios[r] = sortedQuantile(c, q) / sortedQuantile(b, q) - 1;
  }
  ratios.sort();
  const alpha = 1 - options.confidence;
  let below = 0;
  for (const v of ratios) if (v <= 0) below++;
  const p = Math.min(1, (2 * Math.min(below, resamples - below + countEqual(ratios, 0))) / resamples);
  return {
    delta,
    lo: sortedQuantile(ratios, alpha / 2),
    hi: sortedQuantile(ratios, 1 - alpha / 2),
    p,
    resamples,
  };
}

function countEqual(values: Float64Array, x: number): number {
  let n = 0;
  for (const v of values) if (v === x) n++;
  return n;
}

/** Every run of a side resampled by moving blocks, pooled and sorted. */
function resampleSide(runs: readonly (readonly number[])[], block: number, rng: () => number): Float64Array {
  const total = runs.reduce((n, r) => n + r.length, 0);
  const out = new Float64Array(total);
  let at = 0;
  for (const run of runs) {
    const n = run.length;
    if (n === 0) continue;
    const len = Math.min(block, n);
    let filled = 0;
    while (filled < n) {
      const start = Math.floor(rng() * (n - len + 1));
      for (let i = 0; i < len && filled < n; i++) out[at + filled++] = run[start + i]!;
    }
    at += n;
  }
  return out.sort();
}

/** A small seeded generator (mulberry32): uniform in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
