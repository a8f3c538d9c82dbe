/**
 * histograms.hlog: an HdrHistogram interval log (format 1.3), appended one line per tag and
 * interval as intervals close, so a run that dies keeps every interval written before.
 *
 * ```
 * #[Histogram log format version 1.3]
 * # <headerComments, one `# key: value` line each>
 * # levels: numbered from 1 as on the console (level 1 = L1); the warm-up is level 0
 * #[StartTime: 1700000000.123 (seconds since epoch), 2023-11-14T22:13:20.123Z]
 * #[BaseTime: 1700000000.123 (seconds since epoch)]
 * "StartTimestamp","Interval_Length","Interval_Max","Interval_Compressed_Histogram"
 * Tag=completionMs@t0-L3-c4-measure,12.000,5.000,1834.491,HISTFAAAA…
 * ```
 * Timestamps are seconds since BaseTime (the run start); histogram values are integer µs and
 * `Interval_Max` is in ms (max ÷ 1000, HdrHistogram's `maxValueUnitRatio`). Lines are formatted
 * as Java HdrHistogram's `HistogramLogWriter` does (`%.3f,%.3f,%.3f,<base64>`, V2 compressed
 * encoding from hdr-histogram-js), so hdr-histogram-js and Java tools (`HistogramLogReader`,
 * `HistogramLogProcessor -tag …`) read it. hdr-histogram-js's own writer is not used: it reports
 * the exact max, where Java reports the top of the max's bucket (what a reader decodes back and
 * what levels.csv shows); and its StartTime line ends in a blank line and a local-time date.
 * Tags: see src/metrics/histogram-key.ts; the `levels:` line tells readers the tags number levels
 * from 1 (logs without it hold the level index: src/metrics/level-number.ts).
 */
import { encodeIntoCompressedBase64 } from 'hdr-histogram-js';
import { US_PER_MS } from '../metrics/hdr.js';
import { LEVELS_FROM_ONE_COMMENT, withoutLevelsMarker } from '../metrics/level-number.js';
import type { IntervalSnapshot } from '../metrics/recorder.js';
import { commentBlock, toSink, type Sink, type SinkLike } from './sink.js';

export interface HlogWriterOptions {
  sink: SinkLike;
  /** Epoch ms of the run start: written as StartTime and BaseTime. */
  startTimeEpochMs: number;
  /** The recorder clock's reading at `startTimeEpochMs` (0 when the clock counts from the run start). */
  clockOriginMs?: number;
  /** `key: value` comments (environment fingerprint) written after the version line. */
  headerComments?: readonly string[];
}

export class HlogWriter {
  readonly #sink: Sink;
  readonly #startTimeEpochMs: number;
  readonly #clockOriginMs: number;
  readonly #headerComments: readonly string[];
  #headerWritten = false;

  constructor(options: HlogWriterOptions) {
    this.#sink = toSink(options.sink);
    this.#startTimeEpochMs = options.startTimeEpochMs;
    this.#clockOriginMs = options.clockOriginMs ?? 0;
    this.#headerComments = options.headerComments ?? [];
  }

  /** Writes the header once (also done by the first `writeIntervals`). */
  async writeHeader(): Promise<void> {
    if (this.#headerWritten) return;
    this.#headerWritten = true;
    const startSec = (this.#startTimeEpochMs / 1000).toFixed(3);
    const startIso = new Date(this.#startTimeEpochMs).toISOString();
    await this.#sink.write(
      '#[Histogram log format version 1.3]\n' +
        commentBlock([...withoutLevelsMarker(this.#headerComments), LEVELS_FROM_ONE_COMMENT]) +
        `#[StartTime: ${startSec} (seconds since epoch), ${startIso}]\n` +
        `#[BaseTime: ${startSec} (seconds since epoch)]\n` +
        '"StartTimestamp","Interval_Length","Interval_Max","Interval_Compressed_Histogram"\n',
    );
  }

  /** Appends one line per snapshot (as returned by `MetricRecorder.takeIntervals()`). */
  async writeIntervals(snapshots: readonly IntervalSnapshot[]): Promise<void> {
    await this.writeHeader();
    for (const snapshot of snapshots) await this.#sink.write(this.#intervalLine(snapshot));
  }

  #intervalLine(snapshot: IntervalSnapshot): string {
    const startSec = (snapshot.startMs - this.#clockOriginMs) / 1000;
    const lengthSec = (snapshot.endMs - snapshot.startMs) / 1000;
    const maxMs = snapshot.histogram.getValueAtPercentile(100) / US_PER_MS;
    const base64 = encodeIntoCompressedBase64(snapshot.histogram);
    return `Tag=${snapshot.tag},${startSec.toFixed(3)},${lengthSec.toFixed(3)},${maxMs.toFixed(3)},${base64}\n`;
  }

  /** Writes the header if nothing was written, then closes the sink. */
  async close(): Promise<void> {
    await this.writeHeader();
    await this.#sink.close?.();
  }
}
