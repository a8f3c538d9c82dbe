/**
 * `LevelTally`: what one level (or the warm-up) adds up besides its histograms — outcomes,
 * first submission and last settlement, images and sampler steps of `ok` prompts — and
 * `recordPrompt`, which puts one settled prompt's metrics into a `MetricRecorder`. Together they
 * produce the level's `LevelSummary`.
 */
import { LIST_METRIC_FIELDS, METRIC_NAMES, PROMPT_METRIC_NAMES, type ListMetricName } from './metric-names.js';
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
  /** Open loop: the arrival rate the level aimed at, per s (copied to the summary). */
  ratePerSec?: number;
}

/**
 * Records a settled prompt's metrics. Only `ok` prompts are recorded: an errored or interrupted
 * prompt's times describe the failure, not the service, and it is counted in the outcomes.
 */
export function recordPrompt(recorder: MetricRecorder, record: PromptRecord): void {
  if (record.outcome !== 'ok') return;
  const base = { target: record.target, level: record.level, concurrency: record.concurrency, phase: record.phase };
  for (const metric of PROMPT_METRIC_NAMES) {
    const valueMs = record.timings[metric];
    if (valueMs !== undefined) recorder.record({ ...base, metric }, valueMs);
  }
  for (const [metric, field] of Object.entries(LIST_METRIC_FIELDS) as [ListMetricName, (typeof LIST_METRIC_FIELDS)[ListMetricName]][]) {
    const key: HistogramKey = { ...base, metric };
    for (const valueMs of record[field]) recorder.record(key, valueMs);
  }
}

export class LevelTally {
  readonly #ref: LevelRef;
  readonly outcomes = new OutcomeCounter();
  #startedMs: number | undefined;
  #endedMs: number | undefined;
  #okImages = 0;
  #okSteps = 0;

  constructor(ref: LevelRef) {
    this.#ref = { ...ref };
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
    if (record.outcome === 'ok') {
      this.#okImages += record.imagesOut;
      this.#okSteps += record.stepCount;
    }
  }

  /** The level's summary: these counts plus every target's histograms of the level, merged. */
  summary(recorder: MetricRecorder): LevelSummary {
    const { level, concurrency, phase, target, ratePerSec } = this.#ref;
    const startedMs = this.#startedMs ?? 0;
    const endedMs = this.#endedMs ?? startedMs;
    const durationMs = Math.max(0, endedMs - startedMs);
    const perSec = (count: number): number => (durationMs > 0 ? (count * 1000) / durationMs : 0);
    const metrics: Partial<Record<(typeof METRIC_NAMES)[number], MetricSummary>> = {};
    const histogramTags: LevelSummary['histogramTags'] = {};
    for (const metric of METRIC_NAMES) {
      const filter = target === undefined ? { level, phase, metric } : { level, phase, metric, target };
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
      throughput: {
        promptsPerSec: perSec(this.outcomes.ok),
        imagesPerMin: perSec(this.#okImages) * 60,
        samplerStepsPerSec: perSec(this.#okSteps),
      },
      metrics,
      histogramTags,
      ...(target !== undefined ? { target } : {}),
      ...(ratePerSec !== undefined ? { ratePerSec } : {}),
    };
  }
}
