/**
 * summary.json: the run's settings, targets, every level's figures, outcome totals and the list
 * of files written — enough for `compare`, `merge` and `report` to work without the run's memory.
 * Written whole at the end of a run (and again with `partial: true` when a run is cut short).
 * JSON has no comments, so the environment fingerprint goes in `environment`, not a header.
 */
import { HISTOGRAM_BUILD, US_PER_MS } from '../metrics/hdr.js';
import { currentTag } from '../metrics/histogram-key.js';
import { levelIndex, levelNumber } from '../metrics/level-number.js';
import type { CapacityResult, HistogramSettings, LevelSummary, OpenLoopLevelReport, OutcomeCounts, RunSummary, RunTotals } from '../metrics/result-types.js';
import { toSink, type SinkLike } from './sink.js';

/**
 * The schema version this module writes. 3: every `level` is numbered from 1 as on the console
 * (`levels[0].level` is 1, the warm-up's 0; 1 and 2: the index, `levels[0].level` 0), histogram
 * tags likewise (`-L1-` for L1), and `targetLevels` / `workflowLevels` are arrays (by target, by
 * workflow of `mix.workflows`, each in level order; 1 and 2: objects keyed by index and name).
 * 2: `levels` is an array in level order (1: an object keyed `"0"`, `"1"`…) and `environment`
 * values are typed in the file (numbers as numbers, `true`/`false` as booleans; 1: all strings).
 * All three are read, to the same levels (src/metrics/level-number.ts).
 */
export const SUMMARY_SCHEMA_VERSION = 3;

/** The `histograms` block for a log at `file` (relative to the results folder). */
export function histogramSettings(file = 'histograms.hlog'): HistogramSettings {
  return {
    file,
    valueUnit: 'us',
    msRatio: US_PER_MS,
    lowestDiscernibleValue: HISTOGRAM_BUILD.lowestDiscernibleValue,
    highestTrackableValue: HISTOGRAM_BUILD.highestTrackableValue,
    significantDigits: HISTOGRAM_BUILD.numberOfSignificantValueDigits,
    tagScheme: '<metric>@t<target>[-w<workflow>]-L<level, from 1; warm-up 0>-c<concurrency>-<phase>',
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

/** A fleet's per-target levels by target index (`RunSummary.targetLevels`), each in level order. */
export function levelsByTarget(levels: readonly LevelSummary[], targetCount = 0): LevelSummary[][] {
  const count = Math.max(targetCount, ...levels.map((l) => (l.target ?? 0) + 1));
  return Array.from({ length: count }, (_, t) => levelsInOrder(levels.filter((l) => (l.target ?? 0) === t)));
}

/** A level as summary.json holds it: `level` numbered from 1 (the warm-up 0). */
function levelOut(level: LevelSummary): LevelSummary {
  return { ...level, level: levelNumber(level.level, level.phase) };
}

/** A capacity result as capacity.json and summary.json hold it: each trial's `level` numbered as levels.csv numbers it (the probe is 1, trial 1 level 2). */
export function capacityDocument(capacity: CapacityResult): CapacityResult {
  return { ...capacity, trials: capacity.trials.map((t) => ({ ...t, level: levelNumber(t.level, 'measure') })) };
}

/** A level of summary.json back in memory: `level` the index; tags of versions 1 and 2 as this build writes them. */
function levelIn(level: LevelSummary, fromOne: boolean): LevelSummary {
  const histogramTags = Object.fromEntries(
    Object.entries(level.histogramTags ?? {}).map(([metric, tags]) => [metric, fromOne ? tags : (tags ?? []).map(currentTag)]),
  ) as LevelSummary['histogramTags'];
  return { ...level, level: levelIndex(level.level, level.phase, fromOne), histogramTags };
}

/** A number or boolean written as text, as the value it is; versions (`550.54`, `0.3.64`) and anything else as given. */
function typedValue(key: string, value: unknown): unknown {
  if (typeof value !== 'string' || /version/i.test(key)) return value;
  if (value === 'true' || value === 'false') return value === 'true';
  if (/^-?(0|[1-9]\d*)(\.\d+)?$/.test(value) && String(Number(value)) === value) return Number(value);
  return value;
}

/** summary.json's content as written (and as `--json` prints it): environment values typed, levels numbered from 1. */
export function summaryDocument(summary: RunSummary): Record<string, unknown> {
  const environment = Object.fromEntries(Object.entries(summary.environment).map(([k, v]) => [k, typedValue(k, v)]));
  return {
    ...summary,
    levels: summary.levels.map(levelOut),
    warmup: summary.warmup === null ? null : levelOut(summary.warmup),
    ...(summary.openLoop !== undefined ? { openLoop: summary.openLoop.map((r) => ({ ...r, level: r.level + 1 })) } : {}),
    ...(summary.capacity !== undefined ? { capacity: capacityDocument(summary.capacity) } : {}),
    ...(summary.targetLevels !== undefined ? { targetLevels: summary.targetLevels.map((ls) => ls.map(levelOut)) } : {}),
    ...(summary.workflowLevels !== undefined ? { workflowLevels: summary.workflowLevels.map((ls) => ls.map(levelOut)) } : {}),
    environment,
  };
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

type Keyed<T> = T[] | Record<string, T>;

/** An array, or an object's values (versions 1 and 2 keyed levels by index). */
function valuesOf<T>(value: Keyed<T> | undefined): T[] {
  return value === undefined ? [] : Array.isArray(value) ? value : Object.values(value);
}

/**
 * Reads summary.json back, version 1, 2 or 3, as this build holds it in memory: levels an array in
 * level order, each `level` the index (0 = L1), histogram tags as this build writes them,
 * `targetLevels` / `workflowLevels` arrays, environment values text (as the fingerprint diff
 * compares them). Throws on a schema version this build does not know.
 */
export function parseSummaryJson(text: string): RunSummary {
  const parsed: unknown = JSON.parse(text);
  if (typeof parsed !== 'object' || parsed === null || !('schemaVersion' in parsed)) {
    throw new Error('Expected a comfyload summary.json object with `schemaVersion`');
  }
  const version = parsed.schemaVersion;
  if (version !== 1 && version !== 2 && version !== SUMMARY_SCHEMA_VERSION) {
    throw new Error(
      `Expected summary.json schemaVersion 1, 2 or ${SUMMARY_SCHEMA_VERSION}, got \`${String(version)}\`: use the comfyload version that wrote it`,
    );
  }
  const fromOne = version === SUMMARY_SCHEMA_VERSION;
  type Raw = Omit<RunSummary, 'levels' | 'schemaVersion' | 'targetLevels' | 'workflowLevels'> & {
    levels: Keyed<LevelSummary>;
    targetLevels?: Keyed<Keyed<LevelSummary>>;
    workflowLevels?: Keyed<Keyed<LevelSummary>>;
  };
  const raw = parsed as unknown as Raw;
  const levelsOf = (keyed: Keyed<LevelSummary> | undefined): LevelSummary[] => levelsInOrder(valuesOf(keyed).map((l) => levelIn(l, fromOne)));
  const environment = Object.fromEntries(
    Object.entries(raw.environment ?? {}).map(([k, v]) => [k, typeof v === 'number' || typeof v === 'boolean' ? String(v) : v]),
  ) as RunSummary['environment'];
  const { targetLevels, workflowLevels, openLoop, ...rest } = raw;
  const out: RunSummary = {
    ...rest,
    schemaVersion: SUMMARY_SCHEMA_VERSION,
    levels: levelsOf(raw.levels),
    warmup: raw.warmup === null || raw.warmup === undefined ? null : levelIn(raw.warmup, fromOne),
    environment,
  };
  if (fromOne && raw.capacity !== undefined) {
    out.capacity = { ...raw.capacity, trials: raw.capacity.trials.map((t) => ({ ...t, level: levelIndex(t.level, 'measure', true) })) };
  }
  if (openLoop !== undefined) out.openLoop = openLoop.map((r: OpenLoopLevelReport) => ({ ...r, level: fromOne ? r.level - 1 : r.level }));
  // Versions 1 and 2 keyed targets by index ("0", "1"…) and workflows by name: in target and `mix.workflows` order.
  if (targetLevels !== undefined) {
    out.targetLevels = Array.isArray(targetLevels)
      ? targetLevels.map(levelsOf)
      : Object.entries(targetLevels)
          .sort(([a], [b]) => Number(a) - Number(b))
          .map(([, ls]) => levelsOf(ls));
  }
  if (workflowLevels !== undefined) {
    out.workflowLevels = Array.isArray(workflowLevels) ? workflowLevels.map(levelsOf) : (raw.mix?.workflows ?? []).map((w) => levelsOf(workflowLevels[w.name]));
  }
  return out;
}
