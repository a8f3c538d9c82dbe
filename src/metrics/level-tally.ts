/**
 * `LevelTally`: what one level (or the warm-up) adds up besides its histograms — outcomes,
 * first submission and last settlement, images and sampler steps of `ok` prompts, prompts settled
 * from `/history` — and `recordPrompt`, which puts one settled prompt's metrics into a `MetricRecorder`. Together they
 * produce the level's `LevelSummary`.
 */
import type { Outcome } from '../comfy/marks.js';
import { LIST_METRIC_FIELDS, METRIC_NAMES, PROMPT_METRIC_NAMES, type ListMetricName, type PromptMetricName } from './metric-names.js';
import type { HistogramKey } from './histogram-key.js';
import { OutcomeCounter } from './outcome-counter.js';
import type { MetricRecorder } from './recorder.js';
import type { LevelSummary, MetricSummary, Phase, PromptRecord } from './result-types.js';

export interface LevelRef {
  level: number;
  concurrency: number;
  phase: Phase;
  /** A fleet's per-target tally: only this target's histograms (absent: every target merged). */
  target?: number;
  /** A mixed workload's per-workflow tally: only this workflow's histograms (absent: every workflow merged). */
  workflow?: number;
  /** Open loop: the arrival rate the level aimed at, per s (copied to the summary). */
  ratePerSec?: number;
  /** `--cache-mode allow`: a prompt served from cache is a valid measurement of a cache hit. */
  cachedCountsAsOk?: boolean;
}

/** Whether an outcome counts as ok: `ok`, and `cached` when cache hits are what is measured. */
export function countsAsOk(outcome: Outcome, cachedCountsAsOk = false): boolean {
  return outcome === 'ok' || (cachedCountsAsOk && outcome === 'cached');
}

/**
 * Whether a settled prompt's client-side latencies are measurements: it counts as ok and its
 * completion came over its socket. One settled from `/history` (a socket drop, a quiet look-up)
 * completed when the look-up answered, not when the server finished: its outcome counts, its
 * latencies do not.
 */
export function isMeasurement(record: PromptRecord, cachedCountsAsOk = false): boolean {
  return countsAsOk(record.outcome, cachedCountsAsOk) && record.source !== 'history';
}

/** What a prompt settled from `/history` still measures: the server's own clock and the output download. */
const HISTORY_METRICS: readonly PromptMetricName[] = ['serverExecMs', 'outputFetchMs'];

/**
 * Records a settled prompt's metrics. Only prompts that count as ok are recorded: an errored or
 * interrupted prompt's times describe the failure, not the service, and it is counted in the
 * outcomes. A prompt settled from `/history` adds only its server-clock execution time and its
 * output download (see {@link isMeasurement}).
 */
export function recordPrompt(recorder: MetricRecorder, record: PromptRecord, cachedCountsAsOk = false): void {
  if (!countsAsOk(record.outcome, cachedCountsAsOk)) return;
  const base = {
    target: record.target,
    ...(record.workflow !== undefined ? { workflow: record.workflow } : {}),
    level: record.level,
    concurrency: record.concurrency,
    phase: record.phase,
  };
  const measured = record.source !== 'history';
  for (const metric of measured ? PROMPT_METRIC_NAMES : HISTORY_METRICS) {
    const valueMs = record.timings[metric];
    if (valueMs !== undefined) recorder.record({ ...base, metric }, valueMs);
  }
  if (!measured) return;
  for (const [metric, field] of Object.entries(LIST_METRIC_FIELDS) as [ListMetricName, (typeof LIST_METRIC_FIELDS)[ListMetricName]][]) {
    const key: HistogramKey = { ...base, metric };
    for (const valueMs of record[field]) recorder.record(key, valueMs);
  }
}

export class LevelTally {
  readonly #ref: LevelRef;
  readonly outcomes: OutcomeCounter;
  #startedMs: number | undefined;
  #endedMs: number | undefined;
  #okImages = 0;
  #okSteps = 0;
  #fromHistory = 0;

  constructor(ref: LevelRef) {
    this.#ref = { ...ref };
    this.outcomes = new OutcomeCounter(ref.cachedCountsAsOk === true ? ['ok', 'cached'] : ['ok']);
  }

  /** Counts a submission at `atMs` (ms since the run start). */
  submit(atMs: number): void {
    this.outcomes.submit();
    if (this.#startedMs === undefined || atMs < this.#startedMs) this.#startedMs = atMs;
  }

  /** Counts a prompt's settlement at `atMs` (ms since the run start). */
  settle(record: PromptRecord, atMs: number): void {
    this.outcomes.settle(record.outcome);
    if (this.#endedMs === undefined || atMs > this.#endedMs) this.#endedMs = atMs;
    if (record.source === 'history') this.#fromHistory++;
    if (countsAsOk(record.outcome, this.#ref.cachedCountsAsOk)) {
      this.#okImages += record.imagesOut;
      this.#okSteps += record.stepCount;
    }
  }

  /**
   * The level's summary: these counts plus every target's histograms of the level, merged.
   * `span`: the time the throughput is over, when it is not this tally's own first submission to
   * last settlement — a workflow of a mix is reported over its whole level, so the workflows'
   * throughputs add up to the level's.
   */
  summary(recorder: MetricRecorder, span?: { startedMs: number; endedMs: number }): LevelSummary {
    const { level, concurrency, phase, target, workflow, ratePerSec } = this.#ref;
    const startedMs = span?.startedMs ?? this.#startedMs ?? 0;
    const endedMs = span?.endedMs ?? this.#endedMs ?? startedMs;
    const durationMs = Math.max(0, endedMs - startedMs);
    const perSec = (count: number): number => (durationMs > 0 ? (count * 1000) / durationMs : 0);
    const metrics: Partial<Record<(typeof METRIC_NAMES)[number], MetricSummary>> = {};
    const histogramTags: LevelSummary['histogramTags'] = {};
    for (const metric of METRIC_NAMES) {
      const filter = {
        level,
        phase,
        metric,
        ...(target !== undefined ? { target } : {}),
        ...(workflow !== undefined ? { workflow } : {}),
      };
      const figures = recorder.summarize(filter);
      if (figures === undefined) continue;
      metrics[metric] = figures;
      histogramTags[metric] = recorder.tags(filter);
    }
    return {
      level,
      concurrency,
      phase,
      startedMs,
      endedMs,
      durationMs,
      submitted: this.outcomes.submitted,
      ok: this.outcomes.ok,
      notOk: this.outcomes.notOk,
      outcomes: this.outcomes.counts(),
      settledFromHistory: this.#fromHistory,
      throughput: {
        promptsPerSec: perSec(this.outcomes.ok),
        imagesPerMin: perSec(this.#okImages) * 60,
        samplerStepsPerSec: perSec(this.#okSteps),
      },
      metrics,
      histogramTags,
      ...(target !== undefined ? { target } : {}),
      ...(workflow !== undefined ? { workflow } : {}),
      ...(ratePerSec !== undefined ? { ratePerSec } : {}),
    };
  }
}
