/**
 * The validated, immutable description of one run, built by the CLI from flags, config file and
 * environment, and consumed by the engine. Type-only module.
 */
import type { ApiWorkflow } from '../comfy/http-types.js';

export type SeedPolicy = 'random' | 'fixed' | 'increment';

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

export interface RunPlan {
  /** Short name used in the results folder (`<UTC time>-<name>`). */
  name: string;
  /** `emulator` when no --url was given and the built-in emulator was started. */
  targetKind: 'server' | 'emulator';
  targets: TargetSpec[];
  /** Settings of the built-in emulator when `targetKind` is `emulator` (the engine starts it). */
  emulator?: { gpu: string; timeScale: number; seed: number };
  workflowPath: string;
  workflow: ApiWorkflow;
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
  /** Root of the results tree (`results/` by default). */
  resultsDir: string;
  labels: Record<string, string>;
  /** How often the VRAM sampler polls /system_stats (default 250 ms). */
  vramIntervalMs?: number;
}
