/**
 * Figures from VRAM samples: per level (peak, mean, p95 of used VRAM), per prompt (peak during
 * its execution) and per run (drift slope in MB per 100 prompts, flagged when memory keeps
 * growing — the leak pattern users report over many API prompts, ComfyUI#5951, #6494, #11617).
 *
 * Every figure is of the primary device (the first of `/system_stats` `devices`, the one a
 * ComfyUI process runs on); vram.csv keeps every device. "Used" is `vram_total − vram_free`,
 * which counts torch's reserved-but-unused pool as free, unlike nvidia-smi.
 */
import { linearFit } from './statistics.js';
import type { VramDrift, VramFigures, VramSample } from './result-types.js';

export const VRAM_USED_DEFINITION =
  'vramUsedBytes = vram_total − vram_free from /system_stats: it counts memory torch has reserved but not handed out as free, so it reads lower than nvidia-smi (which counts the whole reserved pool as used)';

/** Fewer fitted prompts than this never flag: a short run cannot tell a leak from a model load. */
export const DRIFT_MIN_PROMPTS = 20;
/** Growth below this many MB per 100 prompts is not flagged (allocator noise, small caches). */
export const DRIFT_MIN_SLOPE_MB = 16;
/** The fit must explain at least this share of the variance: steady growth, not noise. */
export const DRIFT_MIN_R2 = 0.5;

export const DRIFT_RULE =
  `flagged when ≥ ${DRIFT_MIN_PROMPTS} measured prompts were fitted, the slope is ≥ ${DRIFT_MIN_SLOPE_MB} MB per 100 prompts, ` +
  `R² ≥ ${DRIFT_MIN_R2}, and each half of the run on its own also grows by ≥ ${DRIFT_MIN_SLOPE_MB / 2} MB per 100 prompts ` +
  '(one model load or a single step up does not grow in both halves); y = used VRAM at the first sample after each prompt completes, x = completion order';

const MB = 1024 * 1024;

/** Used VRAM of the primary device in a sample (0 when the server listed no device). */
export function primaryUsedBytes(sample: VramSample): number {
  return sample.devices[0]?.vramUsedBytes ?? 0;
}

/** Figures over the samples with `fromMs <= atMs <= toMs` (all when no bounds); undefined without samples. */
export function vramFigures(samples: readonly VramSample[], fromMs = -Infinity, toMs = Infinity): VramFigures | undefined {
  const used: number[] = [];
  let reserved = 0;
  let active = 0;
  let ram = 0;
  for (const s of samples) {
    if (s.atMs < fromMs || s.atMs > toMs) continue;
    used.push(primaryUsedBytes(s));
    reserved = Math.max(reserved, s.devices[0]?.torchReservedBytes ?? 0);
    active = Math.max(active, s.devices[0]?.torchActiveBytes ?? 0);
    ram = Math.max(ram, s.ramUsedBytes);
  }
  if (used.length === 0) return undefined;
  const sorted = [...used].sort((a, b) => a - b);
  const sum = used.reduce((a, b) => a + b, 0);
  return {
    samples: used.length,
    peakUsedBytes: sorted[sorted.length - 1] ?? 0,
    meanUsedBytes: Math.round(sum / used.length),
    p95UsedBytes: nearestRank(sorted, 95),
    peakTorchReservedBytes: reserved,
    peakTorchActiveBytes: active,
    peakRamUsedBytes: ram,
  };
}

/** Nearest-rank percentile of sorted values. */
export function nearestRank(sorted: readonly number[], percentile: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((percentile / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))] ?? Number.NaN;
}

/** Index of the first sample with `atMs >= t` in samples sorted by time. */
export function firstSampleAtOrAfter(samples: readonly VramSample[], t: number): number {
  let lo = 0;
  let hi = samples.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((samples[mid]?.atMs ?? Infinity) < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Highest used VRAM among samples in [startMs, endMs] (samples sorted by time); undefined if none. */
export function promptVramPeak(samples: readonly VramSample[], startMs: number, endMs: number): number | undefined {
  let peak: number | undefined;
  for (let i = firstSampleAtOrAfter(samples, startMs); i < samples.length; i++) {
    const s = samples[i];
    if (s === undefined || s.atMs > endMs) break;
    peak = Math.max(peak ?? 0, primaryUsedBytes(s));
  }
  return peak;
}

/**
 * Drift of used VRAM over the measured prompts: for each prompt (in completion order) the used
 * VRAM at the first sample at or after its completion, fitted linearly against its position.
 * Samples must be sorted by time. Undefined when fewer than 2 prompts have such a sample.
 */
export function vramDrift(samples: readonly VramSample[], completedMs: readonly number[]): VramDrift | undefined {
  const ordered = [...completedMs].sort((a, b) => a - b);
  const ys: number[] = [];
  for (const t of ordered) {
    const s = samples[firstSampleAtOrAfter(samples, t)];
    if (s !== undefined) ys.push(primaryUsedBytes(s) / MB);
  }
  const xs = ys.map((_, i) => i);
  const fit = linearFit(xs, ys);
  if (fit === undefined) return undefined;
  const half = Math.floor(ys.length / 2);
  const first = linearFit(xs.slice(0, half), ys.slice(0, half));
  const second = linearFit(xs.slice(half), ys.slice(half));
  const slope = fit.slope * 100;
  const halvesGrow = first !== undefined && second !== undefined && first.slope * 100 >= DRIFT_MIN_SLOPE_MB / 2 && second.slope * 100 >= DRIFT_MIN_SLOPE_MB / 2;
  return {
    prompts: ys.length,
    slopeMbPer100Prompts: round3(slope),
    r2: round3(fit.r2),
    flagged: ys.length >= DRIFT_MIN_PROMPTS && slope >= DRIFT_MIN_SLOPE_MB && fit.r2 >= DRIFT_MIN_R2 && halvesGrow,
    rule: DRIFT_RULE,
  };
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}
