/**
 * The one list of metric names. Recorders key histograms by these names, CSV headers are built
 * from them, k6 scenarios declare a `Trend` per name, and the report labels its charts with them.
 * Adding a metric means adding one entry here; every writer picks it up.
 */

/**
 * How many samples a metric yields: one per prompt, one per sampler node of a prompt (a refiner
 * graph has two), or one per sampler step after a node's first.
 */
export type MetricGrain = 'per-prompt' | 'per-sampler' | 'per-step';

/**
 * `corrected` metrics are measured from the intended send time in open-loop runs (coordinated
 * omission corrected, as wrk2 does); their `uncorrected` twins from the actual send time. In a
 * closed loop both start at the send time, so only the corrected ones are recorded.
 */
export type MetricCorrection = 'corrected' | 'uncorrected' | 'none';

export interface MetricSpec {
  readonly name: string;
  /** Unit of the recorded values (histograms store integer microseconds of it, see recorder). */
  readonly unit: 'ms';
  readonly grain: MetricGrain;
  readonly correction: MetricCorrection;
  /** One line, shown in CSV header comments and the report. */
  readonly description: string;
}

/** Every metric, in report order. */
export const METRICS = [
  {
    name: 'submitAckMs',
    unit: 'ms',
    grain: 'per-prompt',
    correction: 'none',
    description: 'POST /prompt round trip: request written to reply received',
  },
  {
    name: 'queueWaitMs',
    unit: 'ms',
    grain: 'per-prompt',
    correction: 'corrected',
    description: 'POST sent (open loop: intended send) to execution_start received',
  },
  {
    name: 'timeToFirstStepMs',
    unit: 'ms',
    grain: 'per-prompt',
    correction: 'corrected',
    description: 'POST sent (open loop: intended send) to first sampler progress event',
  },
  {
    name: 'samplerStartMs',
    unit: 'ms',
    grain: 'per-sampler',
    correction: 'none',
    description: "A sampler node's executing to its first progress event (model to the GPU, noise, sigmas, the first step)",
  },
  {
    name: 'stepIntervalMs',
    unit: 'ms',
    grain: 'per-step',
    correction: 'none',
    description: 'Between consecutive progress events of one sampler node (its setup is samplerStartMs, not a step)',
  },
  {
    name: 'execMs',
    unit: 'ms',
    grain: 'per-prompt',
    correction: 'none',
    description: 'execution_start received to completion received',
  },
  {
    name: 'completionMs',
    unit: 'ms',
    grain: 'per-prompt',
    correction: 'corrected',
    description: 'POST sent (open loop: intended send) to completion received',
  },
  {
    name: 'serverExecMs',
    unit: 'ms',
    grain: 'per-prompt',
    correction: 'none',
    description: 'Server clock: execution_start timestamp to terminal event timestamp',
  },
  {
    name: 'outputFetchMs',
    unit: 'ms',
    grain: 'per-prompt',
    correction: 'none',
    description: 'Fetching the output images (/view), when enabled',
  },
  {
    name: 'queueWaitUncorrectedMs',
    unit: 'ms',
    grain: 'per-prompt',
    correction: 'uncorrected',
    description: 'Open loop only: actual POST sent to execution_start received',
  },
  {
    name: 'timeToFirstStepUncorrectedMs',
    unit: 'ms',
    grain: 'per-prompt',
    correction: 'uncorrected',
    description: 'Open loop only: actual POST sent to first sampler progress event',
  },
  {
    name: 'completionUncorrectedMs',
    unit: 'ms',
    grain: 'per-prompt',
    correction: 'uncorrected',
    description: 'Open loop only: actual POST sent to completion received',
  },
] as const satisfies readonly MetricSpec[];

/** A metric name from {@link METRICS}. */
export type MetricName = (typeof METRICS)[number]['name'];

/** The names alone, in report order. */
export const METRIC_NAMES: readonly MetricName[] = METRICS.map((spec) => spec.name);

/** Metrics with several samples per prompt, each kept as a list in the prompt's record. */
export type ListMetricName = Extract<(typeof METRICS)[number], { grain: 'per-sampler' | 'per-step' }>['name'];

/** Metrics with one sample per prompt (the ones an SLO judges prompt by prompt). */
export type PromptMetricName = Exclude<MetricName, ListMetricName>;

/** The record field (requests.csv column) holding each list metric's samples. */
export const LIST_METRIC_FIELDS = { samplerStartMs: 'samplerStartsMs', stepIntervalMs: 'stepIntervalsMs' } as const satisfies Record<ListMetricName, string>;

/** The per-prompt metrics, in report order. */
export const PROMPT_METRIC_NAMES: readonly PromptMetricName[] = METRICS.filter((spec) => spec.grain === 'per-prompt').map(
  (spec) => spec.name as PromptMetricName,
);

/** Narrows a metric name to one with a single sample per prompt. */
export function isPromptMetricName(name: string): name is PromptMetricName {
  return (PROMPT_METRIC_NAMES as readonly string[]).includes(name);
}

const SPEC_BY_NAME: ReadonlyMap<string, MetricSpec> = new Map(METRICS.map((spec) => [spec.name, spec]));

/** Narrows an arbitrary string (a CSV header, an hlog tag part) to a metric name. */
export function isMetricName(name: string): name is MetricName {
  return SPEC_BY_NAME.has(name);
}

/** The spec of one metric. */
export function metricSpec(name: MetricName): MetricSpec {
  const spec = SPEC_BY_NAME.get(name);
  if (spec === undefined) throw new Error(`Unknown metric \`${name}\``);
  return spec;
}

/** The uncorrected twin of a corrected metric, if it has one. */
export const UNCORRECTED_TWIN: Readonly<Partial<Record<MetricName, MetricName>>> = {
  queueWaitMs: 'queueWaitUncorrectedMs',
  timeToFirstStepMs: 'timeToFirstStepUncorrectedMs',
  completionMs: 'completionUncorrectedMs',
};
