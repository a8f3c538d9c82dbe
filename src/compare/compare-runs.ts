/**
 * `comfyload compare`: baseline runs against candidate runs. The fingerprint diff comes first and
 * refuses different workloads (unless allowed); then every level both sides measured (matched by
 * concurrency or rate), every metric of the metric list with samples on both sides and the
 * derived ones (throughput, images/min, VRAM peak) are compared (compare-stats.ts says which
 * test fits), and the gates judged. The result is plain data for the renderers.
 */
import { ComfyloadError } from '../comfy/errors.js';
import { bootstrapQuantileRatio } from '../metrics/block-bootstrap.js';
import { betterDirection, DERIVED_METRICS, judgeGateLevel, type CompareGate, type GateLevelResult } from '../metrics/compare-gates.js';
import { compareUnits, MIN_RUNS_BETWEEN, type MetricComparison, type TestFigures } from '../metrics/compare-stats.js';
import type { CompareGateResult, CompareLevel, CompareResult, CompareRow, CompareSide } from '../metrics/compare-types.js';
import { METRICS } from '../metrics/metric-names.js';
import { compareCharts } from './compare-charts.js';
import { fingerprintDiff } from './fingerprint-diff.js';
import type { LevelSamples, RunSamples } from './run-samples.js';

export interface CompareOptions {
  confidence: number;
  gates: readonly CompareGate[];
  allowDifferentWorkflow: boolean;
  labels?: { baseline: string; candidate: string };
}

export function compareRuns(baseline: readonly RunSamples[], candidate: readonly RunSamples[], options: CompareOptions): CompareResult {
  const diff = fingerprintDiff(
    baseline.map((r) => r.view),
    candidate.map((r) => r.view),
  );
  if (diff.workloadChanges.length > 0 && !options.allowDifferentWorkflow) throw mismatch(diff.rows.filter((r) => r.kind === 'workload'));
  const baseKeys = levelKeys(baseline);
  const candKeys = levelKeys(candidate);
  const shared = baseKeys.filter((k) => candKeys.includes(k));
  if (shared.length === 0) {
    throw new ComfyloadError(
      'COMFYLOAD_ERR_COMPARE_EMPTY',
      `Baseline and candidate share no level (baseline ${baseKeys.join(', ') || 'none'}; candidate ${candKeys.join(', ') || 'none'})`,
      {
        hint: 'measure both at the same --concurrency levels (or --rate), e.g. --concurrency 1,2,4 for both.',
      },
    );
  }
  const levels: CompareLevel[] = [];
  const rows: CompareRow[] = [];
  for (const key of shared) {
    const b = baseline.map((r) => r.levels.get(key)).filter((l): l is LevelSamples => l !== undefined);
    const c = candidate.map((r) => r.levels.get(key)).filter((l): l is LevelSamples => l !== undefined);
    const { batch, reason } = batchOf([...b, ...c]);
    levels.push({ key, batch, batchReason: reason, baseline: counts(b), candidate: counts(c) });
    rows.push(...levelRows(key, b, c, batch, options.confidence));
  }
  const gates = options.gates.map((g) => judgeGate(g, shared, rows, baseline, candidate, levels, options.confidence));
  const failed = gates.filter((g) => g.verdict === 'fail');
  const result: CompareResult = {
    schemaVersion: 1,
    kind: 'comfyload-compare',
    confidence: options.confidence,
    baseline: side(options.labels?.baseline ?? 'baseline', baseline),
    candidate: side(options.labels?.candidate ?? 'candidate', candidate),
    fingerprint: diff,
    differentWorkflow: diff.workloadChanges.length > 0,
    levels,
    unmatchedLevels: { baseline: baseKeys.filter((k) => !shared.includes(k)), candidate: candKeys.filter((k) => !shared.includes(k)) },
    rows,
    gates,
    regression: failed.length > 0,
    headline: headline(failed, rows, gates, diff.environmentChanges),
    notes: notes(options.confidence, baseline.length, candidate.length, levels, diff),
    ...compareCharts(shared, baseline, candidate),
  };
  return result;
}

function mismatch(rows: { key: string; baseline: string; candidate: string }[]): ComfyloadError {
  return new ComfyloadError('COMFYLOAD_ERR_COMPARE_MISMATCH', 'Baseline and candidate ran different workloads; their numbers are not comparable:', {
    details: rows.map((r) => `${r.key}: ${r.baseline} → ${r.candidate}`),
    hint: 'compare runs of the same workflow and settings (same --workflow, --set, --matrix, --seed-policy); to compare anyway, add --allow-different-workflow (every output then says so).',
  });
}

function levelKeys(runs: readonly RunSamples[]): string[] {
  const keys: string[] = [];
  for (const r of runs) for (const k of r.levels.keys()) if (!keys.includes(k)) keys.push(k);
  return keys;
}

/**
 * Prompts that share the queue: c in a closed loop; in an open loop Little's L (throughput ×
 * mean completion time), the number typically in the system together.
 */
function batchOf(levels: readonly LevelSamples[]): { batch: number; reason: string } {
  const first = levels[0]?.level;
  if (first === undefined) return { batch: 1, reason: 'no samples' };
  if (first.ratePerSec === undefined) {
    const c = Math.max(...levels.map((l) => l.level.concurrency));
    return c > 1 ? { batch: c, reason: `c=${c}: prompts share the server's queue` } : { batch: 1, reason: 'c=1: prompts do not share the queue' };
  }
  const little = Math.max(...levels.map((l) => (l.level.promptsPerSec * (l.level.completionMeanMs ?? 0)) / 1000));
  const batch = Math.max(1, Math.round(little));
  return { batch, reason: `open loop: about ${batch} prompts in the system at once (Little's L)` };
}

function counts(levels: readonly LevelSamples[]): CompareLevel['baseline'] {
  const excluded: Record<string, number> = {};
  for (const l of levels) for (const [k, n] of Object.entries(l.excluded)) excluded[k] = (excluded[k] ?? 0) + n;
  return { okPrompts: levels.reduce((n, l) => n + l.okPrompts, 0), excluded };
}

function levelRows(key: string, b: readonly LevelSamples[], c: readonly LevelSamples[], batch: number, confidence: number): CompareRow[] {
  const rows: CompareRow[] = [];
  const settings = (better: 'lower' | 'higher', unitName = 'prompts') => ({ confidence, batch, better, unitName });
  for (const spec of METRICS) {
    const bu = b.map((l) => l.units.get(spec.name) ?? []);
    const cu = c.map((l) => l.units.get(spec.name) ?? []);
    if (bu.every((u) => u.length === 0) || cu.every((u) => u.length === 0)) continue;
    rows.push({ level: key, metric: spec.name, unit: 'ms', better: 'lower', comparison: compareUnits(bu, cu, settings('lower')) });
  }
  for (const derived of DERIVED_METRICS) {
    if (derived.name === 'vramPeakBytes') {
      const bu = b.map((l) => l.units.get('vramPeakBytes') ?? []);
      const cu = c.map((l) => l.units.get('vramPeakBytes') ?? []);
      if (bu.some((u) => u.length > 0) && cu.some((u) => u.length > 0))
        rows.push({ level: key, metric: derived.name, unit: derived.unit, better: 'lower', comparison: compareUnits(bu, cu, settings('lower')) });
      continue;
    }
    // Throughput: time per prompt (or per image) between completions, compared, then inverted.
    const perImage = derived.name === 'imagesPerMin';
    const gaps = (l: LevelSamples): number[] => l.gapsMs.map((g, i) => (perImage ? g / Math.max(1, l.gapImages[i] ?? 1) : g));
    const bu = b.map(gaps);
    const cu = c.map(gaps);
    if (bu.every((u) => u.length === 0) || cu.every((u) => u.length === 0)) continue;
    const gapComparison = compareUnits(bu, cu, settings('lower', 'completion gaps'));
    const rate = (levels: readonly LevelSamples[]): number => {
      const ms = levels.reduce((n, l) => n + l.level.durationMs, 0);
      const value = levels.reduce(
        (n, l) => n + (perImage ? (l.level.imagesPerMin * l.level.durationMs) / 60_000 : l.level.promptsPerSec * (l.level.durationMs / 1000)),
        0,
      );
      return ms > 0 ? (value / ms) * (perImage ? 60_000 : 1000) : Number.NaN;
    };
    rows.push({
      level: key,
      metric: derived.name,
      unit: derived.unit,
      better: 'higher',
      comparison: invertRate(gapComparison, rate(b), rate(c), perImage ? 60_000 : 1000),
    });
  }
  return rows;
}

/** A comparison of gaps (ms per prompt) as one of rates: centres the levels' rates, differences 1/(1+d) − 1. */
function invertRate(g: MetricComparison, baseRate: number, candRate: number, perMs: number): MetricComparison {
  const inv = (t: TestFigures): TestFigures => ({
    ...t,
    delta: t.delta === null ? null : 1 / (1 + t.delta) - 1,
    lo: t.hi === null ? null : 1 / (1 + t.hi) - 1,
    hi: t.lo === null ? null : 1 / (1 + t.lo) - 1,
  });
  const sideOf = (s: MetricComparison['baseline'], rate: number): MetricComparison['baseline'] => ({
    ...s,
    centre: rate,
    lo: s.hi === null ? null : perMs / s.hi,
    hi: s.lo === null ? null : perMs / s.lo,
    runCentres: s.runCentres.map((ms) => perMs / ms),
  });
  return {
    ...g,
    baseline: sideOf(g.baseline, baseRate),
    candidate: sideOf(g.candidate, candRate),
    decisive: inv(g.decisive),
    within: inv(g.within),
    between: g.between === null ? null : inv(g.between),
  };
}

function judgeGate(
  gate: CompareGate,
  shared: readonly string[],
  rows: readonly CompareRow[],
  baseline: readonly RunSamples[],
  candidate: readonly RunSamples[],
  levels: readonly CompareLevel[],
  confidence: number,
): CompareGateResult {
  const results: GateLevelResult[] = [];
  for (const key of shared) {
    const row = rows.find((r) => r.level === key && r.metric === gate.metric);
    if (row === undefined) continue;
    if (gate.figure === null || gate.figure === 'p50') {
      const t = row.comparison.decisive;
      results.push(judgeGateLevel(gate, key, { delta: t.delta, lo: t.lo, hi: t.hi, method: row.comparison.method }));
      continue;
    }
    const q = Number(gate.figure.slice(1)) / 100;
    const batch = levels.find((l) => l.key === key)?.batch ?? 1;
    const units = (runs: readonly RunSamples[]): number[][] => runs.map((r) => r.levels.get(key)?.units.get(gate.metric) ?? []);
    const ratio = bootstrapQuantileRatio(units(baseline), units(candidate), q, { block: batch, confidence });
    const pct = `${+(confidence * 100).toFixed(2)}%`;
    results.push(
      judgeGateLevel(gate, key, {
        ...ratio,
        method: `moving-block bootstrap of the ${gate.figure} ratio (blocks of ${batch}, ${ratio.resamples} resamples), ${pct}`,
      }),
    );
  }
  const failed = results.filter((r) => r.verdict === 'fail');
  const undecided = results.filter((r) => r.verdict === 'too few samples');
  const verdict = failed.length > 0 ? 'fail' : results.length === 0 || undecided.length === results.length ? 'too few samples' : 'pass';
  const show = failed[0] ?? worst(results, gate) ?? undecided[0];
  const figures =
    show !== undefined
      ? ` at ${show.level}: ${pctText(show.delta)} [${pctText(show.lo)}, ${pctText(show.hi)}] (${show.method})`
      : ' (no level has this metric on both sides)';
  const word = verdict === 'fail' ? 'FAIL' : verdict === 'pass' ? 'pass' : 'too few samples';
  const rule =
    betterDirection(gate.metric) === 'higher' ? `may drop by at most ${pctText(-gate.limit, false)}` : `may grow by at most ${pctText(gate.limit, false)}`;
  return {
    gate: gate.text,
    verdict,
    levels: results,
    line: `gate ${gate.text} (${gate.metric}${gate.figure ? ` ${gate.figure}` : ''} ${rule}): ${word}${figures}`,
  };
}

/** The level whose interval comes closest to breaking the gate. */
function worst(results: readonly GateLevelResult[], gate: CompareGate): GateLevelResult | undefined {
  const judged = results.filter((r) => r.lo !== null && r.hi !== null);
  const higher = betterDirection(gate.metric) === 'higher';
  return judged.sort((a, b) => (higher ? a.hi! - b.hi! : b.lo! - a.lo!))[0];
}

export function pctText(v: number | null, signed = true): string {
  if (v === null || !Number.isFinite(v)) return '?';
  const text = `${(Math.abs(v) * 100).toFixed(Math.abs(v) < 0.1 ? 1 : 0)}%`;
  return signed ? `${v < 0 ? '−' : '+'}${text}` : text;
}

function side(label: string, runs: readonly RunSamples[]): CompareSide {
  return { label, dirs: runs.map((r) => r.view.dir), runs: runs.length, names: [...new Set(runs.map((r) => r.view.name))].join(', ') };
}

function headline(failed: readonly CompareGateResult[], rows: readonly CompareRow[], gates: readonly CompareGateResult[], changes: readonly string[]): string {
  const what = changes.length > 0 ? ` (changed: ${changes.join(', ')})` : '';
  if (failed.length > 0) return `REGRESSION: ${failed.length} of ${gates.length} gates failed${what}`;
  const slower = rows.filter((r) => r.comparison.verdict === 'slower');
  const few = rows.filter((r) => r.comparison.verdict === 'too few samples');
  if (slower.length > 0)
    return `No gate failed${what}; significantly slower within the thresholds: ${slower.map((r) => `${r.metric} at ${r.level} ${pctText(r.comparison.decisive.delta)}`).join(', ')}`;
  if (few.length === rows.length) return `Too few samples to tell${what}: ${few[0]?.comparison.needed?.text ?? ''}`;
  return `No significant regression${what}`;
}

function notes(
  confidence: number,
  nb: number,
  nc: number,
  levels: readonly CompareLevel[],
  diff: { workloadChanges: string[]; mixedKeys: string[] },
): string[] {
  const pct = `${+(confidence * 100).toFixed(2)}%`;
  const out = [
    `Centre: median; ± the ${pct} confidence interval of the median (order statistics). Differences: candidate vs baseline, Hodges-Lehmann shift of log values (a ratio) with the Moses ${pct} interval of the Mann-Whitney U test; "~" = the interval holds 0 (no significant difference).`,
    "Units: one per prompt (ok prompts only; warm-up, cached and failed prompts excluded); stepIntervalMs is summarised per prompt first (its median step), so a prompt's steps count once. Throughput is compared through the gaps between completions.",
    ...levels.filter((l) => l.batch > 1).map((l) => `${l.batchReason}, so each batch of ${l.batch} consecutive prompts counts as one unit (batch means).`),
    nb >= MIN_RUNS_BETWEEN && nc >= MIN_RUNS_BETWEEN
      ? `${nb}+${nc} runs: verdicts come from Welch's t test between runs (log run medians), which counts run-to-run variation (clocks, thermals).`
      : `${nb}+${nc} run(s): run-to-run variation (GPU clocks, thermals) is not measured; repeat each side ≥ ${MIN_RUNS_BETWEEN} times (--baseline a b c --candidate d e f) for a between-run test.`,
    `Gates fail only when the whole ${pct} interval lies beyond the threshold (p90/p95/p99 gates: moving-block bootstrap of the percentile ratio).`,
  ];
  if (diff.workloadChanges.length > 0)
    out.unshift(
      `DIFFERENT WORKLOADS (--allow-different-workflow): ${diff.workloadChanges.join(', ')} differ; the differences below are not an upgrade's alone.`,
    );
  if (diff.mixedKeys.length > 0) out.push(`Mixed fingerprints within a side: ${diff.mixedKeys.join(', ')}.`);
  return out;
}
