/**
 * `.hgrm` files: HdrHistogram's percentile distribution text (`outputPercentileDistribution`,
 * 5 ticks per half distance, values divided by 1000 so they read in ms) — the format
 * HdrHistogram's plotter (plotFiles.html) and `HistogramLogProcessor` produce and read:
 *
 * ```
 *        Value     Percentile TotalCount 1/(1-Percentile)
 *
 *       12.007 0.000000000000          1           1.00
 *       …
 * #[Mean    =       13.012, StdDeviation   =        0.400]
 * #[Max     =       14.015, Total count    =          100]
 * #[Buckets =           22, SubBuckets     =         2048]
 * ```
 * One file per metric and measured level, all targets merged, named
 * `L<level>-c<concurrency>-<metric>.hgrm`, L1 the first measured level (`warmup-c<concurrency>-<metric>.hgrm` for the warm-up).
 * No comment header: the plotter reads the file from its first line.
 */
import type { Histogram } from 'hdr-histogram-js';
import { US_PER_MS } from '../metrics/hdr.js';
import { levelName } from '../metrics/level-number.js';
import { METRIC_NAMES, type MetricName } from '../metrics/metric-names.js';
import type { MetricRecorder } from '../metrics/recorder.js';
import type { Phase } from '../metrics/result-types.js';
import { toSink, type SinkLike } from './sink.js';

/** Percentile reporting ticks per half distance, HdrHistogram's default. */
export const HGRM_TICKS_PER_HALF_DISTANCE = 5;

/** The percentile distribution of a histogram of recorded µs, values in ms. */
export function hgrmText(histogram: Histogram): string {
  return histogram.outputPercentileDistribution(HGRM_TICKS_PER_HALF_DISTANCE, US_PER_MS);
}

/** One .hgrm file to write: its name (relative to the results folder) and merged histogram. */
export interface HgrmFile {
  fileName: string;
  metric: MetricName;
  level: number;
  concurrency: number;
  phase: Phase;
  histogram: Histogram;
}

/** File name of the .hgrm of one metric and level. */
export function hgrmFileName(metric: MetricName, level: number, concurrency: number, phase: Phase): string {
  // Levels are numbered from 1 in file names, as on the console and in every file (level-number.ts).
  return `${levelName(level, phase)}-c${concurrency}-${metric}.hgrm`;
}

/**
 * Every (metric, level, phase) with samples, targets merged, in level then metric order. Made
 * one at a time as the caller iterates, so a long run's hundreds of merged histograms (~95 kB
 * each) are never all alive at once.
 */
export function* hgrmFiles(recorder: MetricRecorder): Generator<HgrmFile> {
  const levels = new Map<string, { level: number; concurrency: number; phase: Phase }>();
  for (const key of recorder.keys()) {
    levels.set(`${key.phase}:${key.level}`, { level: key.level, concurrency: key.concurrency, phase: key.phase });
  }
  const ordered = [...levels.values()].sort((a, b) => (a.phase === b.phase ? a.level - b.level : a.phase === 'warmup' ? -1 : 1));
  for (const { level, concurrency, phase } of ordered) {
    for (const metric of METRIC_NAMES) {
      const histogram = recorder.merged({ level, phase, metric });
      if (histogram.totalCount === 0) continue;
      yield { fileName: hgrmFileName(metric, level, concurrency, phase), metric, level, concurrency, phase, histogram };
    }
  }
}

/** Writes one distribution in one write and closes the sink. */
export async function writeHgrm(sink: SinkLike, histogram: Histogram): Promise<void> {
  const target = toSink(sink);
  await target.write(hgrmText(histogram));
  await target.close?.();
}
