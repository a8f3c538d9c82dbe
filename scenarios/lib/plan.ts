/**
 * The prepared plan, read once per VU in the init context: `plan.json` beside the script (or the
 * file named by COMFYLOAD_PLAN), written by `comfyload run --engine k6` or `comfyload k6 bundle`.
 * Request headers (Authorization…) never sit in the plan: they come from COMFYLOAD_HEADERS, a JSON
 * object, so a bundle can be shared without its secrets.
 */
import { K6_PLAN_VERSION, type K6Plan, type K6ScenarioPlan } from '../../src/metrics/k6-wire.js';

export interface LoadedPlan {
  plan: K6Plan;
  headers: Record<string, string>;
}

function readHeaders(raw: string | undefined): Record<string, string> {
  if (raw === undefined || raw === '') return {};
  const parsed = JSON.parse(raw) as unknown;
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new Error('COMFYLOAD_HEADERS must be a JSON object of header names to values');
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(parsed as Record<string, unknown>)) out[name] = String(value);
  return out;
}

/** Reads plan.json (init context only: k6's `open`). Throws a sentence naming the fix. */
export function loadPlan(): LoadedPlan {
  const path = __ENV.COMFYLOAD_PLAN ?? './plan.json';
  const plan = JSON.parse(open(path)) as K6Plan;
  if (plan.version !== K6_PLAN_VERSION) {
    throw new Error(
      `${path} is a comfyload k6 plan of version ${String(plan.version)}, this script reads version ${K6_PLAN_VERSION}: bundle again with the same comfyload`,
    );
  }
  return { plan, headers: readHeaders(__ENV.COMFYLOAD_HEADERS) };
}

/** The plan of a k6 scenario by its name. */
export function scenarioPlan(plan: K6Plan, name: string): K6ScenarioPlan {
  const found = plan.scenarios.find((s) => s.name === name);
  if (found === undefined) throw new Error(`scenario ${name} is not in the plan`);
  return found;
}

/** The level a scenario runs `sinceStartMs` after its start (a ramp has one per stage). */
export function levelAt(scenario: K6ScenarioPlan, sinceStartMs: number): K6ScenarioPlan['levels'][number] {
  let current = scenario.levels[0];
  for (const level of scenario.levels) if (level.fromMs <= sinceStartMs) current = level;
  if (current === undefined) throw new Error(`scenario ${scenario.name} has no level`);
  return current;
}
