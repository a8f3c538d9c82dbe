/**
 * The open-loop part of a RunPlan from `run`'s options: which load model a run uses, and the
 * rules that involve several options (rate vs concurrency, stages vs a rate list, fleets).
 */
import type { OpenLoopPlan } from '../harness/load-plan.js';
import { ComfyloadError } from '../comfy/errors.js';
import type { OpenLoopValues, Resolved } from './plan-values.js';

type Fields = OpenLoopValues & { concurrency: number[] };

/** The open-loop plan, or undefined for a closed-loop run; problems are pushed, not thrown. */
export function openLoopPlan(resolved: Resolved<Fields>, problems: ComfyloadError[]): OpenLoopPlan | undefined {
  const { values: v, sources, names } = resolved;
  const bad = (message: string, hint: string): void => {
    problems.push(new ComfyloadError('COMFYLOAD_ERR_BAD_OPTION', message, { hint }));
  };
  const open = v.rate !== undefined || v.stages !== undefined;
  if (!open) {
    for (const key of ['arrival', 'burstiness', 'maxInFlight', 'dispatch'] as const) {
      if (sources[key] !== 'default') bad(`\`${names[key]}\` applies to open-loop runs only`, 'add --rate (or --stages), or drop it.');
    }
    return undefined;
  }
  if (sources.concurrency !== 'default')
    bad(
      `\`${names.concurrency}\` and an arrival rate exclude each other`,
      'give --concurrency for a closed loop (virtual users) or --rate/--stages for an open loop (arrivals per time).',
    );
  if (v.stages !== undefined && v.rate !== undefined && v.rate.length > 1)
    bad(
      `\`${names.stages}\` takes one starting rate, but \`${names.rate}\` lists ${v.rate.length}`,
      'give one --rate to start the ramp from, or drop --stages to run the rates as levels.',
    );
  if (v.burstiness !== 1 && v.arrival !== 'gamma') bad(`\`${names.burstiness}\` needs --arrival gamma`, 'add --arrival gamma (poisson is burstiness 1).');
  return {
    arrival: v.arrival,
    burstiness: v.arrival === 'poisson' ? 1 : v.burstiness,
    ...(v.stages !== undefined ? { stages: v.stages, startRatePerSec: v.rate?.[0] ?? 0 } : { ratesPerSec: v.rate ?? [] }),
    maxInFlight: v.maxInFlight,
    dispatch: v.dispatch,
  };
}

/** Placeholder closed-loop levels of an open-loop plan: one per rate or stage (concurrency 0), for level counts. */
export function openLoopLevels(o: OpenLoopPlan): { concurrency: number }[] {
  return (o.stages ?? o.ratesPerSec ?? []).map(() => ({ concurrency: 0 }));
}
