/**
 * Reading a histograms.hlog back: every interval of each tag added into one histogram per tag
 * (adding intervals reconstructs any time range; nothing is averaged). Used by tests and by the
 * `report` / `compare` / `merge` commands, which work from files, never from memory.
 *
 * Tags come back as this build writes them: a log without the `LEVELS_FROM_ONE_COMMENT` header
 * line was written before levels were numbered from 1 (`-L0-` = L1), and its tags are rewritten
 * (`currentTag`), so `parseTag` gives the same levels from an old log and a new one.
 */
import { HistogramLogReader, type Histogram } from 'hdr-histogram-js';
import { HISTOGRAM_BUILD, newHistogram } from './hdr.js';
import { currentTag } from './histogram-key.js';
import { levelsFromOne } from './level-number.js';

/** One interval line as read back: tag, absolute bounds (epoch ms) and its histogram (µs). */
export interface HlogInterval {
  tag: string;
  startEpochMs: number;
  endEpochMs: number;
  histogram: Histogram;
}

export interface HlogRange {
  /** Keep intervals starting at or after this many seconds since the log's base time. */
  fromSec?: number;
  /** Stop at intervals starting after this many seconds since the log's base time. */
  toSec?: number;
}

/** Every interval of a log, in file order. Untagged lines get the tag `NO TAG`, as in HdrHistogram. */
export function readHlogIntervals(text: string, range: HlogRange = {}): HlogInterval[] {
  const reader = new HistogramLogReader(text, HISTOGRAM_BUILD.bitBucketSize, false);
  const oldNumbering = !hlogLevelsFromOne(text);
  const intervals: HlogInterval[] = [];
  for (;;) {
    const histogram = reader.nextIntervalHistogram(range.fromSec, range.toSec);
    if (histogram === null) return intervals;
    if (oldNumbering) histogram.tag = currentTag(histogram.tag);
    intervals.push({
      tag: histogram.tag,
      startEpochMs: histogram.startTimeStampMsec,
      endEpochMs: histogram.endTimeStampMsec,
      histogram,
    });
  }
}

/** One histogram per tag, each the sum of that tag's intervals (in the range, if given). */
export function readHlog(text: string, range: HlogRange = {}): Map<string, Histogram> {
  const byTag = new Map<string, Histogram>();
  for (const interval of readHlogIntervals(text, range)) {
    let total = byTag.get(interval.tag);
    if (total === undefined) {
      total = newHistogram();
      total.tag = interval.tag;
      byTag.set(interval.tag, total);
    }
    total.add(interval.histogram);
  }
  return byTag;
}

/** Whether a log's header (the `#` lines before the first interval) numbers levels from 1. */
export function hlogLevelsFromOne(text: string): boolean {
  const comments: string[] = [];
  for (const line of text.split('\n', 200)) {
    if (line.startsWith('Tag=') || /^\d/.test(line)) break;
    if (line.startsWith('#')) comments.push(line.replace(/^#\s?/, '').replace(/\r$/, ''));
  }
  return levelsFromOne(comments);
}
