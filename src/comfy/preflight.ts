/**
 * Preflight validation of an API-format workflow against a server's `/object_info`, before any
 * prompt is sent: every problem ComfyUI's own validation would raise (and a few it raises only
 * at run time or not at all: cycles, V3 `COMBO` values), each with the node id, class, title and
 * input, a stable kind and a fix. All problems are returned at once, not the first one.
 *
 * Written independently of the emulator's validation (src/sim/nodes/validate.ts) on purpose: a
 * bug in one must not be hidden by the same bug in the other.
 */
import type { ApiWorkflow, InputValue, ObjectInfo } from './http-types.js';
import { type InputDecl, inputDecls, nodeInfo, typesMatch } from './input-spec.js';
import type { NodeId } from './messages.js';
import { isLink } from './workflow.js';

/** Stable problem kinds; callers and tests match on these, never on the text. */
export type PreflightKind =
  | 'empty_graph'
  | 'unknown_class'
  | 'missing_input'
  | 'bad_link'
  | 'bad_link_slot'
  | 'link_type_mismatch'
  | 'missing_model'
  | 'missing_image'
  | 'value_not_in_list'
  | 'invalid_value'
  | 'value_out_of_range'
  | 'no_output'
  | 'cycle';

export interface PreflightProblem {
  kind: PreflightKind;
  nodeId?: NodeId;
  classType?: string;
  title?: string;
  input?: string;
  /** What is wrong, one sentence. */
  message: string;
  /** How to fix it, addressed to the user. */
  hint: string;
}

export interface PreflightOptions {
  /**
   * File names that will be uploaded before the run (or were just uploaded): accepted for
   * inputs marked `image_upload` although the server does not list them yet.
   */
  uploads?: ReadonlySet<string>;
}

/** Model folders of the usual loader inputs, for the fix of a missing model. */
const MODEL_FOLDERS: Record<string, string> = {
  ckpt_name: 'models/checkpoints',
  lora_name: 'models/loras',
  vae_name: 'models/vae',
  unet_name: 'models/diffusion_models (or models/unet)',
  clip_name: 'models/text_encoders (or models/clip)',
  clip_name1: 'models/text_encoders (or models/clip)',
  clip_name2: 'models/text_encoders (or models/clip)',
  clip_name3: 'models/text_encoders (or models/clip)',
  model_name: 'models/upscale_models',
  control_net_name: 'models/controlnet',
  style_model_name: 'models/style_models',
  clip_vision_name: 'models/clip_vision',
  gligen_name: 'models/gligen',
  hypernetwork_name: 'models/hypernetworks',
};
const MODEL_FILE = /\.(safetensors|ckpt|pt|pth|bin|gguf|sft|onnx)$/i;

function hasOwn(obj: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(obj, key);
}

/** Validates `wf` against `objectInfo`; an empty list means the workflow will be accepted. */
export function preflightWorkflow(wf: ApiWorkflow, objectInfo: ObjectInfo, options: PreflightOptions = {}): PreflightProblem[] {
  const problems: PreflightProblem[] = [];
  const ids = Object.keys(wf);
  if (ids.length === 0) {
    return [{ kind: 'empty_graph', message: 'the workflow has no nodes', hint: 'export a workflow with at least one output node (Workflow → Export (API)).' }];
  }
  const classes = Object.keys(objectInfo);
  let hasOutput = false;
  for (const id of ids) {
    const node = wf[id]!;
    const where = { nodeId: id, classType: node.class_type, ...(node._meta?.title !== undefined ? { title: node._meta.title } : {}) };
    const info = nodeInfo(objectInfo, node.class_type);
    if (info === undefined) {
      const near = closest(node.class_type, classes);
      problems.push({
        ...where,
        kind: 'unknown_class',
        message: `node type ${JSON.stringify(node.class_type)} does not exist on the server`,
        hint: `install the custom node pack that provides it and restart ComfyUI${near !== undefined ? `, or did you mean ${JSON.stringify(near)}?` : '.'}`,
      });
      continue;
    }
    if (info.output_node === true) hasOutput = true;
    const inputs = node.inputs ?? {};
    for (const decl of inputDecls(info)) {
      const at = { ...where, input: decl.name };
      if (!hasOwn(inputs, decl.name)) {
        if (decl.section === 'required') {
          problems.push({
            ...at,
            kind: 'missing_input',
            message: `required input \`${decl.name}\` (${decl.type}) is missing`,
            hint: `give \`${decl.name}\` a value or link it in the editor and export again, or --set ${id}.${decl.name}=<value>.`,
          });
        }
        continue;
      }
      const value = inputs[decl.name] as InputValue;
      if (isLink(value)) {
        checkLink(wf, objectInfo, decl, value, at, problems);
        continue;
      }
      checkLiteral(decl, value, at, problems, options);
    }
  }
  if (!hasOutput && !problems.some((p) => p.kind === 'unknown_class')) {
    problems.push({
      kind: 'no_output',
      message: 'the workflow has no output node (SaveImage, PreviewImage…), so ComfyUI would run nothing',
      hint: 'add a Save Image node to the end of the graph and export again.',
    });
  }
  problems.push(...findCycles(wf));
  return problems;
}

type Where = Pick<PreflightProblem, 'nodeId' | 'classType' | 'title' | 'input'>;

function checkLink(wf: ApiWorkflow, objectInfo: ObjectInfo, decl: InputDecl, link: [string | number, number], at: Where, problems: PreflightProblem[]): void {
  const sourceId = String(link[0]);
  const source = hasOwn(wf, sourceId) ? wf[sourceId] : undefined;
  if (source === undefined) {
    problems.push({
      ...at,
      kind: 'bad_link',
      message: `input \`${decl.name}\` links to node "${sourceId}", which is not in the workflow`,
      hint: 'reconnect the input in the editor and export again (a node was deleted).',
    });
    return;
  }
  const sourceInfo = nodeInfo(objectInfo, source.class_type);
  if (sourceInfo === undefined) return; // reported as unknown_class
  const outputs = sourceInfo.output ?? [];
  const slot = link[1];
  if (slot < 0 || slot >= outputs.length) {
    problems.push({
      ...at,
      kind: 'bad_link_slot',
      message: `input \`${decl.name}\` links to output ${slot} of node "${sourceId}" (${source.class_type}), which has ${outputs.length} output${outputs.length === 1 ? '' : 's'}`,
      hint: 'reconnect the input in the editor and export again.',
    });
    return;
  }
  const received = outputs[slot] ?? '*';
  const expected = decl.type;
  if (!typesMatch(received, expected)) {
    problems.push({
      ...at,
      kind: 'link_type_mismatch',
      message: `input \`${decl.name}\` expects ${expected} but is linked to output ${slot} of node "${sourceId}" (${source.class_type}), which gives ${received}`,
      hint: `link \`${decl.name}\` to an output of type ${expected}.`,
    });
  }
}

function checkLiteral(decl: InputDecl, raw: InputValue, at: Where, problems: PreflightProblem[], options: PreflightOptions): void {
  // `{"__value__": v}` carries a list-valued widget (a bare list would be a link).
  const value = raw !== null && typeof raw === 'object' && !Array.isArray(raw) && hasOwn(raw, '__value__') ? (raw as { __value__: unknown }).__value__ : raw;
  const show = JSON.stringify(value);
  if (decl.choices !== undefined) {
    if (decl.choices.some((c) => c === value)) return;
    if (decl.options.image_upload === true && typeof value === 'string' && options.uploads?.has(value)) return;
    const list = decl.choices.map(String);
    const near = typeof value === 'string' ? closest(value, list) : undefined;
    const choices =
      list.length === 0
        ? 'the server lists none'
        : list.length <= 8
          ? `the server has ${list.map((c) => JSON.stringify(c)).join(', ')}`
          : `the server has ${list.length}${near !== undefined ? `; nearest ${JSON.stringify(near)}` : ''}`;
    if (decl.options.image_upload === true) {
      problems.push({
        ...at,
        kind: 'missing_image',
        message: `input file ${show} is not in the server's input folder (${choices})`,
        hint: `pass the file with --input ${typeof value === 'string' ? value : 'image.png'} (it is uploaded before the run), or copy it into ComfyUI's input folder.`,
      });
      return;
    }
    const folder = MODEL_FOLDERS[decl.name];
    if (folder !== undefined || (typeof value === 'string' && MODEL_FILE.test(value))) {
      problems.push({
        ...at,
        kind: 'missing_model',
        message: `model ${show} is not on the server (${choices})`,
        hint: `put the file in ${folder ?? 'the models folder'} on the server and restart or refresh ComfyUI${near !== undefined ? `, or use ${JSON.stringify(near)} (--set ${at.nodeId ?? ''}.${decl.name}=${near})` : ''}.`,
      });
      return;
    }
    problems.push({
      ...at,
      kind: 'value_not_in_list',
      message: `value ${show} is not one of the allowed values (${choices})`,
      hint: near !== undefined ? `use ${JSON.stringify(near)}: --set ${at.nodeId ?? ''}.${decl.name}=${near}` : `choose one of the allowed values.`,
    });
    return;
  }
  if (decl.type === 'INT' || decl.type === 'FLOAT') {
    const num =
      typeof value === 'number'
        ? value
        : typeof value === 'string' && value.trim() !== ''
          ? Number(value)
          : typeof value === 'boolean'
            ? Number(value)
            : Number.NaN;
    if (!Number.isFinite(num) || (decl.type === 'INT' && typeof value === 'string' && !/^\s*[+-]?\d+\s*$/.test(value))) {
      problems.push({
        ...at,
        kind: 'invalid_value',
        message: `value ${show} is not ${decl.type === 'INT' ? 'an integer' : 'a number'}`,
        hint: `give \`${decl.name}\` a number, e.g. --set ${at.nodeId ?? ''}.${decl.name}=${String(decl.options.default ?? 1)}.`,
      });
      return;
    }
    const min = decl.options.min;
    const max = decl.options.max;
    if ((typeof min === 'number' && num < min) || (typeof max === 'number' && num > max)) {
      problems.push({
        ...at,
        kind: 'value_out_of_range',
        message: `value ${show} is outside ${typeof min === 'number' ? min : '-∞'}…${typeof max === 'number' ? max : '∞'}`,
        hint: `give \`${decl.name}\` a value in that range.`,
      });
    }
    return;
  }
  if (decl.type === 'STRING' && (value === null || typeof value === 'object')) {
    problems.push({ ...at, kind: 'invalid_value', message: `value ${show} is not a string`, hint: `give \`${decl.name}\` text.` });
  }
}

/** Every cycle of links, each reported once at the node where the walk closed it. */
function findCycles(wf: ApiWorkflow): PreflightProblem[] {
  const state = new Map<NodeId, 'open' | 'done'>();
  const problems: PreflightProblem[] = [];
  const stack: NodeId[] = [];
  const visit = (id: NodeId): void => {
    state.set(id, 'open');
    stack.push(id);
    for (const value of Object.values(wf[id]?.inputs ?? {})) {
      if (!isLink(value)) continue;
      const next = String(value[0]);
      if (!hasOwn(wf, next)) continue;
      const s = state.get(next);
      if (s === 'open') {
        const loop = [...stack.slice(stack.indexOf(next)), next];
        const node = wf[next]!;
        problems.push({
          kind: 'cycle',
          nodeId: next,
          classType: node.class_type,
          ...(node._meta?.title !== undefined ? { title: node._meta.title } : {}),
          message: `the links form a cycle: ${loop.map((n) => `"${n}"`).join(' → ')}`,
          hint: 'a node cannot depend on its own output; remove one link of the cycle in the editor and export again.',
        });
      } else if (s === undefined) {
        visit(next);
      }
    }
    stack.pop();
    state.set(id, 'done');
  };
  for (const id of Object.keys(wf)) if (!state.has(id)) visit(id);
  return problems;
}

/** One line per problem: `node "4" CheckpointLoaderSimple "Load Checkpoint", input ckpt_name: … Fix: …`. */
export function formatPreflightProblem(p: PreflightProblem): string {
  const where: string[] = [];
  if (p.nodeId !== undefined) where.push(`node "${p.nodeId}"`);
  if (p.classType !== undefined) where.push(p.classType);
  if (p.title !== undefined && p.title !== p.classType) where.push(JSON.stringify(p.title));
  const head = where.length > 0 ? `${where.join(' ')}${p.input !== undefined ? `, input ${p.input}` : ''}: ` : '';
  return `${head}${p.message} [${p.kind}]. Fix: ${p.hint}`;
}

/** The nearest candidate by edit distance, when it is near enough to be a likely typo. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  // Model files differ in extension as often as in name (`.ckpt` for `.safetensors`): compare stems.
  const stem = (s: string): string => s.toLowerCase().replace(MODEL_FILE, '');
  const w = stem(word);
  for (const c of candidates) {
    const d = editDistance(w, stem(c));
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 12) return Infinity;
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length]!;
}
