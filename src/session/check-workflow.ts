/**
 * `validate`'s session: the workflow preflight of a measuring session without the run — against
 * the plan's server, or a built-in emulator started for the check only (its model catalogue, an
 * empty input folder). Nothing is queued and nothing is uploaded.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ComfyloadError } from '../comfy/errors.js';
import type { ApiWorkflow } from '../comfy/http-types.js';
import { outputNodeIds } from '../comfy/workflow.js';
import { systemClock } from '../harness/clock.js';
import type { SessionLog } from './measure.js';
import type { RunPlan } from './plan.js';
import { preflightWorkflow } from './preflight.js';
import { startTargets } from './targets.js';

export interface WorkflowCheck {
  /** The API graph that would be sent (converted, `--set` applied; seeds as in the file). */
  workflow: ApiWorkflow;
  outputNodes: string[];
  /** The file was in the UI format. */
  converted: boolean;
  /** The server it was checked against. */
  targetUrl: string;
}

/** Checks the plan's workflow; throws (exit 2) listing every problem when the server would refuse it. */
export async function checkWorkflow(plan: RunPlan, log: SessionLog): Promise<WorkflowCheck> {
  const targets = await startTargets(plan, log, {
    timeScale: 0,
    purpose: "checking against the built-in emulator's /object_info (its model catalogue, an empty input folder)",
  });
  try {
    const ready = await preflightWorkflow(targets.plan, systemClock, log, { dryRun: true });
    return {
      workflow: ready.plan.workflow,
      outputNodes: outputNodeIds(ready.plan.workflow, ready.prepared.objectInfo),
      converted: ready.prepared.converted,
      targetUrl: targets.plan.targets[0]?.url ?? '',
    };
  } finally {
    await targets.close();
  }
}

/** `--export-api`: the checked graph as an API-format file that `run --workflow` takes unchanged. */
export async function writeApiExport(path: string, workflow: ApiWorkflow): Promise<void> {
  try {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, `${JSON.stringify(workflow, null, 2)}\n`);
  } catch (err) {
    throw new ComfyloadError('COMFYLOAD_ERR_EXPORT_WRITE', `cannot write --export-api ${path}: ${(err as Error).message}`, { cause: err });
  }
}
