/**
 * The validated, immutable description of one measuring session: what the engine runs (the
 * LoadPlan) plus what only the session uses — the results folder and its name, labels, the
 * emulator to start, the workflow file and its preflight inputs, the gates, and for `capacity`
 * the search. Built from options by build-plan.ts (the CLI and the programmatic API alike).
 * Type-only module.
 */
import type { CapacityPlan } from '../harness/capacity-run.js';
import type { LoadPlan, MixWorkflow, WorkflowMix } from '../harness/load-plan.js';
import type { RunThreshold } from '../metrics/run-thresholds.js';
import type { FaultSpec } from '../sim/faults.js';
import type { GpuProfile } from '../sim/profiles.js';
import type { EngineName } from './plan-values.js';

/** An input file to upload before the run (`--input`, `--input-mask`). */
export interface InputFileSpec {
  kind: 'image' | 'mask';
  /** Absolute path of the local file. */
  path: string;
  /** Node id or title of the loader it is for; every loader of its kind when absent. */
  node?: string;
}

/** The built-in emulator the session starts when no target was given. */
export interface EmulatorSettings {
  gpu: string;
  timeScale: number;
  seed: number;
  faults?: FaultSpec[];
  /** Playing an upgrade: compute this much slower, a GPU profile of the user's, another reported version. */
  slowdown?: number;
  gpuProfile?: GpuProfile;
  comfyuiVersion?: string;
}

/** One workflow of a mix as the session has it: its file, and its UI-format graph until preflight converts it. */
export interface SessionMixWorkflow extends MixWorkflow {
  /** Absolute path of the --workflow file. */
  path: string;
  /** The file's graph when it is in the UI format (converted before the run). */
  workflowUi?: unknown;
}

/** `run --mix`: the engine's mix plus each workflow's file. */
export interface SessionMix extends WorkflowMix {
  workflows: SessionMixWorkflow[];
}

/** How the session loads the target: virtual users, planned arrivals, or a search over rates. */
export type MeasureMode = 'closed-loop' | 'open-loop' | 'capacity';

export interface RunPlan extends LoadPlan {
  /** Short name used in the results folder (`<UTC time>-<name>`). */
  name: string;
  /** `emulator` when no target was given and the session starts the built-in emulator. */
  targetKind: 'server' | 'emulator';
  /** Settings of the built-in emulator when `targetKind` is `emulator`. */
  emulator?: EmulatorSettings;
  /** The (first) workflow file; a mix lists every one in `mix`. */
  workflowPath: string;
  /** The file's graph when it is in the UI format: converted with the server's /object_info before the run. */
  workflowUi?: unknown;
  /** A mixed workload (`run --mix`); its first workflow is `workflowPath` / `workflow`. */
  mix?: SessionMix;
  /** `--set` assignments (and this plan's `--matrix` combination), applied in order to every workflow, typed by /object_info. */
  sets?: { path: string; value: string }[];
  /** `--matrix` axes: the session runs one plan per combination (matrix.ts). */
  matrixAxes?: { key: string; values: string[] }[];
  /** The `--matrix` combination this plan runs, `key=value` in order; absent without --matrix. */
  matrix?: { key: string; value: string }[];
  inputs?: InputFileSpec[];
  /** Fail (exit 1) when errors / submitted measured prompts exceed this. */
  maxErrorRate: number;
  /** Root of the results tree (`results/` by default). */
  resultsDir: string;
  labels: Record<string, string>;
  /** How often the VRAM sampler polls /system_stats (default 250 ms). */
  vramIntervalMs?: number;
  /** Present: a capacity search (`levels` and `openLoop` are then unused). */
  capacity?: CapacityPlan;
  /** Which engine sends the load: comfyload's own (default) or k6 running scenarios/ (src/harness/k6). */
  engine?: EngineName;
  /** `--threshold` rules the finished run is judged by (exit 1 when one is broken). */
  thresholds?: RunThreshold[];
}

/** The mode a plan runs in. */
export function modeOf(plan: RunPlan): MeasureMode {
  if (plan.capacity !== undefined) return 'capacity';
  return plan.openLoop !== undefined ? 'open-loop' : 'closed-loop';
}
