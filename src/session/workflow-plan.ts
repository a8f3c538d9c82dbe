/**
 * The workflow part of a RunPlan: the file (API format, or UI format kept for conversion against
 * the server's /object_info), `--set`, `--matrix`, `--prompt-file`, `--cache-mode` and the input
 * files. Everything that can be checked without the server is checked here, before any request.
 */
import { readFile } from 'node:fs/promises';

import { expandSetPath } from '../comfy/set-values.js';
import { resolveSetPath } from '../comfy/workflow.js';
import type { ApiWorkflow } from '../comfy/http-types.js';
import type { RunPlan } from './plan.js';
import { ComfyloadError, ComfyPathError } from '../comfy/errors.js';
import type { Resolved, WorkflowValues } from './plan-values.js';
import { loadWorkflowSource } from './workflow-source.js';

export type WorkflowPlanFields = Pick<RunPlan, 'workflow' | 'workflowUi' | 'sets' | 'matrixAxes' | 'promptTexts' | 'cacheMode' | 'inputs'>;

/** Prompts in a --prompt-file beyond this are a mistake (a wrong file), not a prompt list. */
const MAX_PROMPT_FILE_BYTES = 16 * 1024 * 1024;

export async function workflowPlanFields(resolved: Pick<Resolved<WorkflowValues>, 'values' | 'names'>, workflowPath: string): Promise<WorkflowPlanFields> {
  const { values: v, names } = resolved;
  const source = await loadWorkflowSource(workflowPath);
  const sets = (v.set ?? []).map((s) => ({ path: s.path, value: s.value }));
  const axes = v.matrix ?? [];
  const seen = new Set<string>();
  for (const axis of axes) {
    if (seen.has(axis.key))
      throw new ComfyloadError('COMFYLOAD_ERR_BAD_OPTION', `\`${names.matrix}\` gives the key \`${axis.key}\` twice`, {
        hint: `give each key once with all its values: ${axis.key}=v1,v2,….`,
      });
    seen.add(axis.key);
  }
  if (source.workflow !== undefined) checkSetPaths(source.workflow, resolved);
  const promptTexts = v.promptFile === undefined ? undefined : await readPromptFile(v.promptFile, names.promptFile);
  const inputs = [
    ...(v.input ?? []).map((i) => ({ kind: 'image' as const, path: i.path, ...(i.node !== undefined ? { node: i.node } : {}) })),
    ...(v.inputMask ?? []).map((i) => ({ kind: 'mask' as const, path: i.path, ...(i.node !== undefined ? { node: i.node } : {}) })),
  ];
  return {
    workflow: source.workflow ?? {},
    ...(source.ui !== undefined ? { workflowUi: source.ui } : {}),
    ...(sets.length > 0 ? { sets } : {}),
    ...(axes.length > 0 ? { matrixAxes: axes.map((a) => ({ key: a.key, values: [...a.values] })) } : {}),
    ...(promptTexts !== undefined ? { promptTexts } : {}),
    cacheMode: v.cacheMode,
    ...(inputs.length > 0 ? { inputs } : {}),
  };
}

/**
 * Throws BAD_OPTION when a --set path or --matrix key names no input of `workflow` (an API-format
 * graph). Paths are checked before any request; values are typed against /object_info later.
 * `label`: the workflow's name, said in the message when a mix has several.
 */
export function checkSetPaths(workflow: ApiWorkflow, resolved: Pick<Resolved<WorkflowValues>, 'values' | 'names'>, label?: string): void {
  const { values: v, names } = resolved;
  const paths = [...(v.set ?? []).map((s) => ({ path: s.path, flag: names.set })), ...(v.matrix ?? []).map((a) => ({ path: a.key, flag: names.matrix }))];
  for (const { path, flag } of paths) {
    try {
      for (const p of expandSetPath(workflow, path)) resolveSetPath(workflow, p);
    } catch (err) {
      if (err instanceof ComfyPathError) {
        const message = err.message.replace(/^--set /, `${flag} `);
        throw new ComfyloadError('COMFYLOAD_ERR_BAD_OPTION', label === undefined ? message : `${message} in workflow ${label}`, {
          hint:
            label === undefined
              ? 'check the node id, class or title and the input name against the workflow file.'
              : `${flag} applies to every workflow of the mix: use a path all of them have (a class such as KSampler.steps, or a bare input name), or drop it.`,
          cause: err,
        });
      }
      throw err;
    }
  }
}

async function readPromptFile(path: string, flag: string): Promise<string[]> {
  let text: string;
  try {
    const buffer = await readFile(path);
    if (buffer.byteLength > MAX_PROMPT_FILE_BYTES)
      throw new ComfyloadError('COMFYLOAD_ERR_BAD_OPTION', `${flag} ${path} is ${buffer.byteLength} bytes, too large for a prompt list`, {
        hint: 'pass a text file with one prompt per line.',
      });
    text = buffer.toString('utf8');
  } catch (err) {
    if (err instanceof ComfyloadError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw new ComfyloadError(
      'COMFYLOAD_ERR_BAD_OPTION',
      `${flag} ${path} ${code === 'ENOENT' ? 'does not exist' : `cannot be read (${code ?? String(err)})`}`,
      { hint: 'check the path; relative paths start from the current directory.', cause: err },
    );
  }
  const lines = text
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '');
  if (lines.length === 0)
    throw new ComfyloadError('COMFYLOAD_ERR_BAD_OPTION', `${flag} ${path} has no prompts (every line is blank)`, {
      hint: 'write one positive prompt per line.',
    });
  return lines;
}
