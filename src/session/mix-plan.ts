/**
 * The mixed-workload part of a `run` plan (`--workflow a.json --workflow b.json --mix 3:1
 * --mix-order batched:4`): the workflows' names (file names without `.json`), the weights read
 * against them, the order, and every workflow file read and checked like the first. `--set` and
 * `--matrix` apply to every workflow of the mix, so their paths must resolve in each.
 */
import { basename, extname } from 'node:path';

import { ComfyloadError } from '../comfy/errors.js';
import { parseMix, type MixOrderKind } from '../harness/workflow-mix.js';
import type { SessionMix, SessionMixWorkflow } from './plan.js';
import type { Resolved, RunPlanValues, WorkflowValues } from './plan-values.js';
import { checkSetPaths, type WorkflowPlanFields } from './workflow-plan.js';
import { loadWorkflowSource } from './workflow-source.js';

/** What the options say of a mix, checked before any file is read. */
export interface MixChoice {
  paths: string[];
  names: string[];
  weights: number[];
  order: MixOrderKind;
}

/** A workflow's name in a mix: its file name without the extension (`sdxl-txt2img.json` → `sdxl-txt2img`). */
export function workflowName(path: string): string {
  return basename(path, extname(path));
}

/** `random`, `alternate`, `batched:4`. */
export function mixOrderText(order: MixOrderKind): string {
  return order.kind === 'batched' ? `batched:${order.size}` : order.kind;
}

/** The mix the values ask for (undefined for one workflow); problems are pushed, not thrown, to be reported at once. */
export function mixChoice(resolved: Resolved<RunPlanValues>, problems: ComfyloadError[]): MixChoice | undefined {
  const { values: v, sources, names: flags } = resolved;
  const paths = v.workflow ?? [];
  const code = (key: 'mix' | 'mixOrder' | 'workflow'): 'COMFYLOAD_ERR_BAD_CONFIG' | 'COMFYLOAD_ERR_BAD_OPTION' =>
    sources[key] === 'config' ? 'COMFYLOAD_ERR_BAD_CONFIG' : 'COMFYLOAD_ERR_BAD_OPTION';
  if (paths.length < 2) {
    for (const key of ['mix', 'mixOrder'] as const) {
      if (sources[key] !== 'default')
        problems.push(
          new ComfyloadError(code(key), `\`${flags[key]}\` mixes several workflows, but ${paths.length === 0 ? 'no' : 'one'} \`--workflow\` was given`, {
            hint: 'give each workflow with its own --workflow (e.g. --workflow a.json --workflow b.json --mix 3:1), or drop it.',
          }),
        );
    }
    return undefined;
  }
  const names = paths.map(workflowName);
  const problem = (message: string, hint: string): void => void problems.push(new ComfyloadError(code('workflow'), message, { hint }));
  for (const [i, path] of paths.entries()) {
    if (paths.indexOf(path) !== i)
      problem(`Workflow ${path} is given twice in \`${flags.workflow}\``, 'give each workflow once; its share is its --mix weight.');
    else if (names.indexOf(names[i] as string) !== i)
      problem(
        `Two workflows of the mix are named \`${names[i]}\` (${paths[names.indexOf(names[i] as string)]} and ${path})`,
        'a mix names its workflows by file name: rename one of the files.',
      );
  }
  const weights = parseMix(v.mix ?? paths.map(() => '1').join(':'), names);
  if (typeof weights === 'string') {
    problems.push(
      new ComfyloadError(code('mix'), `Expected \`${flags.mix}\` to be ${weights}, got \`${v.mix ?? ''}\``, {
        hint: `e.g. --mix ${paths.map(() => '1').join(':')} or --mix ${names.map((n, i) => `${n}=${i === 0 ? 3 : 1}`).join(',')}.`,
      }),
    );
    return undefined;
  }
  return { paths, names, weights, order: v.mixOrder };
}

/** The plan's mix: the first workflow as already read (`first`), the others read and checked against --set and --matrix. */
export async function readMix(choice: MixChoice, first: WorkflowPlanFields, resolved: Pick<Resolved<WorkflowValues>, 'values' | 'names'>): Promise<SessionMix> {
  const workflows: SessionMixWorkflow[] = [];
  for (const [i, path] of choice.paths.entries()) {
    const name = choice.names[i] as string;
    if (i === 0) {
      workflows.push({ name, path, workflow: first.workflow, ...(first.workflowUi !== undefined ? { workflowUi: first.workflowUi } : {}) });
      continue;
    }
    const source = await loadWorkflowSource(path);
    if (source.workflow !== undefined) checkSetPaths(source.workflow, resolved, name);
    workflows.push({ name, path, workflow: source.workflow ?? {}, ...(source.ui !== undefined ? { workflowUi: source.ui } : {}) });
  }
  return { workflows, weights: choice.weights, order: choice.order };
}

/** The run's default name: `mix-random`, `mix-batched4`. */
export function mixRunName(order: MixOrderKind): string {
  return `mix-${mixOrderText(order).replace(':', '')}`;
}
