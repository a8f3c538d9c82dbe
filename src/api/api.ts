/**
 * The programmatic API: `import { run, capacity, validate, startSim } from 'comfyload'`. Each
 * takes the same camelCase keys as a config file (`{ url, workflow, concurrency: [1, 2],
 * prompts: 4, simTimeScale: 0.05 }`), validated by the same options table as the command line
 * (same error codes: COMFYLOAD_ERR_BAD_CONFIG for a bad value or an unknown key), and runs the
 * same measuring session. Nothing is printed unless `log` is given; the environment
 * (COMFYLOAD_*) is not read, so a call does what its options say.
 */
import { join } from 'node:path';
import { checkConfigKeys } from '../cli/config-file.js';
import { resolveOptions, type OptionTable } from '../cli/option-table.js';
import { CAPACITY_OPTIONS, type CapacityOptionValues } from '../cli/options-capacity.js';
import { RUN_OPTIONS, type RunOptionValues } from '../cli/options-run.js';
import { SIM_OPTIONS, toSimStartOptions, type SimOptionValues } from '../cli/options-sim.js';
import { VALIDATE_OPTIONS, type ValidateOptionValues } from '../cli/options-validate.js';
import type { ApiWorkflow } from '../comfy/http-types.js';
import type { LevelStart, LiveCounts, RunObserver } from '../harness/run-observer.js';
import type { CapacityResult, CapacityTrial, LevelSummary, PromptRecord } from '../metrics/result-types.js';
import { buildCapacityPlan, buildCheckPlan, buildRunPlan } from '../session/build-plan.js';
import { checkWorkflow, writeApiExport } from '../session/check-workflow.js';
import { measure, type MeasureResult, type SessionLog } from '../session/measure.js';
import { packageInfo } from '../session/package-info.js';
import type { Resolved } from '../session/plan-values.js';
import { startSim as startEmulator, type GroundTruth } from '../sim/index.js';

/** A value as a config file would hold it. */
export type OptionValue = string | number | boolean | readonly (string | number)[] | Readonly<Record<string, string | number>>;

type Keys<T> = Exclude<keyof T, 'json' | 'quiet' | 'verbose' | 'config' | 'resume'>;

/** Something the API reports to as it goes. */
export type ProgressEvent =
  | { type: 'level-start'; start: LevelStart }
  | { type: 'prompt'; record: PromptRecord; live: LiveCounts }
  | { type: 'level-end'; level: LevelSummary }
  | { type: 'warning'; message: string }
  | { type: 'trial'; trial: CapacityTrial };

/** What every measuring call takes besides its options. */
export interface CallOptions {
  /** Aborting stops the run: this run's prompts are cancelled and partial results written. */
  signal?: AbortSignal;
  /** Called for every level start and end, every settled prompt, warning and capacity trial. */
  onProgress?: (event: ProgressEvent) => void;
  /** Where to write the command line's human output (e.g. `process.stderr`); silent by default. */
  log?: SessionLog;
  /** Relative paths (workflow, results folder) resolve from here. @default process.cwd() */
  cwd?: string;
}

export type RunOptions = { [K in Keys<RunOptionValues>]?: OptionValue } & CallOptions;
export type CapacityOptions = { [K in Keys<CapacityOptionValues>]?: OptionValue } & CallOptions;
export type ValidateOptions = { [K in Keys<ValidateOptionValues>]?: OptionValue } & Pick<CallOptions, 'log' | 'cwd'>;
export type StartSimOptions = { [K in Exclude<keyof SimOptionValues, 'verbose'>]?: OptionValue };

export interface RunResult {
  /** The results folder (absolute), as `comfyload run` prints it. */
  resultsDir: string;
  /** summary.json's content in memory: each `level` is the level's index (0 = L1, as in the `onProgress` events); summary.json and the CSVs number levels from 1. */
  summary: MeasureResult['summary'];
  /** The command line's exit code: 0 done, 1 a gate failed, 3 the target ended the run, 130 stopped. */
  exitCode: number;
  /** The error that ended the run after its partial results were written. */
  error?: MeasureResult['error'];
  /** One per --matrix combination. */
  runs: MeasureResult['runs'];
}

export interface CapacitySearchResult extends RunResult {
  /** The search's result (capacity.json); absent when it ended before any trial. */
  capacity?: CapacityResult;
}

export interface ValidateResult {
  /** The API-format graph that would be sent. */
  workflow: ApiWorkflow;
  outputNodes: string[];
  converted: boolean;
  targetUrl: string;
}

export interface SimServer {
  url: string;
  port: number;
  /** What the emulator really did: every prompt's times, steps, VRAM (for checking a benchmark). */
  groundTruth: GroundTruth;
  close(): Promise<void>;
}

const CALL_KEYS = new Set(['signal', 'onProgress', 'log', 'cwd']);

/** Runs a benchmark (closed loop, or open loop with `rate`/`stages`) and writes its results folder. */
export async function run(options: RunOptions = {}): Promise<RunResult> {
  const resolved = resolveApiOptions(RUN_OPTIONS, options, 'run() options');
  const plan = await buildRunPlan(resolved, { packageRoot: packageInfo().root });
  return measured(await measure(plan, sessionIo(options)));
}

/** Searches the highest arrival rate that meets every `slo`, and writes its results folder. */
export async function capacity(options: CapacityOptions = {}): Promise<CapacitySearchResult> {
  const resolved = resolveApiOptions(CAPACITY_OPTIONS, options, 'capacity() options');
  const plan = await buildCapacityPlan(resolved, { packageRoot: packageInfo().root });
  const result = measured(await measure(plan, sessionIo(options)));
  return { ...result, ...(result.summary.capacity !== undefined ? { capacity: result.summary.capacity } : {}) };
}

/** Checks a workflow against a server's /object_info (or the emulator's); throws listing every problem. */
export async function validate(options: ValidateOptions = {}): Promise<ValidateResult> {
  const resolved = resolveApiOptions(VALIDATE_OPTIONS, options, 'validate() options');
  const check = await checkWorkflow(await buildCheckPlan(resolved), options.log ?? { write: () => true });
  if (resolved.values.exportApi !== undefined) await writeApiExport(resolved.values.exportApi, check.workflow);
  return check;
}

/** Starts the built-in ComfyUI emulator in this process (port 0, a free port, unless given). */
export async function startSim(options: StartSimOptions = {}): Promise<SimServer> {
  const resolved = resolveApiOptions(SIM_OPTIONS, { port: 0, ...options }, 'startSim() options');
  const sim = await startEmulator(toSimStartOptions(resolved));
  return { url: sim.url, port: sim.port, groundTruth: sim.groundTruth, close: () => sim.close() };
}

function resolveApiOptions<T>(table: OptionTable<T>, options: object, label: string): Resolved<T> {
  const cwd = (options as CallOptions).cwd ?? process.cwd();
  const values = Object.fromEntries(Object.entries(options).filter(([key, value]) => !CALL_KEYS.has(key) && value !== undefined));
  checkConfigKeys(label, values, table);
  // The values are a config file without a file: relative paths resolve from cwd.
  return resolveOptions(table, { flags: {}, env: {}, cwd, config: { path: join(cwd, label), label, values } });
}

function sessionIo(options: CallOptions): Parameters<typeof measure>[1] {
  const notify = options.onProgress;
  const observer: RunObserver | undefined =
    notify === undefined
      ? undefined
      : {
          onLevelStart: (start) => notify({ type: 'level-start', start }),
          onPromptSettled: (record, live) => notify({ type: 'prompt', record, live }),
          onLevelEnd: (level) => notify({ type: 'level-end', level }),
          onWarning: (message) => notify({ type: 'warning', message }),
        };
  return {
    cwd: options.cwd ?? process.cwd(),
    // Only the k6 engine reads it (K6_BIN, PATH): the benchmark's options never come from the environment.
    env: process.env,
    ...(options.log !== undefined ? { log: options.log } : {}),
    ...(options.signal !== undefined ? { signal: options.signal } : {}),
    ...(observer !== undefined ? { observer } : {}),
    ...(notify !== undefined ? { onTrial: (trial: CapacityTrial) => notify({ type: 'trial', trial }) } : {}),
  };
}

function measured(result: MeasureResult): RunResult {
  return {
    resultsDir: result.resultsDir,
    summary: result.summary,
    exitCode: result.exitCode,
    ...(result.error !== undefined ? { error: result.error } : {}),
    runs: result.runs,
  };
}
