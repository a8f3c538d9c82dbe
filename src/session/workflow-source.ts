/**
 * Reads and checks a --workflow file before anything is sent: it must be an API-format graph
 * (node id → {class_type, inputs}), the only shape POST /prompt accepts. The common wrong files
 * (UI format, a /prompt request body, broken JSON) get a message saying what to do instead.
 * Whether the node types and models exist is for preflight against the server (/object_info).
 */
import { readFile } from 'node:fs/promises';

import type { ApiWorkflow } from '../comfy/http-types.js';
import { ComfyloadError } from '../comfy/errors.js';
import { jsonErrorPosition, jsonErrorReason } from '../comfy/json-position.js';

/** Real API workflows are well under 1 MB; a cap keeps a wrong file (a checkpoint…) from being read whole. */
const MAX_WORKFLOW_BYTES = 64 * 1024 * 1024;
/** How many bad nodes are listed one by one. */
const MAX_LISTED = 10;

const EXPORT_HINT =
  'in ComfyUI use "Workflow → Export (API)" (older UIs: enable "Dev mode" in the settings, then "Save (API Format)") and pass that file to --workflow.';

/**
 * Read `path` (absolute): its API-format graph, or a UI-format graph (`nodes` and `links`) kept
 * as parsed for conversion against the server's /object_info; throws like {@link loadWorkflowFile}
 * for everything else.
 */
export async function loadWorkflowSource(path: string): Promise<{ workflow?: ApiWorkflow; ui?: unknown }> {
  const text = await readWorkflowText(path);
  const parsed = parseJsonText(path, text);
  if (isUiGraph(parsed)) return { ui: parsed };
  return { workflow: checkApiWorkflow(path, parsed) };
}

/** True for the editor's plain-Save format: `nodes` and `links` arrays. */
export function isUiGraph(parsed: unknown): boolean {
  return isObject(parsed) && Array.isArray(parsed.nodes) && Array.isArray(parsed.links);
}

/** Read `path` (absolute) and return its API-format graph, or throw BAD_WORKFLOW / WORKFLOW_NOT_FOUND / WORKFLOW_UI_FORMAT. */
export async function loadWorkflowFile(path: string): Promise<ApiWorkflow> {
  return parseWorkflowText(path, await readWorkflowText(path));
}

async function readWorkflowText(path: string): Promise<string> {
  let buffer: Buffer;
  try {
    buffer = await readFile(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EISDIR') {
      throw new ComfyloadError('COMFYLOAD_ERR_BAD_WORKFLOW', `Workflow ${path} is a folder, not a file`, {
        hint: 'pass the workflow JSON file itself to --workflow.',
        cause: err,
      });
    }
    const why = code === 'ENOENT' ? 'does not exist' : `cannot be read (${code ?? String(err)})`;
    throw new ComfyloadError('COMFYLOAD_ERR_WORKFLOW_NOT_FOUND', `Workflow file ${path} ${why}`, {
      hint: 'check the path given to --workflow; relative paths start from the current directory (or, in a config file, from its folder).',
      cause: err,
    });
  }
  if (buffer.byteLength > MAX_WORKFLOW_BYTES) {
    throw new ComfyloadError('COMFYLOAD_ERR_BAD_WORKFLOW', `Workflow ${path} is ${buffer.byteLength} bytes, more than any workflow (${MAX_WORKFLOW_BYTES})`, {
      hint: 'pass the exported workflow JSON to --workflow, not a model or image file.',
    });
  }
  return buffer.toString('utf8');
}

/** Parse and check workflow text; `path` only names the file in messages. */
export function parseWorkflowText(path: string, text: string): ApiWorkflow {
  return checkApiWorkflow(path, parseJsonText(path, text));
}

function parseJsonText(path: string, text: string): unknown {
  const source = text.replace(/^\uFEFF/, '');
  let parsed: unknown;
  try {
    parsed = JSON.parse(source);
  } catch (err) {
    const { line, column } = jsonErrorPosition(err, source);
    throw new ComfyloadError('COMFYLOAD_ERR_BAD_WORKFLOW', `Workflow ${path} is not valid JSON at line ${line}, column ${column}: ${jsonErrorReason(err)}`, {
      hint: `fix the file at that position, or export it again: ${EXPORT_HINT}`,
      cause: err,
    });
  }
  return parsed;
}

/** Check the shape of a parsed workflow. */
export function checkApiWorkflow(path: string, parsed: unknown): ApiWorkflow {
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ComfyloadError(
      'COMFYLOAD_ERR_BAD_WORKFLOW',
      `Workflow ${path} must be a JSON object of node id → {class_type, inputs}, got ${describe(parsed)}`,
      {
        hint: EXPORT_HINT,
      },
    );
  }
  const graph = parsed as Record<string, unknown>;
  if (Array.isArray(graph.nodes) && Array.isArray(graph.links)) {
    throw new ComfyloadError(
      'COMFYLOAD_ERR_WORKFLOW_UI_FORMAT',
      `Workflow ${path} is in ComfyUI's UI format (it has \`nodes\` and \`links\` arrays); /prompt accepts only the API format`,
      {
        hint: EXPORT_HINT,
      },
    );
  }
  if (isObject(graph.prompt) && Object.values(graph.prompt).some((n) => isObject(n) && 'class_type' in n)) {
    throw new ComfyloadError('COMFYLOAD_ERR_BAD_WORKFLOW', `Workflow ${path} looks like a POST /prompt request body (the graph is under \`prompt\`)`, {
      hint: 'save only the object under `prompt` to a file and pass that to --workflow.',
    });
  }
  const ids = Object.keys(graph);
  if (ids.length === 0) {
    throw new ComfyloadError('COMFYLOAD_ERR_BAD_WORKFLOW', `Workflow ${path} has no nodes (it is an empty object)`, { hint: EXPORT_HINT });
  }
  const problems: string[] = [];
  for (const id of ids) {
    const node = graph[id];
    if (!isObject(node)) problems.push(`node "${id}" must be an object with class_type and inputs, got ${describe(node)}`);
    else if (typeof node.class_type !== 'string' || node.class_type === '') problems.push(`node "${id}" has no class_type`);
    else if (!isObject(node.inputs)) problems.push(`node "${id}" (${node.class_type}) has no inputs object`);
    else {
      for (const [input, value] of Object.entries(node.inputs)) {
        if (isLink(value) && !(value[0] in graph))
          problems.push(`node "${id}" (${node.class_type}) input \`${input}\` links to node "${value[0]}", which is not in the workflow`);
      }
    }
  }
  if (problems.length > 0) {
    const listed = problems.slice(0, MAX_LISTED);
    if (problems.length > MAX_LISTED) listed.push(`… and ${problems.length - MAX_LISTED} more`);
    throw new ComfyloadError(
      'COMFYLOAD_ERR_BAD_WORKFLOW',
      problems.length === 1
        ? `Workflow ${path} is not an API-format graph: ${problems[0]}`
        : `Workflow ${path} is not an API-format graph (${problems.length} problems):`,
      { hint: `every node must be {"class_type": "...", "inputs": {...}}; ${EXPORT_HINT}`, ...(problems.length > 1 ? { details: listed } : {}) },
    );
  }
  return graph as ApiWorkflow;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** ComfyUI's own test for a link: a 2-list of a node id (string) and an output index (integer). */
function isLink(value: unknown): value is [string, number] {
  return Array.isArray(value) && value.length === 2 && typeof value[0] === 'string' && Number.isInteger(value[1]);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}
