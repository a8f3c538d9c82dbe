/**
 * One metric at one level, baseline against candidate: centre and spread of each side, the
 * relative difference with its confidence interval, and a verdict (`faster`, `slower`, `~` for
 * no significant difference, or `too few samples` with how many more prompts would do).
 *
 * Which test fits the data:
 *  - Units, not raw samples. The caller gives per-run sequences of units in send order: a prompt's
 *    value, a prompt's median step interval (20 steps of one prompt are not 20 independent
 *    samples), a gap between completions for throughput.
 *  - Within a run, prompts at concurrency c > 1 share the server's queue, so neighbours are not
 *    independent: consecutive units are grouped in batches of `batch` (c, or Little's L in an open
 *    loop) and each batch counts once, by its median (the batch-means method).
 *  - Within-run test: Mann-Whitney U on the (batched) units of every run pooled, the difference
 *    as the Hodges-Lehmann shift of log values (so a ratio) with the Moses interval.
 *  - With ≥ 3 runs per side, runs are the units (GPU clocks and thermals differ run to run, and
 *    pooled prompts would understate that): Welch's t on the logs of the run medians, and its
 *    interval, decide the verdict; the within-run test is kept beside it.
 * Pure functions.
 */
import tCdf from '@stdlib/stats-base-dists-t-cdf';
import tQuantile from '@stdlib/stats-base-dists-t-quantile';
import { hodgesLehmann, mannWhitneyU, medianCi, minUnitsForUTest } from './rank-tests.js';

export type CompareVerdict = 'faster' | 'slower' | '~' | 'too few samples';

/** Runs per side from which the verdict comes from the between-run test. */
export const MIN_RUNS_BETWEEN = 3;

export interface CompareSettings {
  /** Two-sided confidence of every interval and test, e.g. 0.95. */
  confidence: number;
  /** Consecutive units grouped into one (1 = units independent). */
  batch: number;
  /** Which direction is better for this metric: `lower` for times, `higher` for throughput. */
  better: 'lower' | 'higher';
  /** Plural name of the units, for messages: `prompts`, `completion gaps`. */
  unitName: string;
}

export interface SideFigures {
  /** Median of every unit of every run. */
  centre: number;
  /** Confidence interval of the median (of batch medians when batched); null: too few. */
  lo: number | null;
  hi: number | null;
  /** Units (before batching) and batches, over every run. */
  units: number;
  batches: number;
  runs: number;
  /** Each run's median, in run order. */
  runCentres: number[];
}

export interface TestFigures {
  /** `U test` (Mann-Whitney, Hodges-Lehmann/Moses interval) or `Welch t` (between runs). */
  test: 'U test' | 'Welch t';
  /** The relative difference candidate vs baseline (0.031 = +3.1%); null without data. */
  delta: number | null;
  lo: number | null;
  hi: number | null;
  p: number | null;
  /** Units each side entered the test with. */
  n1: number;
  n2: number;
}

export interface MetricComparison {
  baseline: SideFigures;
  candidate: SideFigures;
  /** The test that decides the verdict (between runs with ≥ 3 runs per side, else within). */
  decisive: TestFigures;
  /** The within-run test, also when the between-run one decides. */
  within: TestFigures;
  between: TestFigures | null;
  verdict: CompareVerdict;
  /** One line naming the test, its units and confidence: `U test, 20+20 prompts, 95%`. */
  method: string;
  /** Too few samples: what would be enough. */
  needed?: { unitsPerSide: number; promptsPerSide: number; text: string };
}

/** Compares the per-run unit sequences of the two sides. */
export function compareUnits(baseline: readonly (readonly number[])[], candidate: readonly (readonly number[])[], settings: CompareSettings): MetricComparison {
  const correlation = Math.max(lag1Autocorrelation(baseline), lag1Autocorrelation(candidate));
  const batch = batchLength(settings.batch, correlation, [...baseline, ...candidate]);
  const baseBatches = baseline.flatMap((run) => batchMedians(run, batch));
  const candBatches = candidate.flatMap((run) => batchMedians(run, batch));
  const within = uTestFigures(baseBatches, candBatches, settings.confidence);
  const baseRuns = baseline.filter((r) => r.length > 0);
  const candRuns = candidate.filter((r) => r.length > 0);
  const between =
    baseRuns.length >= MIN_RUNS_BETWEEN && candRuns.length >= MIN_RUNS_BETWEEN
      ? welchFigures(baseRuns.map(median), candRuns.map(median), settings.confidence)
      : null;
  const decisive = between ?? within;
  const pct = `${+(settings.confidence * 100).toFixed(2)}%`;
  const why = batch > Math.max(1, Math.round(settings.batch)) ? ` (serial correlation r1 = ${correlation.toFixed(2)})` : '';
  const units = batch > 1 ? `batches of ${batch} ${settings.unitName}${why}` : settings.unitName;
  const method =
    between !== null
      ? `Welch t on log run medians, ${baseRuns.length}+${candRuns.length} runs, ${pct}`
      : `U test, ${baseBatches.length}+${candBatches.length} ${units}, ${pct}`;
  const out: MetricComparison = {
    baseline: sideFigures(baseline, baseBatches, settings.confidence),
    candidate: sideFigures(candidate, candBatches, settings.confidence),
    decisive,
    within,
    between,
    verdict: verdictOf(decisive, settings.better),
    method,
  };
  if (out.verdict === 'too few samples') out.needed = neededText(baseBatches.length, candBatches.length, batch, settings);
  return out;
}

/**
 * Lag-1 autocorrelation of the log units in send order, pooled over runs (weighted by length): a
 * server whose speed drifts during a run (load, clocks, thermals) makes neighbours alike even at
 * c = 1, and counting them as independent would overstate the evidence. 0 for fewer than 8 units.
 */
export function lag1Autocorrelation(runs: readonly (readonly number[])[]): number {
  let num = 0;
  let den = 0;
  let n = 0;
  for (const run of runs) {
    if (run.length < 8) continue;
    const logs = run.map(logOf);
    const mean = logs.reduce((a, v) => a + v, 0) / logs.length;
    let c0 = 0;
    let c1 = 0;
    for (let i = 0; i < logs.length; i++) {
      c0 += (logs[i]! - mean) ** 2;
      if (i > 0) c1 += (logs[i]! - mean) * (logs[i - 1]! - mean);
    }
    if (c0 === 0) continue;
    num += (c1 / c0) * logs.length;
    den += logs.length;
    n += logs.length;
  }
  return n === 0 ? 0 : num / den;
}

/**
 * Units per batch: the queue's share (`minimum`, c at concurrency c), raised by the variance
 * inflation of an AR(1) series, (1 + r)/(1 − r), when the lag-1 correlation is significant
 * (r > 2/√n); at most a quarter of the shortest run, so four batches remain.
 */
export function batchLength(minimum: number, r: number, runs: readonly (readonly number[])[]): number {
  const base = Math.max(1, Math.round(minimum));
  const lengths = runs.map((x) => x.length).filter((l) => l >= 8);
  if (lengths.length === 0 || !(r > 0)) return base;
  const n = Math.min(...lengths);
  if (r <= 2 / Math.sqrt(n)) return base;
  const inflated = Math.ceil(Math.min((1 + r) / (1 - r), 1e6));
  return Math.max(base, Math.min(inflated, Math.floor(n / 4)));
}

/** Consecutive groups of `size` (an incomplete last group dropped), each by its median. */
export function batchMedians(values: readonly number[], size: number): number[] {
  if (size <= 1) return [...values];
  const out: number[] = [];
  for (let i = 0; i + size <= values.length; i += size) out.push(median(values.slice(i, i + size)));
  return out;
}

export function median(values: readonly number[]): number {
  return medianCi(values, 0.5).median;
}

function sideFigures(runs: readonly (readonly number[])[], batches: readonly number[], confidence: number): SideFigures {
  const all = runs.flat();
  const ci = medianCi(batches, confidence);
  return {
    centre: all.length > 0 ? median(all) : Number.NaN,
    lo: ci.lo,
    hi: ci.hi,
    units: all.length,
    batches: batches.length,
    runs: runs.filter((r) => r.length > 0).length,
    runCentres: runs.filter((r) => r.length > 0).map(median),
  };
}

/** Floor for logs: 1 µs, the histograms' resolution; keeps a 0 ms queue wait finite. */
const LOG_FLOOR = 1e-3;
const logOf = (v: number): number => Math.log(Math.max(v, LOG_FLOOR));

function uTestFigures(a: readonly number[], b: readonly number[], confidence: number): TestFigures {
  if (a.length === 0 || b.length === 0) return { test: 'U test', delta: null, lo: null, hi: null, p: null, n1: a.length, n2: b.length };
  const la = a.map(logOf);
  const lb = b.map(logOf);
  const u = mannWhitneyU(la, lb);
  const hl = hodgesLehmann(la, lb, confidence);
  return {
    test: 'U test',
    delta: Math.expm1(hl.shift),
    lo: hl.lo === null ? null : Math.expm1(hl.lo),
    hi: hl.hi === null ? null : Math.expm1(hl.hi),
    p: u.p,
    n1: a.length,
    n2: b.length,
  };
}

/** Welch's two-sample t on the logs: the ratio of geometric means and its interval. */
export function welchFigures(a: readonly number[], b: readonly number[], confidence: number): TestFigures {
  const la = a.map(logOf);
  const lb = b.map(logOf);
  const base = { test: 'Welch t' as const, n1: a.length, n2: b.length };
  if (la.length < 2 || lb.length < 2) return { ...base, delta: null, lo: null, hi: null, p: null };
  const [ma, va] = meanVar(la);
  const [mb, vb] = meanVar(lb);
  const diff = mb - ma;
  const sa = va / la.length;
  const sb = vb / lb.length;
  const se = Math.sqrt(sa + sb);
  if (se === 0) return { ...base, delta: Math.expm1(diff), lo: Math.expm1(diff), hi: Math.expm1(diff), p: diff === 0 ? 1 : 0 };
  const df = (sa + sb) ** 2 / ((sa * sa) / (la.length - 1) + (sb * sb) / (lb.length - 1));
  const t = tQuantile(1 - (1 - confidence) / 2, df);
  const p = 2 * (1 - tCdf(Math.abs(diff / se), df));
  return { ...base, delta: Math.expm1(diff), lo: Math.expm1(diff - t * se), hi: Math.expm1(diff + t * se), p: Math.min(1, p) };
}

function meanVar(values: readonly number[]): [number, number] {
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  const variance = values.reduce((s, v) => s + (v - mean) ** 2, 0) / (values.length - 1);
  return [mean, variance];
}

function verdictOf(t: TestFigures, better: 'lower' | 'higher'): CompareVerdict {
  if (t.delta === null || t.lo === null || t.hi === null) return 'too few samples';
  if (t.lo > 0) return better === 'lower' ? 'slower' : 'faster';
  if (t.hi < 0) return better === 'lower' ? 'faster' : 'slower';
  return '~';
}

function neededText(n1: number, n2: number, batch: number, settings: CompareSettings): MetricComparison['needed'] {
  const pct = `${+(settings.confidence * 100).toFixed(2)}%`;
  const equal = minUnitsForUTest(settings.confidence);
  const missing = Math.max(0, equal - Math.min(n1, n2));
  const promptsPerSide = equal * batch;
  const unit = batch > 1 ? `batches of ${batch} ${settings.unitName}` : settings.unitName;
  const text =
    `${n1}+${n2} ${unit}; the U test needs ≥ ${equal} per side to reach ${pct}` +
    (missing > 0 ? `: ≥ ${missing * batch} more ${settings.unitName} per side (≥ ${promptsPerSide} per level)` : '');
  return { unitsPerSide: equal, promptsPerSide, text };
}
