/**
 * comfyload as a library: the same benchmarks as the command line, from code.
 *
 * ```ts
 * import { run, startSim } from 'comfyload';
 * const sim = await startSim({ timeScale: 0.05 });
 * const { resultsDir, summary, exitCode } = await run({ url: sim.url, concurrency: [1, 2], prompts: 4 });
 * await sim.close();
 * ```
 */
export { capacity, run, startSim, validate } from './api/api.js';
export type {
  CallOptions,
  CapacityOptions,
  CapacitySearchResult,
  OptionValue,
  ProgressEvent,
  RunOptions,
  RunResult,
  SimServer,
  StartSimOptions,
  ValidateOptions,
  ValidateResult,
} from './api/api.js';
export { ComfyloadError, ERROR_CODES, EXIT_CODES, isComfyloadError } from './comfy/errors.js';
export type { ErrorCode, ExitCode } from './comfy/errors.js';
export type { CapacityResult, CapacityTrial, LevelSummary, PromptRecord, RunSummary } from './metrics/result-types.js';
