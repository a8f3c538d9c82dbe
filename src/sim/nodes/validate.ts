/**
 * `POST /prompt` validation, reproducing ComfyUI 0.3.64's `validate_prompt` (execution.py) and the
 * `no_prompt` branch of `server.py`, so the emulator answers bad graphs with the same bodies.
 *
 * Choices where 0.3.64 itself is not deterministic or not JSON-level:
 * - Outputs and a node's inputs are Python sets upstream (order differs per server process);
 *   here outputs follow prompt key order and inputs their declaration order. Error lists can
 *   therefore come out in another order than a given recording.
 * - A non-object `prompt`, node or unhashable `class_type` makes upstream raise, giving aiohttp's
 *   plain-text 500; the ValidationResult contract has no 500, so those answer `no_prompt` /
 *   `invalid_prompt`.
 * - Dependency cycles: 0.3.64 has no cycle check in validation (`dependency_cycle` came later).
 *   Its recursion overflows, the RecursionError is swallowed and overwritten on the way up, so a
 *   cycle reachable from an output yields a 400 `prompt_outputs_failed_validation` with empty
 *   `details` and no node errors for the cycle. That is reproduced (see validate-inputs.ts).
 *   Graphs deeper than Python's recursion limit (~1000 linked nodes) fail upstream too; here
 *   they pass.
 */
import type { ApiWorkflow, NodeErrors, NodeValidationError, ObjectInfo, PromptErrorResponse } from '../../comfy/http-types.js';
import type { NodeId } from '../../comfy/messages.js';
import type { ValidatePrompt, ValidationResult } from './types.js';
import { pyStr } from './py-format.js';
import { asPyError, pyTraceback, validateInputs, type ValidationContext } from './validate-inputs.js';

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function reject(type: string, message: string, details: string, nodeErrors: Record<NodeId, NodeErrors> = {}): ValidationResult {
  const body: PromptErrorResponse = { error: { type, message, details, extra_info: {} }, node_errors: nodeErrors };
  return { ok: false, body };
}

/** Output nodes to run, or a top-level rejection (missing/unknown class, no outputs). */
function findOutputs(prompt: Record<string, unknown>, objectInfo: ObjectInfo, partialTargets: NodeId[] | undefined): NodeId[] | ValidationResult {
  const outputs: NodeId[] = [];
  for (const x of Object.keys(prompt)) {
    const node = prompt[x];
    if (!isPlainObject(node) || !Object.hasOwn(node, 'class_type')) {
      return reject('invalid_prompt', 'Cannot execute because a node is missing the class_type property.', `Node ID '#${x}'`);
    }
    const classType = node.class_type;
    const info = typeof classType === 'string' && Object.hasOwn(objectInfo, classType) ? objectInfo[classType] : undefined;
    if (!info) {
      return reject('invalid_prompt', `Cannot execute because node ${pyStr(classType)} does not exist.`, `Node ID '#${x}'`);
    }
    if (info.output_node === true && (partialTargets === undefined || partialTargets.includes(x))) outputs.push(x);
  }
  if (outputs.length === 0) return reject('prompt_no_outputs', 'Prompt has no outputs', '');
  return outputs;
}

export const validatePrompt: ValidatePrompt = (prompt, objectInfo, partialTargets) => {
  if (!isPlainObject(prompt)) return reject('no_prompt', 'No prompt provided', 'No prompt provided');
  // Coercion writes into this copy; the caller's object stays as received.
  const working = structuredClone(prompt) as Record<string, Record<string, unknown>>;
  const outputs = findOutputs(working, objectInfo, partialTargets);
  if (!Array.isArray(outputs)) return outputs;

  const ctx: ValidationContext = { prompt: working, objectInfo, validated: new Map(), path: new Set() };
  const goodOutputs: NodeId[] = [];
  const failed: [NodeId, NodeValidationError[]][] = [];
  const nodeErrors: Record<NodeId, NodeErrors> = {};

  for (const o of outputs) {
    let valid: boolean;
    let reasons: NodeValidationError[];
    try {
      [valid, reasons] = validateInputs(ctx, o);
    } catch (caught) {
      const err = asPyError(caught);
      valid = false;
      reasons = [
        {
          type: 'exception_during_validation',
          message: 'Exception when validating node',
          details: err.message,
          extra_info: { exception_type: err.pyType, traceback: pyTraceback(err.source ?? 'm = await validate_inputs(prompt_id, prompt, o, validated)') },
        },
      ];
      ctx.validated.set(o, [false, reasons, o]);
    }
    if (valid) {
      goodOutputs.push(o);
      continue;
    }
    failed.push([o, reasons]);
    // Upstream walks every node validated so far, not only this output's ancestors: a node that
    // failed for an earlier output also lists every later failing output as dependent.
    for (const [nodeId, [nodeValid, nodeReasons]] of ctx.validated) {
      if (nodeValid || nodeReasons.length === 0) continue;
      nodeErrors[nodeId] ??= { errors: nodeReasons, dependent_outputs: [], class_type: working[nodeId]?.class_type as string };
      nodeErrors[nodeId].dependent_outputs.push(o);
    }
  }

  if (goodOutputs.length === 0) {
    // Only the outputs' own reasons reach `details`: upstream failures leave it empty.
    const details = failed.flatMap(([, rs]) => rs.map((r) => `${r.message}: ${r.details}`)).join('\n');
    return reject('prompt_outputs_failed_validation', 'Prompt outputs failed validation', details, nodeErrors);
  }
  return { ok: true, prompt: working as unknown as ApiWorkflow, outputs: goodOutputs, nodeErrors };
};
