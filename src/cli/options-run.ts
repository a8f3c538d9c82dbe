/**
 * The options of `comfyload run`: the one table from which its flags, config-file keys,
 * COMFYLOAD_* environment variables, defaults, --help and docs/cli.md are all derived.
 */
import type { CacheMode, SeedPolicy } from '../harness/load-plan.js';
import { RUN_NAME, type RunPlanValues } from '../session/plan-values.js';
import { FAULT_SYNTAX, parseFault } from './fault-values.js';
import { gpuProfileIds } from '../sim/profiles.js';
import { OPEN_LOOP_SPECS } from './options-open-loop.js';
import { MIX_SPECS } from './options-mix.js';
import { ENGINE_SPECS } from './options-k6.js';
import { nearest } from './nearest.js';
import { simUpgradeSpecs } from './sim-upgrade-values.js';
import { parseRunThreshold, type RunThreshold } from '../metrics/run-thresholds.js';
import { defineOptions, type ParseContext } from './option-table.js';
import { headerFromEntry, labelFromEntry, parseHeader, parseLabel, parseTargetUrl } from './target-values.js';
import {
  boolean,
  duration,
  expected,
  finiteNumber,
  integer,
  nonNegativeInteger,
  oneOf,
  path,
  positiveInteger,
  positiveIntegerList,
  repeatable,
  text,
} from './value-parsers.js';
import { assignmentFromEntry, parseInputOption, parseMatrixOption, parseSetOption } from './workflow-values.js';

export const SEED_POLICIES = ['random', 'fixed', 'increment'] as const satisfies readonly SeedPolicy[];
export const CACHE_MODES = ['defeat', 'allow', 'audit'] as const satisfies readonly CacheMode[];

/** An emulator GPU profile id (fixtures/sim/gpus.json), with the nearest ids suggested for a typo. */
export function gpuProfile(raw: unknown, ctx: ParseContext): string {
  const value = typeof raw === 'string' ? raw.trim() : raw;
  const ids = gpuProfileIds();
  if (typeof value === 'string' && ids.includes(value)) return value;
  const near = typeof value === 'string' ? nearest(value, ids, 1) : [];
  return expected(ctx, `one of ${ids.map((id) => `\`${id}\``).join(', ')}`, value, near[0] ?? 'rtx-4090');
}

/** A `--threshold` rule (`completionMs.p95<30000`, `errorRate<0.01`), refused with what it should look like. */
export function parseRunThresholdOption(raw: unknown, ctx: ParseContext): RunThreshold {
  const parsed = typeof raw === 'string' ? parseRunThreshold(raw) : 'a threshold text';
  if (typeof parsed === 'string') return expected(ctx, `a threshold: ${parsed}`, raw, 'completionMs.p95<30000');
  return parsed;
}

/** Values of `run`'s options after resolution: the plan's values and the output switches. */
export interface RunOptionValues extends RunPlanValues {
  config: string | undefined;
  json: boolean;
  quiet: boolean;
  verbose: boolean;
}

const SIM_UPGRADE = simUpgradeSpecs('Emulator (without --url)', 'run');

export const RUN_OPTIONS = defineOptions<RunOptionValues>('COMFYLOAD_', {
  url: {
    short: 'u',
    kind: 'repeatable',
    repeatable: true,
    group: 'Target',
    description:
      'Base URL of a ComfyUI server (http or https); repeat for a fleet. Credentials in the URL (http://user:pass@host) are sent as a Basic Authorization header and never written to results. Without --url, the built-in emulator is started.',
    defaultText: 'built-in emulator',
    example: 'http://127.0.0.1:8188',
    parse: repeatable(parseTargetUrl),
  },
  header: {
    kind: 'repeatable',
    repeatable: true,
    secret: true,
    envSeparator: '\n',
    group: 'Target',
    description: 'Extra request header `Name: value` sent to every target (e.g. a bearer token). Never printed or written to results.',
    example: 'Authorization: Bearer <token>',
    parse: repeatable(parseHeader, headerFromEntry),
  },
  workflow: {
    short: 'w',
    kind: 'repeatable',
    repeatable: true,
    group: 'Workflow',
    description:
      'API-format workflow JSON to queue (ComfyUI: Workflow → Export (API)). Required with --url; without --url the bundled SD 1.5 txt2img workflow is used. Repeat for a mixed workload (--mix): each prompt draws one of them.',
    defaultText: 'fixtures/workflows/sd15-txt2img.json with the emulator',
    example: 'workflow_api.json',
    parse: repeatable(path('workflow_api.json')),
  },
  ...MIX_SPECS,
  seedPolicy: {
    kind: 'enum',
    choices: SEED_POLICIES,
    group: 'Workflow',
    description: "Seed of each prompt: `random` (defeats ComfyUI's cache, like real traffic), `fixed` (--seed every time), `increment` (--seed, --seed+1, …).",
    default: 'random',
    example: 'increment',
    parse: oneOf(SEED_POLICIES),
  },
  seed: {
    kind: 'integer',
    group: 'Workflow',
    description: "Base seed for the seed policy and for comfyload's random choices; recorded in the results so a run can be repeated.",
    defaultText: 'random, recorded',
    example: '42',
    parse: integer('an integer from 0 to 2^53-1', 0, '42'),
  },
  set: {
    kind: 'repeatable',
    repeatable: true,
    envSeparator: '\n',
    group: 'Workflow',
    description:
      "Set a node input before the run: `3.inputs.steps=30` (node id), `KSampler.steps=30` (every node of a class), `title:Positive.text=a red fox` (by title) or `steps=30` (every node with that input). The value is typed by the server's /object_info (INT, FLOAT, BOOLEAN, STRING, enum).",
    example: 'KSampler.steps=30',
    parse: repeatable(parseSetOption, assignmentFromEntry),
  },
  matrix: {
    kind: 'repeatable',
    repeatable: true,
    envSeparator: ';',
    group: 'Workflow',
    description:
      'Run every combination of these values, each as its own model configuration with its own results folder: `key=v1,v2,…`, key an input name (set on every node that has it) or a --set path.',
    example: 'batch_size=1,2,4',
    parse: repeatable(parseMatrixOption, assignmentFromEntry),
  },
  promptFile: {
    kind: 'path',
    group: 'Workflow',
    description:
      'Text file of positive prompts, one per line (blank lines skipped), rotated through the prompts of the run; they go into the CLIPTextEncode titled "Positive", or the one linked to the sampler\'s `positive` input.',
    example: 'prompts.txt',
    parse: path('prompts.txt'),
  },
  cacheMode: {
    kind: 'enum',
    choices: CACHE_MODES,
    group: 'Workflow',
    description:
      "ComfyUI's output cache: `defeat` (seeds vary per --seed-policy, so nothing is served from cache), `allow` (identical prompts are fine; --seed-policy defaults to fixed), `audit` (first run identical then varied prompts, report the cache speed-up and exit 1 if a varied prompt was served from cache).",
    default: 'defeat',
    example: 'audit',
    parse: oneOf(CACHE_MODES),
  },
  input: {
    kind: 'repeatable',
    repeatable: true,
    group: 'Workflow',
    description:
      "Image to upload (POST /upload/image) before the run for the LoadImage nodes, which then use the name the server returns; `node=file` picks one node by id or title. Images the workflow names that the server lacks are uploaded from the workflow's folder (or its input/ subfolder) without this flag.",
    example: 'photo.png',
    parse: repeatable(parseInputOption),
  },
  inputMask: {
    kind: 'repeatable',
    repeatable: true,
    group: 'Workflow',
    description:
      "Mask to upload for the LoadImageMask nodes; `node=file` picks one node. A loader reading the `alpha` channel gets it through POST /upload/mask with `original_ref` to the uploaded --input image (the editor's mask flow), others through /upload/image.",
    example: 'mask.png',
    parse: repeatable(parseInputOption),
  },
  concurrency: {
    short: 'c',
    kind: 'number-list',
    group: 'Load',
    description: 'Concurrency levels to measure, in order: each level runs that many virtual users, each with its own socket.',
    default: '1,2,4',
    example: '1,2,4,8',
    parse: positiveIntegerList('1,2,4'),
  },
  ...OPEN_LOOP_SPECS,
  prompts: {
    short: 'n',
    kind: 'integer',
    group: 'Load',
    description:
      'Measured prompts per concurrency level. Excludes --duration: when both are set, the one from the higher-precedence source wins (both from the same source is an error).',
    default: 20,
    example: '50',
    parse: positiveInteger('20'),
  },
  duration: {
    short: 'd',
    kind: 'duration',
    group: 'Load',
    description: 'Measure each level for this long instead of a prompt count (`500ms`, `90s`, `5m`, `1h30m`).',
    example: '5m',
    parse: duration('5m'),
  },
  warmup: {
    kind: 'integer',
    group: 'Load',
    description: 'Warm-up prompts before the first level (models load, caches fill); reported apart, never in the measured numbers.',
    default: 2,
    example: '2',
    parse: nonNegativeInteger('2'),
  },
  promptTimeout: {
    kind: 'duration',
    group: 'Load',
    description: 'A prompt not finished after this long is cancelled and counted as a `timeout` error.',
    default: '10m',
    example: '10m',
    parse: duration('10m'),
  },
  quietLookup: {
    kind: 'duration',
    group: 'Load',
    description:
      'A prompt in flight with no event for this long is looked up in /history (then GET /queue): it settles from there if it finished, ends `lost` if the server no longer knows it (a restart), and is looked up again after twice the wait while it is still queued (up to 5 min).',
    default: '30s',
    example: '30s',
    parse: duration('30s'),
  },
  reconnectTimeout: {
    kind: 'duration',
    group: 'Load',
    description:
      'A closed WebSocket reconnects with the same clientId (waits of 100 ms doubling to 5 s) for this long; then its virtual user takes no new prompts and its prompts in flight are settled by look-ups. When every socket to a target is given up the run stops: partial results, exit 3 (COMFYLOAD_ERR_WS_CLOSED).',
    default: '1m',
    example: '2m',
    parse: duration('1m'),
  },
  wsHeartbeat: {
    kind: 'duration',
    group: 'Load',
    description:
      'Ping every WebSocket this often (ComfyUI answers pings); a socket from which nothing came back — no pong, no frame — for twice this long is dropped and reconnected, and its prompts are looked up in /history, so a dead peer that never closed the connection is found in seconds. 0 turns the heartbeat off.',
    default: '5s',
    example: '5s',
    parse: duration('5s'),
  },
  fetchOutputs: {
    kind: 'boolean',
    group: 'Load',
    description: 'Download each output image (GET /view) and time it as outputFetchMs.',
    default: false,
    example: 'true',
    parse: boolean(),
  },
  ...ENGINE_SPECS,
  maxErrorRate: {
    kind: 'number',
    group: 'Pass/fail',
    description: 'Exit 1 when failed / submitted prompts exceeds this fraction.',
    default: 0.05,
    example: '0.05',
    parse: finiteNumber('a number from 0 to 1', '0.05', { min: 0, max: 1 }),
  },
  threshold: {
    kind: 'repeatable',
    repeatable: true,
    group: 'Pass/fail',
    description:
      "Judge the finished run, k6's habit: `<metric>.p<percentile><<ms>` (as capacity's --slo: `completionMs.p95<30000`, units ms/s/m/h) over every measured prompt, or `errorRate<0.01` (failed / submitted, warm-up apart). One line per threshold (rule, figure, verdict, and whether 95% confidence is reached by the binomial test); exit 1 when one is broken.",
    example: 'completionMs.p95<30000',
    parse: repeatable(parseRunThresholdOption),
  },
  resultsDir: {
    kind: 'path',
    group: 'Results',
    description: 'Root of the results tree: <results-dir>/<gpu>/<model-config>/<UTC time>-<name>/.',
    default: 'results',
    example: 'results',
    parse: path('results'),
  },
  name: {
    kind: 'string',
    group: 'Results',
    description: 'Short name of the run in its results folder (letters, digits, `.`, `_`, `-`; up to 64).',
    defaultText: 'workflow file name without extension',
    example: 'sd15-baseline',
    parse: text('a name of letters, digits, `.`, `_` and `-` (up to 64, starting with a letter or digit)', 'sd15-baseline', RUN_NAME),
  },
  label: {
    kind: 'repeatable',
    repeatable: true,
    group: 'Results',
    description: 'Label `key=value` recorded with the run (e.g. driver version, host); `gpu=` and `model-config=` override those parts of the results path.',
    example: 'driver=550.54',
    parse: repeatable(parseLabel, labelFromEntry),
  },
  vramInterval: {
    kind: 'duration',
    group: 'Results',
    description:
      'How often to read VRAM and RAM from /system_stats (on a connection of its own; a poll still pending skips the next tick) for vram.csv, the per-level and per-prompt VRAM peaks and the drift check.',
    default: '250ms',
    example: '250ms',
    parse: duration('250ms'),
  },
  simGpu: {
    kind: 'string',
    group: 'Emulator (without --url)',
    description: 'GPU profile the built-in emulator simulates.',
    default: 'rtx-4090',
    example: 'rtx-4090',
    parse: gpuProfile,
  },
  simTimeScale: {
    kind: 'number',
    group: 'Emulator (without --url)',
    description:
      "Multiplies every duration of the built-in emulator's cost model: 0.1 runs it ten times faster. The harness reports the times it really measured (scaled).",
    default: 1,
    example: '0.1',
    parse: finiteNumber('a finite number > 0', '10', { exclusiveMin: 0 }),
  },
  simFault: {
    kind: 'repeatable',
    repeatable: true,
    group: 'Emulator (without --url)',
    description: `Faults the built-in emulator injects, as \`comfyload sim --fault\`: ${FAULT_SYNTAX}, e.g. \`http-500:rate=0.2,route=/prompt\`.`,
    example: 'http-500:rate=0.2',
    parse: (raw, ctx) => repeatable(parseFault)(raw, ctx).flat(),
  },
  simSlowdown: SIM_UPGRADE.slowdown,
  simGpuProfile: SIM_UPGRADE.gpuProfile,
  simComfyuiVersion: SIM_UPGRADE.comfyuiVersion,
  config: {
    kind: 'path',
    config: false,
    group: 'Output',
    description: 'JSON or YAML file with any of these options under their camelCase keys; flags and env vars override it.',
    example: 'comfyload.yaml',
    parse: path('comfyload.yaml'),
  },
  json: {
    kind: 'boolean',
    group: 'Output',
    description:
      "Print one JSON document on stdout instead of the summary table: summary.json's content plus `resultsDir` (the run's folder) and `exitCode`; progress and logs stay on stderr. `comfyload run --quiet --json | jq -r .resultsDir` prints the folder.",
    default: false,
    example: 'true',
    parse: boolean(),
  },
  quiet: {
    kind: 'boolean',
    group: 'Output',
    description: 'No progress or log lines on stderr; errors and threshold verdicts are still printed, and the summary (or --json) still goes to stdout.',
    default: false,
    example: 'true',
    parse: boolean(),
  },
  verbose: {
    kind: 'boolean',
    group: 'Output',
    description: 'More detail on stderr, and stack traces with errors (also COMFYLOAD_DEBUG=1).',
    default: false,
    example: 'true',
    parse: boolean(),
  },
});
