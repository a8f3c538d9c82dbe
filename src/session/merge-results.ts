/**
 * `comfyload merge DIR DIR … --out DIR`: one results folder from shards of one plan (Node-engine
 * runs from several load machines, or k6 runners split by `--execution-segment`), rebuilt from
 * their files alone:
 * - histograms.hlog: every interval of every shard, on the merged time base, re-tagged with the
 *   merged level's concurrency; a level's figures come from the SUM of its histograms — merged,
 *   never averaged percentiles;
 * - counts (submitted, outcomes) summed; requests.csv and vram.csv joined, times moved onto the
 *   merged origin (the earliest shard's start);
 * - levels.csv, the .hgrm files, summary.json and report.html written from the merged files.
 * Inputs are checked first (merge-inputs.ts): mismatches are refused with the fix.
 */
import { mkdirSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import type { Histogram } from 'hdr-histogram-js';
import { ComfyloadError } from '../comfy/errors.js';
import { mergeHistograms, summarizeHistogram } from '../metrics/hdr.js';
import { formatTag, parseTag } from '../metrics/histogram-key.js';
import { levelNumber, phaseOf, withoutLevelsMarker } from '../metrics/level-number.js';
import { METRIC_NAMES, type MetricName } from '../metrics/metric-names.js';
import type { IntervalSnapshot } from '../metrics/recorder.js';
import type {
  LevelSummary,
  MetricSummary,
  OpenLoopLevelReport,
  Phase,
  ResultFile,
  RunSummary,
  RunVram,
  VramSample,
  RunEnvironment,
} from '../metrics/result-types.js';
import { linearFit } from '../metrics/statistics.js';
import { judgeRunThresholds, parseRunThreshold, type RunThreshold } from '../metrics/run-thresholds.js';
import { histogramDistribution } from './run-thresholds.js';
import { VRAM_USED_DEFINITION, vramDrift, vramFigures } from '../metrics/vram-stats.js';
import { hgrmFileName, hgrmText } from '../reporters/hgrm-writer.js';
import { HlogWriter } from '../reporters/hlog-writer.js';
import { LevelsCsvWriter, levelsCsvComments } from '../reporters/levels-csv.js';
import { MARK_COLUMNS, REQUESTS_CSV_UNITS, requestsCsvColumns } from '../reporters/requests-csv.js';
import { commentBlock, MemorySink } from '../reporters/sink.js';
import { histogramSettings, levelsInOrder, renderSummaryJson, runTotals } from '../reporters/summary-json.js';
import { VramCsvWriter } from '../reporters/vram-csv.js';
import { checkMergeInputs, type MergeInput } from './merge-inputs.js';
import { writeReport } from './results-folder.js';

export interface MergeResult {
  dir: string;
  summary: RunSummary;
  warnings: string[];
}

interface LevelAcc {
  level: number;
  phase: Phase;
  parts: { input: MergeInput; summary: LevelSummary }[];
}

const levelKey = (phase: Phase, level: number): string => `${phase}:${level}`;

/** Marks of requests.csv that are ms since the run start (the server's *Ts stay as they are). */
const RELATIVE_MARKS = MARK_COLUMNS.filter((m) => !m.endsWith('Ts'));

export async function mergeResults(dirs: readonly string[], outDir: string): Promise<MergeResult> {
  const { inputs, warnings, coverage } = checkMergeInputs(dirs);
  if (existsSync(outDir) && readdirSync(outDir).length > 0) {
    throw new ComfyloadError('COMFYLOAD_ERR_RESULTS_WRITE', `${outDir} exists and is not empty`, {
      hint: 'give --out a new folder: merge never overwrites results.',
    });
  }
  mkdirSync(outDir, { recursive: true });
  const startEpochMs = Math.min(...inputs.map((i) => i.summary.startTimeEpochMs));
  const endEpochMs = Math.max(...inputs.map((i) => Date.parse(i.summary.endedAt)));
  const shift = (input: MergeInput): number => input.summary.startTimeEpochMs - startEpochMs;
  const comments = [...withoutLevelsMarker(inputs[0]!.requests.comments.slice(0, -1)), `merged: ${inputs.length} results folders (comfyload merge)`];

  const { levels, concurrency, rate } = levelsOf(inputs);
  const { snapshots, byTag } = retaggedIntervals(inputs, concurrency);
  const rows = joinedRequests(inputs, concurrency, shift);
  const hasVram = inputs.some((i) => i.vram !== undefined);
  const samples: VramSample[] = inputs
    .flatMap((input) => (input.vram ?? []).map((s) => ({ ...s, atMs: s.atMs + shift(input) })))
    .sort((a, b) => a.atMs - b.atMs);

  // Levels from the merged counts and histograms.
  const summaries = [...levels.values()]
    .sort((a, b) => (a.phase === b.phase ? a.level - b.level : a.phase === 'warmup' ? -1 : 1))
    .map((acc) => mergedLevel(acc, concurrency, rate, byTag, rows, samples, shift));
  const measured = summaries.filter((s) => s.phase === 'measure');
  const warmup = summaries.find((s) => s.phase === 'warmup') ?? null;
  const files = await writeMergedFiles(outDir, { comments, startEpochMs, snapshots, rows, hasVram, samples, measured, summaries, byTag });

  const summary = mergedSummary({ inputs, warnings, coverage, startEpochMs, endEpochMs, measured, warmup, byTag, rows, samples, files, shift, hasVram });
  writeFileSync(join(outDir, 'summary.json'), renderSummaryJson(summary));
  await writeReport(outDir);
  return { dir: outDir, summary, warnings };
}

/** Levels present in any input, and the merged concurrency/rate of each (merge-inputs.ts rule). */
function levelsOf(inputs: readonly MergeInput[]): { levels: Map<string, LevelAcc>; concurrency: Map<string, number>; rate: Map<string, number> } {
  const levels = new Map<string, LevelAcc>();
  for (const input of inputs) {
    const all = [...Object.values(input.summary.levels), ...(input.summary.warmup ? [input.summary.warmup] : [])];
    for (const summary of all) {
      const key = levelKey(summary.phase, summary.level);
      const acc = levels.get(key) ?? { level: summary.level, phase: summary.phase, parts: [] };
      acc.parts.push({ input, summary });
      levels.set(key, acc);
    }
  }
  const concurrency = new Map<string, number>();
  const rate = new Map<string, number>();
  for (const [key, acc] of levels) {
    concurrency.set(
      key,
      sumByGroup(acc, (s) => s.concurrency),
    );
    if (acc.parts.some((p) => p.summary.ratePerSec !== undefined))
      rate.set(
        key,
        sumByGroup(acc, (s) => s.ratePerSec ?? 0),
      );
  }
  return { levels, concurrency, rate };
}

/** Every input's histogram intervals re-tagged with the merged concurrency; per tag, its parts (to be added). */
function retaggedIntervals(
  inputs: readonly MergeInput[],
  concurrency: Map<string, number>,
): { snapshots: IntervalSnapshot[]; byTag: Map<string, Histogram[]> } {
  const snapshots: IntervalSnapshot[] = [];
  const byTag = new Map<string, Histogram[]>();
  for (const input of inputs) {
    for (const interval of input.intervals) {
      const key = parseTag(interval.tag);
      if (key === undefined) continue;
      const merged = { ...key, concurrency: concurrency.get(levelKey(key.phase, key.level)) ?? key.concurrency };
      const tag = formatTag(merged);
      interval.histogram.tag = tag;
      snapshots.push({ key: merged, tag, startMs: interval.startEpochMs, endMs: interval.endEpochMs, histogram: interval.histogram });
      byTag.set(tag, [...(byTag.get(tag) ?? []), interval.histogram]);
    }
  }
  snapshots.sort((a, b) => a.startMs - b.startMs);
  return { snapshots, byTag };
}

/** requests.csv rows of every input, marks moved to the merged origin, in send order. */
function joinedRequests(inputs: readonly MergeInput[], concurrency: Map<string, number>, shift: (input: MergeInput) => number): Record<string, string>[] {
  const rows = inputs.flatMap((input) =>
    input.requests.rows.map((row) => {
      const out: Record<string, string> = { ...row };
      for (const mark of RELATIVE_MARKS) if (row[mark] !== undefined && row[mark] !== '') out[mark] = (Number(row[mark]) + shift(input)).toFixed(3);
      const c = concurrency.get(levelKey(row.phase === 'warmup' ? 'warmup' : 'measure', Number(row.level)));
      if (c !== undefined) out.concurrency = String(c);
      return out;
    }),
  );
  const at = (r: Record<string, string>): number => Number(r.sentMs || r.intendedSendMs || r.completedMs || 0);
  return rows.sort((a, b) => at(a) - at(b));
}

/** histograms.hlog, requests.csv, levels.csv, vram.csv and the .hgrm files of the merged folder; returns the file list. */
async function writeMergedFiles(
  outDir: string,
  m: {
    comments: string[];
    startEpochMs: number;
    snapshots: IntervalSnapshot[];
    rows: Record<string, string>[];
    hasVram: boolean;
    samples: VramSample[];
    measured: LevelSummary[];
    summaries: LevelSummary[];
    byTag: Map<string, Histogram[]>;
  },
): Promise<ResultFile[]> {
  const hlog = new MemorySink();
  const hlogWriter = new HlogWriter({ sink: hlog, startTimeEpochMs: m.startEpochMs, clockOriginMs: m.startEpochMs, headerComments: m.comments });
  await hlogWriter.writeIntervals(m.snapshots);
  await hlogWriter.close();
  const columns = requestsCsvColumns();
  // Rows hold the level index (readResultsCsv): written numbered from 1, as every writer does.
  const cell = (r: Record<string, string>, c: string): string =>
    c === 'level' && r.level !== undefined && r.level !== '' ? String(levelNumber(Number(r.level), phaseOf(r.phase))) : (r[c] ?? '');
  const requestsText =
    commentBlock(levelsCsvComments(m.comments, REQUESTS_CSV_UNITS)) + stringify([columns, ...m.rows.map((r) => columns.map((c) => cell(r, c)))]);
  const vramSink = new MemorySink();
  if (m.hasVram) {
    const writer = new VramCsvWriter({ sink: vramSink, headerComments: m.comments });
    for (const sample of m.samples) await writer.writeSample(sample);
    await writer.close();
  }
  const levelsSink = new MemorySink();
  const levelsWriter = new LevelsCsvWriter({ sink: levelsSink, headerComments: m.comments });
  for (const level of m.measured) await levelsWriter.writeLevel(level);
  await levelsWriter.close();

  const files: ResultFile[] = [
    { kind: 'summary', path: 'summary.json' },
    { kind: 'levels', path: 'levels.csv' },
    { kind: 'requests', path: 'requests.csv' },
    { kind: 'hlog', path: 'histograms.hlog' },
    ...(m.hasVram ? [{ kind: 'vram' as const, path: 'vram.csv' }] : []),
    { kind: 'report', path: 'report.html' },
  ];
  writeFileSync(join(outDir, 'histograms.hlog'), hlog.text());
  writeFileSync(join(outDir, 'requests.csv'), requestsText);
  writeFileSync(join(outDir, 'levels.csv'), levelsSink.text());
  if (m.hasVram) writeFileSync(join(outDir, 'vram.csv'), vramSink.text());
  for (const s of m.summaries) {
    for (const metric of METRIC_NAMES) {
      const histogram = mergeHistograms(s.histogramTags[metric]?.flatMap((tag) => m.byTag.get(tag) ?? []) ?? []);
      if (histogram.totalCount === 0) continue;
      const name = hgrmFileName(metric, s.level, s.concurrency, s.phase);
      writeFileSync(join(outDir, name), hgrmText(histogram));
      files.push({ kind: 'hgrm', path: name });
    }
  }
  return files;
}

/** One k6 test's segments count once (they record the plan's figure); separate runs add up. */
function sumByGroup(acc: LevelAcc, value: (s: LevelSummary) => number): number {
  const byGroup = new Map<string, number>();
  for (const p of acc.parts) byGroup.set(p.input.group, Math.max(byGroup.get(p.input.group) ?? 0, value(p.summary)));
  return [...byGroup.values()].reduce((a, b) => a + b, 0);
}

function mergedLevel(
  acc: LevelAcc,
  concurrency: Map<string, number>,
  rate: Map<string, number>,
  byTag: Map<string, Histogram[]>,
  rows: Record<string, string>[],
  samples: readonly VramSample[],
  shift: (input: MergeInput) => number,
): LevelSummary {
  const key = levelKey(acc.phase, acc.level);
  const c = concurrency.get(key) ?? 0;
  const startedMs = Math.min(...acc.parts.map((p) => p.summary.startedMs + shift(p.input)));
  const endedMs = Math.max(...acc.parts.map((p) => p.summary.endedMs + shift(p.input)));
  const durationMs = Math.max(0, endedMs - startedMs);
  const outcomes: Record<string, number> = {};
  let submitted = 0;
  for (const p of acc.parts) {
    submitted += p.summary.submitted;
    for (const [o, n] of Object.entries(p.summary.outcomes)) outcomes[o] = (outcomes[o] ?? 0) + n;
  }
  const ok = outcomes.ok ?? 0;
  const okRows = rows.filter((r) => r.outcome === 'ok' && Number(r.level) === acc.level && (r.phase === 'warmup') === (acc.phase === 'warmup'));
  const perSec = (n: number): number => (durationMs > 0 ? (n * 1000) / durationMs : 0);
  const metrics: Partial<Record<MetricName, MetricSummary>> = {};
  const histogramTags: LevelSummary['histogramTags'] = {};
  for (const metric of METRIC_NAMES) {
    // Every target's and every workflow's histograms of the level (a mix records each workflow apart): the level is their sum.
    const tags = [...byTag.keys()].filter((t) => {
      const key = parseTag(t);
      return key?.metric === metric && key.level === acc.level && key.phase === acc.phase;
    });
    const figures = tags.length === 0 ? undefined : summarizeHistogram(mergeHistograms(tags.flatMap((t) => byTag.get(t) ?? [])));
    if (figures === undefined) continue;
    metrics[metric] = figures;
    histogramTags[metric] = tags;
  }
  const vram = vramFigures(samples, startedMs, endedMs);
  const r = rate.get(key);
  return {
    level: acc.level,
    concurrency: c,
    phase: acc.phase,
    startedMs,
    endedMs,
    durationMs,
    submitted,
    ok,
    notOk: Object.values(outcomes).reduce((a, n) => a + n, 0) - ok,
    outcomes,
    settledFromHistory: rows.filter((r) => r.source === 'history' && Number(r.level) === acc.level && (r.phase === 'warmup') === (acc.phase === 'warmup'))
      .length,
    throughput: {
      promptsPerSec: perSec(ok),
      imagesPerMin: perSec(okRows.reduce((a, row) => a + Number(row.imagesOut || 0), 0)) * 60,
      samplerStepsPerSec: perSec(okRows.reduce((a, row) => a + Number(row.stepCount || 0), 0)),
    },
    metrics,
    histogramTags,
    ...(vram !== undefined ? { vram } : {}),
    ...(r !== undefined ? { ratePerSec: r } : {}),
  };
}

interface SummaryInput {
  inputs: MergeInput[];
  warnings: string[];
  coverage: string[];
  startEpochMs: number;
  endEpochMs: number;
  measured: LevelSummary[];
  warmup: LevelSummary | null;
  byTag: Map<string, Histogram[]>;
  rows: Record<string, string>[];
  samples: VramSample[];
  files: ResultFile[];
  shift: (input: MergeInput) => number;
  hasVram: boolean;
}

function mergedSummary(m: SummaryInput): RunSummary {
  const first = m.inputs[0]!.summary;
  const environment: RunEnvironment = {};
  // Keys that differ between shards (each harness's own figures) are left out: they describe no one run.
  const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);
  for (const [key, value] of Object.entries(first.environment)) if (m.inputs.every((i) => same(i.summary.environment[key], value))) environment[key] = value;
  environment.mergedFrom = String(m.inputs.length);
  const engines = new Set(m.inputs.map((i) => i.engine));
  const thresholdTexts = [...new Set(m.inputs.flatMap((i) => (i.summary.thresholds ?? []).map((t) => t.threshold)))];
  const partial = m.inputs.filter((i) => i.summary.partial);
  const settings = { ...first.settings, levels: first.settings.mode === 'open-loop' ? [] : m.measured.map((l) => ({ concurrency: l.concurrency })) };
  return {
    schemaVersion: first.schemaVersion,
    harness: first.harness,
    runId: first.runId,
    name: first.name,
    startedAt: new Date(m.startEpochMs).toISOString(),
    endedAt: new Date(m.endEpochMs).toISOString(),
    startTimeEpochMs: m.startEpochMs,
    durationMs: m.endEpochMs - m.startEpochMs,
    settings,
    targets: first.targets,
    levels: levelsInOrder(m.measured),
    warmup: m.warmup,
    totals: runTotals(m.measured),
    partial: partial.length > 0,
    ...(partial.length > 0 ? { partialReason: partial.map((i) => `${i.dir}: ${i.summary.partialReason ?? 'partial'}`).join('; ') } : {}),
    histograms: histogramSettings(),
    files: m.files,
    environment,
    ...(m.hasVram ? { vram: mergedVram(m) } : {}),
    warnings: [...new Set([...m.warnings, ...m.inputs.flatMap((i) => i.summary.warnings ?? [])])],
    ...(first.settings.mode === 'open-loop' ? { openLoop: m.measured.map((l) => openLoopReport(l, m.rows, m.inputs)) } : {}),
    ...(engines.size === 1 ? { engine: [...engines][0]! } : {}),
    ...(thresholdTexts.length > 0 ? { thresholds: mergedThresholds(thresholdTexts, m) } : {}),
    merge: {
      inputs: m.inputs.map((i) => ({
        dir: i.dir,
        runId: i.summary.runId,
        engine: i.engine,
        executionSegment: i.summary.k6?.executionSegment ?? '',
        startedAt: i.summary.startedAt,
      })),
      rules: [
        'histograms: every interval of every folder added, per level and metric (percentiles are read from the sum, never averaged)',
        'counts and outcomes: summed; requests.csv and vram.csv: joined, times moved onto the earliest start',
        'concurrency and rate: the folders of one k6 test split by --execution-segment count once (each records the plan), separate runs add up',
      ],
      ...(m.coverage.length > 0 ? { segmentCoverage: m.coverage.join('; ') } : {}),
    },
  };
}

/** The shards' thresholds judged again on the merged histograms and counts (never their verdicts combined). */
function mergedThresholds(texts: readonly string[], m: SummaryInput): ReturnType<typeof judgeRunThresholds> {
  const thresholds = texts.map(parseRunThreshold).filter((t): t is RunThreshold => typeof t !== 'string');
  const totals = runTotals(m.measured);
  return judgeRunThresholds(thresholds, {
    submitted: totals.submitted,
    notOk: totals.notOk,
    distribution: (metric) => {
      const h = histogramOf(metric, m.measured, m.byTag);
      return h === undefined ? undefined : histogramDistribution(h);
    },
  });
}

function histogramOf(metric: MetricName, measured: readonly LevelSummary[], byTag: Map<string, Histogram[]>): Histogram | undefined {
  const parts = measured.flatMap((l) => (l.histogramTags[metric] ?? []).flatMap((tag) => byTag.get(tag) ?? []));
  const merged = mergeHistograms(parts);
  return merged.totalCount > 0 ? merged : undefined;
}

function mergedVram(m: SummaryInput): RunVram {
  const vrams = m.inputs.map((i) => i.summary.vram).filter((v): v is RunVram => v !== undefined);
  const completions = m.rows.filter((r) => r.phase === 'measure' && r.completedMs !== '' && r.completedMs !== undefined).map((r) => Number(r.completedMs));
  return {
    intervalMs: vrams[0]?.intervalMs ?? 0,
    samples: m.samples.length,
    skippedTicks: vrams.reduce((a, v) => a + v.skippedTicks, 0),
    failedPolls: vrams.reduce((a, v) => a + v.failedPolls, 0),
    usedDefinition: VRAM_USED_DEFINITION,
    devices: vrams[0]?.devices ?? [],
    overall: vramFigures(m.samples) ?? null,
    drift:
      vramDrift(
        m.samples.filter((s) => s.phase === 'measure'),
        completions.sort((a, b) => a - b),
      ) ?? null,
  };
}

function openLoopReport(level: LevelSummary, rows: Record<string, string>[], inputs: readonly MergeInput[]): OpenLoopLevelReport {
  const mine = rows.filter((r) => r.phase === 'measure' && Number(r.level) === level.level);
  const intended = mine.map((r) => Number(r.intendedSendMs)).filter(Number.isFinite);
  const span = intended.length > 1 ? Math.max(...intended) - Math.min(...intended) : 0;
  const ok = mine.filter((r) => r.outcome === 'ok' && r.queueWaitMs !== '' && r.intendedSendMs !== '');
  const fit = linearFit(
    ok.map((r) => Number(r.intendedSendMs) / 1000),
    ok.map((r) => Number(r.queueWaitMs)),
  );
  const late = inputs.flatMap((i) => (i.summary.openLoop ?? []).filter((o) => o.level === level.level).map((o) => o.schedulerLateP99Ms));
  return {
    level: level.level,
    ratePerSec: level.ratePerSec ?? 0,
    offeredPerSec: span > 0 ? ((mine.length - 1) * 1000) / span : 0,
    arrivals: level.submitted,
    dropped: level.outcomes.dropped ?? 0,
    schedulerLateP99Ms: late.length > 0 ? Math.max(...late) : 0,
    ...(fit !== undefined ? { queueWaitSlopeMsPerSec: fit.slope, queueWaitSlopeR2: fit.r2 } : {}),
    ...(level.metrics.completionMs !== undefined ? { completionP99Ms: level.metrics.completionMs.p99 } : {}),
    ...(level.metrics.completionUncorrectedMs !== undefined ? { completionUncorrectedP99Ms: level.metrics.completionUncorrectedMs.p99 } : {}),
  };
}
