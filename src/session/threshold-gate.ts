/**
 * `--threshold` at the end of a run: each threshold judged on the measured prompts' merged
 * histogram (src/metrics/threshold.ts); with --engine k6, the gate is k6's own verdict (it exited
 * 99), the figures comfyload's. One line per threshold on stderr, the verdicts in summary.json.
 */
import type { K6Facts } from '../harness/k6/k6-run.js';
import { isMetricName } from '../metrics/metric-names.js';
import type { MetricRecorder } from '../metrics/recorder.js';
import { parseSlo } from '../metrics/slo.js';
import { evaluateThreshold, thresholdLine, type ThresholdVerdict } from '../metrics/threshold.js';

export function thresholdVerdicts(texts: readonly string[], recorder: MetricRecorder, k6?: K6Facts): ThresholdVerdict[] {
  return texts.map((text) => {
    const slo = parseSlo(text);
    const metric = typeof slo === 'string' || !isMetricName(slo.metric) ? undefined : slo.metric;
    const histogram = metric === undefined ? undefined : recorder.merged({ phase: 'measure', metric });
    const verdict = evaluateThreshold(text, histogram !== undefined && histogram.totalCount > 0 ? histogram : undefined, k6 !== undefined ? 'k6' : 'comfyload');
    if (k6 === undefined || typeof slo === 'string') return verdict;
    const decided = k6.thresholds.find((t) => t.metric === `${slo.metric}{phase:measure}` && t.expression === `p(${slo.percentile})<${slo.thresholdMs}`);
    return decided === undefined
      ? { ...verdict, decidedBy: 'comfyload' as const }
      : { ...verdict, verdict: decided.ok ? ('pass' as const) : ('fail' as const) };
  });
}

/** Prints one line per verdict; true when any failed. */
export function reportThresholds(verdicts: readonly ThresholdVerdict[], stderr: { write(s: string): unknown }): boolean {
  for (const v of verdicts) stderr.write(`comfyload: ${thresholdLine(v)}\n`);
  return verdicts.some((v) => v.verdict === 'fail');
}
