/** The one line a session prints before its run: what it runs, at which load, how much. */
import { formatRateText as formatRate } from '../reporters/format.js';
import { mixOrderText } from './mix-plan.js';
import type { RunPlan } from './plan.js';

/** `sd15-txt2img: concurrency 1,2,4, 8 prompts per level, 2 warm-up`, or the open-loop equivalent. */
export function describePlan(plan: RunPlan): string {
  const mix = describeMix(plan);
  if (plan.openLoop !== undefined) return `${describeOpenLoopPlan(plan)}${mix}`;
  const per = plan.durationMs !== undefined ? `${plan.durationMs / 1000} s` : `${plan.promptsPerLevel ?? 0} prompts`;
  return `${plan.name}: concurrency ${plan.levels.map((l) => l.concurrency).join(',')}, ${per} per level, ${plan.warmupPrompts} warm-up${mix}`;
}

/** `, mix sd15-txt2img 3 : sdxl-txt2img 1 (random order, --set on each)`, or '' without a mix. */
function describeMix(plan: RunPlan): string {
  const mix = plan.mix;
  if (mix === undefined) return '';
  const parts = mix.workflows.map((w, i) => `${w.name} ${mix.weights[i] ?? 0}`).join(' : ');
  return `, mix ${parts} (${mixOrderText(mix.order)} order${(plan.sets ?? []).length > 0 ? ', --set on each' : ''})`;
}

/** The one-line description of an open-loop plan printed before the run. */
export function describeOpenLoopPlan(plan: RunPlan): string {
  const o = plan.openLoop;
  if (o === undefined) return plan.name;
  const arrival = o.arrival === 'gamma' ? `gamma arrivals (burstiness ${o.burstiness})` : `${o.arrival} arrivals`;
  const load =
    o.stages !== undefined
      ? `stages ${o.stages.map((s) => `${formatRate(s.ratePerSec)}:${s.durationMs / 1000}s`).join(',')} from ${formatRate(o.startRatePerSec ?? 0)}`
      : `rate ${(o.ratesPerSec ?? []).map(formatRate).join(',')}, ${plan.durationMs !== undefined ? `${plan.durationMs / 1000} s` : `${plan.promptsPerLevel ?? 0} arrivals`} per level`;
  const fleet = plan.targets.length > 1 ? `, ${plan.targets.length} targets (${o.dispatch})` : '';
  return `${plan.name}: open loop, ${load}, ${arrival}, max ${o.maxInFlight} in flight${fleet}, ${plan.warmupPrompts} warm-up per target`;
}
