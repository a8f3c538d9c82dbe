/**
 * What report.html draws, computed from the results folder's files alone (summary.json,
 * levels.csv, requests.csv, vram.csv, histograms.hlog; open loop also queue.csv and targets.csv,
 * capacity also capacity.json) so `comfyload report` can render any past run again. Level charts
 * put the concurrency on x in a closed loop and the planned arrival rate (per min) in an open loop
 * or a capacity search. Chart series are plain arrays, embedded in the page as JSON; nothing here touches
 * a file or the network.
 */
import { readHlog, readHlogIntervals } from '../../metrics/hlog-reader.js';
import { METRICS, UNCORRECTED_TWIN } from '../../metrics/metric-names.js';
import type { CapacityResult, RunSummary } from '../../metrics/result-types.js';
import type { RunThresholdResult } from '../../metrics/run-thresholds.js';
import { VRAM_USED_DEFINITION } from '../../metrics/vram-stats.js';
import { vramSamplesFromRows } from '../vram-csv.js';
import { readResultsCsv } from './csv-read.js';
import { percentileDistribution } from './report-percentiles.js';
import { environmentRows, environmentText, warnings } from './report-environment.js';
import { capacityData, type CapacityData } from './report-capacity.js';
import { mixData, type MixData } from './report-mix.js';
import { headlineData, type Headline } from './report-headline.js';
import { overTimeData, type OverTime } from './report-over-time.js';
import {
  levelRatePerMin,
  openLoopRows,
  openLoopWarnings,
  perMinLabel,
  queueSeries,
  targetLevelRows,
  type OpenLoopRow,
  type QueueSeries,
  type TargetLevelRow,
} from './report-open-loop.js';

/** The files' text, as read by the CLI. Optional files may be missing from an older or cut-short run. */
export interface ReportFiles {
  summary: RunSummary;
  levelsCsv: string;
  requestsCsv: string;
  vramCsv?: string;
  hlog?: string;
  /** Open loop and capacity. */
  queueCsv?: string;
  /** Fleets. */
  targetsCsv?: string;
  /** Capacity: capacity.json's text (summary.json `capacity` when missing). */
  capacityJson?: string;
}

export type ReportMode = RunSummary['settings']['mode'];

/** HdrHistogram-plotter style: x = 1/(1−p) (log), one series per level (and variant), values ms. */
export interface PercentileDistribution {
  x: number[];
  series: { label: string; values: number[]; dashed: boolean }[];
}

/** The five figures of one metric, one entry per charted level. */
export interface PercentileSeries {
  p50: (number | null)[];
  p90: (number | null)[];
  p95: (number | null)[];
  p99: (number | null)[];
  max: (number | null)[];
}

export interface LatencyChart extends PercentileSeries {
  metric: string;
  description: string;
  /** x: one entry per charted level (concurrency, or planned rate per min), in level order. */
  x: number[];
  /** Open loop: the same figures from the actual send (the metric's uncorrected twin). */
  uncorrected: (PercentileSeries & { metric: string }) | null;
}

export interface LevelRow {
  level: number;
  concurrency: number;
  /** Open loop and capacity trials: the planned arrival rate, per min. */
  ratePerMin: number | null;
  /** The level's x in the level charts (concurrency or rate per min); null when not charted (the capacity probe). */
  x: number | null;
  /** `c=4`, `360/min`, `trial 3 1674/min fail`, `probe c=1`. */
  label: string;
  startedMs: number;
  endedMs: number;
  submitted: number;
  ok: number;
  notOk: number;
  outcomes: string;
  /** Prompts settled from /history: in the outcomes, not in the latencies (null in files before it was counted). */
  settledFromHistory: number | null;
  promptsPerSec: number | null;
  imagesPerMin: number | null;
  samplerStepsPerSec: number | null;
  completionP50Ms: number | null;
  completionP95Ms: number | null;
  samplerStartP50Ms: number | null;
  stepIntervalP50Ms: number | null;
  vramPeakBytes: number | null;
  vramP95Bytes: number | null;
}

/** One target's memory over the run: seconds since the run start, memory in GiB. */
export interface VramChart {
  /** The chart's element id: `vram` for target 0, `vram-t<i>` for the others. */
  id: string;
  target: number;
  /** `system-ram` on a CPU server (no torch figures; every series is the machine's RAM). */
  memory: 'vram' | 'system-ram';
  t: number[];
  used: number[];
  reserved: number[];
  active: number[];
  total: number[];
  ram: number[];
  inFlight: number[];
  device: string;
}

export interface ReportData {
  mode: ReportMode;
  /** What the level charts put on x. */
  levelAxis: { label: string; unit: string };
  title: string;
  subtitle: string;
  partial: string | null;
  environment: [string, string][];
  levels: LevelRow[];
  latency: LatencyChart[];
  /** HdrHistogram-plotter style: x = 1/(1−p) (log), one series per level, values ms. */
  stepDistribution: PercentileDistribution | null;
  /**
   * Open loop and capacity: completion time's percentile distribution per level, corrected (from
   * the intended send) and uncorrected (from the actual send) side by side, as wrk2 prints both.
   */
  coordinatedOmission: PercentileDistribution | null;
  /** One chart per target that has samples (the first target's has id `vram`); null without samples. */
  vram: VramChart[] | null;
  bands: { fromS: number; toS: number; label: string; phase: string }[];
  /** One entry per prompt, in submission order; seconds since the run start. */
  prompts: { seq: number[]; sentS: number[]; startS: (number | null)[]; endS: (number | null)[]; outcome: string[]; level: number[] };
  warnings: string[];
  notes: string[];
  /** Open loop: one row per level (Little's law, queue-wait slope, corrected vs uncorrected p99). */
  openLoop: OpenLoopRow[] | null;
  /** Open loop and capacity: queue.csv. */
  queue: QueueSeries | null;
  /** Fleets: each target's levels. */
  targets: TargetLevelRow[] | null;
  /** A mixed workload: each workflow's levels and the model swaps. */
  mix: MixData | null;
  capacity: CapacityData | null;
  /** `run --threshold`: each rule's verdict line; null when none was given. */
  thresholds: RunThresholdResult[] | null;
  /** The answer in one sentence, the run's gates and the error rate per level. */
  headline: Headline;
  /** Throughput, completion p50/p95 and RAM per .hlog window, with the drift verdict; null for short runs. */
  overTime: OverTime | null;
}

const GIB = 2 ** 30;
const FIGURES = ['p50', 'p90', 'p95', 'p99', 'max'] as const;

export function buildReportData(files: ReportFiles): ReportData {
  const s = files.summary;
  const mode = s.settings.mode;
  const byRate = mode !== 'closed-loop';
  const capacity = mode === 'capacity' ? capacityOf(files) : null;
  const levelRows = readResultsCsv(files.levelsCsv).rows.filter((r) => r.phase === 'measure');
  const levels = levelRowsOf(s, levelRows, byRate, capacity);
  const hlog = files.hlog !== undefined ? readHlog(files.hlog) : undefined;
  const okPerSec = new Map(levels.map((l) => [l.level, l.promptsPerSec]));
  const targets = s.targets.length > 1 ? targetLevelRows(s, files.targetsCsv) : [];
  return {
    mode,
    levelAxis: byRate ? { label: 'planned arrival rate (prompts/min)', unit: '/min' } : { label: 'concurrency (virtual users, one socket each)', unit: '' },
    title: `comfyload · ${s.name}`,
    subtitle: `${environmentText(s.environment).gpu ?? 'unknown GPU'} · ${environmentText(s.environment).modelConfigSlug ?? ''} · ${s.startedAt} · ${(s.durationMs / 1000).toFixed(1)} s`,
    partial: s.partial ? (s.partialReason ?? 'stopped early') : null,
    environment: environmentRows(s),
    levels,
    latency: latencyCharts(levelRows, levels, byRate),
    stepDistribution: hlog !== undefined ? percentileDistribution(hlog, levels, [{ metric: 'stepIntervalMs', suffix: '', dashed: false }]) : null,
    coordinatedOmission:
      hlog !== undefined && byRate
        ? percentileDistribution(
            hlog,
            levels.filter((l) => l.x !== null),
            [
              { metric: 'completionMs', suffix: ' corrected', dashed: false },
              { metric: 'completionUncorrectedMs', suffix: ' uncorrected', dashed: true },
            ],
          )
        : null,
    vram: files.vramCsv !== undefined ? vramSeries(files.vramCsv) : null,
    bands: levelBands(s, levels),
    prompts: promptTimeline(readResultsCsv(files.requestsCsv).rows),
    warnings: [...warnings(s), ...openLoopWarnings(s)],
    openLoop: mode === 'open-loop' && s.openLoop !== undefined ? openLoopRows(s, okPerSec) : null,
    queue: files.queueCsv !== undefined ? queueSeries(files.queueCsv, s) : null,
    targets: targets.length > 0 ? targets : null,
    mix: mixData(s),
    capacity,
    thresholds: s.thresholds !== undefined && s.thresholds.length > 0 ? s.thresholds : null,
    notes: notes(mode, capacity),
    headline: headlineData(s, levels),
    overTime:
      files.hlog !== undefined
        ? overTimeData(s, readHlogIntervals(files.hlog), files.vramCsv !== undefined ? vramSamplesFromRows(readResultsCsv(files.vramCsv).rows) : [])
        : null,
  };
}

const num = (v: string | undefined): number | null => (v === undefined || v === '' || !Number.isFinite(Number(v)) ? null : Number(v));

/** levels.csv's measured rows as the report's level rows, labelled by concurrency, rate or trial. */
function levelRowsOf(s: RunSummary, levelRows: Record<string, string>[], byRate: boolean, capacity: CapacityData | null): LevelRow[] {
  const trialLabel = new Map((capacity?.trials ?? []).map((t) => [t.level, t.label]));
  return levelRows.map((r) => {
    const level = Number(r.level);
    const concurrency = Number(r.concurrency);
    const ratePerMin = byRate ? levelRatePerMin(s, level) : null;
    const label = ratePerMin === null ? (byRate ? `probe c=${concurrency}` : `c=${concurrency}`) : (trialLabel.get(level) ?? perMinLabel(ratePerMin));
    return {
      level,
      concurrency,
      ratePerMin,
      x: byRate ? ratePerMin : concurrency,
      label,
      startedMs: Number(r.startedMs),
      endedMs: Number(r.endedMs),
      submitted: Number(r.submitted),
      ok: Number(r.ok),
      notOk: Number(r.notOk),
      outcomes: r.outcomes ?? '',
      settledFromHistory: num(r.settledFromHistory),
      promptsPerSec: num(r.promptsPerSec),
      imagesPerMin: num(r.imagesPerMin),
      samplerStepsPerSec: num(r.samplerStepsPerSec),
      completionP50Ms: num(r.completionMs_p50),
      completionP95Ms: num(r.completionMs_p95),
      samplerStartP50Ms: num(r.samplerStartMs_p50),
      stepIntervalP50Ms: num(r.stepIntervalMs_p50),
      vramPeakBytes: num(r.vramUsedPeakBytes),
      vramP95Bytes: num(r.vramUsedP95Bytes),
    };
  });
}

/** One chart per metric with samples: its percentiles per charted level (the capacity probe has no rate and no x). */
function latencyCharts(levelRows: Record<string, string>[], levels: LevelRow[], byRate: boolean): LatencyChart[] {
  const charted = levelRows.map((r, i) => ({ r, x: levels[i]!.x })).filter((c): c is { r: Record<string, string>; x: number } => c.x !== null);
  const figures = (metric: string): PercentileSeries => {
    const out: PercentileSeries = { p50: [], p90: [], p95: [], p99: [], max: [] };
    for (const { r } of charted) for (const f of FIGURES) out[f].push(num(r[`${metric}_${f}`]));
    return out;
  };
  const hasSamples = (metric: string): boolean => charted.some(({ r }) => Number(r[`${metric}_count`] ?? 0) > 0);
  const latency: LatencyChart[] = [];
  for (const metric of METRICS) {
    // An uncorrected twin is drawn inside its corrected metric's chart, not on its own.
    if (metric.correction === 'uncorrected' || !hasSamples(metric.name)) continue;
    const twin = UNCORRECTED_TWIN[metric.name];
    latency.push({
      metric: metric.name,
      // Closed loop sends when the previous prompt ends: there is no intended send to speak of.
      description: byRate
        ? metric.description.replace('POST sent (open loop: intended send)', 'intended send')
        : metric.description.replace(' (open loop: intended send)', ''),
      x: charted.map((c) => c.x),
      ...figures(metric.name),
      uncorrected: twin !== undefined && hasSamples(twin) ? { metric: twin, ...figures(twin) } : null,
    });
  }
  return latency;
}

/** Each prompt's send, start and end (s since the run start), for the queue/execution timeline. */
function promptTimeline(requests: Record<string, string>[]): ReportData['prompts'] {
  const sec = (v: string | undefined): number | null => {
    const n = num(v);
    return n === null ? null : n / 1000;
  };
  const prompts: ReportData['prompts'] = { seq: [], sentS: [], startS: [], endS: [], outcome: [], level: [] };
  for (const r of [...requests].sort((a, b) => Number(a.seq) - Number(b.seq))) {
    const sent = sec(r.sentMs) ?? sec(r.intendedSendMs);
    if (sent === null) continue;
    prompts.seq.push(Number(r.seq));
    prompts.sentS.push(sent);
    prompts.startS.push(sec(r.executionStartMs));
    prompts.endS.push(sec(r.completedMs));
    prompts.outcome.push(r.outcome ?? '');
    prompts.level.push(r.phase === 'warmup' ? -1 : Number(r.level));
  }
  return prompts;
}

/** The time band of each level (and the warm-up) on the timelines. */
function levelBands(s: RunSummary, levels: LevelRow[]): ReportData['bands'] {
  const bands = levels.map((l) => ({ fromS: l.startedMs / 1000, toS: l.endedMs / 1000, label: l.label, phase: 'measure' }));
  if (s.warmup !== null && s.warmup.submitted > 0)
    bands.unshift({ fromS: s.warmup.startedMs / 1000, toS: s.warmup.endedMs / 1000, label: 'warm-up', phase: 'warmup' });
  return bands;
}

function capacityOf(files: ReportFiles): CapacityData | null {
  let result: CapacityResult | undefined = files.summary.capacity;
  if (files.capacityJson !== undefined) result = JSON.parse(files.capacityJson) as CapacityResult;
  return result === undefined ? null : capacityData(result);
}

function notes(mode: ReportMode, capacity: CapacityData | null): string[] {
  const out = [
    `VRAM "used" = ${VRAM_USED_DEFINITION}.`,
    mode === 'closed-loop'
      ? 'Latencies are read from HDR histograms (µs resolution, 3 significant digits) and measured with a monotonic clock; closed loop: each virtual user waits for its prompt before sending the next.'
      : 'Latencies are read from HDR histograms (µs resolution, 3 significant digits) and measured with a monotonic clock; open loop: prompts are sent at the planned times whether or not earlier ones finished.',
    'Throughput counts ok prompts only; images/min counts batch size; sampler steps/s = steps × prompts / wall time.',
  ];
  if (mode !== 'closed-loop') {
    out.push(
      'Coordinated omission: queue wait, time to first step and completion count from the intended send time of the rate plan (corrected, solid lines), so a stalled server cannot hide; the dashed lines count from the actual send (uncorrected). A gap between them means sends ran late.',
      "Little's law: the mean server queue depth (time-averaged queue_remaining from queue.csv) should equal throughput × mean time in the server (POST sent → completion); it holds within the stated tolerance when the queue samples are dense enough and no other client shares the server.",
      'Queue-wait slope: least-squares slope of corrected queue wait against the intended send time, in ms of wait added per second. ≈ 0 below saturation; ≈ (λ/μ − 1) × 1000 above it (λ arrival rate, μ service rate).',
    );
  }
  if (capacity !== null) out.push(...capacity.rules.map((r) => `Capacity ${r}`));
  return out;
}

function vramSeries(text: string): ReportData['vram'] {
  const samples = vramSamplesFromRows(readResultsCsv(text).rows);
  const targets = [...new Set(samples.map((x) => x.target ?? 0))].sort((a, b) => a - b);
  if (targets.length === 0) return null;
  const g = (b: number | undefined): number => Math.round(((b ?? 0) / GIB) * 1000) / 1000;
  return targets.map((target): VramChart => {
    const of = samples.filter((x) => (x.target ?? 0) === target);
    return {
      id: target === 0 ? 'vram' : `vram-t${target}`,
      target,
      memory: of[0]?.devices[0]?.memory ?? 'vram',
      t: of.map((x) => x.atMs / 1000),
      used: of.map((x) => g(x.devices[0]?.vramUsedBytes)),
      reserved: of.map((x) => g(x.devices[0]?.torchReservedBytes)),
      active: of.map((x) => g(x.devices[0]?.torchActiveBytes)),
      total: of.map((x) => g(x.devices[0]?.vramTotalBytes)),
      ram: of.map((x) => g(x.ramUsedBytes)),
      inFlight: of.map((x) => x.inFlight),
      device: of[0]?.devices[0]?.name ?? '',
    };
  });
}
