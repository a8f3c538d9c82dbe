/**
 * Converts a UI-format workflow (what the editor's plain Save writes: `nodes` and `links` arrays,
 * widget values by position) to the API format POST /prompt takes, the way the editor's
 * `graphToPrompt` (ComfyUI_frontend `src/utils/executionUtil.ts`) does it: widget values read as
 * the editor reads them (src/comfy/widget-values.ts), links followed through Reroute nodes and
 * bypassed nodes (`ExecutableNodeDTO.resolveOutput`), PrimitiveNode values copied into the widgets
 * they drive, dynamic prompts resolved, muted nodes, notes and inputs linked to muted nodes left
 * out. Subgraphs, group nodes and classes the server does not know cannot be converted here:
 * {@link UiConversionError} says to export the API format instead.
 */
import { resolveDynamicPrompt } from './dynamic-prompt.js';
import { ComfyloadError } from './errors.js';
import type { ApiWorkflow, InputValue, NodeInfo, ObjectInfo } from './http-types.js';
import { nodeInfo } from './input-spec.js';
import { readWidgetValues, widgetLayout } from './widget-values.js';

/** The editor's export hint, shared with the CLI's messages. */
export const EXPORT_API_HINT =
  'in ComfyUI use "Workflow → Export (API)" (older UIs: enable "Dev mode" in the settings, then "Save (API Format)") and pass that file to --workflow.';

/** Thrown when a UI-format graph cannot be converted; `details` names each node that failed. */
export class UiConversionError extends ComfyloadError {
  constructor(message: string, details: string[], hint: string = EXPORT_API_HINT) {
    super('COMFYLOAD_ERR_WORKFLOW_UI_FORMAT', message, { hint, details });
  }
}

/** The API graph and one line per node where the editor would have filled something in silently. */
export interface UiConversion {
  workflow: ApiWorkflow;
  notes: string[];
}

export interface UiConversionOptions {
  /** Picks the options of `{a|b}` dynamic prompts, like Math.random (the default). */
  random?: () => number;
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
  originId: string;
  originSlot: number;
}
interface Graph {
  byId: Map<string, UiNode>;
  links: Map<number, UiLink>;
  objectInfo: ObjectInfo;
}

/** Node types the editor shows but the server never sees (a Primitive* class the server has is a real node). */
const UI_ONLY = new Set(['Note', 'MarkdownNote', 'Reroute', 'PrimitiveNode', 'PrimitiveString', 'PrimitiveInt', 'PrimitiveFloat', 'PrimitiveBoolean']);
const MODE_MUTED = 2;
const MODE_BYPASS = 4;

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** True for the editor's save format: `nodes` and `links` arrays at the top. */
export function isUiWorkflow(parsed: unknown): boolean {
  return isObject(parsed) && Array.isArray(parsed.nodes) && Array.isArray(parsed.links);
}

/** UI graph → API graph; throws {@link UiConversionError} listing every node it could not convert. */
export function uiToApi(ui: unknown, objectInfo: ObjectInfo, options: UiConversionOptions = {}): ApiWorkflow {
  return convertUiWorkflow(ui, objectInfo, options).workflow;
}

/** UI graph → API graph and the conversion notes; throws {@link UiConversionError} like {@link uiToApi}. */
export function convertUiWorkflow(ui: unknown, objectInfo: ObjectInfo, options: UiConversionOptions = {}): UiConversion {
  if (!isUiWorkflow(ui)) throw new UiConversionError('the workflow is not in the UI format (no `nodes` and `links` arrays)', []);
  const raw = ui as { nodes: unknown[]; links: unknown[]; definitions?: { subgraphs?: unknown[] } };
  const nodes = raw.nodes.filter(isObject).map((n) => n as unknown as UiNode);
  const graph: Graph = { byId: new Map(nodes.map((n) => [String(n.id), n])), links: readLinks(raw.links), objectInfo };
  const subgraphIds = new Set((raw.definitions?.subgraphs ?? []).filter(isObject).map((s) => String(s.id)));
  const random = options.random ?? Math.random;
  const problems: string[] = [];
  const notes: string[] = [];
  const out: ApiWorkflow = {};

  for (const node of nodes) {
    const id = String(node.id);
    const label = `node ${id} (${node.title ?? node.type})`;
    if (node.mode === MODE_MUTED || node.mode === MODE_BYPASS || isUiOnly(node, objectInfo)) continue;
    if (subgraphIds.has(node.type) || node.type.startsWith('workflow>') || node.type.startsWith('workflow/')) {
      problems.push(
        `node ${id} is a ${subgraphIds.has(node.type) ? 'subgraph' : 'group node'} (${node.title ?? node.type}), which only the editor can flatten`,
      );
      continue;
    }
    const info = nodeInfo(objectInfo, node.type);
    if (info === undefined) {
      problems.push(`${label}: class ${JSON.stringify(node.type)} is not on the server, so its widget values cannot be matched to inputs`);
      continue;
    }
    out[id] = {
      class_type: node.type,
      inputs: nodeInputs(graph, node, info, { label, random, notes }),
      _meta: { title: node.title ?? info.display_name ?? node.type },
    };
  }
  if (problems.length > 0) {
    throw new UiConversionError(
      `the UI-format workflow cannot be converted to the API format (${problems.length} node${problems.length === 1 ? '' : 's'}):`,
      problems,
    );
  }
  dropLinksToMissingNodes(out);
  return { workflow: out, notes };
}

/**
 * One node's API inputs, as the editor's `graphToPrompt` builds them: the widget values, then
 * every connected input replaced by what its link resolves to, then dynamic prompts resolved.
 */
function nodeInputs(graph: Graph, node: UiNode, info: NodeInfo, ctx: { label: string; random: () => number; notes: string[] }): Record<string, InputValue> {
  const layout = widgetLayout(info, node.type);
  const read = readWidgetValues(layout, node.widgets_values);
  const inputs: Record<string, InputValue> = { ...read.values };
  const linked = new Set<string>();
  for (const input of node.inputs ?? []) {
    if (input.link === null || input.link === undefined) continue;
    const name = input.widget?.name ?? input.name;
    linked.add(name);
    const source = resolveLink(graph, input.link, input.type ?? '*', new Set());
    // Nothing behind the link (an unconnected reroute): a widget keeps its value, as in the editor.
    if (source === undefined) continue;
    inputs[name] = 'literal' in source ? source.literal : [source.nodeId, source.slot];
  }
  for (const slot of layout.slots) {
    if (slot.kind !== 'widget' || slot.decl.options.dynamicPrompts !== true) continue;
    const text = inputs[slot.decl.name];
    if (typeof text !== 'string') continue;
    const resolved = resolveDynamicPrompt(text, ctx.random);
    if (resolved === text) continue;
    inputs[slot.decl.name] = resolved;
    ctx.notes.push(
      `${ctx.label}: ${slot.decl.name} is a dynamic prompt: comments removed and {…|…} choices made once, as one queue in the editor would: ${clip(resolved)}`,
    );
  }
  const filled = read.defaulted.filter((name) => !linked.has(name));
  if (filled.length > 0) {
    const widgets = layout.slots.filter((x) => x.kind === 'widget').length;
    ctx.notes.push(`${ctx.label}: ${defaultsNote(node, widgets)}; took the server's defaults: ${filled.map((n) => `${n}=${clip(inputs[n])}`).join(', ')}`);
  }
  return inputs;
}

function isUiOnly(node: UiNode, objectInfo: ObjectInfo): boolean {
  return node.type === 'PrimitiveNode' || (UI_ONLY.has(node.type) && nodeInfo(objectInfo, node.type) === undefined);
}

function defaultsNote(node: UiNode, widgets: number): string {
  const values = node.widgets_values;
  const saved = Array.isArray(values) ? values.length : isObject(values) ? Object.keys(values).length : 0;
  return saved === 0 ? 'no widget values saved' : `${saved} widget value${saved === 1 ? '' : 's'} saved for ${widgets} widgets`;
}

/** A value for a one-line note: JSON, cut to 60 characters. */
function clip(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}

/** The editor drops inputs linked to nodes it did not send (muted ones): so does the conversion. */
function dropLinksToMissingNodes(out: ApiWorkflow): void {
  for (const node of Object.values(out)) {
    for (const [name, value] of Object.entries(node.inputs)) {
      if (Array.isArray(value) && value.length === 2 && typeof value[0] === 'string' && out[value[0]] === undefined) delete node.inputs[name];
    }
  }
}

function readLinks(raw: unknown[]): Map<number, UiLink> {
  const map = new Map<number, UiLink>();
  for (const l of raw) {
    // Two spellings: `[id, origin_id, origin_slot, target_id, target_slot, type]` and, in newer
    // saves, `{id, origin_id, origin_slot, target_id, target_slot, type}`.
    if (Array.isArray(l) && l.length >= 5) map.set(Number(l[0]), { originId: String(l[1]), originSlot: Number(l[2]) });
    else if (isObject(l)) map.set(Number(l.id), { originId: String(l.origin_id), originSlot: Number(l.origin_slot) });
  }
  return map;
}

type Source = { nodeId: string; slot: number } | { literal: InputValue };

/** Where a link into an input of `type` really comes from (the frontend's `resolveInput`). */
function resolveLink(graph: Graph, linkId: number, type: string, seen: Set<number>): Source | undefined {
  const link = graph.links.get(linkId);
  if (link === undefined || seen.has(linkId)) return undefined;
  seen.add(linkId);
  const origin = graph.byId.get(link.originId);
  return origin === undefined ? undefined : resolveOutput(graph, origin, link.originSlot, type, seen);
}

/** The frontend's `resolveOutput`: through bypassed nodes, reroutes and primitives. */
function resolveOutput(graph: Graph, origin: UiNode, slot: number, type: string, seen: Set<number>): Source | undefined {
  const inputs = origin.inputs ?? [];
  if (origin.mode === MODE_BYPASS) {
    const through = inputs[bypassInputIndex(origin, slot, type)];
    return through?.link === null || through?.link === undefined ? undefined : resolveLink(graph, through.link, through.type ?? '*', seen);
  }
  if (isUiOnly(origin, graph.objectInfo)) {
    if (origin.type.startsWith('Primitive')) {
      // The editor copies the primitive's value into the widget before it serialises the node.
      const values = origin.widgets_values;
      const value = Array.isArray(values) ? values[0] : isObject(values) ? Object.values(values)[0] : undefined;
      return value === undefined ? undefined : { literal: (Array.isArray(value) ? { __value__: value } : value) as InputValue };
    }
    const input = inputs[slot];
    return input?.link === null || input?.link === undefined ? undefined : resolveLink(graph, input.link, type, seen);
  }
  return { nodeId: String(origin.id), slot };
}

/**
 * Which input a bypassed node passes to output `slot` (`ExecutableNodeDTO.#getBypassSlotIndex`):
 * the input of the same index when its type fits, else the first of exactly the wanted type,
 * else the first that fits both the output and the wanted type; -1 when none.
 */
function bypassInputIndex(node: UiNode, slot: number, type: string): number {
  const inputs = node.inputs ?? [];
  if (type === '*' || type === '') return inputs.length > slot ? slot : 0;
  const outputType = node.outputs?.[slot]?.type ?? '*';
  const fits = (t: string | undefined): boolean => validConnection(t ?? '*', outputType) && validConnection(t ?? '*', type);
  if (fits(inputs[slot]?.type) && inputs[slot] !== undefined) return slot;
  const exact = inputs.findIndex((i) => i.type === type);
  return exact !== -1 ? exact : inputs.findIndex((i) => fits(i.type));
}

/** litegraph's `isValidConnection`: `*` or empty fits anything, case-insensitive, comma unions. */
function validConnection(a: string, b: string): boolean {
  if (a === '' || a === '*' || b === '' || b === '*' || a === b) return true;
  const left = a.toLowerCase().split(',');
  const right = b.toLowerCase().split(',');
  return left.some((x) => right.includes(x));
}
