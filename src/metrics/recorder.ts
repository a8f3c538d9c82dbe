/**
 * `MetricRecorder`: HDR histograms per (metric, target, level, phase): a cumulative histogram for
 * the key's figures, and an interval histogram whose snapshots go to the .hlog while recording
 * goes on. Time comes from an injected clock, so interval boundaries are deterministic in tests.
 *
 * Memory is bounded by what is recording, not by how long the run is (a histogram over
 * 1 µs..1 h is ~95 kB): an interval histogram exists only for a key that recorded since the last
 * snapshot (drawn from a pool and handed back once the snapshot after its own is taken), and the
 * cumulative histogram of a key idle for two snapshots in a row — a level that ended — is kept
 * compressed (the .hlog encoding, a few hundred bytes) and decoded when read or recorded into
 * again. Encoding keeps every count, so every figure read back is the same to the last bit.
 */
import { decodeFromCompressedBase64, encodeIntoCompressedBase64, type Histogram } from 'hdr-histogram-js';
import { mergeHistograms, msToRecordedUs, newHistogram, summarizeHistogram, US_PER_MS } from './hdr.js';
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
  /** The cumulative histogram; undefined while it is kept compressed in `packed`. */
  total: Histogram | undefined;
  packed: string | undefined;
  /** Values since the last snapshot; undefined when none. */
  interval: Histogram | undefined;
  /** Snapshots in a row in which the key recorded nothing. */
  idleSnapshots: number;
}

/** Snapshots without a value after which a key's cumulative histogram is compressed. */
const IDLE_SNAPSHOTS_BEFORE_PACKING = 2;

export class MetricRecorder {
  readonly #clock: () => number;
  readonly #entries = new Map<string, Entry>();
  /** Reset interval histograms ready for reuse. */
  readonly #pool: Histogram[] = [];
  /** The histograms the last snapshot handed out: back to the pool at the next one. */
  #lent: Histogram[] = [];
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
    entry.total ??= this.#unpack(entry);
    entry.packed = undefined;
    entry.total.recordValue(valueUs);
    entry.interval ??= this.#pool.pop() ?? newHistogram();
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
    return entry === undefined ? undefined : summarizeHistogram(this.#totalOf(entry));
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
    const histogram = selected.length === 1 && only !== undefined ? this.#totalOf(only) : this.merged(filter);
    if (histogram.totalCount === 0) return percentiles.map(() => Number.NaN);
    return percentiles.map((percentile) => histogram.getValueAtPercentile(percentile) / US_PER_MS);
  }

  /** A new histogram (µs) holding the sum of every cumulative histogram the filter selects. */
  merged(filter: HistogramFilter): Histogram {
    const merged = newHistogram();
    for (const entry of this.#selected(filter)) merged.add(this.#totalOf(entry));
    return merged;
  }

  /** Tags of the keys the filter selects. */
  tags(filter: HistogramFilter): string[] {
    return this.#selected(filter).map((entry) => entry.tag);
  }

  /**
   * Closes the current interval of every key and returns those that recorded anything, all with
   * the same bounds [previous snapshot, now]. Recording continues into fresh histograms; keys
   * idle for a while have their cumulative histogram compressed.
   */
  takeIntervals(): IntervalSnapshot[] {
    const endMs = this.#clock();
    const startMs = this.#intervalStartMs;
    this.#intervalStartMs = endMs;
    for (const histogram of this.#lent) {
      histogram.reset();
      this.#pool.push(histogram);
    }
    this.#lent = [];
    const snapshots: IntervalSnapshot[] = [];
    for (const entry of this.#entries.values()) {
      const histogram = entry.interval;
      if (histogram === undefined || histogram.totalCount === 0) {
        if (++entry.idleSnapshots >= IDLE_SNAPSHOTS_BEFORE_PACKING) this.#pack(entry);
        continue;
      }
      entry.interval = undefined;
      entry.idleSnapshots = 0;
      this.#lent.push(histogram);
      histogram.tag = entry.tag;
      histogram.startTimeStampMsec = startMs;
      histogram.endTimeStampMsec = endMs;
      snapshots.push({ key: entry.key, tag: entry.tag, startMs, endMs, histogram });
    }
    // Keep as many spare histograms as the next interval is likely to need: as many keys as recorded in this one.
    this.#pool.length = Math.min(this.#pool.length, this.#lent.length);
    return snapshots;
  }

  /** Bytes the recorder's histograms hold now (counts arrays and compressed forms), for benches. */
  get retainedBytes(): number {
    let bytes = 0;
    const size = (h: Histogram | undefined): number => (h === undefined ? 0 : h.estimatedFootprintInBytes);
    for (const entry of this.#entries.values()) bytes += size(entry.total) + size(entry.interval) + (entry.packed?.length ?? 0);
    for (const h of [...this.#pool, ...this.#lent]) bytes += size(h);
    return bytes;
  }

  #entry(key: HistogramKey): Entry {
    const tag = formatTag(key);
    let entry = this.#entries.get(tag);
    if (entry === undefined) {
      entry = { key: { ...key }, tag, total: newHistogram(), packed: undefined, interval: undefined, idleSnapshots: 0 };
      this.#entries.set(tag, entry);
    }
    return entry;
  }

  #totalOf(entry: Entry): Histogram {
    return entry.total ?? this.#unpack(entry);
  }

  #pack(entry: Entry): void {
    if (entry.total === undefined) return;
    entry.packed = encodeIntoCompressedBase64(entry.total);
    entry.total = undefined;
  }

  /** The cumulative histogram back from its compressed form, with the run's settings (auto-resize). */
  #unpack(entry: Entry): Histogram {
    if (entry.packed === undefined) return newHistogram();
    return mergeHistograms([decodeFromCompressedBase64(entry.packed, 32, false)]);
  }

  #selected(filter: HistogramFilter): Entry[] {
    return [...this.#entries.values()].filter((entry) => matchesFilter(entry.key, filter));
  }
}
