/**
 * The options of `comfyload capacity`: its own entries (SLOs, confidence, search and trial
 * limits) plus every option it shares with `run` (targets, workflow, --set, --matrix, inputs,
 * cache mode, arrival model, gates, results, config file, emulator and its faults), taken from
 * run's table so each shared option is declared once.
 */
import { ARRIVAL_SPECS } from './options-open-loop.js';
import { defineOptions } from './option-table.js';
import type { CapacityPlanValues } from '../session/plan-values.js';
import { RUN_OPTIONS, type RunOptionValues } from './options-run.js';
import { parseSlo, type SloSpec } from '../metrics/slo.js';
import { expected, finiteNumber, integer, path, positiveInteger, repeatable } from './value-parsers.js';
import type { ParseContext } from './option-table.js';

export interface CapacityOptionValues extends CapacityPlanValues {
  config: string | undefined;
  json: boolean;
  quiet: boolean;
  verbose: boolean;
  /** --resume: the results folder of an interrupted search to continue. */
  resume: string | undefined;
}

function slo(raw: unknown, ctx: ParseContext): SloSpec {
  const fix = 'completionMs.p95<30000';
  if (typeof raw !== 'string') return expected(ctx, 'an SLO `<metric>.p<percentile><<threshold ms>`', raw, fix);
  const parsed = parseSlo(raw);
  if (typeof parsed === 'string') return expected(ctx, `an SLO \`<metric>.p<percentile><<threshold ms>\` with ${parsed}`, raw, fix);
  return parsed;
}

/** The options capacity shares with run: the same entries, declared once in run's table. */
const SHARED_KEYS = [
  'url',
  'header',
  'workflow',
  'seedPolicy',
  'seed',
  'set',
  'matrix',
  'promptFile',
  'cacheMode',
  'input',
  'inputMask',
  'warmup',
  'maxErrorRate',
  'promptTimeout',
  'resultsDir',
  'name',
  'label',
  'vramInterval',
  'quietLookup',
  'reconnectTimeout',
  'wsHeartbeat',
  'config',
  'simGpu',
  'simTimeScale',
  'simFault',
  'simSlowdown',
  'simGpuProfile',
  'simComfyuiVersion',
  'json',
  'quiet',
  'verbose',
] as const satisfies readonly (keyof RunOptionValues & keyof CapacityOptionValues)[];

const shared = Object.fromEntries(SHARED_KEYS.map((key) => [key, RUN_OPTIONS[key]])) as Pick<typeof RUN_OPTIONS, (typeof SHARED_KEYS)[number]>;

export const CAPACITY_OPTIONS = defineOptions<CapacityOptionValues>('COMFYLOAD_', {
  slo: {
    kind: 'repeatable',
    repeatable: true,
    group: 'Capacity',
    description:
      'A service-level objective every trial must meet: `<metric>.p<percentile><<threshold>` in ms (or with a unit: `30s`), e.g. `completionMs.p95<30000`; repeat for several. Latencies count from the intended send time.',
    example: 'completionMs.p95<30000',
    parse: repeatable(slo),
  },
  confidence: {
    kind: 'number',
    group: 'Capacity',
    description:
      'Confidence of each SLO claim (binomial early stopping, as MLPerf LoadGen): sets the minimum prompts per trial, printed at the start (p95 at 0.99: 90).',
    default: 0.99,
    example: '0.95',
    parse: finiteNumber('a number between 0.5 and 0.9999', '0.99', { min: 0.5, max: 0.9999 }),
  },
  precision: {
    kind: 'number',
    group: 'Capacity',
    description: 'Stop bisecting when the highest passing and lowest failing rates are within this fraction of each other.',
    default: 0.03,
    example: '0.05',
    parse: finiteNumber('a number between 0.001 and 0.5', '0.03', { min: 0.001, max: 0.5 }),
  },
  probePrompts: {
    kind: 'integer',
    group: 'Capacity',
    description: 'Prompts per target of the closed-loop probe (one at a time) that estimates the service rate the search starts from.',
    default: 5,
    example: '5',
    parse: positiveInteger('5'),
  },
  windowArrivals: {
    kind: 'integer',
    group: 'Capacity',
    description:
      "Arrivals per stability window (a window lasts this many arrivals at the trial's rate, at least 1 s); a trial passes once its last 3 windows agree within 10%.",
    default: 20,
    example: '20',
    parse: integer('an integer from 5 to 10000', 5, '20', 10_000),
  },
  maxWindows: {
    kind: 'integer',
    group: 'Capacity',
    description: 'Windows after which a trial is decided on what it has seen.',
    default: 12,
    example: '12',
    parse: integer('an integer from 4 to 1000', 4, '12', 1000),
  },
  maxMinutes: {
    kind: 'number',
    group: 'Capacity',
    description:
      'A budget for the whole search, in minutes: no trial starts that would end past it (the results say the search stopped early). The expected duration is printed before the first trial.',
    example: '30',
    parse: finiteNumber('a number of minutes > 0', '30', { exclusiveMin: 0 }),
  },
  maxTrials: {
    kind: 'integer',
    group: 'Capacity',
    description: 'Trials at most (the probe not counted).',
    default: 12,
    example: '12',
    parse: positiveInteger('12'),
  },
  resume: {
    kind: 'path',
    group: 'Capacity',
    description:
      "Continue an interrupted search from its results folder (its capacity-checkpoint.json, written after every decided trial): the probe and the decided trials are not rerun, the target must have the same fingerprint, and the next trial is the one the search would have run next. The search's own options are used; only --max-trials, --max-minutes, --url, --header and the output flags may be given with it (others only with their saved value).",
    example: 'results/nvidia-geforce-rtx-4090/sd15-512x512-20steps-b1/2026-12-02T120000Z-sd15-txt2img-capacity',
    config: false,
    env: false,
    parse: path('results/<gpu>/<model-config>/<time>-<name>'),
  },
  ...ARRIVAL_SPECS,
  ...shared,
});
