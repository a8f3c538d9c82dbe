/**
 * The key of one histogram — (metric, target, workflow of a mix, level, phase) — and its tag in
 * histograms.hlog.
 *
 * Tag scheme: `<metric>@t<target>-L<level>-c<concurrency>-<phase>`, for example
 * `completionMs@t0-L3-c4-measure`: completion time on target 0, L3 (4 virtual users), measured
 * prompts. The level is numbered as everywhere else (src/metrics/level-number.ts: L1 is `L1`, the
 * warm-up `L0`); logs written before that numbering hold the level index (`L0` = L1), and
 * `parseTag(tag, false)` reads those. A mixed workload (`run --mix`) records each workflow apart:
 * `completionMs@t0-w1-L2-c4-measure` is the second workflow's; a level's figures are the sum of
 * its workflows' histograms, so the mix stays mergeable like the targets of a fleet. Tags hold no
 * commas or spaces (HdrHistogram's log readers split on both), so HdrHistogram's own tools can
 * select one with `-tag`. Concurrency rides along so the log alone says what each level was; the
 * level and phase alone identify it. Targets and workflows are indexes into `RunSummary.targets`
 * and `RunSummary.mix.workflows`, never URLs or file names.
 */
import { levelIndex, levelNumber } from './level-number.js';
import { isMetricName, type MetricName } from './metric-names.js';
import type { Phase } from './result-types.js';

export interface HistogramKey {
  metric: MetricName;
  /** Index into `RunSummary.targets`. */
  target: number;
  /** A mixed workload's workflow: index into `RunSummary.mix.workflows`; absent without --mix. */
  workflow?: number;
  /** Level index (0 = L1; the warm-up 0 too): the tag holds its number (`levelNumber`). */
  level: number;
  /** Virtual users of the level (closed loop). */
  concurrency: number;
  phase: Phase;
}

/** A selection of histograms: every field given must match; absent fields match anything. */
export type HistogramFilter = Partial<HistogramKey>;

const TAG_PATTERN = /^([A-Za-z][A-Za-z0-9]*)@t(\d+)(?:-w(\d+))?-L(\d+)-c(\d+)-(warmup|measure)$/;

/** The .hlog tag of a key (its level numbered from 1, the warm-up 0). */
export function formatTag(key: HistogramKey): string {
  const workflow = key.workflow !== undefined ? `-w${key.workflow}` : '';
  return `${key.metric}@t${key.target}${workflow}-L${levelNumber(key.level, key.phase)}-c${key.concurrency}-${key.phase}`;
}

/**
 * The key of a tag written by {@link formatTag}, or undefined for any other tag. `fromOne`: false
 * for a tag of a log written before levels were numbered from 1 (its `L` holds the index).
 */
export function parseTag(tag: string, fromOne = true): HistogramKey | undefined {
  const match = TAG_PATTERN.exec(tag);
  if (match === null) return undefined;
  const [, metric, target, workflow, level, concurrency, phaseText] = match;
  if (metric === undefined || !isMetricName(metric)) return undefined;
  const phase = phaseText === 'warmup' ? 'warmup' : 'measure';
  const index = levelIndex(Number(level), phase, fromOne);
  if (index < 0) return undefined;
  return {
    metric,
    target: Number(target),
    ...(workflow !== undefined ? { workflow: Number(workflow) } : {}),
    level: index,
    concurrency: Number(concurrency),
    phase,
  };
}

/** A tag of a log written before levels were numbered from 1, as this build writes it; any other tag unchanged. */
export function currentTag(oldTag: string): string {
  const key = parseTag(oldTag, false);
  return key === undefined ? oldTag : formatTag(key);
}

/** Whether a key is selected by a filter. */
export function matchesFilter(key: HistogramKey, filter: HistogramFilter): boolean {
  return (
    (filter.metric === undefined || filter.metric === key.metric) &&
    (filter.target === undefined || filter.target === key.target) &&
    (filter.workflow === undefined || filter.workflow === key.workflow) &&
    (filter.level === undefined || filter.level === key.level) &&
    (filter.concurrency === undefined || filter.concurrency === key.concurrency) &&
    (filter.phase === undefined || filter.phase === key.phase)
  );
}
