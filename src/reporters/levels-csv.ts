/**
 * levels.csv: one row per level, appended when the level ends (warm-up included, `phase` says
 * which). Columns: identity and timing of the level, submitted and outcome counts, throughput,
 * then `<metric>_count`, `_mean`, `_p50`, `_p90`, `_p95`, `_p99`, `_max` for every metric of
 * `METRICS` (ms, 3 decimals; empty when the metric has no sample). Outcome kinds are open-ended
 * (`error:<exception_type>`), so the fixed columns hold the families and `outcomes` the detail
 * (`error:OOM=2;timeout=1`), keeping the header fixed before the first level ends.
 * `settledFromHistory` counts prompts whose outcome came from a `/history` look-up: in the
 * outcomes, not in the latency figures.
 */
import { stringify } from 'csv-stringify/sync';
import { LEVELS_FROM_ONE_COMMENT, levelNumber, withoutLevelsMarker } from '../metrics/level-number.js';
import { METRIC_NAMES } from '../metrics/metric-names.js';
import type { LevelSummary, MetricSummary, OutcomeCounts } from '../metrics/result-types.js';
import { formatMs, formatRate } from './format.js';
import { commentBlock, toSink, type Sink, type SinkLike } from './sink.js';

const LEVEL_COLUMNS = [
  'level',
  'phase',
  'concurrency',
  'startedMs',
  'endedMs',
  'durationMs',
  'submitted',
  'ok',
  'notOk',
  'cached',
  'error',
  'rejected',
  'interrupted',
  'timeout',
  'lost',
  'dropped',
  'outcomes',
  'settledFromHistory',
  'promptsPerSec',
  'imagesPerMin',
  'samplerStepsPerSec',
  'ratePerSec',
  'offeredPerSec',
] as const;

/** The figures written per metric, in column order. */
export const LEVEL_METRIC_FIGURES = ['count', 'mean', 'p50', 'p90', 'p95', 'p99', 'max'] as const satisfies readonly (keyof MetricSummary)[];

/** Used VRAM of the level (primary device, bytes; see vram.csv), after the metric columns. */
export const LEVEL_VRAM_COLUMNS = ['vramUsedPeakBytes', 'vramUsedMeanBytes', 'vramUsedP95Bytes', 'torchActivePeakBytes', 'vramSamples'] as const;

/** The header row of levels.csv. */
export function levelsCsvColumns(): string[] {
  const metricColumns = METRIC_NAMES.flatMap((metric) => LEVEL_METRIC_FIGURES.map((figure) => `${metric}_${figure}`));
  return [...LEVEL_COLUMNS, ...metricColumns, ...LEVEL_VRAM_COLUMNS];
}

/** The units comment written above the header. */
export const LEVELS_CSV_UNITS =
  "units: *Ms and <metric>_<figure> in ms (3 decimals), promptsPerSec, samplerStepsPerSec, ratePerSec (open loop: planned arrival rate) and offeredPerSec (arrivals per s of the level's span) per s, imagesPerMin per min, counts in prompts (samplerStartMs_count in sampler nodes, stepIntervalMs_count in steps), *Bytes in bytes (VRAM used = vram_total − vram_free, primary device)";

/**
 * The comment lines of a CSV with a `level` column: the fingerprint (`headerComments`, without a
 * marker carried from another file), the marker saying levels are numbered from 1, then `rest`.
 */
export function levelsCsvComments(headerComments: readonly string[], ...rest: string[]): string[] {
  return [...withoutLevelsMarker(headerComments), LEVELS_FROM_ONE_COMMENT, ...rest];
}

/** One level as a row, in `levelsCsvColumns()` order; its `level` numbered from 1 (the warm-up 0). */
export function levelsCsvRow(level: LevelSummary): string[] {
  const family = (prefix: string): string => String(sumFamily(level.outcomes, prefix));
  const fixed = [
    String(levelNumber(level.level, level.phase)),
    level.phase,
    String(level.concurrency),
    formatMs(level.startedMs),
    formatMs(level.endedMs),
    formatMs(level.durationMs),
    String(level.submitted),
    String(level.ok),
    String(level.notOk),
    String(level.outcomes['cached'] ?? 0),
    family('error:'),
    family('rejected:'),
    String(level.outcomes['interrupted'] ?? 0),
    String(level.outcomes['timeout'] ?? 0),
    String(level.outcomes['lost'] ?? 0),
    String(level.outcomes['dropped'] ?? 0),
    outcomeDetail(level.outcomes),
    String(level.settledFromHistory),
    formatRate(level.throughput.promptsPerSec),
    formatRate(level.throughput.imagesPerMin),
    formatRate(level.throughput.samplerStepsPerSec),
    formatRate(level.ratePerSec),
    formatRate(level.offeredPerSec),
  ];
  const figures = METRIC_NAMES.flatMap((metric) => {
    const summary = level.metrics[metric];
    return LEVEL_METRIC_FIGURES.map((figure) => {
      if (summary === undefined) return figure === 'count' ? '0' : '';
      return figure === 'count' ? String(summary.count) : formatMs(summary[figure]);
    });
  });
  const vram = level.vram;
  const vramFigures =
    vram === undefined
      ? ['', '', '', '', '0']
      : [vram.peakUsedBytes, vram.meanUsedBytes, vram.p95UsedBytes, vram.peakTorchActiveBytes, vram.samples].map(String);
  return [...fixed, ...figures, ...vramFigures];
}

/** `name=count` pairs joined by `;`, in the counts' order. */
export function outcomeDetail(outcomes: OutcomeCounts): string {
  return Object.entries(outcomes)
    .map(([outcome, count]) => `${outcome}=${count}`)
    .join(';');
}

function sumFamily(outcomes: OutcomeCounts, prefix: string): number {
  let sum = 0;
  for (const [outcome, count] of Object.entries(outcomes)) if (outcome.startsWith(prefix)) sum += count;
  return sum;
}

export interface LevelsCsvWriterOptions {
  sink: SinkLike;
  /** `key: value` comment lines (environment fingerprint) written above the header. */
  headerComments?: readonly string[];
}

/** Appends a row per level; comments and header go out with the first row (or on close). */
export class LevelsCsvWriter {
  readonly #sink: Sink;
  readonly #headerComments: readonly string[];
  #headerWritten = false;

  constructor(options: LevelsCsvWriterOptions) {
    this.#sink = toSink(options.sink);
    this.#headerComments = options.headerComments ?? [];
  }

  async writeHeader(): Promise<void> {
    if (this.#headerWritten) return;
    this.#headerWritten = true;
    await this.#sink.write(commentBlock(levelsCsvComments(this.#headerComments, LEVELS_CSV_UNITS)) + stringify([levelsCsvColumns()]));
  }

  async writeLevel(level: LevelSummary): Promise<void> {
    await this.writeHeader();
    await this.#sink.write(stringify([levelsCsvRow(level)]));
  }

  async close(): Promise<void> {
    await this.writeHeader();
    await this.#sink.close?.();
  }
}
