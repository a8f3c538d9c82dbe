/**
 * The fingerprint a session's results carry: one workflow's, or a mixed workload's (every
 * workflow's models and settings, a model configuration named for the mix) with each workflow's
 * own beside it, for the per-workflow figures and the swap detection.
 */
import type { SystemStats } from '../comfy/http-types.js';
import { buildFingerprint, type Fingerprint } from '../harness/fingerprint.js';
import { buildMixFingerprint } from '../harness/mix-fingerprint.js';
import type { ServerInventory } from '../metrics/result-types.js';
import { packageInfo } from './package-info.js';
import type { RunPlan } from './plan.js';

/** The run's fingerprint from the first target's /system_stats; `perWorkflow` is empty without a mix. */
export function runFingerprint(plan: RunPlan, stats: SystemStats, inventory: ServerInventory): { fingerprint: Fingerprint; perWorkflow: Fingerprint[] } {
  const version = packageInfo().version;
  if (plan.mix === undefined)
    return { fingerprint: buildFingerprint(stats, plan.workflow, plan.workflowPath, version, plan.labels, inventory), perWorkflow: [] };
  const workflows = plan.mix.workflows.map((w, i) => ({ name: w.name, path: w.path, workflow: w.workflow, weight: plan.mix?.weights[i] ?? 0 }));
  return buildMixFingerprint(stats, workflows, version, plan.labels, inventory);
}
