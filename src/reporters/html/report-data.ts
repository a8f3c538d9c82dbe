/**
 * What report.html draws, computed from the results folder's files alone (summary.json,
 * levels.csv, requests.csv, vram.csv, histograms.hlog) so `comfyload report` can render any past
 * run again. Chart series are plain arrays, embedded in the page as JSON; nothing here touches
 * a file or the network.
 */
import { readHlog } from '../../metrics/hlog-reader.js';
import { mergeHistograms, US_PER_MS } from '../../metrics/hdr.js';
import { parseTag } from '../../metrics/histogram-key.js';
import { METRICS } from '../../metrics/metric-names.js';
import type { RunSummary } from '../../metrics/result-types.js';
import { VRAM_USED_DEFINITION } from '../../metrics/vram-stats.js';
import { vramSamplesFromRows } from '../vram-csv.js';
import { readCsvTable } from './csv-read.js';

/** The files' text, as read by the CLI. Optional files may be missing from an older or cut-short run. */
export interface ReportFiles {
  summary: RunSummary;
  levelsCsv: string;
  requestsCsv: string;
  vramCsv?: string;
  hlog?: string;
}

export interface LatencyChart {
  metric: string;
  description: string;
  /** x: one entry per measured level, in level order. */
  concurrency: number[];
  p50: (number | null)[];
  p90: (number | null)[];
  p95: (number | null)[];
  p99: (number | null)[];
  max: (number | null)[];
}

export interface LevelRow {
  level: number;
  concurrency: number;
  startedMs: number;
  endedMs: number;
  submitted: number;
  ok: number;
  notOk: number;
  outcomes: string;
  promptsPerSec: number | null;
  imagesPerMin: number | null;
  samplerStepsPerSec: number | null;
  completionP50Ms: number | null;
  completionP95Ms: number | null;
  stepIntervalP50Ms: number | null;
  vramPeakBytes: number | null;
  vramP95Bytes: number | null;
}

export interface ReportData {
  title: string;
  subtitle: string;
  partial: string | null;
  environment: [string, string][];
  levels: LevelRow[];
  latency: LatencyChart[];
  /** HdrHistogram-plotter style: x = 1/(1−p) (log), one series per level, values ms. */
  stepDistribution: { x: number[]; series: { label: string; values: number[] }[] } | null;
  /** Seconds since the run start; memory in GiB. */
  vram: {
    t: number[];
    used: number[];
    reserved: number[];
    active: number[];
    total: number[];
    ram: number[];
    inFlight: number[];
    device: string;
  } | null;
  bands: { fromS: number; toS: number; label: string; phase: string }[];
  /** One entry per prompt, in submission order; seconds since the run start. */
  prompts: { seq: number[]; sentS: number[]; startS: (number | null)[]; endS: (number | null)[]; outcome: string[]; level: number[] };
  warnings: string[];
  notes: string[];
}

const GIB = 2 ** 30;
const FIGURES = ['p50', 'p90', 'p95', 'p99', 'max'] as const;

export function buildReportData(files: ReportFiles): ReportData {
  const s = files.summary;
  const levelRows = readCsvTable(files.levelsCsv).rows.filter((r) => r.phase === 'measure');
  const num = (v: string | undefined): number | null => (v === undefined || v === '' || !Number.isFinite(Number(v)) ? null : Number(v));
  const levels: LevelRow[] = levelRows.map((r) => ({
    level: Number(r.level),
    concurrency: Number(r.concurrency),
    startedMs: Number(r.startedMs),
    endedMs: Number(r.endedMs),
    submitted: Number(r.submitted),
    ok: Number(r.ok),
    notOk: Number(r.notOk),
    outcomes: r.outcomes ?? '',
    promptsPerSec: num(r.promptsPerSec),
    imagesPerMin: num(r.imagesPerMin),
    samplerStepsPerSec: num(r.samplerStepsPerSec),
    completionP50Ms: num(r.completionMs_p50),
    completionP95Ms: num(r.completionMs_p95),
    stepIntervalP50Ms: num(r.stepIntervalMs_p50),
    vramPeakBytes: num(r.vramUsedPeakBytes),
    vramP95Bytes: num(r.vramUsedP95Bytes),
  }));
  const latency: LatencyChart[] = [];
  for (const metric of METRICS) {
    if (!levelRows.some((r) => Number(r[`${metric.name}_count`] ?? 0) > 0)) continue;
    const chart: LatencyChart = { metric: metric.name, description: metric.description, concurrency: levels.map((l) => l.concurrency), p50: [], p90: [], p95: [], p99: [], max: [] };
    for (const r of levelRows) for (const f of FIGURES) chart[f].push(num(r[`${metric.name}_${f}`]));
    latency.push(chart);
  }
  const requests = readCsvTable(files.requestsCsv).rows;
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
  const bands = levels.map((l) => ({ fromS: l.startedMs / 1000, toS: l.endedMs / 1000, label: `c=${l.concurrency}`, phase: 'measure' }));
  if (s.warmup !== null && s.warmup.submitted > 0) bands.unshift({ fromS: s.warmup.startedMs / 1000, toS: s.warmup.endedMs / 1000, label: 'warm-up', phase: 'warmup' });
  return {
    title: `comfyload · ${s.name}`,
    subtitle: `${s.environment.gpu ?? 'unknown GPU'} · ${s.environment.modelConfigSlug ?? ''} · ${s.startedAt} · ${(s.durationMs / 1000).toFixed(1)} s`,
    partial: s.partial ? (s.partialReason ?? 'stopped early') : null,
    environment: environmentRows(s),
    levels,
    latency,
    stepDistribution: files.hlog !== undefined ? stepDistribution(files.hlog, levels) : null,
    vram: files.vramCsv !== undefined ? vramSeries(files.vramCsv) : null,
    bands,
    prompts,
    warnings: warnings(s),
    notes: [
      `VRAM "used" = ${VRAM_USED_DEFINITION}.`,
      'Latencies are read from HDR histograms (µs resolution, 3 significant digits) and measured with a monotonic clock; closed loop: each virtual user waits for its prompt before sending the next.',
      'Throughput counts ok prompts only; images/min counts batch size; sampler steps/s = steps × prompts / wall time.',
    ],
  };
}

function environmentRows(s: RunSummary): [string, string][] {
  const e = s.environment;
  const gib = (v: string | undefined): string =>
    (v ?? '')
      .split(',')
      .filter((x) => x !== '')
      .map((x) => `${(Number(x) / GIB).toFixed(1)} GiB`)
      .join(', ');
  const rows: [string, string | undefined][] = [
    ['GPU', e.gpu],
    ['GPU count', e.gpuCount],
    ['VRAM per device', gib(e.vramTotalBytes)],
    ['System RAM', gib(e.ramTotalBytes)],
    ['ComfyUI', e.comfyuiVersion],
    ['PyTorch', e.pytorchVersion],
    ['Python', e.pythonVersion?.split(' ')[0]],
    ['Server argv', e.serverArgv],
    ['Target', s.targets.map((t) => `${t.kind} ${t.url}`).join(', ')],
    ['Workflow', e.workflowPath],
    ['Workflow SHA-256', e.workflowSha256],
    ['Checkpoint', e.modelsCheckpoint],
    ['UNet', e.modelsUnet],
    ['LoRA', e.modelsLora],
    ['VAE', e.modelsVae],
    ['Models (all)', e.models],
    ['Resolution', e.resolution],
    ['Steps', e.steps],
    ['Batch size', e.batchSize],
    ['Sampler / scheduler', `${e.sampler ?? ''} / ${e.scheduler ?? ''}`],
    ['Harness', `${s.harness.name} ${s.harness.version}`],
    ['Mode', `${s.settings.mode}, levels ${s.settings.levels.map((l) => l.concurrency).join(',')}, ${s.settings.promptsPerLevel !== undefined ? `${s.settings.promptsPerLevel} prompts` : `${(s.settings.durationMs ?? 0) / 1000} s`} per level, ${s.settings.warmupPrompts} warm-up, seed policy ${s.settings.seedPolicy} (seed ${s.settings.seed})`],
    ['VRAM sampling', s.vram ? `every ${s.vram.intervalMs} ms, ${s.vram.samples} samples, ${s.vram.skippedTicks} ticks skipped, ${s.vram.failedPolls} failed` : 'not recorded'],
    ['Results folder', `${e.gpuSlug ?? ''}/${e.modelConfigSlug ?? ''}`],
    ['Run id', s.runId],
    ...Object.entries(s.settings.labels).map(([k, v]): [string, string] => [`label ${k}`, v]),
  ];
  return rows.filter((r): r is [string, string] => r[1] !== undefined && r[1] !== '');
}

function warnings(s: RunSummary): string[] {
  const out: string[] = [];
  if (s.partial) out.push(`Partial run: ${s.partialReason ?? 'stopped early'}; the figures cover what was measured until then.`);
  const errors = Object.entries(s.totals.outcomes).filter(([o]) => o !== 'ok' && o !== 'cached');
  if (errors.length > 0) out.push(`${s.totals.notOk - (s.totals.outcomes.cached ?? 0)} of ${s.totals.submitted} prompts did not finish ok: ${errors.map(([o, n]) => `${o} × ${n}`).join(', ')}.`);
  const cached = s.totals.outcomes.cached ?? 0;
  if (cached > 0) out.push(`${cached} prompts were served entirely from ComfyUI's cache and measure nothing.`);
  const drift = s.vram?.drift;
  if (drift?.flagged === true) out.push(`VRAM drift: +${drift.slopeMbPer100Prompts.toFixed(1)} MB per 100 prompts over ${drift.prompts} prompts (R² ${drift.r2.toFixed(2)}): memory keeps growing.`);
  for (const w of s.warnings ?? []) if (!w.startsWith('VRAM keeps growing')) out.push(w);
  return out;
}

/** Percentile grid x = 1/(1−p) from 1 (p0) to 1e5 (p99.999), ten points per decade, capped by the sample count. */
function stepDistribution(hlog: string, levels: LevelRow[]): ReportData['stepDistribution'] {
  const byTag = readHlog(hlog);
  const series: { label: string; histogram: ReturnType<typeof mergeHistograms> }[] = [];
  for (const level of levels) {
    const tags = [...byTag.keys()].filter((t) => {
      const key = parseTag(t);
      return key?.metric === 'stepIntervalMs' && key.level === level.level && key.concurrency === level.concurrency && key.phase === 'measure';
    });
    if (tags.length === 0) continue;
    const histogram = mergeHistograms(tags.map((t) => byTag.get(t)!));
    if (histogram.totalCount > 0) series.push({ label: `c=${level.concurrency}`, histogram });
  }
  if (series.length === 0) return null;
  const maxCount = Math.max(...series.map((x) => x.histogram.totalCount));
  const decades = Math.min(5, Math.max(1, Math.ceil(Math.log10(maxCount))));
  const x: number[] = [];
  for (let i = 0; i <= decades * 10; i++) x.push(10 ** (i / 10));
  return {
    x,
    series: series.map((sr) => ({
      label: sr.label,
      values: x.map((v) => sr.histogram.getValueAtPercentile(100 * (1 - 1 / v)) / US_PER_MS),
    })),
  };
}

function vramSeries(text: string): ReportData['vram'] {
  const samples = vramSamplesFromRows(readCsvTable(text).rows);
  if (samples.length === 0) return null;
  const g = (b: number | undefined): number => Math.round(((b ?? 0) / GIB) * 1000) / 1000;
  return {
    t: samples.map((x) => x.atMs / 1000),
    used: samples.map((x) => g(x.devices[0]?.vramUsedBytes)),
    reserved: samples.map((x) => g(x.devices[0]?.torchReservedBytes)),
    active: samples.map((x) => g(x.devices[0]?.torchActiveBytes)),
    total: samples.map((x) => g(x.devices[0]?.vramTotalBytes)),
    ram: samples.map((x) => g(x.ramUsedBytes)),
    inFlight: samples.map((x) => x.inFlight),
    device: samples[0]?.devices[0]?.name ?? '',
  };
}
