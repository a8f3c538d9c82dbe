/**
 * The options of `comfyload plan <results-dir>` (the results folder is its one positional
 * argument): the one table from which its flags, COMFYLOAD_PLAN_* variables, defaults, --help and
 * docs/cli.md are derived. The arrival model's options are run's own entries.
 */
import type { ArrivalProcess } from '../harness/arrival-schedule.js';
import { parseSlo } from '../metrics/slo.js';
import { FLEET_DISPATCHES, type FleetDispatch } from '../planner/fleet-simulation.js';
import { isPredictedMetric, PREDICTED_METRICS, type PlanSlo } from '../planner/plan-types.js';
import { ARRIVAL_SPECS } from './options-open-loop.js';
import { defineOptions, type ParseContext } from './option-table.js';
import { rateList, rateTextToPerSec } from './rate-values.js';
import { boolean, expected, finiteNumber, integer, oneOf, path, positiveIntegerList, type Parser } from './value-parsers.js';

export interface PlanOptionValues {
  /** Prompts per second, one question per rate. */
  rate: number[] | undefined;
  rateSteps: number;
  slo: PlanSlo | undefined;
  gpus: number[] | undefined;
  maxGpus: number;
  dispatch: FleetDispatch;
  arrival: ArrivalProcess;
  burstiness: number;
  replications: number;
  arrivals: number | undefined;
  confidence: number;
  seed: number;
  target: number | undefined;
  out: string | undefined;
  json: boolean;
  quiet: boolean;
}

const SLO_FIX = 'completionMs.p95<30000';

/** An SLO the simulation can predict: the form of src/metrics/slo.ts, on a predicted metric. */
function plannableSlo(raw: unknown, ctx: ParseContext): PlanSlo {
  const value = Array.isArray(raw) && ctx.source === 'flag' ? (raw[raw.length - 1] as unknown) : raw;
  if (typeof value !== 'string') return expected(ctx, 'an SLO `<metric>.p<percentile><<threshold ms>`', value, SLO_FIX);
  const parsed = parseSlo(value);
  if (typeof parsed === 'string') return expected(ctx, `an SLO \`<metric>.p<percentile><<threshold ms>\` with ${parsed}`, value, SLO_FIX);
  if (!isPredictedMetric(parsed.metric)) {
    return expected(ctx, `an SLO on a metric the fleet simulation predicts (${PREDICTED_METRICS.join(', ')}), not ${parsed.metric}`, value, SLO_FIX, {
      code: 'COMFYLOAD_ERR_PLAN_SLO_METRIC',
    });
  }
  return { text: parsed.text, metric: parsed.metric, percentile: parsed.percentile, thresholdMs: parsed.thresholdMs };
}

const RAMP = /^\s*([^.]+?)\s*\.\.\s*(.+?)\s*$/;

/**
 * `600/min`, a list `300/min,600/min`, or a ramp `300/min..1200/min` (expanded to --rate-steps
 * evenly spaced rates, both ends included, by the command). A ramp is kept as [from, to, NaN].
 */
function rateOrRamp(fix: string): Parser<number[]> {
  const list = rateList(fix);
  return (raw, ctx) => {
    const value = Array.isArray(raw) && ctx.source === 'flag' ? (raw[raw.length - 1] as unknown) : raw;
    const m = typeof value === 'string' ? RAMP.exec(value) : null;
    if (m === null) return list(raw, ctx);
    const from = rateTextToPerSec(m[1] ?? '');
    const to = rateTextToPerSec(m[2] ?? '');
    if (from === undefined || to === undefined || !(from > 0) || !(to > from)) {
      return expected(ctx, 'a ramp `<from rate>..<to rate>` with from > 0 and to above it (each with its unit)', value, '300/min..1200/min');
    }
    return [from, to, Number.NaN];
  };
}

/** The rates to plan for: a ramp expanded into `steps` evenly spaced rates. */
export function planRates(rates: readonly number[], steps: number): number[] {
  if (rates.length !== 3 || !Number.isNaN(rates[2])) return [...rates];
  const [from = 0, to = 0] = rates;
  return Array.from({ length: steps }, (_, i) => from + ((to - from) * i) / (steps - 1));
}

export const PLAN_OPTIONS = defineOptions<PlanOptionValues>('COMFYLOAD_PLAN_', {
  rate: {
    kind: 'string',
    group: 'Question',
    description:
      'Arrival rate to plan for (`600/min`, `10/s`), a comma-separated list of rates, or a ramp `300/min..1200/min` (--rate-steps rates, ends included) to show where each fleet size saturates.',
    example: '600/min',
    parse: rateOrRamp('600/min'),
  },
  rateSteps: {
    kind: 'integer',
    group: 'Question',
    description: 'How many evenly spaced rates a --rate ramp `<from>..<to>` is planned at.',
    default: 8,
    example: '10',
    parse: integer('an integer from 2 to 100', 2, '8', 100),
  },
  slo: {
    kind: 'string',
    group: 'Question',
    description:
      'The objective: `<metric>.p<percentile><<threshold>` (ms, or with a unit: `30s`), on a metric the simulation predicts (completionMs, queueWaitMs, timeToFirstStepMs, execMs, serverExecMs). With it, plan answers the fewest GPUs that meet it.',
    example: SLO_FIX,
    parse: plannableSlo,
  },
  gpus: {
    kind: 'number-list',
    group: 'Question',
    description: 'Predict at these fleet sizes instead of searching for the fewest (`4`, or `2,3,4`); with --slo each is judged against it.',
    example: '4',
    parse: positiveIntegerList('4'),
  },
  maxGpus: {
    kind: 'integer',
    group: 'Question',
    description: 'The largest fleet the search tries; a rate that needs more just to keep up is refused.',
    default: 64,
    example: '128',
    parse: integer('an integer from 1 to 4096', 1, '64', 4096),
  },
  dispatch: {
    kind: 'enum',
    choices: FLEET_DISPATCHES,
    group: 'Fleet model',
    description:
      "How the fleet spreads prompts: `least-queue` and `round-robin` as comfyload's --dispatch does; `shared-queue` an ideal router that holds each prompt until a GPU is free (a bound on what smarter dispatch saves).",
    default: 'least-queue',
    example: 'round-robin',
    parse: oneOf(FLEET_DISPATCHES),
  },
  arrival: { ...ARRIVAL_SPECS.arrival, group: 'Fleet model' },
  burstiness: { ...ARRIVAL_SPECS.burstiness, group: 'Fleet model' },
  replications: {
    kind: 'integer',
    group: 'Simulation',
    description:
      'Bootstrap replications per prediction: each resamples the measured prompts and draws fresh arrivals; their spread is the confidence interval.',
    default: 100,
    example: '200',
    parse: integer('an integer from 20 to 10000', 20, '100', 10_000),
  },
  arrivals: {
    kind: 'integer',
    group: 'Simulation',
    description: 'Simulated arrivals per replication (after a 10% warm-up).',
    defaultText: 'from the utilisation: 400/(1 − ρ)², 2000 to 50000',
    example: '20000',
    parse: integer('an integer from 200 to 1000000', 200, '20000', 1_000_000),
  },
  confidence: {
    kind: 'number',
    group: 'Simulation',
    description: 'Share of the replications inside each interval; a verdict passes when the whole interval is below the threshold.',
    default: 0.95,
    example: '0.99',
    parse: finiteNumber('a number between 0.5 and 0.999', '0.95', { min: 0.5, max: 0.999 }),
  },
  seed: {
    kind: 'integer',
    group: 'Simulation',
    description: 'Seed of the simulation: the same folder, question and seed give the same plan.',
    default: 1,
    example: '42',
    parse: integer('an integer from 0 to 4294967295', 0, '1', 4_294_967_295),
  },
  target: {
    kind: 'integer',
    group: 'Input',
    description: "A fleet's results folder: plan from this target's prompts (its index in summary.json `targets`).",
    example: '0',
    parse: integer('an integer >= 0', 0, '0'),
  },
  out: {
    kind: 'path',
    config: false,
    group: 'Output',
    description: 'Folder for plan.json and plan.html.',
    defaultText: '<results-dir>',
    example: 'plans/600-per-min',
    parse: path('plans/600-per-min'),
  },
  json: {
    kind: 'boolean',
    group: 'Output',
    description: 'Print plan.json on stdout instead of the table.',
    default: false,
    example: 'true',
    parse: boolean(),
  },
  quiet: {
    kind: 'boolean',
    group: 'Output',
    description: 'No progress lines on stderr.',
    default: false,
    example: 'true',
    parse: boolean(),
  },
});
