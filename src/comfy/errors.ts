/**
 * The one error type of comfyload and the catalogue of its stable codes, for every layer (this is
 * the one module of src/comfy the others may import for that alone; it uses no Node API).
 *
 * Callers match on `code` (never on the message); `docs/errors.md` is generated from
 * `ERROR_CODES`, so a code cannot exist without its documentation. Modelled on undici's
 * `lib/core/errors.js`.
 */

/** Process exit codes. A CI job can tell "the server got slower" (1) from "the test never ran" (2, 3). */
export const EXIT_CODES = {
  /** The run completed and passed its thresholds. */
  ok: 0,
  /** The run completed but failed a gate (--max-error-rate, --threshold), or `compare` found a significant regression beyond a threshold. */
  thresholdFailed: 1,
  /** Bad usage, configuration or workflow; nothing was sent, or the run could not be recorded. */
  usage: 2,
  /** The target is unreachable, is not ComfyUI, or refused us. */
  target: 3,
  /** A bug in comfyload (sysexits EX_SOFTWARE): nothing the user did. */
  internal: 70,
  /** Interrupted by SIGINT/SIGTERM (128 + 2, as shells report it). */
  interrupted: 130,
} as const;

export type ExitCode = (typeof EXIT_CODES)[keyof typeof EXIT_CODES];

export interface ErrorCodeInfo {
  exitCode: ExitCode;
  /** One line: when this code is raised. */
  summary: string;
  /** The usual fix, used as the hint when the thrower has no more specific one. */
  fix: string;
}

/** Every code comfyload raises. Order is the order of docs/errors.md. */
export const ERROR_CODES = {
  COMFYLOAD_ERR_BAD_OPTION: {
    exitCode: EXIT_CODES.usage,
    summary: 'A command-line flag or COMFYLOAD_* environment variable is unknown, missing its value, or has an invalid value.',
    fix: 'Correct the flag as the message says; `comfyload <command> --help` lists every flag with its default.',
  },
  COMFYLOAD_ERR_BAD_CONFIG: {
    exitCode: EXIT_CODES.usage,
    summary: 'The --config file cannot be parsed, has an unknown key, or a key has an invalid value.',
    fix: 'Fix the file at the line shown; keys are the camelCase flag names listed in docs/cli.md.',
  },
  COMFYLOAD_ERR_CONFIG_NOT_FOUND: {
    exitCode: EXIT_CODES.usage,
    summary: 'The file given to --config (or COMFYLOAD_CONFIG) does not exist or cannot be read.',
    fix: 'Check the path; relative paths are resolved from the current directory.',
  },
  COMFYLOAD_ERR_BAD_WORKFLOW: {
    exitCode: EXIT_CODES.usage,
    summary: 'The workflow file is not valid JSON or not an API-format graph (node id → {class_type, inputs}).',
    fix: 'Re-export the workflow from ComfyUI with "Workflow → Export (API)".',
  },
  COMFYLOAD_ERR_WORKFLOW_NOT_FOUND: {
    exitCode: EXIT_CODES.usage,
    summary: 'The file given to --workflow does not exist or cannot be read.',
    fix: "Check the path; relative paths are resolved from the current directory (or from the config file's folder).",
  },
  COMFYLOAD_ERR_WORKFLOW_UI_FORMAT: {
    exitCode: EXIT_CODES.usage,
    summary:
      "The workflow file is in the UI format (`nodes` and `links` arrays) and cannot be converted to the API format with the server's /object_info (a subgraph, a group node, a node class the server lacks).",
    fix: 'In ComfyUI use "Workflow → Export (API)" (older UIs: enable dev mode in the settings, then "Save (API Format)").',
  },
  COMFYLOAD_ERR_BAD_SET_PATH: {
    exitCode: EXIT_CODES.usage,
    summary: 'A --set or --matrix path is not `<selector>.<input>` (node id, class, `title:…` or a bare input name).',
    fix: "Write it as e.g. KSampler.steps=30, 3.inputs.steps=30 or 'title:Positive.text=…'.",
  },
  COMFYLOAD_ERR_SET_PATH_NO_MATCH: {
    exitCode: EXIT_CODES.usage,
    summary: 'The selector of a --set or --matrix path matched no node of the workflow.',
    fix: 'Use a node id, class_type or title that the workflow has; `comfyload validate --workflow <file>` lists its nodes.',
  },
  COMFYLOAD_ERR_SET_PATH_NO_INPUT: {
    exitCode: EXIT_CODES.usage,
    summary: 'The nodes a --set or --matrix path selects have no input of that name.',
    fix: 'Name an input the node has (as in the API-format file, e.g. steps, cfg, seed, text).',
  },
  COMFYLOAD_ERR_BAD_SEED: {
    exitCode: EXIT_CODES.usage,
    summary: 'The --seed (with --seed-policy fixed or increment) would give a seed that is not a non-negative safe integer.',
    fix: 'Choose a smaller --seed (at most 2^53 − 1 minus the prompts of the run).',
  },
  COMFYLOAD_ERR_BAD_SET_VALUE: {
    exitCode: EXIT_CODES.usage,
    summary: "A --set or --matrix value does not fit the input's type in the server's /object_info (not an integer, not one of the enum values…).",
    fix: "Give a value of the input's type; `comfyload validate --workflow <file> --set …` checks it against the server.",
  },
  COMFYLOAD_ERR_BAD_URL: {
    exitCode: EXIT_CODES.usage,
    summary: 'A --url is not an absolute http:// or https:// URL without query or fragment.',
    fix: "Pass the server's HTTP base address, e.g. --url http://127.0.0.1:8188.",
  },
  COMFYLOAD_ERR_TARGET_UNREACHABLE: {
    exitCode: EXIT_CODES.target,
    summary: 'The target did not answer (connection refused, DNS failure, TLS error or timeout) during preflight.',
    fix: 'Check that ComfyUI is running and reachable from this machine: curl <url>/system_stats.',
  },
  COMFYLOAD_ERR_NOT_COMFYUI: {
    exitCode: EXIT_CODES.target,
    summary: 'The target answered, but not like ComfyUI (GET /system_stats or /object_info gave an unexpected response).',
    fix: 'Point --url at the ComfyUI server itself (the address its web UI is served on), not at a proxy page.',
  },
  COMFYLOAD_ERR_TARGET_AUTH: {
    exitCode: EXIT_CODES.target,
    summary: 'The target answered 401 or 403.',
    fix: "Pass credentials with --header 'Authorization: Bearer …' or in the URL (http://user:password@host:8188).",
  },
  COMFYLOAD_ERR_PROMPT_REJECTED: {
    exitCode: EXIT_CODES.usage,
    summary: 'POST /prompt answered 400 during preflight: the server rejected the workflow (missing node type, model or invalid input).',
    fix: 'Run the same workflow once in the ComfyUI web UI; install the missing nodes or models it reports.',
  },
  COMFYLOAD_ERR_CACHE_AUDIT_FAILED: {
    exitCode: EXIT_CODES.thresholdFailed,
    summary: "--cache-mode audit: prompts the harness varied were served from ComfyUI's cache, so the benchmark would measure the cache, not the GPU.",
    fix: 'Make sure the workflow has a seed (or a prompt text, with --prompt-file) that reaches the sampler; a seed fed by a primitive in the UI format must be exported as a literal.',
  },
  COMFYLOAD_ERR_WS_CLOSED: {
    exitCode: EXIT_CODES.target,
    summary:
      'Every WebSocket (/ws) to a target closed during the run and none reopened within --reconnect-timeout: the run stopped, its prompts in flight settled by look-ups, and the results so far are written with `"partial": true`.',
    fix: 'Check the server log; a proxy in front of ComfyUI must allow WebSocket upgrades on /ws. For a server that restarts slowly, raise --reconnect-timeout.',
  },
  COMFYLOAD_ERR_OUTPUT_FETCH: {
    exitCode: EXIT_CODES.target,
    summary: 'With --fetch-outputs, GET /view for an output image did not answer 200 (per prompt this is the outcome `error:InvalidOutput`).',
    fix: 'Check that the output file still exists on the server (a cleaner deleting outputs, a full disk).',
  },
  COMFYLOAD_ERR_PROMPT_TIMEOUT: {
    exitCode: EXIT_CODES.thresholdFailed,
    summary: 'A prompt did not finish within --prompt-timeout (per prompt this is the outcome `timeout`, counted as an error).',
    fix: 'Raise --prompt-timeout for slow workflows, or lower --concurrency so prompts do not wait that long in the queue.',
  },
  COMFYLOAD_ERR_ERROR_RATE_EXCEEDED: {
    exitCode: EXIT_CODES.thresholdFailed,
    summary: 'The run completed, but errors / submitted prompts exceeded --max-error-rate.',
    fix: 'Read the failed prompts in requests.csv (column outcome); raise --max-error-rate only if those errors are expected.',
  },
  COMFYLOAD_ERR_RESULTS_WRITE: {
    exitCode: EXIT_CODES.usage,
    summary: 'The results folder could not be created or written (permissions, disk full, path is a file).',
    fix: 'Choose a writable folder with --results-dir.',
  },
  COMFYLOAD_ERR_OBSERVER_FAILED: {
    exitCode: EXIT_CODES.usage,
    summary:
      'A progress callback given to the programmatic API (`observer`: onPromptSettled, onLevelEnd…) threw during the run: the run stopped there, its prompts in flight settled, and the results so far are written with `"partial": true`.',
    fix: 'Fix the callback (the error names what it threw); a callback must not throw — catch inside it what it cannot handle.',
  },
  COMFYLOAD_ERR_QUEUE_READ: {
    exitCode: EXIT_CODES.target,
    summary:
      'GET /prompt (the server\'s queue) could not be read: between closed-loop levels the queue drain stops the run after repeated failures (results so far written, `"partial": true`); in the open loop failed queue-depth polls are counted in a warning.',
    fix: 'Check the server and its log (curl <url>/prompt must answer JSON); a proxy in front of ComfyUI must forward GET /prompt.',
  },
  COMFYLOAD_ERR_EMULATOR_FAILED: {
    exitCode: EXIT_CODES.internal,
    summary:
      'The built-in emulator (run without --url) failed after it started: its worker thread threw or exited. The run stopped and the results so far are written with `"partial": true`.',
    fix: 'This is a bug in comfyload: report the message. Meanwhile run against `comfyload sim` in another terminal with --url, or against a real server.',
  },
  COMFYLOAD_ERR_EXPORT_WRITE: {
    exitCode: EXIT_CODES.usage,
    summary: 'The file given to `validate --export-api` could not be written (permissions, disk full, path is a folder).',
    fix: 'Give --export-api a writable file path; missing folders are created.',
  },
  COMFYLOAD_ERR_NOT_RESULTS_DIR: {
    exitCode: EXIT_CODES.usage,
    summary: '`comfyload report` was given a folder that is not a comfyload results folder (no summary.json, levels.csv or requests.csv).',
    fix: 'Pass the run folder itself: results/<gpu>/<model-config>/<UTC time>-<name>/ (the one holding summary.json).',
  },
  COMFYLOAD_ERR_COMPARE_MISMATCH: {
    exitCode: EXIT_CODES.usage,
    summary:
      '`comfyload compare` was given runs of different workloads (workflow SHA-256, models, resolution, steps, batch, sampler, scheduler, mode or seed policy differ): their numbers measure different work.',
    fix: 'Compare runs of the same workflow and settings; to compare different workloads anyway (e.g. two model configurations), pass --allow-different-workflow, and every output says so.',
  },
  COMFYLOAD_ERR_COMPARE_EMPTY: {
    exitCode: EXIT_CODES.usage,
    summary: '`comfyload compare` found no results folder on a side, or no level the two sides share.',
    fix: 'Pass results folders (or a parent folder holding them) as BASELINE and CANDIDATE, measured at the same concurrency levels or rates.',
  },
  COMFYLOAD_ERR_BAD_RESULTS: {
    exitCode: EXIT_CODES.usage,
    summary: 'A file of the results folder cannot be read back (summary.json not JSON, unknown schemaVersion, unreadable CSV).',
    fix: 'Use the comfyload version that wrote the folder, or re-run the benchmark; the message names the file.',
  },
  COMFYLOAD_ERR_THRESHOLD_FAILED: {
    exitCode: EXIT_CODES.thresholdFailed,
    summary: 'The run completed, but a --threshold failed (with --engine k6, k6 itself decided it and exited 99).',
    fix: 'Read the threshold lines (rule, observed percentile, samples) and levels.csv; relax the threshold only if the slower figure is acceptable.',
  },
  COMFYLOAD_ERR_K6_NOT_FOUND: {
    exitCode: EXIT_CODES.usage,
    summary: '--engine k6 (or `comfyload k6`) found no k6 binary: not in K6_BIN, not on PATH, not at ../shared/bin/k6.',
    fix: 'Install k6 (v0.49, or v0.50 and later; https://grafana.com/docs/k6/latest/set-up/install-k6/) and put it on PATH, or point K6_BIN at it.',
  },
  COMFYLOAD_ERR_K6_UNSUPPORTED: {
    exitCode: EXIT_CODES.usage,
    summary:
      "The run asks for something the k6 engine cannot do (Poisson or gamma arrivals, a fleet, output downloads, the Node engine's reconnect settings), or the k6 found is older than v0.49.",
    fix: 'Change the option the message names, or run with --engine node, which does all of these.',
  },
  COMFYLOAD_ERR_K6_FAILED: {
    exitCode: EXIT_CODES.usage,
    summary: 'k6 exited with an error of its own (a script or option error, exit code other than 0 or 99); what it measured before is kept.',
    fix: "Read k6's lines above the error (prefixed `k6:`); the plan and k6's raw output are in the results folder under k6/.",
  },
  COMFYLOAD_ERR_BAD_K6_OUTPUT: {
    exitCode: EXIT_CODES.usage,
    summary: "`comfyload import-k6` was given a file that is not k6 `--out json` output of comfyload's scenarios (no plan record, or a line that is not JSON).",
    fix: 'Run the scenario of a `comfyload k6 bundle` folder with `k6 run --out json=out.json script.js` and import that file (.json or .json.gz).',
  },
  COMFYLOAD_ERR_MERGE_MISMATCH: {
    exitCode: EXIT_CODES.usage,
    summary:
      '`comfyload merge` was given results folders that are not shards of one plan on one kind of server (their fingerprints, workflows, modes or levels differ, or k6 execution segments overlap).',
    fix: 'Merge only folders of the same plan run against identical servers; compare different ones with `comfyload compare` instead, or rerun the odd one.',
  },
  COMFYLOAD_ERR_PLAN_NO_SAMPLES: {
    exitCode: EXIT_CODES.usage,
    summary:
      '`comfyload plan` found no prompt to take service times from: the results folder has no ok, measured prompt (not warm-up, not cached, not settled from /history) with an execution time.',
    fix: 'Plan from a run that completed prompts on one GPU, e.g. `comfyload run --url <gpu> --workflow <file> --prompts 100`, then `comfyload plan <its results folder>`.',
  },
  COMFYLOAD_ERR_PLAN_SLO_METRIC: {
    exitCode: EXIT_CODES.usage,
    summary:
      "The --slo given to `comfyload plan` names a metric the fleet simulation cannot predict: it predicts the times a GPU queue decides (completionMs, queueWaitMs, timeToFirstStepMs, execMs, serverExecMs), not the network's (submitAckMs, outputFetchMs) or the client's (the *UncorrectedMs twins).",
    fix: "Use one of the predicted metrics, e.g. --slo 'completionMs.p95<30000'.",
  },
  COMFYLOAD_ERR_PLAN_UNREACHABLE: {
    exitCode: EXIT_CODES.usage,
    summary:
      '`comfyload plan` was asked something no fleet size up to --max-gpus answers: the rate needs more GPUs than that just to keep up, or the SLO is below what a prompt takes on an idle GPU.',
    fix: 'Raise --max-gpus, plan for a lower --rate, relax the --slo, or measure a faster GPU or a lighter workflow.',
  },
  COMFYLOAD_ERR_RESUME_NOT_FOUND: {
    exitCode: EXIT_CODES.usage,
    summary: 'The folder given to `capacity --resume` does not exist.',
    fix: 'Give the results folder the interrupted search printed (`results in …`), e.g. --resume results/<gpu>/<model-config>/<time>-<name>.',
  },
  COMFYLOAD_ERR_RESUME_NOT_CAPACITY: {
    exitCode: EXIT_CODES.usage,
    summary: 'The folder given to `capacity --resume` is not the results folder of a capacity search (no summary.json, or one of `run`).',
    fix: 'Give the folder of a `comfyload capacity` search; a `run` is not resumed, run it again.',
  },
  COMFYLOAD_ERR_RESUME_NO_CHECKPOINT: {
    exitCode: EXIT_CODES.usage,
    summary:
      'The capacity search in the folder stopped before its first trial was decided, so it left no capacity-checkpoint.json: there is nothing to continue.',
    fix: 'Start a new search: the same command without --resume.',
  },
  COMFYLOAD_ERR_RESUME_BAD_CHECKPOINT: {
    exitCode: EXIT_CODES.usage,
    summary: "The folder's capacity-checkpoint.json cannot be read, is of another schema version, or does not replay into the search it records.",
    fix: 'Start a new search (the same command without --resume); the folder is left as it is.',
  },
  COMFYLOAD_ERR_RESUME_CONFLICT: {
    exitCode: EXIT_CODES.usage,
    summary:
      'An option given with `capacity --resume` differs from the one the search was started with (only --max-trials, --max-minutes, --url, --header and the output flags may change), or a budget leaves no trial to run.',
    fix: 'Drop the option (the search continues with its saved value), raise the budget as the message says, or start a new search without --resume.',
  },
  COMFYLOAD_ERR_RESUME_MISMATCH: {
    exitCode: EXIT_CODES.usage,
    summary:
      'The target of `capacity --resume` is not the server the search started on: its fingerprint differs (GPU, ComfyUI/PyTorch version, custom nodes, workflow, models, emulator). Nothing was sent and the folder is unchanged.',
    fix: 'Resume against the same server (--url if its address changed), or start a new search without --resume for this one.',
  },
  COMFYLOAD_ERR_INTERRUPTED: {
    exitCode: EXIT_CODES.interrupted,
    summary: 'Stopped by SIGINT (Ctrl-C) or SIGTERM; results recorded so far are kept.',
    fix: 'Nothing to fix; re-run to get a complete result.',
  },
  COMFYLOAD_ERR_INTERNAL: {
    exitCode: EXIT_CODES.internal,
    summary: 'An unexpected error: a bug in comfyload.',
    fix: 'Re-run with --verbose (or COMFYLOAD_DEBUG=1) and report the output with the stack trace.',
  },
} as const satisfies Record<`COMFYLOAD_ERR_${string}`, ErrorCodeInfo>;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface ComfyloadErrorOptions {
  /** The fix, addressed to the user. Defaults to the catalogue's fix for the code. */
  hint?: string;
  cause?: unknown;
  /** One line per problem, when the error gathers several (e.g. every invalid option). */
  details?: string[];
}

/** The one error class of every layer: throw it, match on `code`, exit with `exitCode`. */
export class ComfyloadError extends Error {
  override readonly name = 'ComfyloadError';
  readonly code: ErrorCode;
  readonly exitCode: ExitCode;
  readonly hint: string;
  readonly details?: string[];

  constructor(code: ErrorCode, message: string, options: ComfyloadErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.exitCode = ERROR_CODES[code].exitCode;
    this.hint = options.hint ?? ERROR_CODES[code].fix;
    if (options.details !== undefined && options.details.length > 0) this.details = [...options.details];
  }
}

export function isComfyloadError(err: unknown): err is ComfyloadError {
  return err instanceof ComfyloadError;
}

/** A `--set` path that cannot be applied to the workflow; the message names the fix. */
export class ComfyPathError extends ComfyloadError {
  /** The path as the user wrote it. */
  readonly path: string;

  constructor(code: ErrorCode, path: string, message: string, options: ComfyloadErrorOptions = {}) {
    super(code, message, options);
    this.path = path;
  }
}

/** Any thrown value as a ComfyloadError: ours pass through; anything else is an INTERNAL bug. */
export function toComfyloadError(err: unknown): ComfyloadError {
  if (isComfyloadError(err)) return err;
  return new ComfyloadError('COMFYLOAD_ERR_INTERNAL', `internal error: ${oneLine(describeThrown(err))}`, { cause: err });
}

/** A thrown value in one line of text, whatever it is. */
export function describeThrown(value: unknown): string {
  if (value instanceof Error) return value.message === '' ? value.name : `${value.name}: ${value.message}`;
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

function oneLine(text: string): string {
  const first = text.split('\n', 1)[0] ?? '';
  return first.length > 200 ? `${first.slice(0, 199)}…` : first;
}
