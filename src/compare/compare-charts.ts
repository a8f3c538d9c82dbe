/**
 * The chart data of compare.html: each metric's percentile distribution per level for both sides
 * (the prompts' own values, pooled over the side's runs, on the HdrHistogram plotter's grid
 * x = 1/(1−p)), and throughput and latency against concurrency (or rate) for both sides.
 */
import { quantile } from '../metrics/block-bootstrap.js';
import type { CompareDistribution, CompareResult, LevelFigures } from '../metrics/compare-types.js';
import { METRICS } from '../metrics/metric-names.js';
import type { RunSamples } from './run-samples.js';

export function compareCharts(
  shared: readonly string[],
  baseline: readonly RunSamples[],
  candidate: readonly RunSamples[],
): Pick<CompareResult, 'distributions' | 'byLevel'> {
  const pooled = (runs: readonly RunSamples[], key: string, metric: string): number[] => runs.flatMap((r) => r.levels.get(key)?.units.get(metric) ?? []);
  const distributions: CompareDistribution[] = [];
  for (const spec of METRICS) {
    for (const key of shared) {
      const b = pooled(baseline, key, spec.name);
      const c = pooled(candidate, key, spec.name);
      if (b.length === 0 || c.length === 0) continue;
      const decades = Math.min(5, Math.max(1, Math.ceil(Math.log10(Math.max(b.length, c.length)))));
      const x: number[] = [];
      for (let i = 0; i <= decades * 10; i++) x.push(10 ** (i / 10));
      const at = (values: number[]): number[] => {
        const sorted = [...values].sort((p, q) => p - q);
        return x.map((v) => quantileSorted(sorted, 1 - 1 / v));
      };
      distributions.push({ level: key, metric: spec.name, x, baseline: at(b), candidate: at(c) });
    }
  }
  const byLevel = shared.map((key) => {
    const level = (baseline[0]?.levels.get(key) ?? candidate[0]?.levels.get(key))!.level;
    const x = level.ratePerSec !== undefined ? level.ratePerSec * 60 : level.concurrency;
    return { key, x, baseline: figures(baseline, key, pooled), candidate: figures(candidate, key, pooled) };
  });
  return { distributions, byLevel: byLevel.sort((a, b) => a.x - b.x) };
}

function figures(runs: readonly RunSamples[], key: string, pooled: (runs: readonly RunSamples[], key: string, metric: string) => number[]): LevelFigures {
  const levels = runs.map((r) => r.levels.get(key)?.level).filter((l) => l !== undefined);
  const ms = levels.reduce((n, l) => n + l.durationMs, 0);
  const ok = levels.reduce((n, l) => n + l.promptsPerSec * (l.durationMs / 1000), 0);
  const q = (metric: string, p: number): number | null => {
    const v = pooled(runs, key, metric);
    return v.length > 0 ? quantile(v, p) : null;
  };
  return {
    promptsPerSec: ms > 0 ? (ok / ms) * 1000 : null,
    completionP50Ms: q('completionMs', 0.5),
    completionP95Ms: q('completionMs', 0.95),
    execP50Ms: q('execMs', 0.5),
  };
}

function quantileSorted(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}
