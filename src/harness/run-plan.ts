/**
 * The validated, immutable description of one run, built by the CLI from flags, config file and
 * environment, and consumed by the engine. Type-only module.
 */
import type { ApiWorkflow } from '../comfy/http-types.js';
import type { ArrivalProcess, RateStage } from './arrival-schedule.js';
import type { DispatchPolicy } from './dispatch.js';
import type { FaultSpec } from '../sim/faults.js';
import type { GpuProfile } from '../sim/profiles.js';
import type { RunThreshold } from '../metrics/run-thresholds.js';

export type SeedPolicy = 'random' | 'fixed' | 'increment';

/** `defeat`: seeds vary so ComfyUI's cache serves nothing; `allow`: identical prompts are fine; `audit`: measure the cache first and fail if varied prompts hit it. */
export type CacheMode = 'defeat' | 'allow' | 'audit';

/** An input file to upload before the run (`--input`, `--input-mask`). */
export interface InputFileSpec {
  kind: 'image' | 'mask';
  /** Absolute path of the local file. */
  path: string;
  /** Node id or title of the loader it is for; every loader of its kind when absent. */
  node?: string;
}

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

export interface RunPlan {
  /** Short name used in the results folder (`<UTC time>-<name>`). */
  name: string;
  /** `emulator` when no --url was given and the built-in emulator was started. */
  targetKind: 'server' | 'emulator';
  targets: TargetSpec[];
  /** Settings of the built-in emulator when `targetKind` is `emulator` (the engine starts it). */
  emulator?: {
    gpu: string;
    timeScale: number;
    seed: number;
    faults?: FaultSpec[];
    /** Playing an upgrade: compute this much slower, a GPU profile of the user's, another reported version. */
    slowdown?: number;
    gpuProfile?: GpuProfile;
    comfyuiVersion?: string;
  };
  workflowPath: string;
  /** The API-format graph; `{}` until preflight converts `workflowUi`. */
  workflow: ApiWorkflow;
  /** The file's graph when it is in the UI format: converted with the server's /object_info before the run. */
  workflowUi?: unknown;
  /** `--set` assignments (and this plan's `--matrix` combination), applied in order, typed by /object_info. */
  sets?: { path: string; value: string }[];
  /** `--matrix` axes: `comfyload run` runs one plan per combination (src/cli/matrix.ts). */
  matrixAxes?: { key: string; values: string[] }[];
  /** The `--matrix` combination this plan runs, `key=value` in order; absent without --matrix. */
  matrix?: { key: string; value: string }[];
  /** `--prompt-file` lines, rotated through the positive prompt text. */
  promptTexts?: string[];
  /** Default `defeat`. */
  cacheMode?: CacheMode;
  inputs?: InputFileSpec[];
  levels: LevelSpec[];
  /** Measured prompts per level (closed loop). Exactly one of promptsPerLevel / durationMs is set. */
  promptsPerLevel?: number;
  durationMs?: number;
  /** Warm-up prompts run before the first level (and reported apart). */
  warmupPrompts: number;
  seedPolicy: SeedPolicy;
  /** Base seed for `fixed`/`increment` and for the random generator (reproducible runs). */
  seed: number;
  /** Fail (exit 1) when errors / submitted exceeds this. */
  maxErrorRate: number;
  fetchOutputs: boolean;
  /** A prompt past this is cancelled and ends as `timeout`. */
  promptTimeoutMs: number;
  /** Silence (no event) before a prompt in flight is looked up in /history and /queue (default 30 s). */
  quietLookupMs?: number;
  /** How long a closed socket keeps reconnecting before its virtual user gives up (default 60 s). */
  reconnectTimeoutMs?: number;
  /** Root of the results tree (`results/` by default). */
  resultsDir: string;
  labels: Record<string, string>;
  /** How often the VRAM sampler polls /system_stats (default 250 ms). */
  vramIntervalMs?: number;
  /** `--threshold` rules the finished run is judged by (exit 1 when one is broken). */
  thresholds?: RunThreshold[];
  /** Present: an open-loop run (`levels` is then unused). */
  openLoop?: OpenLoopPlan;
}
