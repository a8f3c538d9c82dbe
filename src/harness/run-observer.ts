/**
 * What the engine tells the outside world as a run proceeds. The CLI wires these to the
 * reporters (files, console); the engine itself never formats output.
 */
import type { LevelSummary, Phase, PromptRecord } from '../metrics/result-types.js';

export interface LevelStart {
  level: number;
  concurrency: number;
  phase: Phase;
  /** Prompts planned for the level, or undefined for a timed level. */
  plannedPrompts?: number;
  durationMs?: number;
}

/** The latest sampler step of one prompt in flight (`value` of `max`). */
export interface StepProgress {
  value: number;
  max: number;
}

export interface LiveCounts {
  level: number;
  concurrency: number;
  phase: Phase;
  submitted: number;
  settled: number;
  inFlight: number;
  errors: number;
  plannedPrompts?: number;
  /** The latest step of each prompt in flight that has reported one (only `live` getters fill it, on demand). */
  steps?: StepProgress[];
}

export interface RunObserver {
  onLevelStart?(start: LevelStart): void;
  /** Called as each prompt settles, with its complete record (append it to requests.csv). */
  onPromptSettled?(record: PromptRecord, live: LiveCounts): void | Promise<void>;
  onLevelEnd?(summary: LevelSummary): void | Promise<void>;
  /** A warning worth showing a human (cached prompts, reconnects…). */
  onWarning?(message: string): void;
}
