/**
 * Regression (issue 11): MetricRecorder kept three ~95 kB histograms per key for the whole run —
 * a 4-target × 20-stage × 10-metric run held ~220 MB. Interval histograms now exist only while a
 * key records, and an idle key's cumulative histogram is kept compressed; every figure read back
 * stays the same to the last bit, and recording into a compressed key goes on exactly.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { HistogramKey } from '../../src/metrics/histogram-key.js';
import { METRIC_NAMES } from '../../src/metrics/metric-names.js';
import { MetricRecorder } from '../../src/metrics/recorder.js';

const MB = 2 ** 20;

function key(level: number, target: number, metric = METRIC_NAMES[0]!): HistogramKey {
  return { metric, target, level, concurrency: 0, phase: 'measure' };
}

describe('MetricRecorder memory', () => {
  it('holds a few MB, not 220 MB, over a 4-target × 20-level × 10-metric run, and reads every key back', () => {
    let now = 0;
    const recorder = new MetricRecorder({ clock: () => now });
    const metrics = METRIC_NAMES.slice(0, 10);
    let peak = 0;
    for (let level = 0; level < 20; level++) {
      for (let i = 0; i < 200; i++)
        for (let target = 0; target < 4; target++) for (const m of metrics) recorder.record(key(level, target, m), 50 + ((i * 37) % 5000));
      for (let s = 0; s < 3; s++) {
        now += 5000;
        recorder.takeIntervals();
        peak = Math.max(peak, recorder.retainedBytes);
      }
    }
    expect(recorder.keys()).toHaveLength(800);
    expect(peak).toBeLessThan(16 * MB); // one level's keys live at a time (40 × ~95 kB, plus the pool)
    expect(recorder.retainedBytes).toBeLessThan(2 * MB);
    expect(recorder.summarize({ level: 3, metric: metrics[2]! })!.count).toBe(800);
  });

  it('gives the same figures before and after a key is compressed, and goes on recording exactly (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0, max: 3_600_000, noNaN: true }), { minLength: 1, maxLength: 200 }),
        fc.array(fc.double({ min: 0, max: 7_200_000, noNaN: true }), { maxLength: 50 }),
        (first, later) => {
          let now = 0;
          const packed = new MetricRecorder({ clock: () => now });
          const plain = new MetricRecorder({ clock: () => 0 });
          for (const v of first) {
            packed.record(key(0, 0), v);
            plain.record(key(0, 0), v);
          }
          const before = packed.summarize({ level: 0 });
          for (let s = 0; s < 3; s++) {
            now += 1000;
            packed.takeIntervals();
          }
          expect(packed.summarize({ level: 0 })).toEqual(before);
          expect(packed.percentiles(key(0, 0))).toEqual(plain.percentiles(key(0, 0)));
          expect(packed.valuesAtPercentiles({ level: 0 }, [50, 99.9])).toEqual(plain.valuesAtPercentiles({ level: 0 }, [50, 99.9]));
          for (const v of later) {
            packed.record(key(0, 0), v);
            plain.record(key(0, 0), v);
          }
          expect(packed.summarize({ level: 0 })).toEqual(plain.summarize({ level: 0 }));
          expect(packed.merged({ level: 0 }).totalCount).toBe(first.length + later.length);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('a snapshot still holds exactly its interval when keys come and go', () => {
    let now = 0;
    const recorder = new MetricRecorder({ clock: () => now });
    recorder.record(key(0, 0), 10);
    now = 100;
    expect(recorder.takeIntervals().map((s) => [s.tag, s.histogram.totalCount])).toEqual([[expect.stringContaining('-L1-'), 1]]);
    recorder.record(key(1, 0), 20);
    recorder.record(key(1, 0), 30);
    now = 200;
    const second = recorder.takeIntervals();
    expect(second.map((s) => [s.key.level, s.histogram.totalCount, s.startMs, s.endMs])).toEqual([[1, 2, 100, 200]]);
    now = 300;
    expect(recorder.takeIntervals()).toEqual([]);
    recorder.record(key(0, 0), 40);
    now = 400;
    expect(recorder.takeIntervals().map((s) => [s.key.level, s.histogram.totalCount])).toEqual([[0, 1]]);
    expect(recorder.percentiles(key(0, 0))!.count).toBe(2);
  });
});
