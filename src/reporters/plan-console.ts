/**
 * `comfyload plan`'s answer as text for stdout: what the service times came from, the question,
 * one aligned table (rate, GPUs → utilisation, queue wait and completion p50/p95/p99, the SLO's
 * percentile with its interval, the verdict), then each verdict on its one line, the warnings and
 * what the prediction assumes. Rendered from the plan alone.
 */
import type { FleetPlan, FleetPrediction, MetricPrediction } from '../planner/plan-types.js';
import { ci, formatMs, formatRate, percent } from '../planner/plan-format.js';

/** The lines to print, without trailing newlines. */
export function formatPlan(plan: FleetPlan): string[] {
  const m = plan.measured;
  const q = plan.question;
  const lines = [
    `plan: from ${m.prompts} measured prompts on ${plan.source.gpu} (${plan.source.modelConfig}): service time ${m.serviceColumn} p50 ${formatMs(m.serviceP50Ms)}, p95 ${formatMs(m.serviceP95Ms)}, mean ${formatMs(m.meanServiceMs)} + ${formatMs(m.betweenPromptsMs)} between prompts → one GPU serves ${formatRate(m.serviceRatePerSec)}`,
    `plan: ${q.arrival}${q.arrival === 'gamma' ? ` (burstiness ${q.burstiness})` : ''} arrivals, ${q.dispatch} dispatch; ${q.replications} bootstrap replications, ${ci(q.confidence)}; seed ${q.seed}`,
    '',
    ...planTable(plan),
    '',
    ...plan.verdicts.map((v) => v.text),
    ...plan.warnings.map((w) => `plan: warning: ${w}`),
  ];
  return lines;
}

/** The table: one row per predicted (rate, GPU count) point, by rate then GPU count. */
export function planTable(plan: FleetPlan): string[] {
  const slo = plan.question.slo;
  const sloColumn = slo !== null ? `${slo.metric} p${slo.percentile} [${ci(plan.question.confidence)}]` : `completion p95 [${ci(plan.question.confidence)}]`;
  const header = [
    'rate',
    'GPUs',
    'util',
    'wait p50',
    'wait p95',
    'wait p99',
    'completion p50',
    'completion p95',
    'completion p99',
    sloColumn,
    ...(slo !== null ? ['SLO'] : []),
  ];
  const points = [...plan.points].sort((a, b) => a.ratePerSec - b.ratePerSec || a.gpus - b.gpus);
  const rows = points.map((p) => {
    const wait = p.metrics.queueWaitMs;
    const completion = p.metrics.completionMs;
    const target = slo !== null ? p.metrics[slo.metric] : completion;
    const key = slo !== null ? `p${slo.percentile}` : 'p95';
    const e = target?.percentiles[key];
    return [
      formatRate(p.ratePerSec),
      String(p.gpus),
      percent(p.utilisation.value),
      cell(p, wait, 'p50'),
      cell(p, wait, 'p95'),
      cell(p, wait, 'p99'),
      cell(p, completion, 'p50'),
      cell(p, completion, 'p95'),
      cell(p, completion, 'p99'),
      p.saturated || e === undefined ? 'saturated' : `${formatMs(e.value)} [${formatMs(e.low)}–${formatMs(e.high)}]`,
      ...(slo !== null ? [(p.verdict ?? '').toUpperCase()] : []),
    ];
  });
  return align([header, ...rows]);
}

function cell(point: FleetPrediction, metric: MetricPrediction | undefined, key: string): string {
  if (point.saturated) return '∞';
  const e = metric?.percentiles[key];
  return e === undefined ? '–' : formatMs(e.value);
}

/** Left-aligned first column, right-aligned numbers, two spaces between. */
function align(table: string[][]): string[] {
  const widths = (table[0] ?? []).map((_, i) => Math.max(...table.map((r) => (r[i] ?? '').length)));
  return table.map((row) =>
    row
      .map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0)))
      .join('  ')
      .trimEnd(),
  );
}
