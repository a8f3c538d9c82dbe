/**
 * Writers of a mixed workload's result files, each to a sink — `workflows.csv` (each workflow's
 * levels: `workflow`, then levels.csv's columns, as targets.csv is for a fleet's targets) and
 * `swaps.csv` (one row per swap kind `A→B`: how many, and the time they added to the first step)
 * — and the console lines that sum a mix up.
 */
import { stringify } from 'csv-stringify/sync';
import { levelName } from '../metrics/level-number.js';
import type { LevelSummary, RunMix, RunSwaps } from '../metrics/result-types.js';
import { formatDurationShort, formatMs } from './format.js';
import { levelsCsvColumns, levelsCsvComments, levelsCsvRow } from './levels-csv.js';
import { commentBlock, toSink, type SinkLike } from './sink.js';

/** One workflow's level, named. */
export interface WorkflowLevel {
  workflow: string;
  level: LevelSummary;
}

/** workflows.csv in one go: one row per (workflow, level), in level then --workflow order. */
export async function writeWorkflowsCsv(sink: SinkLike, rows: readonly WorkflowLevel[], headerComments: readonly string[] = []): Promise<void> {
  const s = toSink(sink);
  const body = rows.map((r) => [r.workflow, ...levelsCsvRow(r.level)]);
  await s.write(
    commentBlock(
      levelsCsvComments(
        headerComments,
        "one row per (workflow, level) of a mixed workload; columns as levels.csv, throughput over the whole level (the workflows' add up to levels.csv's)",
      ),
    ) + stringify([['workflow', ...levelsCsvColumns()], ...body]),
  );
  await s.close?.();
}

export const SWAPS_CSV_COLUMNS = ['kind', 'from', 'to', 'swaps', 'meanAfterSwapMs', 'noSwapPrompts', 'meanAfterNoSwapMs', 'swapMs'] as const;

/** swaps.csv in one go: the rule and the counts in comments, one row per swap kind. */
export async function writeSwapsCsv(sink: SinkLike, swaps: RunSwaps, headerComments: readonly string[] = []): Promise<void> {
  const s = toSink(sink);
  const rows = swaps.kinds.map((k) => [
    k.kind,
    k.from,
    k.to,
    String(k.swaps),
    formatMs(k.meanAfterSwapMs),
    String(k.noSwapPrompts),
    formatMs(k.meanAfterNoSwapMs ?? undefined),
    formatMs(k.swapMs ?? undefined),
  ]);
  await s.write(
    commentBlock([
      ...headerComments,
      `rule: ${swaps.rule}`,
      `swaps: ${swaps.swapCount} of ${swaps.executedPrompts} executed prompts (${swaps.measuredSwapCount} in the measured levels); cold starts: ${swaps.coldCount}`,
      'units: *Ms in ms; swaps and noSwapPrompts count ok measured prompts; swapMs empty without a no-swap baseline',
    ]) + stringify([[...SWAPS_CSV_COLUMNS], ...rows]),
  );
  await s.close?.();
}

const percent = (x: number): string => `${(x * 100).toFixed(1)}%`;

/** The end-of-run lines of a mix: each workflow's share and levels, then the swaps and what they cost. */
export function formatMixLines(mix: RunMix, levels: readonly WorkflowLevel[]): string[] {
  const lines = [
    `comfyload: mix (${mix.order}): ${mix.workflows.map((w) => `${w.name} ${percent(w.share)} of prompts (${percent(w.plannedShare)} planned)`).join(', ')}`,
  ];
  for (const { workflow, level: l } of levels) {
    const where = l.ratePerSec !== undefined ? `${(l.ratePerSec * 60).toFixed(1)}/min` : `c=${l.concurrency}`;
    const c = l.metrics.completionMs;
    lines.push(
      `  ${workflow} ${levelName(l.level, l.phase)} (${where}): ${l.ok} ok of ${l.submitted}, ${l.throughput.promptsPerSec.toFixed(3)} prompts/s, completion p50 ${formatDurationShort(c?.p50)} p95 ${formatDurationShort(c?.p95)}`,
    );
  }
  const s = mix.swaps;
  lines.push(
    `comfyload: model swaps: ${s.measuredSwapCount} in the measured levels (${s.swapCount} of ${s.executedPrompts} executed prompts with the warm-up; ${s.coldCount} cold start${s.coldCount === 1 ? '' : 's'}, the first of a model on a server, apart)`,
  );
  for (const k of s.kinds) {
    const cost =
      k.swapMs === null
        ? `no baseline (no ${k.to} prompt ran right after another ${k.to} prompt)`
        : `${k.swapMs >= 0 ? '+' : ''}${k.swapMs.toFixed(1)} ms to the first step`;
    const base = k.meanAfterNoSwapMs === null ? '' : `; ${k.noSwapPrompts} without a swap at ${k.meanAfterNoSwapMs.toFixed(1)} ms`;
    lines.push(`  ${k.kind}: ${cost} (${k.swaps} swaps at ${k.meanAfterSwapMs.toFixed(1)} ms${base})`);
  }
  return lines;
}
