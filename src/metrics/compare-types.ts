/**
 * The result of `comfyload compare` as compare.json holds it and every renderer (console,
 * Markdown, JUnit, HTML) reads it: plain JSON, relative differences as fractions (0.031 = +3.1%),
 * times in ms. Type-only module.
 */
import type { CompareVerdict, MetricComparison } from './compare-stats.js';
import type { GateLevelResult } from './compare-gates.js';

export interface CompareSide {
  /** `baseline` or `candidate`, or the folder name when one folder. */
  label: string;
  dirs: string[];
  runs: number;
  /** summary.json `name` of the runs (distinct, joined). */
  names: string;
}

export interface FingerprintRowJson {
  key: string;
  kind: 'workload' | 'environment';
  baseline: string;
  candidate: string;
  changed: boolean;
  mixed: 'baseline' | 'candidate' | 'both' | null;
}

export interface CompareLevel {
  key: string;
  /** Units grouped per batch (prompts sharing the queue), and why. */
  batch: number;
  batchReason: string;
  baseline: { okPrompts: number; excluded: Record<string, number> };
  candidate: { okPrompts: number; excluded: Record<string, number> };
}

export interface CompareRow {
  level: string;
  metric: string;
  /** `ms`, `/s`, `/min`, `B`. */
  unit: string;
  better: 'lower' | 'higher';
  comparison: MetricComparison;
}

export interface CompareGateResult {
  gate: string;
  verdict: 'fail' | 'pass' | 'too few samples';
  levels: GateLevelResult[];
  /** One line: rule, figures, confidence, verdict. */
  line: string;
}

/** Raw distribution figures per side and level for the HTML charts. */
export interface CompareDistribution {
  level: string;
  metric: string;
  /** x = 1/(1−p) grid (HdrHistogram plotter style); values ms per side, from the prompts' values. */
  x: number[];
  baseline: number[];
  candidate: number[];
}

export interface CompareResult {
  schemaVersion: 1;
  kind: 'comfyload-compare';
  confidence: number;
  baseline: CompareSide;
  candidate: CompareSide;
  fingerprint: { rows: FingerprintRowJson[]; workloadChanges: string[]; environmentChanges: string[]; mixedKeys: string[] };
  /** `--allow-different-workflow` was needed (and given): every output says so. */
  differentWorkflow: boolean;
  levels: CompareLevel[];
  unmatchedLevels: { baseline: string[]; candidate: string[] };
  rows: CompareRow[];
  gates: CompareGateResult[];
  /** True when a gate failed (exit 1). */
  regression: boolean;
  /** The verdict first: one line, then the failed gates' lines. */
  headline: string;
  /** How the numbers were tested (named tests, units, confidence), for the foot of every output. */
  notes: string[];
  distributions: CompareDistribution[];
  /** Throughput and completion p50 per level for each side, for the charts. */
  byLevel: { key: string; x: number; baseline: LevelFigures; candidate: LevelFigures }[];
}

export interface LevelFigures {
  promptsPerSec: number | null;
  completionP50Ms: number | null;
  completionP95Ms: number | null;
  execP50Ms: number | null;
}

export type { CompareVerdict };
