/**
 * Reading `/object_info` input specs (protocol reference §1 "nodeInfo"): a spec is
 * `[type, options?]` where `type` is a type name (`INT`, `MODEL`, `IMAGE,MASK`, `*`), a list of
 * allowed values (the classic enum), or `"COMBO"` with `options.options` (the newer enum form).
 * Shared by preflight, `--set` typing and the UI→API conversion.
 */
import type { InputSpec, NodeInfo, ObjectInfo } from './http-types.js';

/** Literal widget types (everything else named in capitals is a link type such as MODEL). */
export const PRIMITIVE_TYPES: ReadonlySet<string> = new Set(['INT', 'FLOAT', 'STRING', 'BOOLEAN']);

/** One declared input of a node class. */
export interface InputDecl {
  name: string;
  /** `required` inputs must be present (given or linked); `optional` may be left out. */
  section: 'required' | 'optional';
  /** The type name (`INT`, `MODEL`, `COMBO` for both enum forms). */
  type: string;
  /** Allowed values of an enum input, in server order; undefined for other inputs. */
  choices?: readonly unknown[];
  options: Record<string, unknown>;
}

function hasOwn(obj: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(obj, key);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** The node class's info, or undefined when the server does not have it. */
export function nodeInfo(objectInfo: ObjectInfo, classType: string): NodeInfo | undefined {
  return hasOwn(objectInfo, classType) ? objectInfo[classType] : undefined;
}

/** Decodes one spec; tolerant of odd shapes (custom nodes), which come out as type `*`. */
export function decodeSpec(name: string, section: InputDecl['section'], spec: InputSpec | unknown): InputDecl {
  const arr = Array.isArray(spec) ? (spec as unknown[]) : [];
  const head = arr[0];
  const options = isObject(arr[1]) ? arr[1] : {};
  if (Array.isArray(head)) return { name, section, type: 'COMBO', choices: head, options };
  if (head === 'COMBO') {
    const list = options.options;
    return { name, section, type: 'COMBO', choices: Array.isArray(list) ? list : [], options };
  }
  return { name, section, type: typeof head === 'string' ? head : '*', options };
}

/**
 * Required then optional inputs of a class, each section in `input_order` when the server sends
 * it (that is the widget order of the editor), else in key order.
 */
export function inputDecls(info: NodeInfo): InputDecl[] {
  const out: InputDecl[] = [];
  for (const section of ['required', 'optional'] as const) {
    const specs = info.input?.[section];
    if (!isObject(specs)) continue;
    const ordered = info.input_order?.[section];
    const names = Array.isArray(ordered)
      ? [...ordered.filter((n) => hasOwn(specs, n)), ...Object.keys(specs).filter((n) => !ordered.includes(n))]
      : Object.keys(specs);
    for (const n of names) out.push(decodeSpec(n, section, specs[n]));
  }
  return out;
}

/** The declaration of one input of a class, or undefined. */
export function findInput(info: NodeInfo, input: string): InputDecl | undefined {
  return inputDecls(info).find((d) => d.name === input);
}

/** True when the input holds a literal in the editor (a widget), false when it takes a link. */
export function isWidget(decl: InputDecl): boolean {
  if (decl.type === 'COMBO' || PRIMITIVE_TYPES.has(decl.type)) return decl.options.forceInput !== true;
  return false;
}

/**
 * ComfyUI's `validate_node_input`: `*` on either side matches, comma-separated unions match when
 * they share a member, otherwise the names must be equal.
 */
export function typesMatch(received: string, expected: string): boolean {
  if (received === expected || received === '*' || expected === '*') return true;
  const r = received.split(',').map((s) => s.trim());
  const e = expected.split(',').map((s) => s.trim());
  if (r.length === 1 && e.length === 1) return false;
  return r.some((t) => e.includes(t));
}
