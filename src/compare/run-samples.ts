/**
 * The samples `compare` tests, read from one results folder: per measured level, each metric's
 * per-prompt values in send order (requests.csv, `ok` prompts only: cached, failed and warm-up
 * prompts measure nothing), each prompt's median step interval (a prompt's 20 steps are one
 * unit, not 20), the gaps between completions (throughput), images per completion, and each
 * prompt's VRAM peak. Levels are keyed by what they were: `c=4`, or `12/min` in an open loop.
 */
import { METRICS, type MetricName } from '../metrics/metric-names.js';
import { median } from '../metrics/compare-stats.js';
import type { CompareFiles } from '../session/results-folder.js';
import { readResultsCsv } from '../reporters/html/csv-read.js';
import { summaryView, type LevelView, type SummaryView } from './summary-view.js';

export interface LevelSamples {
  key: string;
  level: LevelView;
  /** Per-prompt units by metric name (metric list names, and `vramPeakBytes`), in send order. */
  units: Map<string, number[]>;
  /** Gaps between consecutive ok completions (ms) and the images of the later prompt. */
  gapsMs: number[];
  gapImages: number[];
  /** Measured prompts that did not count (not ok), by outcome. */
  excluded: Record<string, number>;
  okPrompts: number;
}

export interface RunSamples {
  view: SummaryView;
  levels: Map<string, LevelSamples>;
}

/** Reads one results folder's samples. */
export function runSamples(files: CompareFiles): RunSamples {
  const view = summaryView(files.summaryJson, files.dir);
  const rows = readResultsCsv(files.requestsCsv).rows.filter((r) => r.phase === 'measure');
  const levels = new Map<string, LevelSamples>();
  for (const level of view.levels) {
    const mine = rows.filter((r) => Number(r.level) === level.level).sort((a, b) => Number(a.seq) - Number(b.seq));
    const key = levelKey(view.mode, level);
    levels.set(key, levelSamples(key, level, mine));
  }
  return { view, levels };
}

/** `c=4` in a closed loop, the planned rate `12/min` in an open loop or capacity trial. */
export function levelKey(mode: string, level: LevelView): string {
  if (mode === 'closed-loop' || level.ratePerSec === undefined) return `c=${level.concurrency}`;
  const perMin = level.ratePerSec * 60;
  return `${+perMin.toFixed(perMin >= 10 ? 1 : 2)}/min`;
}

const num = (v: string | undefined): number | undefined => (v === undefined || v === '' || !Number.isFinite(Number(v)) ? undefined : Number(v));

function levelSamples(key: string, level: LevelView, rows: Record<string, string>[]): LevelSamples {
  const excluded: Record<string, number> = {};
  const ok = rows.filter((r) => {
    if (r.outcome === 'ok') return true;
    const outcome = r.outcome ?? 'unknown';
    excluded[outcome] = (excluded[outcome] ?? 0) + 1;
    return false;
  });
  const units = new Map<string, number[]>();
  for (const spec of METRICS) {
    const name: MetricName = spec.name;
    const values =
      spec.grain === 'per-step'
        ? ok.map((r) => stepMedian(r.stepIntervalsMs)).filter((v): v is number => v !== undefined)
        : ok.map((r) => num(r[name])).filter((v): v is number => v !== undefined);
    if (values.length > 0) units.set(name, values);
  }
  const vram = ok.map((r) => num(r.vramPeakBytes)).filter((v): v is number => v !== undefined);
  if (vram.length > 0) units.set('vramPeakBytes', vram);
  const done = ok
    .map((r) => ({ at: num(r.completedMs), images: num(r.imagesOut) ?? 1 }))
    .filter((d): d is { at: number; images: number } => d.at !== undefined)
    .sort((a, b) => a.at - b.at);
  const gapsMs: number[] = [];
  const gapImages: number[] = [];
  for (let i = 1; i < done.length; i++) {
    gapsMs.push(done[i]!.at - done[i - 1]!.at);
    gapImages.push(done[i]!.images);
  }
  return { key, level, units, gapsMs, gapImages, excluded, okPrompts: ok.length };
}

/** A prompt's median step interval, from requests.csv's `;`-joined list. */
function stepMedian(text: string | undefined): number | undefined {
  if (text === undefined || text === '') return undefined;
  const values = text
    .split(';')
    .map(Number)
    .filter((v) => Number.isFinite(v));
  return values.length > 0 ? median(values) : undefined;
}
