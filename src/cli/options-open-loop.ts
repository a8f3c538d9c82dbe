/**
 * The open-loop options of `comfyload run` (and, minus `rate`/`stages`, of `capacity`): entries of
 * the one options table, kept in a file of their own and spread into the tables that use them.
 */
import { ARRIVAL_PROCESSES } from '../harness/arrival-schedule.js';
import { DISPATCH_POLICIES } from '../harness/dispatch.js';
import type { ArrivalValues, OpenLoopValues } from '../session/plan-values.js';
import type { OptionSpecs } from './option-table.js';
import { rateList, stageList } from './rate-values.js';
import { finiteNumber, oneOf, positiveInteger } from './value-parsers.js';

export const ARRIVAL_SPECS: OptionSpecs<ArrivalValues> = {
  arrival: {
    kind: 'enum',
    choices: ARRIVAL_PROCESSES,
    group: 'Load: open loop',
    description:
      "How arrivals are spaced: `constant` (evenly, like k6's arrival-rate executors), `poisson` (exponential gaps, as MLPerf's Server scenario) or `gamma` (gaps of shape --burstiness, as vLLM's bench).",
    default: 'poisson',
    example: 'gamma',
    parse: oneOf(ARRIVAL_PROCESSES),
  },
  burstiness: {
    kind: 'number',
    group: 'Load: open loop',
    description: 'Shape of the gamma gaps with --arrival gamma: 1 is Poisson, below 1 burstier (0.5: gaps twice as variable), above 1 more regular.',
    default: 1,
    example: '0.5',
    parse: finiteNumber('a finite number > 0', '0.5', { exclusiveMin: 0 }),
  },
  maxInFlight: {
    kind: 'integer',
    group: 'Load: open loop',
    description:
      "Most prompts outstanding at once (waiting to be sent, queued or running). An arrival that finds this many is not sent and is counted as `dropped` (k6's dropped_iterations): the client-side sign of saturation.",
    default: 200,
    example: '50',
    parse: positiveInteger('200'),
  },
  dispatch: {
    kind: 'enum',
    choices: DISPATCH_POLICIES,
    group: 'Load: open loop',
    description:
      'With several --url (a fleet): `round-robin` sends arrivals in turn; `least-queue` to the target with the fewest prompts queued (its `queue_remaining`).',
    default: 'least-queue',
    example: 'round-robin',
    parse: oneOf(DISPATCH_POLICIES),
  },
};

export const OPEN_LOOP_SPECS: OptionSpecs<OpenLoopValues> = {
  rate: {
    kind: 'string',
    group: 'Load: open loop',
    description:
      'Open loop: send prompts at this arrival rate (`12/min`, `0.5/s`) whether or not earlier ones finished; latencies count from the intended send time (coordinated omission corrected, uncorrected twins also reported). A list runs one level per rate, each for --prompts arrivals or --duration. Excludes --concurrency.',
    example: '12/min',
    parse: rateList('12/min'),
  },
  stages: {
    kind: 'string',
    group: 'Load: open loop',
    description:
      "Ramping arrival rate, one level per stage: `<rate>:<duration>` stages, each ramping linearly from the previous rate (the first from --rate, else 0) to its own, as k6's ramping-arrival-rate; repeat a rate to hold it.",
    example: '2/min:5m,10/min:10m',
    parse: stageList('2/min:5m,10/min:10m'),
  },
  ...ARRIVAL_SPECS,
};
