/**
 * report.html's mixed-workload section (`run --mix`), from summary.json's `mix` and
 * `workflowLevels` (workflows.csv and swaps.csv hold the same): each workflow's share and its
 * figures per level beside the level's, and the model swaps — how many, and what each kind added
 * to the time from execution_start to the first sampler step.
 */
import type { RunSummary, RunSwaps } from '../../metrics/result-types.js';
import { esc, ms, n, table } from './render-tables.js';
import { levelRatePerMin, perMinLabel } from './report-open-loop.js';

export interface MixWorkflowRow {
  workflow: string;
  level: string;
  plannedShare: number;
  /** This workflow's share of the level's prompts. */
  share: number | null;
  submitted: number;
  ok: number;
  notOk: number;
  promptsPerSec: number;
  completionP50Ms: number | null;
  completionP95Ms: number | null;
  execP50Ms: number | null;
  timeToFirstStepP50Ms: number | null;
}

export interface MixData {
  order: string;
  rows: MixWorkflowRow[];
  swaps: RunSwaps;
}

/** The section's data; null for a run of one workflow. */
export function mixData(s: RunSummary): MixData | null {
  const mix = s.mix;
  if (mix === undefined) return null;
  const rows: MixWorkflowRow[] = [];
  for (const levelSummary of s.levels) {
    for (const [i, w] of mix.workflows.entries()) {
      const l = s.workflowLevels?.[i]?.find((x) => x.level === levelSummary.level && x.phase === levelSummary.phase);
      if (l === undefined) continue;
      const rate = levelRatePerMin(s, l.level);
      rows.push({
        workflow: w.name,
        level: rate !== null ? perMinLabel(rate) : `c=${l.concurrency}`,
        plannedShare: w.plannedShare,
        share: levelSummary.submitted > 0 ? l.submitted / levelSummary.submitted : null,
        submitted: l.submitted,
        ok: l.ok,
        notOk: l.notOk,
        promptsPerSec: l.throughput.promptsPerSec,
        completionP50Ms: l.metrics.completionMs?.p50 ?? null,
        completionP95Ms: l.metrics.completionMs?.p95 ?? null,
        execP50Ms: l.metrics.execMs?.p50 ?? null,
        timeToFirstStepP50Ms: l.metrics.timeToFirstStepMs?.p50 ?? null,
      });
    }
  }
  return { order: mix.order, rows, swaps: mix.swaps };
}

const pct = (x: number | null): string => (x === null ? '–' : `${(x * 100).toFixed(1)}%`);

/** The section's HTML. */
export function mixSection(m: MixData): string {
  const workflows = table(
    'mix',
    ['workflow', 'level', 'share (planned)', 'submitted', 'ok', 'not ok', 'prompts/s', 'completion p50', 'completion p95', 'exec p50', 'first step p50'],
    m.rows.map((r) => [
      esc(r.workflow),
      esc(r.level),
      `${pct(r.share)} (${pct(r.plannedShare)})`,
      String(r.submitted),
      String(r.ok),
      String(r.notOk),
      n(r.promptsPerSec, 3),
      ms(r.completionP50Ms),
      ms(r.completionP95Ms),
      ms(r.execP50Ms),
      ms(r.timeToFirstStepP50Ms),
    ]),
    [0],
  );
  const s = m.swaps;
  const swaps =
    s.kinds.length === 0
      ? '<p>No model swap with a measured prompt after it.</p>'
      : table(
          'swaps',
          ['swap', 'swaps', 'first step after a swap', 'prompts without a swap', 'first step without', 'swapMs'],
          s.kinds.map((k) => [
            esc(k.kind),
            String(k.swaps),
            ms(k.meanAfterSwapMs),
            String(k.noSwapPrompts),
            ms(k.meanAfterNoSwapMs),
            k.swapMs === null ? 'no baseline' : `${k.swapMs >= 0 ? '+' : ''}${ms(k.swapMs)}`,
          ]),
          [0],
        );
  return `<section id="mix">
<h2>Mixed workload (${esc(m.order)} order)</h2>
${workflows}
<p class="caption">Each workflow's prompts of the level; prompts/s over the whole level, so the workflows' add up to the level's. First step = POST sent → first sampler step.</p>
<h3>Model swaps: ${s.measuredSwapCount} in the measured levels</h3>
${swaps}
<p class="caption">${esc(`${s.swapCount} of ${s.executedPrompts} executed prompts swapped with the warm-up; ${s.coldCount} cold starts (the first prompt of a model on a server) apart. Rule: ${s.rule}.`)}</p>
</section>
`;
}
