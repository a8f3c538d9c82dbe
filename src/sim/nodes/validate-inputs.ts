/**
 * ComfyUI 0.3.64's `validate_inputs` (execution.py): validates one node and, depth first, the
 * nodes it links to, memoising each result in `validated`. Literal inputs are coerced in place in
 * the caller's copy of the prompt, as the real server does before queueing.
 *
 * Python exceptions that upstream lets escape (a link to a missing node raises KeyError, a bad
 * slot IndexError/TypeError) are thrown here as PyError so the caller can turn them into
 * `exception_during_inner_validation` or `exception_during_validation` at the same places.
 */
import type { InputSpec, NodeValidationError, ObjectInfo } from '../../comfy/http-types.js';
import type { NodeId } from '../../comfy/messages.js';
import { CUSTOM_VALIDATORS } from './custom-validators.js';
import { PyError, pyBool, pyEquals, pyFloat, pyInt, pyStrCoerce } from './py-coerce.js';
import { pyFloatRepr, pyStr } from './py-format.js';
import { linkedNode, pyCompare, readInput, returnType } from './graph-lookup.js';

export type NodeResult = [valid: boolean, reasons: NodeValidationError[], id: NodeId];

export interface ValidationContext {
  /** The working copy of the prompt; coerced literals are written into it. */
  prompt: Record<string, Record<string, unknown>>;
  objectInfo: ObjectInfo;
  /** Insertion-ordered like the Python dict, which fixes the order of `node_errors`. */
  validated: Map<NodeId, NodeResult>;
  /** Nodes on the current validation path (see `enterNode`). */
  path: Set<NodeId>;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `traceback.format_tb` stand-in: names the upstream statement that raised. */
export function pyTraceback(source: string): string[] {
  return [`  File "<comfyload emulator>", in validate_inputs\n    ${source}\n`];
}

/**
 * 0.3.64 has no cycle check: a cycle recurses until Python raises RecursionError, which the
 * innermost `except Exception` stores on a node and every frame above then overwrites with its own
 * empty (False, []) result. Raising at the first re-entry reaches that same final state at once.
 */
function enterNode(ctx: ValidationContext, id: NodeId): void {
  if (ctx.path.has(id)) throw new PyError('RecursionError', 'maximum recursion depth exceeded');
  ctx.path.add(id);
}

/** Maps JS failures that mirror Python ones (stack overflow) to PyError; rethrows real bugs. */
export function asPyError(err: unknown): PyError {
  if (err instanceof PyError) return err;
  if (err instanceof RangeError) return new PyError('RecursionError', 'maximum recursion depth exceeded');
  throw err;
}

/** `validate_node_input` (comfy_execution/validation.py), non-strict: any overlap or `*` passes. */
export function validateNodeInput(received: unknown, input: unknown): boolean {
  if (pyEquals(received, input)) return true;
  if (typeof received !== 'string' || typeof input !== 'string') return false;
  const split = (t: string): Set<string> => new Set(t.split(',').map((s) => s.trim()));
  const r = split(received);
  const i = split(input);
  if (r.has('*') || i.has('*')) return true;
  return [...r].some((t) => i.has(t));
}

function coerce(inputType: unknown, val: unknown): unknown {
  if (inputType === 'INT') return pyInt(val);
  if (inputType === 'FLOAT') return pyFloat(val);
  if (inputType === 'STRING') return pyStrCoerce(val);
  if (inputType === 'BOOLEAN') return pyBool(val);
  return val;
}

/** Validates node `id` and its ancestors; may throw PyError exactly where upstream raises. */
export function validateInputs(ctx: ValidationContext, id: NodeId): NodeResult {
  const memo = ctx.validated.get(id);
  if (memo) return memo;
  enterNode(ctx, id);
  try {
    return validateNode(ctx, id);
  } finally {
    ctx.path.delete(id);
  }
}

function validateNode(ctx: ValidationContext, id: NodeId): NodeResult {
  const node = ctx.prompt[id] as Record<string, unknown>;
  if (!Object.hasOwn(node, 'inputs')) throw new PyError('KeyError', "'inputs'", "inputs = prompt[unique_id]['inputs']");
  const inputs = node.inputs;
  const classType = node.class_type as string;
  const classInputs = ctx.objectInfo[classType]?.input ?? {};
  const required = classInputs.required ?? {};
  const optional = classInputs.optional ?? {};
  const custom = CUSTOM_VALIDATORS[classType];
  const validateArgs = custom?.args ?? [];
  const errors: NodeValidationError[] = [];
  let valid = true;

  // Upstream iterates a Python set (order varies per process); declaration order is used here.
  const names = [...new Set([...Object.keys(required), ...Object.keys(optional)])];
  for (const x of names) {
    const spec: InputSpec = (Object.hasOwn(required, x) ? required[x] : optional[x]) as InputSpec;
    const read = readInput(inputs, x);
    if (!read.present) {
      if (Object.hasOwn(required, x)) {
        errors.push({ type: 'required_input_missing', message: 'Required input is missing', details: x, extra_info: { input_name: x } });
      }
      continue;
    }
    const input: InputUnderTest = { name: x, inputType: spec[0], extraInfo: spec[1] ?? {}, validateArgs };
    if (Array.isArray(read.value)) {
      const linked = validateLinkedInput(ctx, input, read.value);
      if (linked.error !== undefined) errors.push(linked.error);
      if (!linked.valid) valid = false;
      continue;
    }
    const error = validateLiteralInput(input, read.value, inputs as Record<string, unknown>);
    if (error !== undefined) errors.push(error);
  }

  if (custom) errors.push(...runCustomValidator(ctx, custom, inputs, names));

  const result: NodeResult = errors.length > 0 || !valid ? [false, errors, id] : [true, [], id];
  ctx.validated.set(id, result);
  return result;
}

/** One declared input of the node being validated. */
interface InputUnderTest {
  name: string;
  inputType: InputSpec[0];
  extraInfo: Record<string, unknown>;
  /** Inputs the node's own VALIDATE_INPUTS checks instead (upstream skips them here). */
  validateArgs: readonly string[];
}

/** A link `[node_id, slot]`: its shape, the linked output's type, and the linked node, validated first. */
function validateLinkedInput(ctx: ValidationContext, input: InputUnderTest, val: unknown[]): { error?: NodeValidationError; valid: boolean } {
  const { name: x, inputType, extraInfo } = input;
  const info = [inputType, extraInfo];
  if (val.length !== 2) {
    return {
      valid: true,
      error: {
        type: 'bad_linked_input',
        message: 'Bad linked input, must be a length-2 list of [node_id, slot_index]',
        details: x,
        extra_info: { input_name: x, input_config: info, received_value: val },
      },
    };
  }
  const oId = val[0];
  const source = linkedNode(ctx.prompt, oId);
  const receivedType = returnType(ctx.objectInfo, source.class_type as string, val[1]);
  if (!input.validateArgs.includes('input_types') && !validateNodeInput(receivedType, inputType)) {
    return {
      valid: true,
      error: {
        type: 'return_type_mismatch',
        message: 'Return type mismatch between linked nodes',
        details: `${x}, received_type(${pyStr(receivedType)}) mismatch input_type(${pyStr(inputType)})`,
        extra_info: { input_name: x, input_config: info, received_type: receivedType, linked_node: val },
      },
    };
  }
  try {
    return { valid: validateInputs(ctx, oId as NodeId)[0] };
  } catch (err) {
    const ex = asPyError(err);
    ctx.validated.set(oId as NodeId, [
      false,
      [
        {
          type: 'exception_during_inner_validation',
          message: 'Exception when validating inner node',
          details: ex.message,
          extra_info: {
            input_name: x,
            input_config: info,
            exception_message: ex.message,
            exception_type: ex.pyType,
            traceback: pyTraceback(ex.source ?? 'r = await validate_inputs(prompt_id, prompt, o_id, validated)'),
            linked_node: val,
          },
        },
      ],
      oId as NodeId,
    ]);
    return { valid: false };
  }
}

/** A literal: coerced to the input's type in place (as upstream does), then checked against min, max and the enum. */
function validateLiteralInput(input: InputUnderTest, value: unknown, inputsDict: Record<string, unknown>): NodeValidationError | undefined {
  const { name: x, inputType, extraInfo } = input;
  const info = [inputType, extraInfo];
  let val = value;
  try {
    // `{"__value__": v}` carries a list-valued widget, since a bare list would mean a link.
    if (isPlainObject(val) && Object.hasOwn(val, '__value__')) {
      val = val.__value__;
      inputsDict[x] = val;
    }
    const coerced = coerce(inputType, val);
    if (coerced !== val) inputsDict[x] = coerced;
    val = coerced;
  } catch (err) {
    if (!(err instanceof PyError)) throw err;
    return {
      type: 'invalid_input_type',
      message: `Failed to convert an input value to a ${pyStr(inputType)} value`,
      details: `${x}, ${pyStr(val)}, ${err.message}`,
      extra_info: { input_name: x, input_config: info, received_value: val, exception_message: err.message },
    };
  }

  if (input.validateArgs.includes(x)) return undefined;
  const fmt = (v: unknown): string => (inputType === 'FLOAT' && typeof v === 'number' ? pyFloatRepr(v) : pyStr(v));
  if ('min' in extraInfo && pyCompare(val, extraInfo.min, '<')) {
    return {
      type: 'value_smaller_than_min',
      message: `Value ${fmt(val)} smaller than min of ${fmt(extraInfo.min)}`,
      details: x,
      extra_info: { input_name: x, input_config: info, received_value: val },
    };
  }
  if ('max' in extraInfo && pyCompare(val, extraInfo.max, '>')) {
    return {
      type: 'value_bigger_than_max',
      message: `Value ${fmt(val)} bigger than max of ${fmt(extraInfo.max)}`,
      details: x,
      extra_info: { input_name: x, input_config: info, received_value: val },
    };
  }
  // 0.3.64 checks only list-typed enums; V3 `["COMBO", {options}]` inputs are not checked.
  if (Array.isArray(inputType) && !inputType.some((option) => pyEquals(option, val))) {
    // Upstream drops long lists (scanned model folders) from the reply.
    const long = inputType.length > 20;
    return {
      type: 'value_not_in_list',
      message: 'Value not in list',
      details: `${x}: '${pyStr(val)}' not in ${long ? `(list of length ${inputType.length})` : pyStr(inputType)}`,
      extra_info: { input_name: x, input_config: long ? null : info, received_value: val },
    };
  }
  return undefined;
}

/**
 * `get_input_data` + `VALIDATE_INPUTS`: only the method's named arguments are passed; a linked
 * argument arrives as None (nothing has executed yet). Exceptions escape, as upstream.
 */
function runCustomValidator(
  ctx: ValidationContext,
  custom: NonNullable<(typeof CUSTOM_VALIDATORS)[string]>,
  inputs: unknown,
  names: string[],
): NodeValidationError[] {
  const args: Record<string, unknown> = {};
  if (isPlainObject(inputs)) {
    for (const [x, v] of Object.entries(inputs)) {
      if (!names.includes(x) || !custom.args.includes(x)) continue;
      const isLink = Array.isArray(v) && v.length === 2 && typeof v[0] === 'string' && typeof v[1] === 'number';
      args[x] = isLink ? null : v;
    }
  }
  const outcome = custom.run(args, ctx.objectInfo);
  if (outcome === true) return [];
  return Object.keys(args).map((x) => ({
    type: 'custom_validation_failed',
    message: 'Custom validation failed for node',
    details: outcome === false ? x : `${x} - ${outcome}`,
    extra_info: { input_name: x },
  }));
}
