/**
 * `--matrix key=v1,v2 …`: every combination of the axes becomes its own RunPlan — its own model
 * configuration, with its values applied as `--set` after the user's own, a label naming the
 * combination and a run name of its own, so each gets its own results folder.
 */
import { RUN_NAME } from './plan-values.js';
import type { RunPlan } from './plan.js';

/** The plans to run, in order (the first axis varies slowest); the plan itself without --matrix. */
export function expandMatrix(plan: RunPlan): RunPlan[] {
  const axes = plan.matrixAxes ?? [];
  if (axes.length === 0) return [plan];
  let combos: { key: string; value: string }[][] = [[]];
  for (const axis of axes) combos = combos.flatMap((c) => axis.values.map((value) => [...c, { key: axis.key, value }]));
  const { matrixAxes: _axes, ...base } = plan;
  return combos.map((combo, index) => ({
    ...base,
    name: combinationName(plan.name, combo, index, combos.length),
    sets: [...(plan.sets ?? []), ...combo.map((c) => ({ path: c.key, value: c.value }))],
    matrix: combo,
    labels: { ...plan.labels, matrix: describeCombination(combo) },
  }));
}

/** `batch_size=2,steps=30`. */
export function describeCombination(combo: readonly { key: string; value: string }[]): string {
  return combo.map((c) => `${c.key}=${c.value}`).join(',');
}

/** `sd15-txt2img-batch_size2-steps30`, or a numbered name when that would not fit a folder name. */
export function combinationName(name: string, combo: readonly { key: string; value: string }[], index: number, count: number): string {
  const part = combo
    .map((c) => `${c.key.slice(c.key.lastIndexOf('.') + 1)}${c.value}`)
    .join('-')
    .replace(/[^A-Za-z0-9._-]+/g, '_');
  const full = `${name}-${part}`;
  if (RUN_NAME.test(full)) return full;
  const numbered = `${name.slice(0, 48)}-m${index + 1}of${count}`;
  return RUN_NAME.test(numbered) ? numbered : `matrix-${index + 1}of${count}`;
}
