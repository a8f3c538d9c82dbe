/**
 * summary.json: the run's settings, targets, every level's figures, outcome totals and the list
 * of files written — enough for `compare`, `merge` and `report` to work without the run's memory.
 * Written whole at the end of a run (and again with `partial: true` when a run is cut short).
 * JSON has no comments, so the environment fingerprint goes in `environment`, not a header.
 */
import { HISTOGRAM_BUILD, US_PER_MS } from '../metrics/hdr.js';
import type { HistogramSettings, LevelSummary, OutcomeCounts, RunSummary, RunTotals } from '../metrics/result-types.js';
import { toSink, type SinkLike } from './sink.js';

/**
 * The schema version this module writes. 2: `levels` is an array in level order (1: an object
 * keyed `"0"`, `"1"`…) and `environment` values are typed in the file (numbers as numbers,
 * `true`/`false` as booleans; 1: all strings). Both are read.
 */
export const SUMMARY_SCHEMA_VERSION = 2;

/** The `histograms` block for a log at `file` (relative to the results folder). */
export function histogramSettings(file = 'histograms.hlog'): HistogramSettings {
  return {
    file,
    valueUnit: 'us',
    msRatio: US_PER_MS,
    lowestDiscernibleValue: HISTOGRAM_BUILD.lowestDiscernibleValue,
    highestTrackableValue: HISTOGRAM_BUILD.highestTrackableValue,
    significantDigits: HISTOGRAM_BUILD.numberOfSignificantValueDigits,
    tagScheme: '<metric>@t<target>-L<level>-c<concurrency>-<phase>',
  };
}

/**
 * Totals over the measured levels (the warm-up is reported apart and never counted here): counts
 * added, outcomes merged; ok / not ok as each level counted them (under `--cache-mode allow` a
 * cache hit is ok).
 */
export function runTotals(levels: readonly LevelSummary[]): RunTotals {
  const outcomes: OutcomeCounts = {};
  let submitted = 0;
  let ok = 0;
  let notOk = 0;
  let settledFromHistory = 0;
  for (const level of levels) {
    submitted += level.submitted;
    ok += level.ok;
    notOk += level.notOk;
    settledFromHistory += level.settledFromHistory;
    for (const [outcome, count] of Object.entries(level.outcomes)) outcomes[outcome] = (outcomes[outcome] ?? 0) + count;
  }
  return { submitted, ok, notOk, outcomes, settledFromHistory };
}

/** Measured levels in level order, as summary.json holds them (`jq '.levels[0]'` is L1). */
export function levelsInOrder(levels: readonly LevelSummary[]): LevelSummary[] {
  return [...levels].sort((a, b) => a.level - b.level);
}

/** A number or boolean written as text, as the value it is; versions (`550.54`, `0.3.64`) and anything else as given. */
function typedValue(key: string, value: unknown): unknown {
  if (typeof value !== 'string' || /version/i.test(key)) return value;
  if (value === 'true' || value === 'false') return value === 'true';
  if (/^-?(0|[1-9]\d*)(\.\d+)?$/.test(value) && String(Number(value)) === value) return Number(value);
  return value;
}

/** summary.json's content as written (and as `--json` prints it): environment values typed. */
export function summaryDocument(summary: RunSummary): Record<string, unknown> {
  const environment = Object.fromEntries(Object.entries(summary.environment).map(([k, v]) => [k, typedValue(k, v)]));
  return { ...summary, environment };
}

/** The text of summary.json (2-space indent, trailing newline). */
export function renderSummaryJson(summary: RunSummary): string {
  return `${JSON.stringify(summaryDocument(summary), null, 2)}\n`;
}

/** Writes summary.json in one write and closes the sink. */
export async function writeSummaryJson(sink: SinkLike, summary: RunSummary): Promise<void> {
  const target = toSink(sink);
  await target.write(renderSummaryJson(summary));
  await target.close?.();
}

/**
 * Reads summary.json back, version 1 or 2, as this build holds it in memory: levels an array in
 * level order, environment values text (as the fingerprint diff compares them). Throws on a
 * schema version this build does not know.
 */
export function parseSummaryJson(text: string): RunSummary {
  const parsed: unknown = JSON.parse(text);
  if (typeof parsed !== 'object' || parsed === null || !('schemaVersion' in parsed)) {
    throw new Error('Expected a comfyload summary.json object with `schemaVersion`');
  }
  if (parsed.schemaVersion !== 1 && parsed.schemaVersion !== SUMMARY_SCHEMA_VERSION) {
    throw new Error(
      `Expected summary.json schemaVersion 1 or ${SUMMARY_SCHEMA_VERSION}, got \`${String(parsed.schemaVersion)}\`: use the comfyload version that wrote it`,
    );
  }
  const raw = parsed as unknown as Omit<RunSummary, 'levels' | 'schemaVersion'> & { levels: LevelSummary[] | Record<string, LevelSummary> };
  const levels = Array.isArray(raw.levels) ? raw.levels : levelsInOrder(Object.values(raw.levels ?? {}));
  const environment = Object.fromEntries(
    Object.entries(raw.environment ?? {}).map(([k, v]) => [k, typeof v === 'number' || typeof v === 'boolean' ? String(v) : v]),
  ) as RunSummary['environment'];
  return { ...raw, schemaVersion: SUMMARY_SCHEMA_VERSION, levels, environment };
}
