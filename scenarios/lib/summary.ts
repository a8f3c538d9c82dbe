/**
 * handleSummary: the thresholds' verdicts and the prompt counts, as JSON for comfyload (to the file
 * named by COMFYLOAD_K6_SUMMARY) and as a few lines on stdout for someone running the bundle by
 * hand. The measurements themselves are in the `--out json` stream, which `comfyload import-k6`
 * turns into a results folder.
 */
import { OUTCOME_COUNTERS, SUBMITTED_COUNTER } from '../../src/metrics/k6-wire.js';

interface SummaryMetric {
  type: string;
  values: Record<string, number>;
  thresholds?: Record<string, { ok: boolean }>;
}

interface SummaryData {
  metrics: Record<string, SummaryMetric>;
}

/** One threshold's verdict as k6 decided it. */
export interface ThresholdResult {
  metric: string;
  expression: string;
  ok: boolean;
}

export function summaryOutput(data: SummaryData): Record<string, string> {
  const thresholds: ThresholdResult[] = [];
  for (const [metric, m] of Object.entries(data.metrics)) {
    for (const [expression, verdict] of Object.entries(m.thresholds ?? {})) thresholds.push({ metric, expression, ok: verdict.ok });
  }
  const counts: Record<string, number> = {};
  for (const name of [SUBMITTED_COUNTER, ...OUTCOME_COUNTERS, 'dropped_iterations']) {
    const count = data.metrics[name]?.values.count;
    if (count !== undefined) counts[name] = count;
  }
  const lines = ['comfyload k6 scenario:', ...Object.entries(counts).map(([name, n]) => `  ${name}: ${n}`)];
  const completion = data.metrics['completionMs{phase:measure}'] ?? data.metrics.completionMs;
  if (completion !== undefined) {
    const v = completion.values;
    lines.push(`  completionMs: p50 ${(v.med ?? 0).toFixed(1)} ms, p95 ${(v['p(95)'] ?? 0).toFixed(1)} ms, max ${(v.max ?? 0).toFixed(1)} ms`);
  }
  for (const t of thresholds) lines.push(`  threshold ${t.metric} ${t.expression}: ${t.ok ? 'pass' : 'FAIL'}`);
  lines.push('  turn the --out json file into a results folder: comfyload import-k6 <file> --out <dir>');
  const out: Record<string, string> = { stdout: `${lines.join('\n')}\n` };
  const file = __ENV.COMFYLOAD_K6_SUMMARY;
  if (file !== undefined && file !== '') out[file] = JSON.stringify({ thresholds, counts });
  return out;
}
