/**
 * How comfyload builds, fills and reads HDR histograms — one place, so the recorder, the .hlog
 * reader and every report agree to the microsecond.
 *
 * Values are recorded as integer microseconds (`Math.round(ms * 1000)`): ComfyUI times run from
 * sub-millisecond (a cached prompt's step) to many minutes (a cold SDXL load under queueing).
 * Settings: lowest discernible value 1 µs, highest trackable value 1 hour with auto-resize (a
 * longer value grows the histogram instead of throwing), 3 significant digits, 32-bit counts,
 * pure JS (never WebAssembly).
 *
 * Why 32-bit counts rather than 64 or `packed` (measured on Node 20, a 200-value histogram):
 * `packed` is small (~6 kB) but reading it is slow — a full summary took ~50 ms and an encode
 * ~4 ms, because every read walks all ~23 k counts through the packed array; 64-bit and 32-bit
 * take ~7 ms and ~0.05 ms and differ only in memory (~190 kB vs ~95 kB per histogram over
 * 1 µs..1 h). A 32-bit count overflows past 2^31 samples in one µs bucket, which prompt rates
 * never approach. A key keeps its cumulative histogram (compressed once the key is idle) and, while
 * it records, an interval histogram (see recorder.ts).
 *
 * Promised error: 3 significant digits give 2048 sub-buckets, so a bucket is at most 1/1024 of
 * its values wide and a percentile is reported as the highest value of its bucket: never below
 * the exact nearest-rank percentile and at most `exact / 1024` above it, plus ±0.5 µs from
 * rounding to whole microseconds. Stated conservatively: |reported − exact| ≤ 0.1 % × exact +
 * 0.001 ms. Min is the lowest and max the highest value of their buckets; mean and stddev use
 * bucket midpoints. test/metrics/recorder.property.test.ts checks the percentile promise.
 */
import { build, type Histogram } from 'hdr-histogram-js';
import type { MetricSummary } from './result-types.js';

export const LOWEST_DISCERNIBLE_US = 1;
export const HIGHEST_TRACKABLE_US = 3_600_000_000;
export const SIGNIFICANT_DIGITS = 3;
/** Recorded unit per ms: divide a recorded value by this to get ms. */
export const US_PER_MS = 1000;
/** The promised relative error of a reported percentile (see module comment). */
export const PERCENTILE_RELATIVE_ERROR = 0.001;
/** The promised absolute error (ms) on top of the relative one, from whole-µs rounding. */
export const PERCENTILE_ABSOLUTE_ERROR_MS = 0.001;

/** The settings every histogram of a run is built with (also written into summary.json). */
export const HISTOGRAM_BUILD = {
  bitBucketSize: 32,
  autoResize: true,
  lowestDiscernibleValue: LOWEST_DISCERNIBLE_US,
  highestTrackableValue: HIGHEST_TRACKABLE_US,
  numberOfSignificantValueDigits: SIGNIFICANT_DIGITS,
  useWebAssembly: false,
} as const;

/** A new empty histogram with the run's settings. */
export function newHistogram(): Histogram {
  return build({ ...HISTOGRAM_BUILD });
}

/** Milliseconds to the recorded unit: whole microseconds, negatives clamped to 0. */
export function msToRecordedUs(valueMs: number): number {
  return valueMs <= 0 ? 0 : Math.round(valueMs * US_PER_MS);
}

/**
 * The figures of a histogram of recorded µs, in ms; undefined when it holds no value.
 * Max is read as the 100th percentile (the highest value of the top bucket), not `maxValue`,
 * because a live histogram keeps the exact max while a decoded one only knows its bucket: this
 * way a summary of the recorder and one of the read-back .hlog are equal.
 */
export function summarizeHistogram(histogram: Histogram): MetricSummary | undefined {
  const count = histogram.totalCount;
  if (count === 0) return undefined;
  const at = (percentile: number): number => histogram.getValueAtPercentile(percentile) / US_PER_MS;
  return {
    count,
    min: at(0),
    mean: histogram.mean / US_PER_MS,
    p50: at(50),
    p90: at(90),
    p95: at(95),
    p99: at(99),
    max: at(100),
    stddev: histogram.stdDeviation / US_PER_MS,
  };
}

/** The sum of some histograms as a new histogram (merged, never averaged). */
export function mergeHistograms(histograms: Iterable<Histogram>): Histogram {
  const merged = newHistogram();
  for (const histogram of histograms) merged.add(histogram);
  return merged;
}
