/**
 * What crosses the boundary between comfyload and k6, in both directions — one definition for the
 * scenarios (scenarios/, bundled into k6) and the Node side (src/harness/k6, the import and merge
 * commands):
 * - comfyload → k6: the prepared plan (`K6Plan`, plan.json beside the script);
 * - k6 → comfyload: the metrics the scenarios emit into k6's `--out json` stream. Besides the
 *   Trends (one per metric of metric-names.ts, `isTime`), Counters per outcome and Gauges per
 *   device that k6 users read, each settled prompt's counter point carries the prompt's marks as
 *   JSON metadata (`comfyload`), and each VRAM poll's `ramUsedBytes` point its whole reading, so
 *   the stream alone rebuilds the same `PromptRecord`s and `VramSample`s the Node engine writes.
 * Pure: no Node API, no clock (the purity test covers it).
 */
import type { ApiWorkflow } from '../comfy/http-types.js';
import type { Outcome, PromptMarks } from '../comfy/marks.js';
import type { SeedPolicy } from '../comfy/workflow.js';
import { METRIC_NAMES, type MetricName } from './metric-names.js';
import type { Phase, RunEnvironment, RunSettings, VramDeviceReading } from './result-types.js';
import { parseSlo } from './slo.js';

export const K6_PLAN_VERSION = 1;
/** Version of the per-prompt and per-sample metadata; bump on any change a reader must know. */
export const K6_WIRE_VERSION = 1;

/** Metadata key of a settled prompt's wire record, and of a VRAM reading. */
export const WIRE_METADATA_KEY = 'comfyload';

/** Tag keys every comfyload sample carries (k6 tag keys; `model_config` because selectors split on `-`-free words). */
export const K6_TAGS = { gpu: 'gpu', modelConfig: 'model_config', level: 'level', phase: 'phase', outcome: 'outcome' } as const;

/** The counter `setup()` adds 1 to once per k6 process, carrying the plan and the process's segment (`K6RunWire`). */
export const RUN_COUNTER = 'comfyloadRun';
/** The counter a prompt is submitted on (value 1, metadata `prompt_id`). */
export const SUBMITTED_COUNTER = 'promptsSubmitted';
/** The k6 built-in counter of arrivals an arrival-rate executor could not start (no free VU). */
export const DROPPED_COUNTER = 'dropped_iterations';
export const VRAM_POLL_TREND = 'vramPollMs';
export const VRAM_FAILED_COUNTER = 'vramFailedPolls';
export const VRAM_SKIPPED_COUNTER = 'vramSkippedTicks';
/** The gauge whose points carry each VRAM reading as metadata. */
export const RAM_USED_GAUGE = 'ramUsedBytes';

/** Outcome kinds (the part before `:`), each with its own Counter. */
export const OUTCOME_KINDS = ['ok', 'cached', 'error', 'interrupted', 'timeout', 'lost', 'rejected'] as const;
export type OutcomeKind = (typeof OUTCOME_KINDS)[number];

const COUNTER_BY_KIND: Record<OutcomeKind, string> = {
  ok: 'promptsOk',
  cached: 'promptsCached',
  error: 'promptsError',
  interrupted: 'promptsInterrupted',
  timeout: 'promptsTimeout',
  lost: 'promptsLost',
  rejected: 'promptsRejected',
};

/** The counter of an outcome (`error:torch.OutOfMemoryError` → `promptsError`, tagged with the whole outcome). */
export function outcomeCounter(outcome: Outcome): string {
  const kind = outcome.split(':')[0] as OutcomeKind;
  return COUNTER_BY_KIND[kind] ?? COUNTER_BY_KIND.lost;
}

/** Every outcome counter name. */
export const OUTCOME_COUNTERS: readonly string[] = OUTCOME_KINDS.map((kind) => COUNTER_BY_KIND[kind]);

/** Per-device gauges of one VRAM reading (`vramUsedBytes_d0`…). */
export function deviceGauge(name: 'vramUsedBytes' | 'vramTotalBytes' | 'torchReservedBytes' | 'torchActiveBytes', device: number): string {
  return `${name}_d${device}`;
}

/** The Trends: every metric, in metric-names.ts order (k6 names allow camelCase). */
export const K6_TRENDS: readonly MetricName[] = METRIC_NAMES;

/** One k6 scenario of the plan. Times are ms; k6 gets them as `<n>ms` durations. */
export interface K6ScenarioPlan {
  /** k6 scenario name: `warmup`, `L1`, `L2`… (numbered from 1, as on the console), `ramp`. */
  name: string;
  executor: 'shared-iterations' | 'constant-vus' | 'constant-arrival-rate' | 'ramping-arrival-rate';
  phase: Phase;
  openLoop: boolean;
  /** Levels it runs: one, or one per stage of a ramp (`fromMs` since the scenario's start). */
  levels: { level: number; concurrency: number; ratePerSec?: number; fromMs: number }[];
  startTimeMs: number;
  gracefulStopMs: number;
  /** shared-iterations / constant-vus. */
  vus?: number;
  iterations?: number;
  /** shared-iterations: `maxDuration`; constant-*: `duration`. */
  durationMs: number;
  /** constant-arrival-rate: `rate` per `timeUnitMs`; ramping: the start rate per `timeUnitMs`. */
  rate?: number;
  timeUnitMs?: number;
  /** ramping-arrival-rate stages, targets per `timeUnitMs`. */
  stages?: { target: number; durationMs: number }[];
  preAllocatedVUs?: number;
  maxVUs?: number;
  /** Index of its first prompt in the run's seed sequence (`seq` = seqBase + k6's iterationInTest). */
  seqBase: number;
  /** Test time (since start) by which its last prompt must have settled: the guard timers stop there. */
  endMs: number;
}

/** What a results folder needs that the measurements cannot tell: the fingerprint, the settings, the names. */
export interface K6RunInfo {
  name: string;
  targetKind: 'server' | 'emulator';
  /** Credential-free base URL. */
  targetUrl: string;
  harnessVersion: string;
  /** summary.json's `environment` (the fingerprint map and the preflight's findings). */
  environment: RunEnvironment;
  /** `# key: value` lines heading every CSV and the .hlog. */
  headerComments: string[];
  settings: RunSettings;
  /** The results path parts `<gpu>/<model-config>`. */
  gpuSlug: string;
  modelConfigSlug: string;
}

/** plan.json: everything a scenario needs, prepared by comfyload (preflight done, graph final). */
export interface K6Plan {
  version: typeof K6_PLAN_VERSION;
  runId: string;
  name: string;
  /** Base URL (no credentials: headers come from the COMFYLOAD_HEADERS environment variable). */
  url: string;
  wsUrl: string;
  workflow: ApiWorkflow;
  nodeIds: string[];
  seedPolicy: SeedPolicy;
  seed: number;
  /** `--prompt-file` texts and the inputs they go into. */
  promptTexts: string[];
  textTargets: { nodeId: string; input: string }[];
  promptTimeoutMs: number;
  /** What the levels were sized from: ms of one prompt's completion, and how it was obtained. */
  expectedCompletionMs: number;
  sizing: string;
  scenarios: K6ScenarioPlan[];
  /** The VRAM poller; null when disabled. `untilMs`: test time after which it stops. */
  vram: { intervalMs: number; untilMs: number; lastStartMs: number; devices: number } | null;
  tags: { gpu: string; model_config: string };
  /** `--threshold` texts (`completionMs.p95<30000`), as k6 thresholds on measured prompts. */
  thresholds: string[];
  run: K6RunInfo;
}

/** The RUN_COUNTER point's metadata: the plan as this k6 process ran it. */
export interface K6RunWire {
  v: typeof K6_WIRE_VERSION;
  plan: K6Plan;
  /** `k6/<version> (…)`: k6's default User-Agent, the one place a script can read k6's version. */
  userAgent: string;
  /** `--execution-segment` of this process (`0:1/2`), or '' for the whole test. */
  executionSegment: string;
  /** Epoch ms at which setup() ran (the test's start, give or take the init). */
  atMs: number;
}

/** A settled prompt as the scenario reports it. Marks are epoch ms (k6's `Date.now()` and event `timestamp`). */
export interface K6PromptWire {
  v: typeof K6_WIRE_VERSION;
  seq: number;
  level: number;
  concurrency: number;
  phase: Phase;
  openLoop: boolean;
  /** Detail the marks cannot carry (a failed POST's reason). */
  detail?: string;
  marks: PromptMarks;
}

/** One `/system_stats` reading as the scenario reports it; `atMs` epoch ms (midpoint of the poll). */
export interface K6VramWire {
  v: typeof K6_WIRE_VERSION;
  atMs: number;
  pollMs: number;
  ramTotalBytes: number;
  ramUsedBytes: number;
  devices: VramDeviceReading[];
}

/** Narrows parsed metadata to a prompt wire record; undefined for anything else. */
export function readPromptWire(value: unknown): K6PromptWire | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const w = value as Partial<K6PromptWire>;
  if (w.v !== K6_WIRE_VERSION || typeof w.seq !== 'number' || typeof w.level !== 'number' || typeof w.marks !== 'object' || w.marks === null) return undefined;
  if (typeof w.marks.promptId !== 'string' || !Array.isArray(w.marks.steps)) return undefined;
  return w as K6PromptWire;
}

/** Narrows parsed metadata to a run record; undefined for anything else. */
export function readRunWire(value: unknown): K6RunWire | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const w = value as Partial<K6RunWire>;
  if (w.v !== K6_WIRE_VERSION || typeof w.plan !== 'object' || w.plan === null || w.plan.version !== K6_PLAN_VERSION) return undefined;
  return w as K6RunWire;
}

/** k6's version from its User-Agent (`k6/0.49.0 (https://k6.io/)` → `0.49.0`), or ''. */
export function k6VersionFromUserAgent(userAgent: string): string {
  return /^k6\/([0-9][^\s]*)/.exec(userAgent)?.[1] ?? '';
}

/** Narrows parsed metadata to a VRAM reading; undefined for anything else. */
export function readVramWire(value: unknown): K6VramWire | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const w = value as Partial<K6VramWire>;
  if (w.v !== K6_WIRE_VERSION || typeof w.atMs !== 'number' || !Array.isArray(w.devices)) return undefined;
  return w as K6VramWire;
}

/**
 * `--threshold` texts as k6 thresholds: `completionMs.p95<30000` → `completionMs{phase:measure}`:
 * `p(95)<30000` (warm-up prompts are not measurements). Throws on a text parseSlo refuses (the
 * CLI checked them before).
 */
export function k6Thresholds(texts: readonly string[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const text of texts) {
    const slo = parseSlo(text);
    if (typeof slo === 'string') throw new Error(`threshold ${JSON.stringify(text)}: expected ${slo}`);
    (out[`${slo.metric}{${K6_TAGS.phase}:measure}`] ??= []).push(`p(${slo.percentile})<${slo.thresholdMs}`);
  }
  return out;
}

/** One end of a k6 execution segment: `1/2`, `0.5` or `50%`; NaN when it is none of these. */
function segmentPoint(text: string): number {
  const t = text.trim();
  if (/^\d+\/\d+$/.test(t)) {
    const [a = '', b = ''] = t.split('/');
    return Number(b) === 0 ? Number.NaN : Number(a) / Number(b);
  }
  if (/^\d+(\.\d+)?%$/.test(t)) return Number(t.slice(0, -1)) / 100;
  if (/^\d+(\.\d+)?$/.test(t)) return Number(t);
  return Number.NaN;
}

/**
 * k6's `--execution-segment` as [from, to]: `from:to`, or `to` (from 0); each end a fraction,
 * decimal or percentage; undefined unless 0 ≤ from < to ≤ 1. '' (the whole test) is [0, 1].
 */
export function parseExecutionSegment(text: string): [number, number] | undefined {
  if (text.trim() === '') return [0, 1];
  const parts = text.split(':');
  const [from, to] =
    parts.length === 1 ? [0, segmentPoint(parts[0] ?? '')] : parts.length === 2 ? [segmentPoint(parts[0] ?? ''), segmentPoint(parts[1] ?? '')] : [NaN, NaN];
  return from >= 0 && from < to && to <= 1 ? [from, to] : undefined;
}
