/**
 * The key of one histogram — (metric, target, workflow of a mix, level, phase) — and its tag in
 * histograms.hlog.
 *
 * Tag scheme: `<metric>@t<target>-L<level>-c<concurrency>-<phase>`, for example
 * `completionMs@t0-L2-c4-measure`: completion time on target 0, level index 2 (4 virtual users),
 * measured prompts. A mixed workload (`run --mix`) records each workflow apart:
 * `completionMs@t0-w1-L2-c4-measure` is the second workflow's; a level's figures are the sum of
 * its workflows' histograms, so the mix stays mergeable like the targets of a fleet. Tags hold no
 * commas or spaces (HdrHistogram's log readers split on both), so HdrHistogram's own tools can
 * select one with `-tag`. Concurrency rides along so the log alone says what each level was; the
 * level index alone identifies it. Targets and workflows are indexes into `RunSummary.targets`
 * and `RunSummary.mix.workflows`, never URLs or file names.
 */
import { isMetricName, type MetricName } from './metric-names.js';
import type { Phase } from './result-types.js';

export interface HistogramKey {
  metric: MetricName;
  /** Index into `RunSummary.targets`. */
  target: number;
  /** A mixed workload's workflow: index into `RunSummary.mix.workflows`; absent without --mix. */
  workflow?: number;
  /** Level index. */
  level: number;
  /** Virtual users of the level (closed loop). */
  concurrency: number;
  phase: Phase;
}

/** A selection of histograms: every field given must match; absent fields match anything. */
export type HistogramFilter = Partial<HistogramKey>;

const TAG_PATTERN = /^([A-Za-z][A-Za-z0-9]*)@t(\d+)(?:-w(\d+))?-L(\d+)-c(\d+)-(warmup|measure)$/;

/** The .hlog tag of a key. */
export function formatTag(key: HistogramKey): string {
  const workflow = key.workflow !== undefined ? `-w${key.workflow}` : '';
  return `${key.metric}@t${key.target}${workflow}-L${key.level}-c${key.concurrency}-${key.phase}`;
}

/** The key of a tag written by {@link formatTag}, or undefined for any other tag. */
export function parseTag(tag: string): HistogramKey | undefined {
  const match = TAG_PATTERN.exec(tag);
  if (match === null) return undefined;
  const [, metric, target, workflow, level, concurrency, phase] = match;
  if (metric === undefined || !isMetricName(metric)) return undefined;
  return {
    metric,
    target: Number(target),
    ...(workflow !== undefined ? { workflow: Number(workflow) } : {}),
    level: Number(level),
    concurrency: Number(concurrency),
    phase: phase === 'warmup' ? 'warmup' : 'measure',
  };
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
