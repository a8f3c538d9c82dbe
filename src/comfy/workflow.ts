/**
 * Pure helpers on API-format graphs (protocol reference §1 "POST /prompt"): seed inputs and seed
 * policies (§6.2: identical prompts are cache hits, so seeds must change), `--set` paths,
 * canonical JSON for hashing, output nodes. Templates are never mutated: every change returns a
 * new graph.
 */
import { ComfyloadError, ComfyPathError } from './errors.js';
import type { ApiNode, ApiWorkflow, InputValue, Link, ObjectInfo } from './http-types.js';
import type { NodeId } from './messages.js';

/** Input names that seed a sampler's noise. */
export const SEED_INPUT_NAMES: readonly string[] = ['seed', 'noise_seed'];

/** Random seeds are drawn from [0, 2^50): exact in JSON and JS numbers, far inside ComfyUI's range. */
export const RANDOM_SEED_LIMIT = 2 ** 50;

/** How each prompt's seeds are chosen: a new random one, always `baseSeed`, or `baseSeed + index`. */
export type SeedPolicy = 'random' | 'fixed' | 'increment';

/** One literal seed input of a graph. */
export interface SeedInput {
  nodeId: NodeId;
  input: string;
}

// Not Object.hasOwn: k6's JavaScript runtime may lack it, and this module is bundled into scenarios.
function hasOwn(obj: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(obj, key);
}

/** True for a link to another node's output: `[source_node_id, output_index]`. */
export function isLink(value: unknown): value is Link {
  return Array.isArray(value) && value.length === 2 && (typeof value[0] === 'string' || typeof value[0] === 'number') && Number.isInteger(value[1]);
}

/** A copy deep enough that no change to it reaches the template (inputs and their arrays/objects). */
function cloneValue(value: InputValue): InputValue {
  return value !== null && typeof value === 'object' ? (JSON.parse(JSON.stringify(value)) as InputValue) : value;
}

function cloneNode(node: ApiNode): ApiNode {
  const inputs: Record<string, InputValue> = {};
  for (const [name, value] of Object.entries(node.inputs ?? {})) inputs[name] = cloneValue(value);
  const copy: ApiNode = { ...node, inputs };
  if (node._meta !== undefined) copy._meta = { ...node._meta };
  return copy;
}

/** A copy of the graph that shares nothing mutable with `wf`. */
export function cloneWorkflow(wf: ApiWorkflow): ApiWorkflow {
  const out: ApiWorkflow = {};
  for (const [id, node] of Object.entries(wf)) out[id] = cloneNode(node);
  return out;
}

/** Every literal (not linked) `seed` / `noise_seed` input, in graph order. */
export function findSeedInputs(wf: ApiWorkflow): SeedInput[] {
  const found: SeedInput[] = [];
  for (const [nodeId, node] of Object.entries(wf)) {
    const inputs = node.inputs ?? {};
    for (const input of SEED_INPUT_NAMES) {
      if (hasOwn(inputs, input) && !isLink(inputs[input])) found.push({ nodeId, input });
    }
  }
  return found;
}

/** A random integer in [0, 2^50) from two draws, so a 32-bit generator still fills all 50 bits. */
function randomSeed(rng: () => number): number {
  const hi = Math.floor(rng() * 2 ** 25) % 2 ** 25;
  const lo = Math.floor(rng() * 2 ** 25) % 2 ** 25;
  return hi * 2 ** 25 + lo;
}

/**
 * Returns a NEW graph whose literal seed inputs follow `policy` for the prompt at `index`:
 * `random` draws each input from [0, 2^50) with `rng` (values in [0, 1)); `fixed` sets
 * `baseSeed`; `increment` sets `baseSeed + index`. The template is never mutated.
 * Throws `ComfyloadError` `COMFYLOAD_ERR_BAD_SEED` when the seed would not be a safe non-negative integer.
 */
export function applySeedPolicy(wf: ApiWorkflow, policy: SeedPolicy, index: number, rng: () => number, baseSeed: number): ApiWorkflow {
  const out = cloneWorkflow(wf);
  const fixedSeed = policy === 'increment' ? baseSeed + index : baseSeed;
  if (policy !== 'random') {
    if (!Number.isSafeInteger(fixedSeed) || fixedSeed < 0 || !Number.isSafeInteger(index)) {
      throw new ComfyloadError(
        'COMFYLOAD_ERR_BAD_SEED',
        `Expected the ${policy} seed to be a non-negative safe integer, got ${fixedSeed} (base ${baseSeed}, index ${index}); choose a smaller --seed`,
      );
    }
  }
  for (const { nodeId, input } of findSeedInputs(out)) {
    const node = out[nodeId];
    if (node !== undefined) node.inputs[input] = policy === 'random' ? randomSeed(rng) : fixedSeed;
  }
  return out;
}

/** Where a `--set` path points: the matched node ids and the input name. */
export interface SetTarget {
  nodeIds: NodeId[];
  input: string;
}

function listSome(values: Iterable<string>): string {
  const all = [...new Set(values)];
  const shown = all
    .slice(0, 12)
    .map((v) => JSON.stringify(v))
    .join(', ');
  return all.length > 12 ? `${shown}, … (${all.length} in all)` : shown;
}

/**
 * Resolves a `--set` path against the graph without changing it. Forms:
 * `3.inputs.steps` or `3.steps` (node id; ids may contain dots, as subgraph ids do),
 * `KSampler.steps` (every node of that class_type), `title:Positive.text` (every node whose
 * `_meta.title` matches), and the explicit `id:3.steps` / `class:KSampler.steps`.
 * The input name is the part after the last dot. Throws {@link ComfyPathError} when the path is
 * malformed, matches no node, or names an input the matched nodes do not have.
 */
export function resolveSetPath(wf: ApiWorkflow, path: string): SetTarget {
  const dot = path.lastIndexOf('.');
  const input = dot >= 0 ? path.slice(dot + 1) : '';
  let selector = dot >= 0 ? path.slice(0, dot) : '';
  if (selector.endsWith('.inputs')) selector = selector.slice(0, -'.inputs'.length);
  if (input === '' || selector === '' || selector === 'title:' || selector === 'class:' || selector === 'id:') {
    throw new ComfyPathError(
      'COMFYLOAD_ERR_BAD_SET_PATH',
      path,
      `Expected a --set path like "3.steps", "KSampler.steps" or "title:Positive.text", got ${JSON.stringify(path)}`,
    );
  }
  const entries = Object.entries(wf);
  let nodeIds: NodeId[];
  let what: string;
  if (selector.startsWith('title:')) {
    const title = selector.slice('title:'.length);
    nodeIds = entries.filter(([, n]) => n._meta?.title === title).map(([id]) => id);
    what = `no node has the title ${JSON.stringify(title)}; titles: ${listSome(entries.flatMap(([, n]) => (n._meta?.title === undefined ? [] : [n._meta.title])))}`;
  } else if (selector.startsWith('class:')) {
    const cls = selector.slice('class:'.length);
    nodeIds = entries.filter(([, n]) => n.class_type === cls).map(([id]) => id);
    what = `no node has class_type ${JSON.stringify(cls)}; classes: ${listSome(entries.map(([, n]) => n.class_type))}`;
  } else {
    const id = selector.startsWith('id:') ? selector.slice('id:'.length) : selector;
    if (hasOwn(wf, id)) {
      nodeIds = [id];
    } else {
      nodeIds = selector.startsWith('id:') ? [] : entries.filter(([, n]) => n.class_type === selector).map(([nid]) => nid);
    }
    what = `no node has id or class_type ${JSON.stringify(id)}; ids: ${listSome(entries.map(([nid]) => nid))}; classes: ${listSome(entries.map(([, n]) => n.class_type))}`;
  }
  if (nodeIds.length === 0) {
    throw new ComfyPathError('COMFYLOAD_ERR_SET_PATH_NO_MATCH', path, `--set ${path}: ${what}`);
  }
  const lacking = nodeIds.filter((id) => !hasOwn(wf[id]?.inputs ?? {}, input));
  if (lacking.length > 0) {
    const sample = wf[lacking[0]!];
    throw new ComfyPathError(
      'COMFYLOAD_ERR_SET_PATH_NO_INPUT',
      path,
      `--set ${path}: node ${JSON.stringify(lacking[0])} (${sample?.class_type ?? '?'}) has no input ${JSON.stringify(input)}; its inputs: ${listSome(Object.keys(sample?.inputs ?? {}))}`,
    );
  }
  return { nodeIds, input };
}

/**
 * Returns a NEW graph with `value` set on every node the `--set` path matches (see
 * {@link resolveSetPath} for the path forms and the errors thrown). The template is never mutated.
 */
export function setInput(wf: ApiWorkflow, path: string, value: InputValue): ApiWorkflow {
  const { nodeIds, input } = resolveSetPath(wf, path);
  const out = cloneWorkflow(wf);
  for (const id of nodeIds) {
    const node = out[id];
    if (node !== undefined) node.inputs[input] = cloneValue(value);
  }
  return out;
}

/**
 * JSON with object keys sorted at every depth: the same value always gives the same text, so
 * hashes of workflows and fingerprints are stable. Follows `JSON.stringify` for everything else
 * (undefined members dropped, non-finite numbers as null). Plain data only: no cycles.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    const text = JSON.stringify(value) as string | undefined;
    return text ?? 'null';
  }
  if (Array.isArray(value)) {
    return `[${value.map((v) => (v === undefined || typeof v === 'function' ? 'null' : canonicalJson(v))).join(',')}]`;
  }
  const obj = value as Record<string, unknown>;
  const parts: string[] = [];
  for (const key of Object.keys(obj).sort()) {
    const v = obj[key];
    if (v === undefined || typeof v === 'function' || typeof v === 'symbol') continue;
    parts.push(`${JSON.stringify(key)}:${canonicalJson(v)}`);
  }
  return `{${parts.join(',')}}`;
}

/** Core and common output classes, for when no `/object_info` is at hand. */
const OUTPUT_CLASSES: ReadonlySet<string> = new Set([
  'SaveImage',
  'PreviewImage',
  'SaveAnimatedWEBP',
  'SaveAnimatedPNG',
  'SaveLatent',
  'SaveVideo',
  'SaveWEBM',
  'SaveAudio',
  'SaveAudioMP3',
  'SaveAudioOpus',
  'PreviewAudio',
  'SaveImageWebsocket',
  'SaveGLB',
  'PreviewAny',
]);

/**
 * Ids of the graph's output nodes: from `objectInfo[class].output_node` when the class is known
 * there, else by name (the classes above, or a class name starting with `Save` or `Preview`).
 */
export function outputNodeIds(wf: ApiWorkflow, objectInfo?: ObjectInfo): NodeId[] {
  const out: NodeId[] = [];
  for (const [id, node] of Object.entries(wf)) {
    const info = objectInfo !== undefined && hasOwn(objectInfo, node.class_type) ? objectInfo[node.class_type] : undefined;
    const isOutput = info !== undefined ? info.output_node === true : OUTPUT_CLASSES.has(node.class_type) || /^(Save|Preview)[A-Z]/.test(node.class_type);
    if (isOutput) out.push(id);
  }
  return out;
}
