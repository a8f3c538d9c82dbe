import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PERCENTILE_ABSOLUTE_ERROR_MS, PERCENTILE_RELATIVE_ERROR } from '../../src/metrics/hdr.js';
import type { HistogramKey } from '../../src/metrics/histogram-key.js';
import { MetricRecorder } from '../../src/metrics/recorder.js';

const KEY: HistogramKey = { metric: 'completionMs', target: 0, level: 0, concurrency: 1, phase: 'measure' };

/** Nearest-rank percentile of the exact values (the definition HdrHistogram implements). */
function exactPercentile(sortedMs: readonly number[], percentile: number): number {
  const rank = Math.max(1, Math.ceil((percentile * sortedMs.length) / 100));
  return sortedMs[rank - 1] ?? Number.NaN;
}

function withinPromise(reportedMs: number, exactMs: number): boolean {
  return Math.abs(reportedMs - exactMs) <= exactMs * PERCENTILE_RELATIVE_ERROR + PERCENTILE_ABSOLUTE_ERROR_MS;
}

/** ms values over the range a ComfyUI run sees: sub-ms steps to hour-long queues. */
const valueMs = fc.oneof(
  fc.double({ min: 0, max: 2, noNaN: true }),
  fc.double({ min: 0, max: 2000, noNaN: true }),
  fc.double({ min: 0, max: 120_000, noNaN: true }),
  fc.double({ min: 0, max: 3_600_000, noNaN: true }),
);

describe('MetricRecorder percentiles (property)', () => {
  it('stay within 0.1 % + 1 µs of the exact nearest-rank percentile of the recorded values', () => {
    fc.assert(
      fc.property(fc.array(valueMs, { minLength: 1, maxLength: 300 }), (values) => {
        const recorder = new MetricRecorder({ clock: () => 0 });
        for (const value of values) recorder.record(KEY, value);
        const figures = recorder.percentiles(KEY);
        const sorted = [...values].sort((a, b) => a - b);
        expect(figures?.count).toBe(values.length);
        for (const percentile of [50, 90, 95, 99] as const) {
          const reported = figures?.[`p${percentile}`] ?? Number.NaN;
          const exact = exactPercentile(sorted, percentile);
          if (!withinPromise(reported, exact)) {
            throw new Error(`p${percentile}: reported ${reported} vs exact ${exact}`);
          }
        }
        expect(withinPromise(figures?.min ?? Number.NaN, sorted[0] ?? Number.NaN)).toBe(true);
        expect(withinPromise(figures?.max ?? Number.NaN, sorted.at(-1) ?? Number.NaN)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('never report a percentile below the exact one by more than the µs rounding', () => {
    fc.assert(
      fc.property(fc.array(valueMs, { minLength: 1, maxLength: 100 }), fc.integer({ min: 1, max: 100 }), (values, percentile) => {
        const recorder = new MetricRecorder({ clock: () => 0 });
        for (const value of values) recorder.record(KEY, value);
        const merged = recorder.merged({});
        const reportedMs = merged.getValueAtPercentile(percentile) / 1000;
        const exact = exactPercentile(
          [...values].sort((a, b) => a - b),
          percentile,
        );
        expect(reportedMs).toBeGreaterThanOrEqual(exact - 0.0005 - 1e-9);
      }),
      { numRuns: 200 },
    );
  });

  it('merged across keys equals recording everything in one key', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), valueMs), { minLength: 1, maxLength: 200 }), (samples) => {
        const split = new MetricRecorder({ clock: () => 0 });
        const single = new MetricRecorder({ clock: () => 0 });
        for (const [target, value] of samples) {
          split.record({ ...KEY, target }, value);
          single.record(KEY, value);
        }
        expect(split.summarize({ metric: 'completionMs' })).toEqual(single.percentiles(KEY));
      }),
      { numRuns: 100 },
    );
  });
});
