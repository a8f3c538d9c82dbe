/**
 * The values a measuring session is built from, once resolved and validated: the shapes the
 * options tables (src/cli/options-*.ts) produce from flags, environment and config files, and
 * the programmatic API from its options object. Defined here, below the CLI, so the session
 * builds plans without knowing how the values were spelled; `Resolved` keeps where each came
 * from and how the user named it, for messages about combinations.
 */
import { ComfyloadError } from '../comfy/errors.js';
import type { ArrivalProcess, RateStage } from '../harness/arrival-schedule.js';
import type { DispatchPolicy } from '../harness/dispatch.js';
import type { CacheMode, SeedPolicy, TargetSpec } from '../harness/load-plan.js';
import type { MixOrderKind } from '../harness/workflow-mix.js';
import type { RunThreshold } from '../metrics/run-thresholds.js';
import type { SloSpec } from '../metrics/slo.js';
import type { FaultSpec } from '../sim/faults.js';
import type { GpuProfile } from '../sim/profiles.js';

/** Where a resolved value came from, highest precedence first. */
export type Source = 'flag' | 'env' | 'config' | 'default';

export const SOURCE_RANK: Record<Source, number> = { flag: 3, env: 2, config: 1, default: 0 };

export type ResolvedValues<T> = { [K in keyof T]: T[K] };

export interface Resolved<T> {
  values: ResolvedValues<T>;
  sources: { [K in keyof T]: Source };
  /** How each option's value was named by the user (for messages about combinations). */
  names: { [K in keyof T]: string };
}

/** Throw the one problem as is, or several as one error listing each in `details`. */
export function throwProblems(problems: ComfyloadError[]): void {
  const [first] = problems;
  if (first === undefined) return;
  if (problems.length === 1) throw first;
  throw new ComfyloadError(first.code, `${problems.length} invalid options:`, {
    hint: 'correct each value listed above.',
    details: problems.map((p) => `${p.message}. Fix: ${p.hint}`),
  });
}

/** Results-folder names: no path separators, nothing a shell or a filesystem would trip on. */
export const RUN_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** `--set KSampler.steps=30`: the path and the raw value (typed later by /object_info). */
export interface SetOption {
  path: string;
  value: string;
}

/** `--matrix steps=20,30`: a key (input name or --set path) and its values in order. */
export interface MatrixOption {
  key: string;
  values: string[];
}

/** `--input [node=]photo.png`: a file and, optionally, the node id or title of its loader. */
export interface InputOption {
  path: string;
  node?: string;
}

/** Arrival-model values shared by `run` and `capacity`. */
export interface ArrivalValues {
  arrival: ArrivalProcess;
  burstiness: number;
  maxInFlight: number;
  dispatch: DispatchPolicy;
}

export interface OpenLoopValues extends ArrivalValues {
  /** Prompts per second, one level per rate. */
  rate: number[] | undefined;
  stages: RateStage[] | undefined;
}

/** The workflow values of `run`, `capacity` and `validate`. */
export interface WorkflowValues {
  set: SetOption[] | undefined;
  matrix: MatrixOption[] | undefined;
  promptFile: string | undefined;
  cacheMode: CacheMode;
  input: InputOption[] | undefined;
  inputMask: InputOption[] | undefined;
}

/** What every measuring command is built from (durations in milliseconds). */
export interface CommonPlanValues extends WorkflowValues {
  url: TargetSpec[] | undefined;
  header: [string, string][] | undefined;
  /** `--workflow`, in order (absolute paths); several make a mixed workload (`run --mix`). */
  workflow: string[] | undefined;
  warmup: number;
  seedPolicy: SeedPolicy;
  seed: number | undefined;
  maxErrorRate: number;
  promptTimeout: number;
  quietLookup: number;
  reconnectTimeout: number;
  wsHeartbeat: number;
  resultsDir: string;
  name: string | undefined;
  label: [string, string][] | undefined;
  vramInterval: number;
  simGpu: string;
  simTimeScale: number;
  simFault: FaultSpec[] | undefined;
  /** Playing an upgrade: compute this much slower, a GPU profile of the user's, another reported version. */
  simSlowdown: number;
  simGpuProfile: GpuProfile | undefined;
  simComfyuiVersion: string;
}

/** What sends the load: comfyload's own engine, or k6 running the bundled scenarios. */
export type EngineName = 'node' | 'k6';

/** `--engine` and the k6 engine's settings. */
export interface EngineValues {
  engine: EngineName;
  executionSegment: string | undefined;
  /** Milliseconds. */
  expectedCompletion: number | undefined;
}

/** `run --workflow a.json --workflow b.json --mix 3:1 --mix-order batched:4`. */
export interface MixValues {
  /** The weights as given (`3:1`, `a=75%,b=25%`); read against the workflow names by build-plan. */
  mix: string | undefined;
  mixOrder: MixOrderKind;
}

/** `run`: virtual users or planned arrivals. */
export interface RunPlanValues extends CommonPlanValues, OpenLoopValues, EngineValues, MixValues {
  /** `--threshold` rules (`completionMs.p95<30000`, `errorRate<0.01`). */
  threshold: RunThreshold[] | undefined;
  concurrency: number[];
  prompts: number;
  duration: number | undefined;
  fetchOutputs: boolean;
}

/** `capacity`: the search for the highest rate that meets every SLO. */
export interface CapacityPlanValues extends CommonPlanValues, ArrivalValues {
  slo: SloSpec[] | undefined;
  confidence: number;
  precision: number;
  probePrompts: number;
  windowArrivals: number;
  maxWindows: number;
  maxTrials: number;
  /** --max-minutes: the search's budget. */
  maxMinutes?: number | undefined;
}

/** `validate`: a workflow and where to check it. */
export type CheckPlanValues = Pick<CommonPlanValues, 'url' | 'header' | 'set' | 'input' | 'inputMask' | 'simGpu'> & {
  /** The one workflow to check. */
  workflow: string | undefined;
};
