/**
 * Service-level objectives of a capacity search: `<metric>.p<percentile><<threshold ms>`, e.g.
 * `completionMs.p95<30000` — the 95th percentile of completion time (from the intended send)
 * below 30 s. Thresholds take ms, or a unit (`30s`, `2m`). Pure parsing; the CLI words errors.
 * An SLO judges prompt by prompt: a per-prompt metric, or `samplerStartMs` taken as the prompt's
 * slowest sampler start (a prompt meets it only when every sampler of it started in time).
 * `stepIntervalMs` has many samples per prompt and no SLO.
 */
import { isMetricName, isPromptMetricName, type PromptMetricName } from './metric-names.js';
import type { PromptRecord } from './result-types.js';

/** The metrics an SLO can name. */
export type SloMetric = PromptMetricName | 'samplerStartMs';

export interface SloSpec {
  /** As written, normalised: `completionMs.p95<30000`. */
  text: string;
  metric: SloMetric;
  /** 0 < percentile < 100. */
  percentile: number;
  thresholdMs: number;
}

const SLO_TEXT = /^\s*([A-Za-z]+)\.p(\d+(?:\.\d+)?)\s*<\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** The SLO, or a sentence saying what is wrong with the text. */
export function parseSlo(raw: string): SloSpec | string {
  const m = SLO_TEXT.exec(raw);
  if (m === null) return 'the form `<metric>.p<percentile><<threshold>`';
  const [, metric = '', p = '', value = '', unit = 'ms'] = m;
  if (!isMetricName(metric) || !(isPromptMetricName(metric) || metric === 'samplerStartMs'))
    return 'a per-prompt metric name (completionMs, queueWaitMs, timeToFirstStepMs, samplerStartMs, execMs…)';
  const percentile = Number(p);
  if (!(percentile > 0 && percentile < 100)) return 'a percentile between p0 and p100 (exclusive)';
  const thresholdMs = Number(value) * (UNIT_MS[unit] ?? Number.NaN);
  if (!(thresholdMs > 0) || !Number.isFinite(thresholdMs)) return 'a threshold > 0';
  return { text: `${metric}.p${percentile}<${thresholdMs}`, metric, percentile, thresholdMs };
}

/** The value an SLO judges for one prompt, ms; undefined when the prompt has none. */
export function sloValueMs(metric: SloMetric, record: PromptRecord): number | undefined {
  if (metric !== 'samplerStartMs') return record.timings[metric];
  return record.samplerStartsMs.length > 0 ? Math.max(...record.samplerStartsMs) : undefined;
}
