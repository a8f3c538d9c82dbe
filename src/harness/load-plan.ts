/**
 * What the Node engine needs to know of a run: the targets, the graph, the load (levels or an
 * arrival plan), seeds and the per-prompt limits. The session's LoadPlan (src/session/plan.ts)
 * extends it with what only the session uses (results folder, labels, emulator settings).
 * Type-only module.
 */
import type { ApiWorkflow } from '../comfy/http-types.js';
import type { ArrivalProcess, RateStage } from './arrival-schedule.js';
import type { DispatchPolicy } from './dispatch.js';
import type { MixOrderKind, MixWeights } from './workflow-mix.js';

export type SeedPolicy = 'random' | 'fixed' | 'increment';

/** `defeat`: seeds vary so ComfyUI's cache serves nothing; `allow`: identical prompts are fine; `audit`: measure the cache first and fail if varied prompts hit it. */
export type CacheMode = 'defeat' | 'allow' | 'audit';

export interface TargetSpec {
  /** Base URL without credentials, e.g. `http://127.0.0.1:8188`. */
  url: string;
  /** Extra request headers (Authorization…). Never written to results. */
  headers: Record<string, string>;
}

export interface LevelSpec {
  /** Closed loop: number of virtual users, each with its own socket and clientId. */
  concurrency: number;
}

/**
 * Open loop (`--rate` / `--stages`): arrivals at planned times instead of virtual users.
 * Levels are the rates of `ratesPerSec` in turn (each for promptsPerLevel arrivals or durationMs,
 * drained between levels), or the `stages` of one continuous ramp (one level per stage).
 */
export interface OpenLoopPlan {
  arrival: ArrivalProcess;
  /** Gamma shape for `gamma` (1 = Poisson, < 1 burstier). */
  burstiness: number;
  ratesPerSec?: number[];
  /** Rate the first stage ramps from. */
  startRatePerSec?: number;
  stages?: RateStage[];
  /** Outstanding prompts at most; arrivals beyond are counted as `dropped`. */
  maxInFlight: number;
  dispatch: DispatchPolicy;
}

/** One workflow of a mixed workload. */
export interface MixWorkflow {
  /** The file name without `.json` (how `--mix a=75%` and requests.csv name it). */
  name: string;
  /** The API-format graph (after preflight, as `LoadPlan.workflow`). */
  workflow: ApiWorkflow;
}

/** `--mix`: several workflows, each prompt drawing one by weight in the order `order` gives. */
export interface WorkflowMix {
  /** In --workflow order; the first is also the plan's `workflow`. */
  workflows: MixWorkflow[];
  weights: MixWeights;
  order: MixOrderKind;
}

export interface LoadPlan {
  targets: TargetSpec[];
  /** The API-format graph (after preflight: converted, `--set` applied, uploads renamed); a mix's first. */
  workflow: ApiWorkflow;
  /** A mixed workload (`run --mix`): every workflow and its weight. */
  mix?: WorkflowMix;
  /** `--prompt-file` lines, rotated through the positive prompt text. */
  promptTexts?: string[];
  /** Default `defeat`. */
  cacheMode?: CacheMode;
  levels: LevelSpec[];
  /** Measured prompts per level (closed loop). Exactly one of promptsPerLevel / durationMs is set. */
  promptsPerLevel?: number;
  durationMs?: number;
  /** Warm-up prompts run before the first level (and reported apart). */
  warmupPrompts: number;
  seedPolicy: SeedPolicy;
  /** Base seed for `fixed`/`increment` and for the random generator (reproducible runs). */
  seed: number;
  /**
   * Prompts already drawn from this plan's seed stream before the run (the cache audit's varied
   * prompts): the run's seeds continue after them, never repeating one. Default 0.
   */
  seedStreamStart?: number;
  fetchOutputs: boolean;
  /** A prompt past this is cancelled and ends as `timeout`. */
  promptTimeoutMs: number;
  /** Silence (no event) before a prompt in flight is looked up in /history and /queue (default 30 s). */
  quietLookupMs?: number;
  /** How long a closed socket keeps reconnecting before its virtual user gives up (default 60 s). */
  reconnectTimeoutMs?: number;
  /** WebSocket ping period; a socket silent for twice this long is dropped and reconnected (default 5 s, 0 = off). */
  wsHeartbeatMs?: number;
  /** Present: an open-loop run (`levels` is then unused). */
  openLoop?: OpenLoopPlan;
  /** The k6 engine's settings (src/harness/k6), when k6 sends the load. */
  k6?: K6Settings;
}

export interface K6Settings {
  /** k6's `--execution-segment` (`0:1/2`): this process runs that share of the plan. */
  executionSegment?: string;
  /** Sizes k6's level slots instead of the sizing probe, ms. */
  expectedCompletionMs?: number;
}
