/**
 * Pure formatting of the console output: the live progress line, the line per level and the
 * final summary table. Plain text; the writer in console.ts decides where it goes and whether a
 * TTY gets colour.
 */
import { levelName } from '../metrics/level-number.js';
import type { CapacityResult, LevelSummary, Phase } from '../metrics/result-types.js';
import { formatDurationShort } from './format.js';
import { headlineSentence, type HeadlineLevel } from './html/report-headline.js';
import { perMinLabel } from './html/report-open-loop.js';

/** What the progress line shows; the caller fills it from the engine's live counts. */
export interface ProgressState {
  level: number;
  /** Number of measured levels in the run. */
  levelCount: number;
  /** The level's own name instead of `L2/4` (capacity: `probe`, `trial 1`…). */
  name?: string;
  concurrency: number;
  phase: Phase;
  settled: number;
  /** Prompts planned for the level; undefined for a timed level. */
  plannedPrompts?: number;
  inFlight: number;
  /** Settled with an outcome other than `ok`. */
  errors: number;
  /** Completion p50/p95 so far, ms (undefined before the first `ok` prompt). */
  completionP50Ms?: number;
  completionP95Ms?: number;
  /** Time since the level started, ms. */
  elapsedMs?: number;
  /** The latest sampler step of each prompt in flight that has reported one. */
  steps?: readonly { value: number; max: number }[];
  /** Open loop: the level's planned arrival rate, shown instead of `c=0`. */
  rate?: RateLabel;
}

/** Units a run's rates are printed in: one per run (see {@link rateUnitFor}). */
export type RateUnit = 's' | 'min' | 'h';

/** An open-loop level's planned rate (per second) and the run's unit. */
export interface RateLabel {
  perSec: number;
  unit: RateUnit;
  /** A finished level: the rate its arrivals really came at. */
  offeredPerSec?: number;
}

const PER_UNIT: Record<RateUnit, number> = { s: 1, min: 60, h: 3600 };

/** The one unit for a run's rates: per minute, per hour when the slowest is under 1/min, per second from 10/s. */
export function rateUnitFor(ratesPerSec: readonly number[]): RateUnit {
  const slowest = Math.min(...ratesPerSec.filter((r) => r > 0));
  if (!Number.isFinite(slowest)) return 'min';
  if (slowest >= 10) return 's';
  return slowest * 60 >= 1 ? 'min' : 'h';
}

/** `120/min`, `0.5/s`: at most one decimal, more below 10. */
export function formatRateIn(perSec: number, unit: RateUnit): string {
  const value = perSec * PER_UNIT[unit];
  return `${Number(value.toFixed(value < 10 ? 2 : 1))}/${unit}`;
}

/**
 * A level's label: `L2/4 c=8`, open loop `L2/4 rate 120/min` (warm-up: `warmup c=8`). Levels
 * are numbered from 1 here and in every file (L1 is the first measured level).
 */
export function levelLabel(level: number, levelCount: number, concurrency: number, phase: Phase, rate?: RateLabel, name?: string): string {
  if (phase === 'warmup') return `warmup c=${concurrency}`;
  const offered = rate?.offeredPerSec !== undefined ? ` (offered ${formatRateIn(rate.offeredPerSec, rate.unit)})` : '';
  const load = rate !== undefined ? `rate ${formatRateIn(rate.perSec, rate.unit)}${offered}` : `c=${concurrency}`;
  return `${name ?? `${levelName(level)}/${levelCount}`} ${load}`;
}

/** `step 14/20`, or for several prompts in flight `steps 14/20 3/20 +2` (the first four). */
export function formatSteps(steps: readonly { value: number; max: number }[]): string | undefined {
  if (steps.length === 0) return undefined;
  const shown = steps.slice(0, 4).map((s) => `${s.value}/${s.max}`);
  const more = steps.length > shown.length ? ` +${steps.length - shown.length}` : '';
  return `${steps.length === 1 ? 'step' : 'steps'} ${shown.join(' ')}${more}`;
}

/** The live progress line (no line break, no control characters). */
export function formatProgressLine(state: ProgressState): string {
  const done = state.plannedPrompts === undefined ? `${state.settled} done` : `${state.settled}/${state.plannedPrompts} done`;
  const steps = formatSteps(state.steps ?? []);
  const parts = [
    levelLabel(state.level, state.levelCount, state.concurrency, state.phase, state.rate, state.name),
    done,
    `${state.inFlight} in flight`,
    ...(steps !== undefined ? [steps] : []),
    `completion p50 ${formatDurationShort(state.completionP50Ms)} p95 ${formatDurationShort(state.completionP95Ms)}`,
    `errors ${state.errors}`,
  ];
  if (state.elapsedMs !== undefined) parts.push(formatDurationShort(state.elapsedMs));
  return parts.join(' | ');
}

/** One line summing up a finished level (the only output on a non-TTY). */
/** `name`: replaces the `L2/4` part (a capacity search names its levels `probe`, `trial 1`…). */
export function formatLevelLine(summary: LevelSummary, levelCount: number, unit?: RateUnit, name?: string): string {
  const completion = summary.metrics.completionMs;
  const step = summary.metrics.stepIntervalMs;
  const fromHistory = summary.settledFromHistory > 0 ? ` (${summary.settledFromHistory} settled from /history, not in the latencies)` : '';
  return [
    levelLabel(summary.level, levelCount, summary.concurrency, summary.phase, rateOf(summary, unit), name),
    `${summary.ok} ok, ${summary.notOk} not ok of ${summary.submitted}${fromHistory}`,
    `${summary.throughput.promptsPerSec.toFixed(3)} prompts/s`,
    `${summary.throughput.imagesPerMin.toFixed(1)} images/min`,
    `completion p50 ${formatDurationShort(completion?.p50)} p95 ${formatDurationShort(completion?.p95)} p99 ${formatDurationShort(completion?.p99)}`,
    `step p50 ${formatDurationShort(step?.p50)}`,
    `in ${formatDurationShort(summary.durationMs)}`,
  ].join(' | ');
}

/** A level with a planned rate is named by it (a capacity trial's too: per minute when the run set no unit), never `c=0`. */
function rateOf(summary: LevelSummary, unit: RateUnit | undefined): RateLabel | undefined {
  if (summary.ratePerSec === undefined) return undefined;
  return { perSec: summary.ratePerSec, unit: unit ?? 'min', ...(summary.offeredPerSec !== undefined ? { offeredPerSec: summary.offeredPerSec } : {}) };
}

interface Column {
  header: string;
  cell: (summary: LevelSummary) => string;
}

const COUNT_COLUMNS: Column[] = [
  { header: 'ok', cell: (l) => String(l.ok) },
  { header: 'err', cell: (l) => String(l.notOk) },
  { header: 'prompts/s', cell: (l) => l.throughput.promptsPerSec.toFixed(3) },
  { header: 'images/min', cell: (l) => l.throughput.imagesPerMin.toFixed(1) },
  { header: 'queue p50', cell: (l) => formatDurationShort(l.metrics.queueWaitMs?.p50) },
  { header: 'queue p95', cell: (l) => formatDurationShort(l.metrics.queueWaitMs?.p95) },
  { header: 'compl p50', cell: (l) => formatDurationShort(l.metrics.completionMs?.p50) },
  { header: 'compl p95', cell: (l) => formatDurationShort(l.metrics.completionMs?.p95) },
  { header: 'compl p99', cell: (l) => formatDurationShort(l.metrics.completionMs?.p99) },
  { header: 'step p50', cell: (l) => formatDurationShort(l.metrics.stepIntervalMs?.p50) },
];

/** Open loop: each level's offered rate (arrivals per second of its span), by level index. */
export interface TableRates {
  unit: RateUnit;
  offeredPerSec: ReadonlyMap<number, number>;
}

function loadColumns(rates: TableRates | undefined): Column[] {
  const level: Column = { header: 'level', cell: (l) => levelName(l.level, l.phase) };
  if (rates === undefined) return [level, { header: 'conc', cell: (l) => String(l.concurrency) }];
  const rate = (perSec: number | undefined): string => (perSec === undefined ? '-' : formatRateIn(perSec, rates.unit));
  // A level without a rate (the warm-up, a capacity search's closed-loop probe) shows its concurrency instead.
  return [
    level,
    { header: 'rate', cell: (l) => (l.ratePerSec === undefined ? `c=${l.concurrency}` : rate(l.ratePerSec)) },
    { header: 'offered', cell: (l) => (l.ratePerSec === undefined ? '' : rate(rates.offeredPerSec.get(l.level) ?? l.offeredPerSec)) },
  ];
}

/**
 * The final table, one row per level (warm-up first when present), columns right-aligned; an
 * open-loop run shows each level's planned and offered rate instead of the concurrency.
 */
export function formatSummaryTable(levels: readonly LevelSummary[], rates?: TableRates): string {
  const columns = [...loadColumns(rates), ...COUNT_COLUMNS];
  const table = [columns.map((c) => c.header), ...levels.map((summary) => columns.map((c) => c.cell(summary)))];
  const widths = columns.map((_, column) => Math.max(...table.map((row) => (row[column] ?? '').length)));
  const lines = table.map((row) => row.map((cell, column) => cell.padStart(widths[column] ?? 0)).join('  '));
  const rule = widths.map((width) => '-'.repeat(width)).join('  ');
  return [lines[0], rule, ...lines.slice(1)].join('\n') + '\n';
}

/** What the end-of-run summary needs of summary.json (levels as an array or v1's object). */
export interface SummaryForText {
  name: string;
  levels: readonly LevelSummary[] | Record<string, LevelSummary>;
  warmup: LevelSummary | null;
  totals: { submitted: number; ok: number; notOk: number };
  partial: boolean;
  partialReason?: string;
  openLoop?: readonly { level: number; ratePerSec: number; offeredPerSec: number }[];
  settings?: { mode: string };
  capacity?: CapacityResult;
}

/** A level as the answer sentence reads it (the same rule as report.html's headline). */
function headlineLevel(l: LevelSummary): HeadlineLevel {
  const ratePerMin = l.ratePerSec !== undefined ? l.ratePerSec * 60 : null;
  return {
    concurrency: l.concurrency,
    label: ratePerMin !== null ? perMinLabel(ratePerMin) : `c=${l.concurrency}`,
    ratePerMin,
    promptsPerSec: l.throughput.promptsPerSec,
    imagesPerMin: l.throughput.imagesPerMin,
    completionP50Ms: l.metrics.completionMs?.p50 ?? null,
  };
}

/**
 * The end-of-run summary the CLI prints on stdout, as k6 does: a headline, the table (warm-up
 * first) and the results folder. Plain text; `colour` marks rows with errors red (a TTY).
 */
export function formatRunSummaryText(summary: SummaryForText, resultsDir: string, colour = false): string {
  const levels = Array.isArray(summary.levels) ? summary.levels : Object.values(summary.levels);
  const rows = [...(summary.warmup !== null ? [summary.warmup] : []), ...levels];
  const open = summary.openLoop ?? [];
  const planned = levels.flatMap((l) => (l.ratePerSec !== undefined ? [l.ratePerSec] : []));
  // A capacity search's rates are found as it goes: its lines use /min, so does its table.
  const unit = summary.settings?.mode === 'capacity' ? 'min' : rateUnitFor(planned);
  const rates = planned.length > 0 ? { unit, offeredPerSec: new Map(open.map((o) => [o.level, o.offeredPerSec])) } : undefined;
  const { submitted, ok, notOk } = summary.totals;
  const head = `comfyload ${summary.name}: ${ok} ok, ${notOk} not ok of ${submitted} measured prompts${summary.partial ? ` — partial: ${summary.partialReason ?? 'stopped early'}` : ''}`;
  const mode = summary.settings?.mode ?? (planned.length > 0 ? 'open-loop' : 'closed-loop');
  const answer = headlineSentence(mode, levels.map(headlineLevel), summary.capacity, { partial: summary.partial, resultsDir });
  const table = rows.length > 0 ? formatSummaryTable(rows, rates) : 'no level was measured\n';
  const lines = table.split('\n');
  const shown = colour ? lines.map((line, i) => (i >= 2 && (rows[i - 2]?.notOk ?? 0) > 0 ? `\u001b[31m${line}\u001b[0m` : line)) : lines;
  return `${head}\n${answer !== undefined ? `${answer}\n` : ''}\n${shown.join('\n')}\nresults: ${resultsDir}\n`;
}
