/**
 * The options of `run` that choose and steer the engine — `--engine` and the k6
 * engine's `--execution-segment` and `--expected-completion` — entries of run's one options table
 * (spread into RUN_OPTIONS), shared by `comfyload k6 bundle`.
 */
import { parseExecutionSegment } from '../metrics/k6-wire.js';
import type { EngineName, EngineValues } from '../session/plan-values.js';
import type { OptionSpecs, ParseContext } from './option-table.js';
import { duration, expected, oneOf } from './value-parsers.js';

export const ENGINES = ['node', 'k6'] as const satisfies readonly EngineName[];

/** k6's `--execution-segment`: `from:to` (or `to`, from 0), each a fraction, decimal or percentage, 0 ≤ from < to ≤ 1. */
export function executionSegment(raw: unknown, ctx: ParseContext): string {
  const fix = '0:1/2';
  const what = 'a k6 execution segment `from:to` with 0 ≤ from < to ≤ 1 (`0:1/2`, `1/2:1`, `0.25:0.5`, `50%:100%`)';
  if (typeof raw !== 'string' || raw.trim() === '' || parseExecutionSegment(raw) === undefined) return expected(ctx, what, raw, fix);
  return raw.trim();
}

export const ENGINE_SPECS: OptionSpecs<EngineValues> = {
  engine: {
    kind: 'enum',
    choices: ENGINES,
    group: 'Engine',
    description:
      "What sends the load: `node` (comfyload's own engine) or `k6` (Grafana k6 runs the bundled scenarios of dist/scenarios, found by K6_BIN, then PATH; comfyload does the preflight and turns k6's output into the same results folder). k6 cannot do Poisson/gamma arrivals, fleets or --fetch-outputs: those are refused by name.",
    default: 'node',
    example: 'k6',
    parse: oneOf(ENGINES),
  },
  executionSegment: {
    kind: 'string',
    group: 'Engine',
    description:
      "--engine k6: run only this share of the plan, as k6's --execution-segment (`0:1/2` on one machine, `1/2:1` on another; what k6-operator's parallelism does). Merge the results folders with `comfyload merge`.",
    example: '0:1/2',
    parse: executionSegment,
  },
  expectedCompletion: {
    kind: 'duration',
    group: 'Engine',
    description:
      "--engine k6: the completion time of one prompt that sizes k6's level slots (k6 chains levels by start time), instead of timing two probe prompts first.",
    defaultText: 'measured by two probe prompts',
    example: '20s',
    parse: duration('20s'),
  },
};
