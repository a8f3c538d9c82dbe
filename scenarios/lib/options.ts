/**
 * The plan's scenarios as k6 `options`: every decision (sizes, start times, graceful stops) was
 * made by comfyload when it prepared the plan (src/harness/k6/k6-plan.ts); this only spells them
 * the way k6 reads them. Each level is a scenario of its own, chained by `startTime`; the VRAM
 * poller is one more, from the start.
 */
import type { Options, Scenario } from 'k6/options';
import { k6Thresholds, type K6Plan, type K6ScenarioPlan } from '../../src/metrics/k6-wire.js';

/** k6 reads Go durations: fractional milliseconds are fine (`333.333ms`). */
const ms = (value: number): string => `${Number(Math.max(0, value).toFixed(3))}ms`;

function scenarioOptions(s: K6ScenarioPlan): Scenario {
  const common = { startTime: ms(s.startTimeMs), gracefulStop: ms(s.gracefulStopMs), exec: 'prompt' };
  switch (s.executor) {
    case 'shared-iterations':
      return { ...common, executor: s.executor, vus: s.vus ?? 1, iterations: s.iterations ?? 1, maxDuration: ms(s.durationMs) };
    case 'constant-vus':
      return { ...common, executor: s.executor, vus: s.vus ?? 1, duration: ms(s.durationMs) };
    case 'constant-arrival-rate':
      return {
        ...common,
        executor: s.executor,
        rate: s.rate ?? 1,
        timeUnit: ms(s.timeUnitMs ?? 1000),
        duration: ms(s.durationMs),
        preAllocatedVUs: s.preAllocatedVUs ?? 1,
        maxVUs: s.maxVUs ?? 1,
      };
    case 'ramping-arrival-rate':
      return {
        ...common,
        executor: s.executor,
        startRate: s.rate ?? 0,
        timeUnit: ms(s.timeUnitMs ?? 1000),
        stages: (s.stages ?? []).map((stage) => ({ target: stage.target, duration: ms(stage.durationMs) })),
        preAllocatedVUs: s.preAllocatedVUs ?? 1,
        maxVUs: s.maxVUs ?? 1,
      };
  }
}

export function k6Options(plan: K6Plan): Options {
  const scenarios: Record<string, Scenario> = {};
  for (const s of plan.scenarios) scenarios[s.name] = scenarioOptions(s);
  if (plan.vram !== null) {
    scenarios.vram = { executor: 'per-vu-iterations', vus: 1, iterations: 1, maxDuration: ms(plan.vram.untilMs + 1000), gracefulStop: '1000ms', exec: 'vram' };
  }
  return {
    scenarios,
    thresholds: k6Thresholds(plan.thresholds),
    tags: { gpu: plan.tags.gpu, model_config: plan.tags.model_config },
    summaryTrendStats: ['avg', 'min', 'med', 'p(90)', 'p(95)', 'p(99)', 'max', 'count'],
  };
}
