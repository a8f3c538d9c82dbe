/**
 * `comfyload validate --workflow x.json [--url …] [--export-api out.json]`: the preflight of `run`
 * without the run. The workflow (API or UI format) is checked against the server's /object_info —
 * every node class, required input, link, enum value (models, input images) and output node, and
 * the graph for cycles — and every problem is listed at once. Nothing is queued and nothing is
 * uploaded; exit 0 when the server would accept it, 2 when not. `--export-api` writes the API
 * graph that would be sent (seeds as in the file: `run` varies them per prompt).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

import { systemClock } from '../../harness/clock.js';
import type { RunPlan } from '../../harness/run-plan.js';
import { startSim, type SimHandle } from '../../sim/index.js';
import { ComfyloadError } from '../../comfy/errors.js';
import type { ApiWorkflow } from '../../comfy/http-types.js';
import type { CliIO } from '../io.js';
import type { Resolved } from '../option-table.js';
import type { ValidateOptionValues } from '../options-validate.js';
import { outputNodeIds } from '../../comfy/workflow.js';
import { prepareRunWorkflow } from '../run-workflow.js';
import { workflowPlanFields } from '../workflow-plan.js';

export async function validateCommand(resolved: Resolved<ValidateOptionValues>, io: CliIO): Promise<number> {
  const v = resolved.values;
  const stderr = v.quiet ? { write: (): boolean => true } : io.stderr;
  if (v.workflow === undefined) {
    throw new ComfyloadError('COMFYLOAD_ERR_BAD_OPTION', 'Missing `--workflow`: validate needs the workflow to check', {
      hint: 'e.g. comfyload validate --workflow workflow_api.json --url http://127.0.0.1:8188',
    });
  }
  const fields = await workflowPlanFields(
    {
      values: { ...v, matrix: undefined, promptFile: undefined, cacheMode: 'defeat' },
      names: { ...resolved.names, matrix: '--matrix', promptFile: '--prompt-file', cacheMode: '--cache-mode' },
    },
    v.workflow,
  );
  const headers = Object.fromEntries(v.header ?? []);
  let sim: SimHandle | undefined;
  try {
    let targets = (v.url ?? []).map((t) => ({ url: t.url, headers: { ...headers, ...t.headers } }));
    if (targets.length === 0) {
      sim = await startSim({ gpu: v.simGpu, port: 0, timeScale: 0 });
      targets = [{ url: sim.url, headers: {} }];
      stderr.write(`comfyload: no --url given: checking against the built-in emulator's /object_info (its model catalogue, an empty input folder)\n`);
    }
    const plan: RunPlan = {
      name: 'validate',
      targetKind: sim !== undefined ? 'emulator' : 'server',
      targets,
      workflowPath: v.workflow,
      ...fields,
      levels: [],
      warmupPrompts: 0,
      seedPolicy: 'random',
      seed: 0,
      maxErrorRate: 0,
      fetchOutputs: false,
      promptTimeoutMs: 0,
      resultsDir: '',
      labels: {},
    };
    const ready = await prepareRunWorkflow(plan, systemClock, stderr, { dryRun: true });
    const wf = ready.plan.workflow;
    const outputs = outputNodeIds(wf, ready.prepared.objectInfo);
    stderr.write(
      `comfyload: ${v.workflow} is valid for ${targets[0]!.url}: ${Object.keys(wf).length} nodes, output node${outputs.length === 1 ? '' : 's'} ${outputs.join(', ')}${ready.prepared.converted ? ' (converted from the UI format)' : ''}\n`,
    );
    if (v.exportApi !== undefined) {
      await writeExport(v.exportApi, wf);
      stderr.write(`comfyload: wrote the API-format graph to ${v.exportApi}; queue it with: comfyload run --workflow ${v.exportApi}\n`);
    }
    if (v.json) io.stdout.write(`${JSON.stringify(wf, null, 2)}\n`);
    return 0;
  } finally {
    await sim?.close();
  }
}

async function writeExport(path: string, workflow: ApiWorkflow): Promise<void> {
  try {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, `${JSON.stringify(workflow, null, 2)}\n`);
  } catch (err) {
    throw new ComfyloadError('COMFYLOAD_ERR_EXPORT_WRITE', `cannot write --export-api ${path}: ${(err as Error).message}`, { cause: err });
  }
}
