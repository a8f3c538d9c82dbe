/**
 * Regression gates of `comfyload compare`: `--threshold 'execMs.p50:+5%'` (a time may grow by at
 * most 5%), `--threshold 'promptsPerSec:-3%'` (throughput may drop by at most 3%). A gate fails
 * only when the regression beyond its threshold is significant: the whole confidence interval of
 * the difference lies past the threshold, at some matched level. So a gate never fails on noise,
 * a `+0%` gate fails on any significant slowdown, and a gate whose interval cannot be formed
 * (too few samples) says so and does not fail. Pure: parsing, defaults and the decision.
 */
import { METRIC_NAMES, isMetricName } from './metric-names.js';

/** Figures a gate can name on a time metric (p50 = the rank tests' centre; others bootstrapped). */
export const GATE_FIGURES = ['p50', 'p90', 'p95', 'p99'] as const;
export type GateFigure = (typeof GATE_FIGURES)[number];

/** Compared quantities beyond the per-prompt metrics, from levels and requests.csv. */
export const DERIVED_METRICS = [
  { name: 'promptsPerSec', better: 'higher', unit: '/s', description: 'ok prompts per second of the level (from the gaps between completions)' },
  { name: 'imagesPerMin', better: 'higher', unit: '/min', description: 'images of ok prompts per minute (batch size counted)' },
  { name: 'vramPeakBytes', better: 'lower', unit: 'B', description: "each prompt's highest used-VRAM sample during its execution" },
] as const;

export type DerivedMetricName = (typeof DERIVED_METRICS)[number]['name'];

/** Every name `compare` can gate: the metric list (iterated, never spelled out) and the derived ones. */
export function gateMetricNames(): string[] {
  return [...METRIC_NAMES, ...DERIVED_METRICS.map((d) => d.name)];
}

export function betterDirection(metric: string): 'lower' | 'higher' {
  return DERIVED_METRICS.find((d) => d.name === metric)?.better ?? 'lower';
}

export interface CompareGate {
  /** As given, normalised: `execMs.p50:+5%`. */
  text: string;
  metric: string;
  /** Time metrics and VRAM: which figure; throughput: null. */
  figure: GateFigure | null;
  /** Signed relative limit: +0.05 (may grow 5%), −0.03 (may drop 3%). */
  limit: number;
}

/** Gates when none is given: step time, execution and completion time, throughput. */
export const DEFAULT_GATES = ['stepIntervalMs.p50:+5%', 'execMs.p50:+5%', 'completionMs.p50:+10%', 'promptsPerSec:-5%'] as const;

const GATE_TEXT = /^\s*([A-Za-z]+)(?:\.(p\d+))?\s*:\s*([+-]?)(\d+(?:\.\d+)?)\s*%\s*$/;

/** The gate, or a sentence saying what is wrong with the text. */
export function parseGate(raw: string): CompareGate | string {
  const m = GATE_TEXT.exec(raw);
  if (m === null) return 'the form `<metric>[.p50|p90|p95|p99]:<+|->N%`, e.g. `execMs.p50:+5%` or `promptsPerSec:-3%`';
  const [, metric = '', figureText, sign = '', number = ''] = m;
  if (!gateMetricNames().includes(metric)) return `a metric name (one of ${gateMetricNames().join(', ')})`;
  const better = betterDirection(metric);
  const throughput = better === 'higher';
  if (throughput && figureText !== undefined) return `no figure after ${metric} (it is one number per level), e.g. \`${metric}:-3%\``;
  const figure = throughput ? null : ((figureText ?? 'p50') as GateFigure);
  if (figure !== null && !(GATE_FIGURES as readonly string[]).includes(figure)) return `a figure of ${GATE_FIGURES.join(', ')}`;
  const size = Number(number) / 100;
  // A regression of a time is an increase, of a throughput a decrease: the sign must say so.
  if (sign === (throughput ? '+' : '-') && size > 0) {
    return `${throughput ? 'a drop' : 'a rise'} as the limit: a regression of ${metric} is ${throughput ? 'a decrease' : 'an increase'}, e.g. \`${metric}${figure ? `.${figure}` : ''}:${throughput ? '-' : '+'}${number}%\``;
  }
  const limit = throughput ? -size : size;
  const text = `${metric}${figure !== null ? `.${figure}` : ''}:${limit < 0 ? '-' : '+'}${+(size * 100).toFixed(4)}%`;
  return { text, metric, figure, limit };
}

/** Whether `metric` is a per-prompt or per-step metric of the metric list. */
export function isTimeMetric(metric: string): boolean {
  return isMetricName(metric);
}

export type GateLevelVerdict = 'fail' | 'pass' | 'too few samples';

export interface GateLevelResult {
  level: string;
  verdict: GateLevelVerdict;
  delta: number | null;
  lo: number | null;
  hi: number | null;
  method: string;
}

/**
 * One level of a gate: `fail` when the interval lies wholly past the limit (lo > limit for a time,
 * hi < limit for a throughput), `too few samples` without an interval, else `pass`.
 */
export function judgeGateLevel(
  gate: CompareGate,
  level: string,
  figures: { delta: number | null; lo: number | null; hi: number | null; method: string },
): GateLevelResult {
  const { delta, lo, hi, method } = figures;
  if (delta === null || lo === null || hi === null) return { level, verdict: 'too few samples', delta, lo, hi, method };
  const broken = betterDirection(gate.metric) === 'higher' ? hi < gate.limit : lo > gate.limit;
  return { level, verdict: broken ? 'fail' : 'pass', delta, lo, hi, method };
}
