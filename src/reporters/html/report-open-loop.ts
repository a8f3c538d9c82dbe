/**
 * The open-loop parts of report.html's data, from the results files alone: each level's
 * Little's-law check and queue-wait slope (summary.json `openLoop`), the server queue depth over
 * time (queue.csv, one series per target), a fleet's per-target levels (targets.csv, else
 * summary.json `targetLevels`) and the warnings an arrival-rate run calls for (dropped arrivals,
 * Little's law off, a queue that keeps growing).
 */
import { levelName } from '../../metrics/level-number.js';
import type { LevelSummary, OpenLoopLevelReport, RunSummary } from '../../metrics/result-types.js';
import { readCsvTable, readResultsCsv } from './csv-read.js';

/** One row of the open-loop table: the level's report plus its label and ok throughput. */
export interface OpenLoopRow extends OpenLoopLevelReport {
  label: string;
  ratePerMin: number;
  offeredPerMin: number;
  /** ok prompts per minute of the level (levels.csv promptsPerSec × 60). */
  okPerMin: number | null;
}

/** Queue depth (`queue_remaining`) over time; x in s since the run start, one series per target. */
export interface QueueSeries {
  t: number[];
  /** Per target, the depth last reported at each t (a step function: carried forward). */
  depth: (number | null)[][];
  targetLabels: string[];
  /** Σ over targets at each t, present with several targets. */
  total: number[] | null;
}

/** One (target, level) of a fleet. */
export interface TargetLevelRow {
  target: number;
  targetLabel: string;
  level: number;
  label: string;
  ratePerMin: number | null;
  submitted: number;
  ok: number;
  notOk: number;
  okPerMin: number | null;
  completionP50Ms: number | null;
  completionP95Ms: number | null;
  completionP99Ms: number | null;
  queueWaitP95Ms: number | null;
  stepIntervalP50Ms: number | null;
}

/** The planned rate of a level, per min, from summary.json (levels.csv has no rate column). */
export function levelRatePerMin(s: RunSummary, level: number): number | null {
  const perSec = s.levels.find((l) => l.level === level)?.ratePerSec ?? s.openLoop?.find((r) => r.level === level)?.ratePerSec;
  return perSec === undefined ? null : perSec * 60;
}

/** `12/min` with as few digits as the rate needs. */
export function perMinLabel(ratePerMin: number): string {
  const digits = ratePerMin >= 100 ? 0 : ratePerMin >= 10 ? 1 : 2;
  return `${Number(ratePerMin.toFixed(digits))}/min`;
}

export function openLoopRows(s: RunSummary, okPerSecByLevel: ReadonlyMap<number, number | null>): OpenLoopRow[] {
  return (s.openLoop ?? []).map((r) => {
    const okPerSec = okPerSecByLevel.get(r.level);
    return {
      ...r,
      label: perMinLabel(r.ratePerSec * 60),
      ratePerMin: r.ratePerSec * 60,
      offeredPerMin: r.offeredPerSec * 60,
      okPerMin: okPerSec === undefined || okPerSec === null ? null : okPerSec * 60,
    };
  });
}

export function queueSeries(text: string, s: RunSummary): QueueSeries | null {
  const rows = readCsvTable(text)
    .rows.map((r) => ({ target: Number(r.target), atMs: Number(r.atMs), depth: Number(r.queueRemaining) }))
    .filter((r) => Number.isInteger(r.target) && r.target >= 0 && Number.isFinite(r.atMs) && Number.isFinite(r.depth))
    .sort((a, b) => a.atMs - b.atMs);
  if (rows.length === 0) return null;
  const targetCount = Math.max(s.targets.length, ...rows.map((r) => r.target + 1));
  const last: (number | null)[] = Array.from({ length: targetCount }, () => null);
  const t: number[] = [];
  const depth: (number | null)[][] = last.map(() => []);
  for (const r of rows) {
    last[r.target] = r.depth;
    // Samples at the same ms collapse into one point holding every target's latest depth.
    if (t.length > 0 && t[t.length - 1] === r.atMs / 1000) {
      for (const [i, d] of last.entries()) depth[i]![t.length - 1] = d;
      continue;
    }
    t.push(r.atMs / 1000);
    for (const [i, d] of last.entries()) depth[i]!.push(d);
  }
  const total = targetCount > 1 ? t.map((_, k) => depth.reduce((sum, series) => sum + (series[k] ?? 0), 0)) : null;
  return { t, depth, targetLabels: depth.map((_, i) => targetLabel(s, i)), total };
}

export function targetLabel(s: RunSummary, index: number): string {
  const t = s.targets[index];
  return t === undefined ? `target ${index}` : `target ${index} (${t.url})`;
}

export function targetLevelRows(s: RunSummary, targetsCsv: string | undefined): TargetLevelRow[] {
  const num = (v: string | undefined): number | null => (v === undefined || v === '' || !Number.isFinite(Number(v)) ? null : Number(v));
  const row = (target: number, level: number, r: (key: string) => number | null): TargetLevelRow => {
    const ratePerMin = levelRatePerMin(s, level);
    const okPerSec = r('promptsPerSec');
    return {
      target,
      targetLabel: targetLabel(s, target),
      level,
      label: ratePerMin === null ? levelName(level) : perMinLabel(ratePerMin),
      ratePerMin,
      submitted: r('submitted') ?? 0,
      ok: r('ok') ?? 0,
      notOk: r('notOk') ?? 0,
      okPerMin: okPerSec === null ? null : okPerSec * 60,
      completionP50Ms: r('completionMs_p50'),
      completionP95Ms: r('completionMs_p95'),
      completionP99Ms: r('completionMs_p99'),
      queueWaitP95Ms: r('queueWaitMs_p95'),
      stepIntervalP50Ms: r('stepIntervalMs_p50'),
    };
  };
  if (targetsCsv !== undefined) {
    return readResultsCsv(targetsCsv)
      .rows.filter((x) => x.phase === 'measure')
      .map((x) => row(Number(x.target), Number(x.level), (key) => num(x[key])));
  }
  const out: TargetLevelRow[] = [];
  for (const [target, levels] of (s.targetLevels ?? []).entries()) {
    for (const l of levels) if (l.phase === 'measure') out.push(row(target, l.level, (key) => fromSummary(l, key)));
  }
  return out.sort((a, b) => a.level - b.level || a.target - b.target);
}

function fromSummary(l: LevelSummary, key: string): number | null {
  if (key === 'promptsPerSec') return l.throughput.promptsPerSec;
  if (key === 'submitted' || key === 'ok' || key === 'notOk') return l[key];
  const [metric, figure] = key.split('_') as [keyof LevelSummary['metrics'], 'p50' | 'p95' | 'p99'];
  return l.metrics[metric]?.[figure] ?? null;
}

/** A queue-wait slope above this (ms of wait per s) with a clean fit is a level past saturation. */
const SATURATED_SLOPE_MS_PER_SEC = 50;

/** What an arrival-rate run should flag: drops, Little's law off, a queue that kept growing. */
export function openLoopWarnings(s: RunSummary): string[] {
  const out: string[] = [];
  const reports = s.openLoop ?? [];
  const dropped = reports.reduce((n, r) => n + r.dropped, 0);
  if (dropped > 0) {
    const arrivals = reports.reduce((n, r) => n + r.arrivals, 0);
    const levels = reports.filter((r) => r.dropped > 0).map((r) => `${perMinLabel(r.ratePerSec * 60)}: ${r.dropped} of ${r.arrivals}`);
    const cap = s.settings.openLoop?.maxInFlight;
    out.push(
      `${dropped} of ${arrivals} arrivals were dropped (${levels.join(', ')}): they found ${cap ?? '--max-in-flight'} prompts outstanding and were not sent — the client-side sign of saturation (k6's dropped_iterations).`,
    );
  }
  for (const r of reports) {
    const slope = r.queueWaitSlopeMsPerSec;
    if (slope !== undefined && slope > SATURATED_SLOPE_MS_PER_SEC && (r.queueWaitSlopeR2 ?? 0) >= 0.8) {
      out.push(
        `${perMinLabel(r.ratePerSec * 60)}: queue wait grew ${slope.toFixed(0)} ms per second of arrivals (R² ${(r.queueWaitSlopeR2 ?? 0).toFixed(2)}): arrivals outpace the server, latency keeps rising as long as the rate lasts.`,
      );
    }
    const l = r.littleLaw;
    if (l !== undefined && !l.holds) {
      out.push(
        `${perMinLabel(r.ratePerSec * 60)}: Little's law is off by ${((l.ratio - 1) * 100).toFixed(0)}% (mean queue depth ${l.meanInSystem.toFixed(2)} vs throughput × time in the server ${l.predicted.toFixed(2)}): queue samples too sparse, or prompts of other clients on the server.`,
      );
    }
  }
  return out;
}
