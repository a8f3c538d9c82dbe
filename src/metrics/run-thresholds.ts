/**
 * `run --threshold`: pass/fail rules a finished run is judged by, k6's habit. Two forms:
 * `<metric>.p<percentile><<threshold>` (the syntax of capacity's --slo: `completionMs.p95<30000`,
 * thresholds in ms or with a unit) over every measured prompt of the run, levels merged (HDR
 * histograms added, never percentiles averaged), and `errorRate<0.01`: settled prompts that did
 * not end ok over submitted ones, warm-up apart.
 *
 * Verdicts, one line each with rule, figure and confidence:
 *  - `fail`: the observed figure breaks the threshold (exit 1), with whether the breach is
 *    significant by the binomial test at the stated confidence;
 *  - `pass`: the observed figure meets it and the binomial test claims so at that confidence
 *    (MLPerf's early-stopping rule, as capacity uses: src/metrics/statistics.ts);
 *  - `too few samples`: the observed figure meets it, but too few prompts ran to claim it; says
 *    how many prompts would (it does not fail the run).
 * Pure: the figures come from the caller (the session reads them from the recorder).
 */
import { percentileVerdict, minSamplesForPercentile, binomialCdf } from './statistics.js';
import { parseSlo, type SloSpec } from './slo.js';

export type RunThreshold = { kind: 'percentile'; text: string; slo: SloSpec } | { kind: 'errorRate'; text: string; maxRate: number };

export type RunThresholdVerdict = 'pass' | 'fail' | 'too few samples';

/** One threshold judged: what summary.json `thresholds` and report.html hold. */
export interface RunThresholdResult {
  threshold: string;
  verdict: RunThresholdVerdict;
  /** The observed figure: ms for a percentile, a fraction for errorRate; null without samples. */
  observed: number | null;
  /** Prompts (percentile: measured prompts with the metric; errorRate: submitted). */
  samples: number;
  /** Samples beyond the threshold (above the ms; failed prompts). */
  over: number;
  confidence: number;
  /** Whether the binomial test reaches `confidence` for the verdict's direction. */
  significant: boolean;
  /** Prompts needed to claim a pass at `confidence` if no more samples went over. */
  requiredSamples: number;
  /** The verdict's one line: rule, figure, verdict, confidence. */
  line: string;
  /** Who decided the gate: comfyload from its histograms, or k6 (exit 99) for `--engine k6`. */
  decidedBy?: 'comfyload' | 'k6';
}

/** What the judged run offers for one metric: its merged distribution of measured prompts. */
export interface ThresholdDistribution {
  count: number;
  /** Value at a percentile (0..100), ms. */
  valueAtPercentile(percentile: number): number;
  /** How many samples are above `ms`. */
  countAbove(ms: number): number;
}

export interface RunThresholdInput {
  distribution(metric: SloSpec['metric']): ThresholdDistribution | undefined;
  /** Measured prompts submitted, and of them those that settled not ok. */
  submitted: number;
  notOk: number;
}

const ERROR_RATE = /^\s*errorRate\s*<\s*(\d+(?:\.\d+)?|\.\d+)\s*(%)?\s*$/;

/** The threshold, or a sentence saying what the text should look like. */
export function parseRunThreshold(raw: string): RunThreshold | string {
  const error = ERROR_RATE.exec(raw);
  if (error !== null) {
    const maxRate = Number(error[1]) / (error[2] === '%' ? 100 : 1);
    if (!(maxRate >= 0 && maxRate < 1)) return 'an error rate from 0 to 1 (exclusive), e.g. `errorRate<0.01` or `errorRate<1%`';
    return { kind: 'errorRate', text: `errorRate<${maxRate}`, maxRate };
  }
  if (/^\s*errorRate/.test(raw)) return 'the form `errorRate<0.01`';
  const slo = parseSlo(raw);
  if (typeof slo === 'string') return `${slo}, or \`errorRate<0.01\``;
  return { kind: 'percentile', text: slo.text, slo };
}

/** Judges every threshold at `confidence` (default 95%). */
export function judgeRunThresholds(thresholds: readonly RunThreshold[], input: RunThresholdInput, confidence = 0.95): RunThresholdResult[] {
  return thresholds.map((t) => (t.kind === 'errorRate' ? judgeErrorRate(t, input, confidence) : judgePercentile(t, input, confidence)));
}

function judgePercentile(t: Extract<RunThreshold, { kind: 'percentile' }>, input: RunThresholdInput, confidence: number): RunThresholdResult {
  const { metric, percentile, thresholdMs } = t.slo;
  const dist = input.distribution(metric);
  const n = dist?.count ?? 0;
  const required = minSamplesForPercentile(percentile, confidence);
  if (dist === undefined || n === 0) {
    return result(t.text, 'too few samples', null, 0, 0, confidence, false, required, `no measured prompt has ${metric}; at least ${required} needed`);
  }
  const observed = dist.valueAtPercentile(percentile);
  const over = dist.countAbove(thresholdMs);
  const stat = percentileVerdict(percentile, confidence, n, over);
  const figure = `p${percentile} = ${formatMs(observed)} over ${n} prompts (${over} above ${formatMs(thresholdMs)})`;
  const pct = `${+(confidence * 100).toFixed(2)}%`;
  if (observed >= thresholdMs) {
    const significant = stat === 'fail';
    return result(
      t.text,
      'fail',
      observed,
      n,
      over,
      confidence,
      significant,
      required,
      `${figure}: ${significant ? `broken at ${pct} (binomial test)` : `broken as observed, not yet significant at ${pct}`}`,
    );
  }
  if (stat === 'pass') return result(t.text, 'pass', observed, n, over, confidence, true, required, `${figure}: met at ${pct} (binomial test)`);
  const needed = minSamplesForPercentile(percentile, confidence, over);
  return result(
    t.text,
    'too few samples',
    observed,
    n,
    over,
    confidence,
    false,
    needed,
    `${figure}: met as observed, but claiming it at ${pct} takes ≥ ${needed} prompts (${needed - n} more)`,
  );
}

function judgeErrorRate(t: Extract<RunThreshold, { kind: 'errorRate' }>, input: RunThresholdInput, confidence: number): RunThresholdResult {
  const n = input.submitted;
  const k = input.notOk;
  const observed = n > 0 ? k / n : null;
  const pct = `${+(confidence * 100).toFixed(2)}%`;
  const required = requiredForRate(t.maxRate, confidence, k);
  if (n === 0 || observed === null)
    return result(t.text, 'too few samples', null, 0, 0, confidence, false, required, `no measured prompt was submitted; at least ${required} needed`);
  const figure = `${k} of ${n} prompts failed (${(observed * 100).toFixed(2)}%)`;
  // Binomial: P(X ≤ k | n, maxRate) ≤ α claims rate < maxRate; P(X ≥ k) ≤ α claims rate > maxRate.
  const alpha = 1 - confidence;
  const claimBelow = t.maxRate > 0 && binomialCdf(k, n, t.maxRate) <= alpha;
  const claimAbove = k > 0 && 1 - binomialCdf(k - 1, n, t.maxRate) <= alpha;
  if (observed >= t.maxRate && !(t.maxRate === 0 && k === 0)) {
    return result(
      t.text,
      'fail',
      observed,
      n,
      k,
      confidence,
      claimAbove,
      required,
      `${figure}: broken ${claimAbove ? `at ${pct} (binomial test)` : `as observed, not yet significant at ${pct}`}`,
    );
  }
  if (claimBelow) return result(t.text, 'pass', observed, n, k, confidence, true, required, `${figure}: met at ${pct} (binomial test)`);
  const more = Number.isFinite(required) ? `takes ≥ ${required} prompts (${Math.max(0, required - n)} more)` : 'is impossible for a rate of 0';
  return result(t.text, 'too few samples', observed, n, k, confidence, false, required, `${figure}: met as observed, but claiming it at ${pct} ${more}`);
}

/** The fewest prompts that claim "rate < maxRate" at `confidence` when `failed` of them fail. */
function requiredForRate(maxRate: number, confidence: number, failed: number): number {
  if (maxRate <= 0) return Number.POSITIVE_INFINITY;
  return minSamplesForPercentile(100 * (1 - maxRate), confidence, failed);
}

function result(
  threshold: string,
  verdict: RunThresholdVerdict,
  observed: number | null,
  samples: number,
  over: number,
  confidence: number,
  significant: boolean,
  requiredSamples: number,
  detail: string,
): RunThresholdResult {
  const word = verdict === 'pass' ? 'PASS' : verdict === 'fail' ? 'FAIL' : 'TOO FEW SAMPLES';
  return { threshold, verdict, observed, samples, over, confidence, significant, requiredSamples, line: `threshold ${threshold}: ${word}: ${detail}` };
}

function formatMs(ms: number): string {
  return ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(1)} ms`;
}
