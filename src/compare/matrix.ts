/**
 * "Which GPU should we buy": every run under a folder, one row per GPU × model configuration
 * (× ComfyUI version where runs of one configuration differ), its runs pooled (counts and
 * durations added, prompts' values pooled; never averages of percentiles). Columns: throughput
 * at the best level with its spread over runs, images/min there, sampler step time p50 at the
 * lowest concurrency (s/it and it/s: the median over prompts of each prompt's median step
 * interval, not steps × batch / wall time), completion p50/p95 at the lowest concurrency, VRAM
 * peak and, with prices, the cost per 1,000 images. Runs whose fingerprints differ within a row
 * are flagged.
 */
import { quantile } from '../metrics/block-bootstrap.js';
import { median } from '../metrics/compare-stats.js';
import { priceFor, type GpuPrice, type MatrixResult, type MatrixRow, type MatrixSortColumn } from '../metrics/matrix-types.js';
import { fingerprintDiff } from './fingerprint-diff.js';
import type { RunSamples } from './run-samples.js';

export function buildMatrix(runs: readonly RunSamples[], options: { prices?: readonly GpuPrice[]; sort: MatrixSortColumn }): MatrixResult {
  const groups = new Map<string, RunSamples[]>();
  const versionsOf = new Map<string, Set<string>>();
  for (const run of runs) {
    const env = run.view.environment;
    const config = `${env.gpuSlug ?? env.gpu ?? '?'}|${env.modelConfigSlug ?? env.workflowSha256 ?? '?'}`;
    const versions = versionsOf.get(config) ?? new Set<string>();
    versions.add(env.comfyuiVersion ?? '?');
    versionsOf.set(config, versions);
  }
  for (const run of runs) {
    const env = run.view.environment;
    const config = `${env.gpuSlug ?? env.gpu ?? '?'}|${env.modelConfigSlug ?? env.workflowSha256 ?? '?'}`;
    // ComfyUI version splits a configuration only where its runs differ in it.
    const key = (versionsOf.get(config)?.size ?? 1) > 1 ? `${config}|${env.comfyuiVersion ?? '?'}` : config;
    const list = groups.get(key) ?? [];
    list.push(run);
    groups.set(key, list);
  }
  const rows = [...groups.values()].map((g) => matrixRow(g, options.prices ?? []));
  return { kind: 'comfyload-matrix', sort: options.sort, rows: sortRows(rows, options.sort), notes: MATRIX_NOTES };
}

const MATRIX_NOTES = [
  "Throughput: ok prompts per second at the level with the highest pooled throughput (Σ ok / Σ level duration over the runs); ± half the range of the runs' own throughput at that level.",
  "Step time: sampler step interval p50 at the lowest concurrency measured: the median over prompts of each prompt's median interval between progress events (s/it), and its inverse (it/s). Not steps × batch / wall time, so it compares GPUs, not queues.",
  'Completion p50/p95: POST sent → completion at the lowest concurrency (c=1 when measured), the prompts of every run pooled.',
  "VRAM peak: the highest used-VRAM sample of any level (vram_total − vram_free; not nvidia-smi's figure).",
  'Cost per 1,000 images: price per hour × 1000 / (images per minute at the best level × 60).',
];

function matrixRow(group: readonly RunSamples[], prices: readonly GpuPrice[]): MatrixRow {
  const env = group[0]!.view.environment;
  const keys = [...new Set(group.flatMap((r) => [...r.levels.keys()]))];
  const pooledRate = (key: string, field: 'promptsPerSec' | 'imagesPerMin'): number => {
    const levels = group.map((r) => r.levels.get(key)?.level).filter((l) => l !== undefined);
    const ms = levels.reduce((n, l) => n + l.durationMs, 0);
    const perMs = field === 'promptsPerSec' ? 1000 : 60_000;
    const amount = levels.reduce((n, l) => n + (l[field] * l.durationMs) / perMs, 0);
    return ms > 0 ? (amount / ms) * perMs : 0;
  };
  const best = keys.sort((a, b) => pooledRate(b, 'promptsPerSec') - pooledRate(a, 'promptsPerSec'))[0] ?? '–';
  const runRates = group.map((r) => r.levels.get(best)?.level.promptsPerSec).filter((v): v is number => v !== undefined);
  const mean = runRates.reduce((s, v) => s + v, 0) / Math.max(1, runRates.length);
  const lowest = [...keys].sort((a, b) => concurrencyOf(group, a) - concurrencyOf(group, b))[0];
  const pooled = (key: string | undefined, metric: string): number[] =>
    key === undefined ? [] : group.flatMap((r) => r.levels.get(key)?.units.get(metric) ?? []);
  const steps = pooled(lowest, 'stepIntervalMs');
  const completion = pooled(lowest, 'completionMs');
  const stepMs = steps.length > 0 ? median(steps) : null;
  const vram = group.flatMap((r) => [...r.levels.values()].map((l) => l.level.vramPeakBytes)).filter((v): v is number => v !== undefined);
  const imagesPerMin = pooledRate(best, 'imagesPerMin');
  const price = priceFor(prices, env.gpuSlug ?? '');
  const mixed =
    group.length > 1
      ? fingerprintDiff(
          group.map((r) => r.view),
          group.map((r) => r.view),
        ).mixedKeys
      : [];
  return {
    gpu: env.gpu ?? '?',
    gpuSlug: env.gpuSlug ?? '?',
    modelConfig: env.modelConfigSlug ?? '?',
    comfyuiVersion: env.comfyuiVersion ?? '?',
    runs: group.length,
    dirs: group.map((r) => r.view.dir),
    bestLevel: best,
    promptsPerSec: pooledRate(best, 'promptsPerSec'),
    promptsPerSecSpread: runRates.length > 1 && mean > 0 ? (Math.max(...runRates) - Math.min(...runRates)) / 2 / mean : null,
    imagesPerMin,
    stepSecPerIt: stepMs === null ? null : stepMs / 1000,
    stepItPerSec: stepMs === null || stepMs <= 0 ? null : 1000 / stepMs,
    completionLevel: lowest ?? null,
    completionP50Ms: completion.length > 0 ? quantile(completion, 0.5) : null,
    completionP95Ms: completion.length > 0 ? quantile(completion, 0.95) : null,
    vramPeakBytes: vram.length > 0 ? Math.max(...vram) : null,
    pricePerHour: price?.perHour ?? null,
    costPer1000Images: price !== undefined && imagesPerMin > 0 ? (price.perHour * 1000) / (imagesPerMin * 60) : null,
    mixed,
  };
}

function concurrencyOf(group: readonly RunSamples[], key: string): number {
  for (const r of group) {
    const l = r.levels.get(key)?.level;
    if (l !== undefined) return l.ratePerSec !== undefined ? l.ratePerSec * 1e6 : l.concurrency;
  }
  return Number.POSITIVE_INFINITY;
}

/** Best first: highest throughput or images/min; lowest step time, completion, VRAM or cost; GPU by name. */
function sortRows(rows: MatrixRow[], sort: MatrixSortColumn): MatrixRow[] {
  const last = (v: number | null, dir: 1 | -1): number => (v === null ? Number.POSITIVE_INFINITY : dir * v);
  const by: Record<MatrixSortColumn, (r: MatrixRow) => number | string> = {
    throughput: (r) => -r.promptsPerSec,
    images: (r) => -r.imagesPerMin,
    step: (r) => last(r.stepSecPerIt, 1),
    completion: (r) => last(r.completionP50Ms, 1),
    vram: (r) => last(r.vramPeakBytes, 1),
    cost: (r) => last(r.costPer1000Images, 1),
    gpu: (r) => `${r.gpu}|${r.modelConfig}`,
  };
  const key = by[sort];
  return [...rows].sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    return typeof ka === 'string' ? ka.localeCompare(String(kb)) : ka - (kb as number);
  });
}
