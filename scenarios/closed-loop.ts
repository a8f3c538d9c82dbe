/**
 * comfyload's k6 scenario, closed-loop. Closed loop: a warm-up scenario (one VU), then a scenario per concurrency level chained by
 * startTime — `shared-iterations` (c VUs share --prompts) or `constant-vus` (--duration) — each VU
 * with its own socket and clientId.
 *
 * Run by `comfyload run --engine k6`, or by hand from a `comfyload k6 bundle` folder:
 * `k6 run --out json=out.json script.js`, then `comfyload import-k6 out.json --out results/`.
 * Every prompt goes through the same protocol core (src/comfy) as the Node engine and emits the
 * same metrics (src/metrics/metric-names.ts).
 */
import { cleanUp } from './lib/cleanup.js';
import { DeviceGauges, emitRun } from './lib/metrics.js';
import { k6Options } from './lib/options.js';
import { loadPlan, scenarioPlan } from './lib/plan.js';
import { PromptIteration } from './lib/prompt-iteration.js';
import { summaryOutput } from './lib/summary.js';
import { pollVram } from './lib/vram-poller.js';
import exec from 'k6/execution';
import { K6_WIRE_VERSION } from '../src/metrics/k6-wire.js';

const { plan, headers } = loadPlan();
if (plan.scenarios.some((s) => s.phase === 'measure' && s.openLoop !== false)) {
  throw new Error('this plan is an open loop: run arrival-rate.js (comfyload k6 bundle writes the right one)');
}
const gauges = new DeviceGauges(plan.vram?.devices ?? 0);

export const options = k6Options(plan);

/** Every level's iteration: one prompt. */
export function prompt(): void {
  new PromptIteration(plan, headers, scenarioPlan(plan, exec.scenario.name)).start();
}

/** The VRAM scenario's one long iteration. */
export function vram(): void {
  pollVram(plan, headers, gauges);
}

/** Records the plan once per k6 process: `comfyload import-k6` needs nothing but the output file. */
export function setup(): void {
  const options = exec.test.options as { userAgent?: unknown; executionSegment?: unknown };
  const segment = options.executionSegment;
  emitRun({
    v: K6_WIRE_VERSION,
    plan,
    userAgent: typeof options.userAgent === 'string' ? options.userAgent : '',
    executionSegment: segment === undefined || segment === null ? '' : String(segment),
    atMs: Date.now(),
  });
}

export function teardown(): void {
  cleanUp(plan, headers);
}

export function handleSummary(data: Parameters<typeof summaryOutput>[0]): Record<string, string> {
  return summaryOutput(data);
}
