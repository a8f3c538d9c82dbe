/**
 * `--threshold` verdicts: `completionMs.p95<30000` (the syntax of --slo, src/metrics/slo.ts) held
 * against the measured prompts' merged HDR histogram. The gate is k6's rule — the observed
 * percentile must be below the threshold — so both engines fail the same runs; beside it the line
 * states how many samples it rests on and whether they suffice to claim it at 95% confidence
 * (MLPerf's early stopping, src/metrics/statistics.ts): too few samples is said, not hidden.
 */
import type { Histogram } from 'hdr-histogram-js';
import { US_PER_MS } from './hdr.js';
import { parseSlo } from './slo.js';
import { minSamplesForPercentile, percentileVerdict, type PercentileVerdict } from './statistics.js';

export const THRESHOLD_CONFIDENCE = 0.95;

export interface ThresholdVerdict {
  /** Normalised text, `completionMs.p95<30000`. */
  threshold: string;
  metric: string;
  percentile: number;
  thresholdMs: number;
  /** Measured prompts (or steps) in the histogram. */
  samples: number;
  /** Samples at or above the threshold (not meeting it), to the histogram’s 0.1 % resolution. */
  over: number;
  /** The percentile as the HDR histogram reports it; null without samples. */
  observedMs: number | null;
  /** The gate: `fail` when observed ≥ threshold or nothing was measured. */
  verdict: 'pass' | 'fail';
  /** Early stopping at THRESHOLD_CONFIDENCE over the same samples. */
  confidence: { level: number; verdict: PercentileVerdict; minSamples: number };
  /** Who decided the gate: comfyload from its histograms, or k6 (exit 99) for `--engine k6`. */
  decidedBy: 'comfyload' | 'k6';
}

interface ValueIterator {
  reset(): void;
  hasNext(): boolean;
  next(): { valueIteratedTo: number; countAtValueIteratedTo: number };
}

/** Samples whose bucket lies above `limitUs` (pure-JS histograms expose their recorded-values iterator). */
function countAbove(histogram: Histogram, limitUs: number): number {
  const iterator = (histogram as unknown as { recordedValuesIterator?: ValueIterator }).recordedValuesIterator;
  if (iterator === undefined) return 0;
  iterator.reset();
  let over = 0;
  while (iterator.hasNext()) {
    const v = iterator.next();
    if (v.valueIteratedTo >= limitUs) over += v.countAtValueIteratedTo;
  }
  return over;
}

/** Judges one threshold text against a histogram of recorded µs (undefined: nothing measured). */
export function evaluateThreshold(text: string, histogram: Histogram | undefined, decidedBy: ThresholdVerdict['decidedBy'] = 'comfyload'): ThresholdVerdict {
  const slo = parseSlo(text);
  if (typeof slo === 'string') throw new Error(`threshold ${JSON.stringify(text)}: expected ${slo}`);
  const samples = histogram?.totalCount ?? 0;
  const observedMs = histogram !== undefined && samples > 0 ? histogram.getValueAtPercentile(slo.percentile) / US_PER_MS : null;
  const over = histogram !== undefined ? countAbove(histogram, slo.thresholdMs * US_PER_MS) : 0;
  return {
    threshold: slo.text,
    metric: slo.metric,
    percentile: slo.percentile,
    thresholdMs: slo.thresholdMs,
    samples,
    over,
    observedMs,
    verdict: observedMs !== null && observedMs < slo.thresholdMs ? 'pass' : 'fail',
    confidence: {
      level: THRESHOLD_CONFIDENCE,
      verdict: percentileVerdict(slo.percentile, THRESHOLD_CONFIDENCE, samples, over),
      minSamples: minSamplesForPercentile(slo.percentile, THRESHOLD_CONFIDENCE, over),
    },
    decidedBy,
  };
}

const fmt = (ms: number): string => (ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${ms.toFixed(1)} ms`);

/** One line: rule, verdict, figures, confidence. */
export function thresholdLine(v: ThresholdVerdict): string {
  const rule = `threshold ${v.threshold}`;
  const by = v.decidedBy === 'k6' ? ' (k6)' : '';
  if (v.observedMs === null) return `${rule}: FAIL${by} — no measured sample of ${v.metric}`;
  const p = `p${v.percentile}`;
  const figures = `${p} ${fmt(v.observedMs)} ${v.verdict === 'pass' ? '<' : '≥'} ${fmt(v.thresholdMs)} over ${v.samples} samples (${v.over} at or above)`;
  const c = v.confidence;
  const claim =
    c.verdict === 'undecided'
      ? `too few samples to claim it at ${c.level * 100}% confidence (need ≥ ${c.minSamples})`
      : `${c.verdict === 'pass' ? 'met' : 'violated'} at ${c.level * 100}% confidence`;
  return `${rule}: ${v.verdict === 'pass' ? 'pass' : 'FAIL'}${by} — ${figures}; ${claim}`;
}
