import { describe, expect, it } from 'vitest';
import type { HistogramKey } from '../../src/metrics/histogram-key.js';
import { MetricRecorder } from '../../src/metrics/recorder.js';

const key = (over: Partial<HistogramKey> = {}): HistogramKey => ({
  metric: 'completionMs',
  target: 0,
  level: 0,
  concurrency: 1,
  phase: 'measure',
  ...over,
});

function manualClock(startMs = 0): { clock: () => number; advance: (ms: number) => void } {
  let nowMs = startMs;
  return { clock: () => nowMs, advance: (ms) => (nowMs += ms) };
}

describe('MetricRecorder', () => {
  it('given values below 2.048 ms, when read back, then figures are exact to the µs', () => {
    const recorder = new MetricRecorder({ clock: () => 0 });
    for (const valueMs of [1.234, 2.0004, 0.001, 0]) recorder.record(key(), valueMs);
    const figures = recorder.percentiles(key());
    expect(figures).toMatchObject({ count: 4, min: 0, p50: 0.001, p90: 2, max: 2 });
  });

  it('given larger values, then a percentile is the top of its bucket: at most 1/1024 above', () => {
    const recorder = new MetricRecorder({ clock: () => 0 });
    recorder.record(key(), 2.5);
    recorder.record(key(), 10);
    expect(recorder.percentiles(key())).toMatchObject({ p50: 2.501, max: 10.007 });
  });

  it('given no values for a key, then percentiles is undefined', () => {
    const recorder = new MetricRecorder({ clock: () => 0 });
    expect(recorder.percentiles(key())).toBeUndefined();
    expect(recorder.summarize({ level: 3 })).toBeUndefined();
  });

  it('given non-finite or negative values, then they are ignored or clamped and counted', () => {
    const recorder = new MetricRecorder({ clock: () => 0 });
    recorder.record(key(), Number.NaN);
    recorder.record(key(), Number.POSITIVE_INFINITY);
    recorder.record(key(), -3);
    expect(recorder.anomalies).toEqual({ ignored: 2, clampedNegative: 1 });
    expect(recorder.percentiles(key())).toMatchObject({ count: 1, max: 0 });
  });

  it('given values above one hour, then the histogram grows instead of throwing', () => {
    const recorder = new MetricRecorder({ clock: () => 0 });
    recorder.record(key(), 5 * 3_600_000);
    const max = recorder.percentiles(key())?.max ?? 0;
    expect(max).toBeGreaterThanOrEqual(5 * 3_600_000);
    expect(max).toBeLessThanOrEqual(5 * 3_600_000 * 1.001);
  });

  it('given two targets of a level, when summarized, then counts are merged, not averaged', () => {
    const recorder = new MetricRecorder({ clock: () => 0 });
    for (let i = 0; i < 9; i++) recorder.record(key({ target: 0 }), 10);
    recorder.record(key({ target: 1 }), 1000);
    const merged = recorder.summarize({ level: 0, metric: 'completionMs' });
    expect(merged).toMatchObject({ count: 10, p50: 10.007, p90: 10.007, max: 1000.447 });
    expect(recorder.tags({ level: 0 })).toEqual(['completionMs@t0-L1-c1-measure', 'completionMs@t1-L1-c1-measure']);
  });

  it('given a live progress line, then valuesAtPercentiles agrees with summarize', () => {
    const recorder = new MetricRecorder({ clock: () => 0 });
    expect(recorder.valuesAtPercentiles({ level: 0 }, [50, 95])).toEqual([Number.NaN, Number.NaN]);
    for (let i = 1; i <= 100; i++) recorder.record(key({ target: i % 3 }), i * 37.5);
    const figures = recorder.summarize({ level: 0 });
    expect(recorder.valuesAtPercentiles({ level: 0 }, [50, 95])).toEqual([figures?.p50, figures?.p95]);
    const single = recorder.percentiles(key({ target: 1 }));
    expect(recorder.valuesAtPercentiles({ target: 1 }, [99])).toEqual([single?.p99]);
  });

  it('given warm-up and measure values, then the phases stay apart', () => {
    const recorder = new MetricRecorder({ clock: () => 0 });
    recorder.record(key({ phase: 'warmup' }), 9000);
    recorder.record(key(), 10);
    expect(recorder.summarize({ phase: 'measure' })).toMatchObject({ count: 1, max: 10.007 });
  });
});

describe('MetricRecorder.takeIntervals with an injected clock', () => {
  it('given recording across two intervals, then each snapshot holds only its own interval', () => {
    const time = manualClock(1000);
    const recorder = new MetricRecorder({ clock: time.clock });
    recorder.record(key(), 5);
    recorder.record(key({ metric: 'queueWaitMs' }), 1);
    time.advance(5000);
    const first = recorder.takeIntervals();
    expect(first.map((snapshot) => [snapshot.tag, snapshot.startMs, snapshot.endMs, snapshot.histogram.totalCount])).toEqual([
      ['completionMs@t0-L1-c1-measure', 1000, 6000, 1],
      ['queueWaitMs@t0-L1-c1-measure', 1000, 6000, 1],
    ]);

    recorder.record(key(), 7);
    recorder.record(key(), 8);
    time.advance(2500);
    const second = recorder.takeIntervals();
    expect(second).toHaveLength(1);
    expect(second[0]).toMatchObject({ tag: 'completionMs@t0-L1-c1-measure', startMs: 6000, endMs: 8500 });
    expect(second[0]?.histogram.totalCount).toBe(2);
    expect(recorder.percentiles(key())?.count).toBe(3);
  });

  it('given a key first recorded mid-interval, then its snapshot still spans the whole interval', () => {
    const time = manualClock(0);
    const recorder = new MetricRecorder({ clock: time.clock });
    time.advance(100);
    recorder.record(key(), 1);
    time.advance(100);
    expect(recorder.takeIntervals()[0]).toMatchObject({ startMs: 0, endMs: 200 });
  });

  it('given an idle interval, then no snapshot is returned', () => {
    const time = manualClock(0);
    const recorder = new MetricRecorder({ clock: time.clock });
    recorder.record(key(), 1);
    recorder.takeIntervals();
    time.advance(1000);
    expect(recorder.takeIntervals()).toEqual([]);
  });
});
