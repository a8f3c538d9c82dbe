/**
 * Pure formatting of the console output: the live progress line, the line per level and the
 * final summary table. Plain text; the writer in console.ts decides where it goes and whether a
 * TTY gets colour.
 */
import type { LevelSummary, Phase } from '../metrics/result-types.js';
import { formatDurationShort } from './format.js';

/** What the progress line shows; the caller fills it from the engine's live counts. */
export interface ProgressState {
  level: number;
  /** Number of measured levels in the run. */
  levelCount: number;
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
}

/** A level's label: `L2/4 c=8` (warm-up: `warmup c=8`). */
export function levelLabel(level: number, levelCount: number, concurrency: number, phase: Phase): string {
  return phase === 'warmup' ? `warmup c=${concurrency}` : `L${level + 1}/${levelCount} c=${concurrency}`;
}

/** The live progress line (no line break, no control characters). */
export function formatProgressLine(state: ProgressState): string {
  const done = state.plannedPrompts === undefined ? `${state.settled} done` : `${state.settled}/${state.plannedPrompts} done`;
  const parts = [
    levelLabel(state.level, state.levelCount, state.concurrency, state.phase),
    done,
    `${state.inFlight} in flight`,
    `completion p50 ${formatDurationShort(state.completionP50Ms)} p95 ${formatDurationShort(state.completionP95Ms)}`,
    `errors ${state.errors}`,
  ];
  if (state.elapsedMs !== undefined) parts.push(formatDurationShort(state.elapsedMs));
  return parts.join(' | ');
}

/** One line summing up a finished level (the only output on a non-TTY). */
/** `label`: replaces the `L2/4 c=…` label (a capacity search names its levels `probe`, `trial 1`…). */
export function formatLevelLine(summary: LevelSummary, levelCount: number, label?: string): string {
  const completion = summary.metrics.completionMs;
  const step = summary.metrics.stepIntervalMs;
  const fromHistory = summary.settledFromHistory > 0 ? ` (${summary.settledFromHistory} settled from /history, not in the latencies)` : '';
  return [
    label ?? levelLabel(summary.level, levelCount, summary.concurrency, summary.phase),
    `${summary.ok} ok, ${summary.notOk} not ok of ${summary.submitted}${fromHistory}`,
    `${summary.throughput.promptsPerSec.toFixed(3)} prompts/s`,
    `${summary.throughput.imagesPerMin.toFixed(1)} images/min`,
    `completion p50 ${formatDurationShort(completion?.p50)} p95 ${formatDurationShort(completion?.p95)} p99 ${formatDurationShort(completion?.p99)}`,
    `step p50 ${formatDurationShort(step?.p50)}`,
    `in ${formatDurationShort(summary.durationMs)}`,
  ].join(' | ');
}

const TABLE_HEADER = [
  'level',
  'conc',
  'ok',
  'err',
  'prompts/s',
  'images/min',
  'queue p50',
  'queue p95',
  'compl p50',
  'compl p95',
  'compl p99',
  'step p50',
] as const;

/** The final table, one row per level (warm-up first when present), columns right-aligned. */
export function formatSummaryTable(levels: readonly LevelSummary[]): string {
  const rows = levels.map((summary) => [
    summary.phase === 'warmup' ? 'warmup' : String(summary.level + 1),
    String(summary.concurrency),
    String(summary.ok),
    String(summary.notOk),
    summary.throughput.promptsPerSec.toFixed(3),
    summary.throughput.imagesPerMin.toFixed(1),
    formatDurationShort(summary.metrics.queueWaitMs?.p50),
    formatDurationShort(summary.metrics.queueWaitMs?.p95),
    formatDurationShort(summary.metrics.completionMs?.p50),
    formatDurationShort(summary.metrics.completionMs?.p95),
    formatDurationShort(summary.metrics.completionMs?.p99),
    formatDurationShort(summary.metrics.stepIntervalMs?.p50),
  ]);
  const table = [[...TABLE_HEADER], ...rows];
  const widths = TABLE_HEADER.map((_, column) => Math.max(...table.map((row) => (row[column] ?? '').length)));
  const lines = table.map((row) => row.map((cell, column) => cell.padStart(widths[column] ?? 0)).join('  '));
  const rule = widths.map((width) => '-'.repeat(width)).join('  ');
  return [lines[0], rule, ...lines.slice(1)].join('\n') + '\n';
}
