/**
 * `run --threshold` at the session's end: the rules of src/metrics/run-thresholds.ts judged on
 * the run's recorder (every measured prompt, levels merged: histograms added) and its measured
 * levels' counts, and their verdict lines printed.
 */
import type { Histogram } from 'hdr-histogram-js';
import { US_PER_MS } from '../metrics/hdr.js';
import type { MetricRecorder } from '../metrics/recorder.js';
import type { LevelSummary, RunK6 } from '../metrics/result-types.js';
import { judgeRunThresholds, type RunThreshold, type RunThresholdResult, type ThresholdDistribution } from '../metrics/run-thresholds.js';

/** Judges the thresholds on the recorder's measured histograms and the levels' outcome counts. */
export function judgeRun(thresholds: readonly RunThreshold[], recorder: MetricRecorder, levels: readonly LevelSummary[]): RunThresholdResult[] {
  const submitted = levels.reduce((n, l) => n + l.submitted, 0);
  const notOk = levels.reduce((n, l) => n + l.notOk, 0);
  return judgeRunThresholds(thresholds, {
    submitted,
    notOk,
    distribution: (metric) => {
      const histogram = recorder.merged({ metric, phase: 'measure' });
      return histogram.totalCount > 0 ? histogramDistribution(histogram) : undefined;
    },
  });
}

/**
 * A histogram of recorded µs as a distribution in ms. `countAbove` binary-searches the ranks
 * (the k-th smallest value is the value at percentile 100·(k − ½)/n), as hdr-histogram-js has no
 * public count-below-value; exact to the histogram's bucket (0.1%).
 */
export function histogramDistribution(histogram: Histogram): ThresholdDistribution {
  const n = histogram.totalCount;
  const kth = (k: number): number => histogram.getValueAtPercentile((100 * (k - 0.5)) / n) / US_PER_MS;
  return {
    count: n,
    valueAtPercentile: (p) => histogram.getValueAtPercentile(p) / US_PER_MS,
    countAbove: (ms) => {
      let lo = 0; // values ≤ ms among the smallest lo
      let hi = n;
      while (lo < hi) {
        const mid = Math.ceil((lo + hi) / 2);
        if (kth(mid) <= ms) lo = mid;
        else hi = mid - 1;
      }
      return n - lo;
    },
  };
}

/** Prints one line per threshold; true when one is broken (the run then exits 1). */
export function printThresholds(results: readonly RunThresholdResult[] | undefined, out: { write(s: string): unknown }): boolean {
  if (results === undefined) return false;
  for (const r of results) out.write(`comfyload: ${r.line}\n`);
  return results.some((r) => r.verdict === 'fail');
}

/**
 * With --engine k6 the gate of a percentile threshold is k6's own verdict (it exited 99 when one
 * failed); the figures stay comfyload's, from the same prompts.
 */
export function withK6Verdicts(results: RunThresholdResult[], thresholds: readonly RunThreshold[], k6: RunK6 | undefined): RunThresholdResult[] {
  if (k6 === undefined) return results;
  return results.map((r, i) => {
    const t = thresholds[i];
    if (t?.kind !== 'percentile') return { ...r, decidedBy: 'comfyload' as const };
    const { metric, percentile, thresholdMs } = t.slo;
    const decided = k6.thresholds.find((k) => k.metric === `${metric}{phase:measure}` && k.expression === `p(${percentile})<${thresholdMs}`);
    if (decided === undefined) return { ...r, decidedBy: 'comfyload' as const };
    const verdict = decided.ok ? (r.verdict === 'fail' ? 'pass' : r.verdict) : 'fail';
    const word = verdict === 'pass' ? 'PASS' : verdict === 'fail' ? 'FAIL' : 'TOO FEW SAMPLES';
    return { ...r, verdict, decidedBy: 'k6' as const, line: r.line.replace(/^(threshold [^:]+): [A-Z ]+:/, `$1: ${word} (k6):`) };
  });
}
