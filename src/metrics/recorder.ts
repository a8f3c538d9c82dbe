/**
 * `MetricRecorder`: HDR histograms per (metric, target, level, phase), each kept twice — a
 * cumulative histogram for the level's figures, and a double-buffered interval recorder
 * (hdr-histogram-js `Recorder`) whose snapshots go to the .hlog while recording goes on.
 * Time comes from an injected clock, so interval boundaries are deterministic in tests.
 */
import { Recorder, type Histogram } from 'hdr-histogram-js';
import { HISTOGRAM_BUILD, mergeHistograms, msToRecordedUs, newHistogram, summarizeHistogram, US_PER_MS } from './hdr.js';
import { formatTag, matchesFilter, type HistogramFilter, type HistogramKey } from './histogram-key.js';
import type { MetricSummary } from './result-types.js';

export interface MetricRecorderOptions {
  /** Monotonic ms (e.g. `performance.now()`, or ms since the run start). Interval bounds use it. */
  clock: () => number;
}

/** One key's counts between two snapshots. Its histogram is valid until the next snapshot. */
export interface IntervalSnapshot {
  key: HistogramKey;
  tag: string;
  /** Clock ms of the previous snapshot (or of the recorder's creation). */
  startMs: number;
  /** Clock ms of this snapshot. */
  endMs: number;
  /** Recorded µs; do not keep it past the next `takeIntervals()`, it is recycled then. */
  histogram: Histogram;
}

interface Entry {
  key: HistogramKey;
  tag: string;
  total: Histogram;
  interval: Recorder;
  /** The histogram handed out by the last snapshot, recycled by the next one. */
  lent: Histogram | undefined;
}

export class MetricRecorder {
  readonly #clock: () => number;
  readonly #entries = new Map<string, Entry>();
  #intervalStartMs: number;
  #ignored = 0;
  #clamped = 0;

  constructor(options: MetricRecorderOptions) {
    this.#clock = options.clock;
    this.#intervalStartMs = options.clock();
  }

  /**
   * Records one value in ms. Non-finite values are ignored and negative ones clamped to 0 (both
   * counted, see `anomalies`) rather than thrown: a recorder must never stop a run.
   */
  record(key: HistogramKey, valueMs: number): void {
    if (!Number.isFinite(valueMs)) {
      this.#ignored++;
      return;
    }
    if (valueMs < 0) this.#clamped++;
    const valueUs = msToRecordedUs(valueMs);
    const entry = this.#entry(key);
    entry.total.recordValue(valueUs);
    entry.interval.recordValue(valueUs);
  }

  /** Values ignored as non-finite and values clamped from negative to 0, since creation. */
  get anomalies(): { ignored: number; clampedNegative: number } {
    return { ignored: this.#ignored, clampedNegative: this.#clamped };
  }

  /** Every key recorded so far, in first-recorded order. */
  keys(): HistogramKey[] {
    return [...this.#entries.values()].map((entry) => entry.key);
  }

  /** Figures of one key in ms (all values since creation); undefined when it has none. */
  percentiles(key: HistogramKey): MetricSummary | undefined {
    const entry = this.#entries.get(formatTag(key));
    return entry === undefined ? undefined : summarizeHistogram(entry.total);
  }

  /** Figures of every key the filter selects, merged (e.g. all targets of one level). */
  summarize(filter: HistogramFilter): MetricSummary | undefined {
    return summarizeHistogram(this.merged(filter));
  }

  /**
   * Just some percentiles (ms) of the keys the filter selects, merged: cheaper than `summarize`
   * (no mean or stddev walk, no copy for a single key), for a live progress line. NaN when empty.
   */
  valuesAtPercentiles(filter: HistogramFilter, percentiles: readonly number[]): number[] {
    const selected = this.#selected(filter);
    const [only] = selected;
    const histogram = selected.length === 1 && only !== undefined ? only.total : mergeHistograms(selected.map((entry) => entry.total));
    if (histogram.totalCount === 0) return percentiles.map(() => Number.NaN);
    return percentiles.map((percentile) => histogram.getValueAtPercentile(percentile) / US_PER_MS);
  }

  /** A new histogram (µs) holding the sum of every cumulative histogram the filter selects. */
  merged(filter: HistogramFilter): Histogram {
    return mergeHistograms(this.#selected(filter).map((entry) => entry.total));
  }

  /** Tags of the keys the filter selects. */
  tags(filter: HistogramFilter): string[] {
    return this.#selected(filter).map((entry) => entry.tag);
  }

  /**
   * Closes the current interval of every key and returns those that recorded anything, all with
   * the same bounds [previous snapshot, now]. Recording continues into the other buffer.
   */
  takeIntervals(): IntervalSnapshot[] {
    const endMs = this.#clock();
    const startMs = this.#intervalStartMs;
    this.#intervalStartMs = endMs;
    const snapshots: IntervalSnapshot[] = [];
    for (const entry of this.#entries.values()) {
      const histogram = entry.interval.getIntervalHistogram(entry.lent);
      entry.lent = histogram;
      histogram.tag = entry.tag;
      histogram.startTimeStampMsec = startMs;
      histogram.endTimeStampMsec = endMs;
      if (histogram.totalCount > 0) {
        snapshots.push({ key: entry.key, tag: entry.tag, startMs, endMs, histogram });
      }
    }
    return snapshots;
  }

  #entry(key: HistogramKey): Entry {
    const tag = formatTag(key);
    let entry = this.#entries.get(tag);
    if (entry === undefined) {
      entry = {
        key: { ...key },
        tag,
        total: newHistogram(),
        interval: new Recorder({ ...HISTOGRAM_BUILD }, this.#clock),
        lent: undefined,
      };
      this.#entries.set(tag, entry);
    }
    return entry;
  }

  #selected(filter: HistogramFilter): Entry[] {
    return [...this.#entries.values()].filter((entry) => matchesFilter(entry.key, filter));
  }
}
