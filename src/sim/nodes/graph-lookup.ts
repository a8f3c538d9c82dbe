/**
 * The Python operations `validate_inputs` performs on the received graph, with the exceptions
 * they raise on odd input: comparisons, `inputs[x]`, `prompt[o_id]`, `RETURN_TYPES[slot]`. Each
 * PyError names the upstream statement, which becomes the emulated traceback.
 */
import type { ObjectInfo } from '../../comfy/http-types.js';
import { PyError } from './py-coerce.js';
import { pyRepr, pyTypeName } from './py-format.js';

const LOOKUP = "o_class_type = prompt[o_id]['class_type']";
const SLOT = 'received_type = r[val[1]]';

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Python `a < b` / `a > b`; mixed str/number comparisons raise TypeError upstream. */
export function pyCompare(a: unknown, b: unknown, op: '<' | '>'): boolean {
  const num = (x: unknown): number | undefined => (typeof x === 'number' ? x : typeof x === 'boolean' ? Number(x) : undefined);
  const na = num(a);
  const nb = num(b);
  if (na !== undefined && nb !== undefined) return op === '<' ? na < nb : na > nb;
  if (typeof a === 'string' && typeof b === 'string') return op === '<' ? a < b : a > b;
  throw new PyError(
    'TypeError',
    `'${op}' not supported between instances of '${pyTypeName(a)}' and '${pyTypeName(b)}'`,
    `if "min" in extra_info and val ${op} extra_info[...]:`,
  );
}

/** `x in inputs` then `inputs[x]`, with the errors a non-dict `inputs` raises in Python. */
export function readInput(inputs: unknown, x: string): { present: false } | { present: true; value: unknown } {
  if (isPlainObject(inputs)) return Object.hasOwn(inputs, x) ? { present: true, value: inputs[x] } : { present: false };
  if (Array.isArray(inputs)) {
    if (!inputs.includes(x)) return { present: false };
    throw new PyError('TypeError', 'list indices must be integers or slices, not str', 'val = inputs[x]');
  }
  if (typeof inputs === 'string') {
    if (!inputs.includes(x)) return { present: false };
    throw new PyError('TypeError', "string indices must be integers, not 'str'", 'val = inputs[x]');
  }
  throw new PyError('TypeError', `argument of type '${pyTypeName(inputs)}' is not iterable`, 'if x not in inputs:');
}

/** `prompt[o_id]`: JSON keys are strings, so any other id misses (or is unhashable). */
export function linkedNode(prompt: Record<string, unknown>, oId: unknown): Record<string, unknown> {
  if (Array.isArray(oId) || isPlainObject(oId)) throw new PyError('TypeError', `unhashable type: '${pyTypeName(oId)}'`, LOOKUP);
  if (typeof oId === 'string' && Object.hasOwn(prompt, oId)) return prompt[oId] as Record<string, unknown>;
  throw new PyError('KeyError', pyRepr(oId), LOOKUP);
}

/** `RETURN_TYPES[slot]`: a tuple for V1 nodes, a list for V3 ones (their info carries `api_node`). */
export function returnType(objectInfo: ObjectInfo, classType: string, slot: unknown): unknown {
  const info = objectInfo[classType];
  const types: unknown[] = info?.output ?? [];
  const seq = info && typeof info.api_node === 'boolean' ? 'list' : 'tuple';
  if (typeof slot !== 'boolean' && !(typeof slot === 'number' && Number.isInteger(slot))) {
    throw new PyError('TypeError', `${seq} indices must be integers or slices, not ${pyTypeName(slot)}`, SLOT);
  }
  const index = Number(slot);
  if (index < -types.length || index >= types.length) throw new PyError('IndexError', `${seq} index out of range`, SLOT);
  return types[index < 0 ? types.length + index : index];
}
