/**
 * Converts a UI-format workflow (what the editor's plain Save writes: `nodes` and `links` arrays,
 * widget values by position) to the API format POST /prompt takes, the way the editor's
 * "Export (API)" does: widget values are matched to inputs in `/object_info` order, links are
 * followed through Reroute nodes and bypassed nodes, PrimitiveNode values are copied into the
 * widgets they drive, muted nodes and notes are left out. Subgraphs, group nodes and classes the
 * server does not know cannot be converted here: {@link UiConversionError} says to export the
 * API format instead.
 */
import { ComfyloadError } from './errors.js';
import type { ApiWorkflow, InputValue, ObjectInfo } from './http-types.js';
import { type InputDecl, inputDecls, isWidget, nodeInfo } from './input-spec.js';

/** The editor's export hint, shared with the CLI's messages. */
export const EXPORT_API_HINT =
  'in ComfyUI use "Workflow → Export (API)" (older UIs: enable "Dev mode" in the settings, then "Save (API Format)") and pass that file to --workflow.';

/** Thrown when a UI-format graph cannot be converted; `details` names each node that failed. */
export class UiConversionError extends ComfyloadError {
  constructor(message: string, details: string[], hint: string = EXPORT_API_HINT) {
    super('COMFYLOAD_ERR_WORKFLOW_UI_FORMAT', message, { hint, details });
  }
}

interface UiInput {
  name: string;
  type?: string;
  link?: number | null;
  widget?: { name: string };
}
interface UiOutput {
  name?: string;
  type?: string;
  links?: number[] | null;
}
interface UiNode {
  id: number | string;
  type: string;
  mode?: number;
  title?: string;
  inputs?: UiInput[];
  outputs?: UiOutput[];
  widgets_values?: unknown[] | Record<string, unknown>;
}
interface UiLink {
  id: number;
  originId: string;
  originSlot: number;
  type: string;
}

/** Node types the editor shows but the server never sees. */
const UI_ONLY = new Set(['Note', 'MarkdownNote', 'Reroute', 'PrimitiveNode', 'PrimitiveString', 'PrimitiveInt', 'PrimitiveFloat', 'PrimitiveBoolean']);
const MODE_MUTED = 2;
const MODE_BYPASS = 4;
const SEED_CONTROL_VALUES = new Set(['fixed', 'increment', 'decrement', 'randomize']);

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** True for the editor's save format: `nodes` and `links` arrays at the top. */
export function isUiWorkflow(parsed: unknown): boolean {
  return isObject(parsed) && Array.isArray(parsed.nodes) && Array.isArray(parsed.links);
}

/** UI graph → API graph; throws {@link UiConversionError} listing every node it could not convert. */
export function uiToApi(ui: unknown, objectInfo: ObjectInfo): ApiWorkflow {
  if (!isUiWorkflow(ui)) throw new UiConversionError('the workflow is not in the UI format (no `nodes` and `links` arrays)', []);
  const graph = ui as { nodes: unknown[]; links: unknown[]; definitions?: { subgraphs?: unknown[] }; extra?: { groupNodes?: Record<string, unknown> } };
  const nodes = graph.nodes.filter(isObject).map((n) => n as unknown as UiNode);
  const links = readLinks(graph.links);
  const byId = new Map(nodes.map((n) => [String(n.id), n]));
  const subgraphIds = new Set((graph.definitions?.subgraphs ?? []).filter(isObject).map((s) => String(s.id)));
  const groupNodes = new Set(Object.keys(graph.extra?.groupNodes ?? {}).map((k) => `workflow>${k}`));
  const problems: string[] = [];
  const out: ApiWorkflow = {};

  for (const node of nodes) {
    const id = String(node.id);
    if (node.mode === MODE_MUTED || node.mode === MODE_BYPASS || UI_ONLY.has(node.type)) continue;
    if (subgraphIds.has(node.type) || groupNodes.has(node.type) || node.type.startsWith('workflow>') || node.type.startsWith('workflow/')) {
      problems.push(
        `node ${id} is a ${subgraphIds.has(node.type) ? 'subgraph' : 'group node'} (${node.title ?? node.type}), which only the editor can flatten`,
      );
      continue;
    }
    const info = nodeInfo(objectInfo, node.type);
    if (info === undefined) {
      problems.push(
        `node ${id} (${node.title ?? node.type}): class ${JSON.stringify(node.type)} is not on the server, so its widget values cannot be matched to inputs`,
      );
      continue;
    }
    const inputs: Record<string, InputValue> = {};
    const widgetProblem = assignWidgets(node, inputDecls(info), inputs);
    if (widgetProblem !== undefined) {
      problems.push(`node ${id} (${node.title ?? node.type}): ${widgetProblem}`);
      continue;
    }
    for (const input of node.inputs ?? []) {
      if (input.link === null || input.link === undefined) continue;
      const source = resolveSource(input.link, links, byId, new Set());
      if (source === undefined) {
        // An unconnected reroute, a muted source: the input stays unset (preflight reports it if required).
        if (input.widget === undefined) delete inputs[input.name];
        continue;
      }
      inputs[input.widget?.name ?? input.name] = 'literal' in source ? source.literal : [source.nodeId, source.slot];
    }
    out[id] = { class_type: node.type, inputs, _meta: { title: node.title ?? info.display_name ?? node.type } };
  }
  if (problems.length > 0) {
    throw new UiConversionError(
      `the UI-format workflow cannot be converted to the API format (${problems.length} node${problems.length === 1 ? '' : 's'}):`,
      problems,
    );
  }
  return out;
}

function readLinks(raw: unknown[]): Map<number, UiLink> {
  const map = new Map<number, UiLink>();
  for (const l of raw) {
    // Two spellings: `[id, origin_id, origin_slot, target_id, target_slot, type]` and, in newer
    // saves, `{id, origin_id, origin_slot, target_id, target_slot, type}`.
    if (Array.isArray(l) && l.length >= 5)
      map.set(Number(l[0]), { id: Number(l[0]), originId: String(l[1]), originSlot: Number(l[2]), type: String(l[5] ?? '*') });
    else if (isObject(l))
      map.set(Number(l.id), { id: Number(l.id), originId: String(l.origin_id), originSlot: Number(l.origin_slot), type: String(l.type ?? '*') });
  }
  return map;
}

type Source = { nodeId: string; slot: number } | { literal: InputValue };

/** Where a link really comes from, through reroutes, bypassed nodes and primitives. */
function resolveSource(linkId: number, links: Map<number, UiLink>, byId: Map<string, UiNode>, seen: Set<number>): Source | undefined {
  const link = links.get(linkId);
  if (link === undefined || seen.has(linkId)) return undefined;
  seen.add(linkId);
  const origin = byId.get(link.originId);
  if (origin === undefined) return undefined;
  if (origin.type === 'Reroute') {
    const up = origin.inputs?.[0]?.link;
    return up === null || up === undefined ? undefined : resolveSource(up, links, byId, seen);
  }
  if (origin.type.startsWith('Primitive')) {
    const values = origin.widgets_values;
    const value = Array.isArray(values) ? values[0] : isObject(values) ? Object.values(values)[0] : undefined;
    return value === undefined ? undefined : { literal: value as InputValue };
  }
  if (origin.mode === MODE_BYPASS) {
    // A bypassed node passes through its first input of the same type as the requested output.
    const outType = origin.outputs?.[link.originSlot]?.type ?? link.type;
    const through = (origin.inputs ?? []).find((i) => i.link !== null && i.link !== undefined && i.type === outType);
    return through?.link === null || through?.link === undefined ? undefined : resolveSource(through.link, links, byId, seen);
  }
  if (origin.mode === MODE_MUTED) return undefined;
  return { nodeId: String(origin.id), slot: link.originSlot };
}

/** Fills `inputs` from the node's widget values; returns a problem description, or undefined. */
function assignWidgets(node: UiNode, decls: InputDecl[], inputs: Record<string, InputValue>): string | undefined {
  const widgets = decls.filter(isWidget);
  const values = node.widgets_values;
  if (values === undefined)
    return widgets.some((w) => w.section === 'required' && !linked(node, w.name)) ? `it has no widgets_values for ${widgets.length} widget inputs` : undefined;
  if (isObject(values)) {
    for (const w of widgets) if (Object.prototype.hasOwnProperty.call(values, w.name)) inputs[w.name] = values[w.name] as InputValue;
    return undefined;
  }
  let i = 0;
  for (const [k, w] of widgets.entries()) {
    if (i >= values.length) {
      if (w.section === 'required' && !linked(node, w.name))
        return `${values.length} widget values for ${widgets.length} widget inputs (the node changed since the workflow was saved)`;
      break;
    }
    const value = values[i++];
    inputs[w.name] = (Array.isArray(value) ? { __value__: value } : value) as InputValue;
    const next = values[i];
    // The editor stores extra widget values the server never sees: the seed's "control after
    // generate" and the image upload button.
    const seedLike = w.type === 'INT' && (w.options.control_after_generate === true || w.name === 'seed' || w.name === 'noise_seed');
    if (seedLike && typeof next === 'string' && SEED_CONTROL_VALUES.has(next)) i++;
    else if (w.options.image_upload === true && next === 'image' && !(widgets[k + 1]?.choices ?? []).includes('image')) i++;
  }
  return undefined;
}

function linked(node: UiNode, name: string): boolean {
  return (node.inputs ?? []).some((i) => (i.widget?.name ?? i.name) === name && i.link !== null && i.link !== undefined);
}
