/**
 * The shape checks of a --workflow file's text, before anything is sent: it must be an
 * API-format graph (node id → {class_type, inputs}), the only shape POST /prompt accepts, or the
 * editor's UI format (kept for conversion against the server's /object_info). The common wrong
 * files (a /prompt request body, broken JSON) get a message saying what to do instead. Whether the
 * node types and models exist is for preflight against the server. Pure: the session reads files.
 */
import type { ApiWorkflow } from './http-types.js';
import { ComfyloadError } from './errors.js';
import { jsonErrorPosition, jsonErrorReason } from './json-position.js';

/** How many bad nodes are listed one by one. */
const MAX_LISTED = 10;

const EXPORT_HINT =
  'in ComfyUI use "Workflow → Export (API)" (older UIs: enable "Dev mode" in the settings, then "Save (API Format)") and pass that file to --workflow.';

/** The text's API-format graph, or its UI-format graph kept as parsed; throws BAD_WORKFLOW for anything else. */
export function parseWorkflowSource(path: string, text: string): { workflow?: ApiWorkflow; ui?: unknown } {
  const parsed = parseJsonText(path, text);
  if (isUiGraph(parsed)) return { ui: parsed };
  return { workflow: checkApiWorkflow(path, parsed) };
}

/** True for the editor's plain-Save format: `nodes` and `links` arrays. */
export function isUiGraph(parsed: unknown): boolean {
  return isObject(parsed) && Array.isArray(parsed.nodes) && Array.isArray(parsed.links);
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
