/**
 * summary.json as `compare` needs it, from any schema: version 1 (levels keyed `"0"`, `"1"`…,
 * environment values strings), version 2 (levels an array, environment values typed: numbers,
 * booleans, lists) and version 3 (every `level` numbered from 1; 1 and 2 hold the index). A
 * level's `level` here is the index (0 = L1), as requests.csv rows read by `readResultsCsv`. Only the fields compare reads are taken, each checked, so a newer writer's
 * extra fields pass through unharmed and a missing one is named.
 */
import { ComfyloadError } from '../comfy/errors.js';
import { levelIndex, phaseOf } from '../metrics/level-number.js';

export interface LevelView {
  level: number;
  concurrency: number;
  /** Open loop: the planned arrival rate, per s. */
  ratePerSec?: number;
  phase: string;
  submitted: number;
  ok: number;
  notOk: number;
  durationMs: number;
  promptsPerSec: number;
  imagesPerMin: number;
  /** Completion time's mean (ms), for Little's L in an open loop. */
  completionMeanMs?: number;
  vramPeakBytes?: number;
}

export interface SummaryView {
  schemaVersion: number;
  dir: string;
  name: string;
  startedAt: string;
  mode: string;
  partial: boolean;
  seedPolicy: string;
  promptsPerLevel?: number;
  warmupPrompts: number;
  /** Every environment value as text (lists joined), for the fingerprint diff. */
  environment: Record<string, string>;
  /** Measured levels in level order. */
  levels: LevelView[];
}

/** Normalises a parsed summary.json; throws BAD_RESULTS naming what is missing. */
export function summaryView(json: unknown, dir: string): SummaryView {
  const bad = (what: string): never => {
    throw new ComfyloadError('COMFYLOAD_ERR_BAD_RESULTS', `${dir}/summary.json: ${what}`, {
      hint: 'use the comfyload version that wrote it, or run the benchmark again.',
    });
  };
  if (typeof json !== 'object' || json === null) return bad('not a JSON object');
  const s = json as Record<string, unknown>;
  const version = s.schemaVersion;
  if (version !== 1 && version !== 2 && version !== 3) return bad(`schemaVersion ${String(version)} is not one this comfyload reads (1, 2 or 3)`);
  const settings = record(s.settings) ?? bad('no `settings`');
  const rawLevels = Array.isArray(s.levels) ? s.levels : Object.values(record(s.levels) ?? bad('no `levels`'));
  const levels = rawLevels
    .map((l) => levelView(record(l) ?? bad('a level that is not an object'), version === 3))
    .filter((l) => l.phase === 'measure')
    .sort((a, b) => a.level - b.level);
  return {
    schemaVersion: version,
    dir,
    name: typeof s.name === 'string' ? s.name : '',
    startedAt: typeof s.startedAt === 'string' ? s.startedAt : '',
    mode: typeof settings.mode === 'string' ? settings.mode : 'closed-loop',
    partial: s.partial === true,
    seedPolicy: typeof settings.seedPolicy === 'string' ? settings.seedPolicy : 'random',
    ...(typeof settings.promptsPerLevel === 'number' ? { promptsPerLevel: settings.promptsPerLevel } : {}),
    warmupPrompts: typeof settings.warmupPrompts === 'number' ? settings.warmupPrompts : 0,
    environment: environmentText(record(s.environment) ?? {}),
    levels,
  };
}

function levelView(l: Record<string, unknown>, fromOne: boolean): LevelView {
  const throughput = record(l.throughput) ?? {};
  const metrics = record(l.metrics) ?? {};
  const completion = record(metrics.completionMs);
  const vram = record(l.vram);
  return {
    level: levelIndex(num(l.level) ?? (fromOne ? 1 : 0), phaseOf(typeof l.phase === 'string' ? l.phase : 'measure'), fromOne),
    concurrency: num(l.concurrency) ?? 1,
    ...(num(l.ratePerSec) !== undefined ? { ratePerSec: num(l.ratePerSec)! } : {}),
    phase: typeof l.phase === 'string' ? l.phase : 'measure',
    submitted: num(l.submitted) ?? 0,
    ok: num(l.ok) ?? 0,
    notOk: num(l.notOk) ?? 0,
    durationMs: num(l.durationMs) ?? 0,
    promptsPerSec: num(throughput.promptsPerSec) ?? 0,
    imagesPerMin: num(throughput.imagesPerMin) ?? 0,
    ...(num(completion?.mean) !== undefined ? { completionMeanMs: num(completion?.mean)! } : {}),
    ...(num(vram?.peakUsedBytes) !== undefined ? { vramPeakBytes: num(vram?.peakUsedBytes)! } : {}),
  };
}

/** Typed environment values (schema 2) as the text schema 1 wrote: lists joined, objects as JSON. */
function environmentText(env: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (value === null || value === undefined) continue;
    if (Array.isArray(value)) out[key] = value.map(String).join(key === 'serverArgv' ? ' ' : ',');
    else if (typeof value === 'object') out[key] = JSON.stringify(value);
    else out[key] = String(value);
  }
  return out;
}

function record(v: unknown): Record<string, unknown> | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

function num(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return undefined;
}
