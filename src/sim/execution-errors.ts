/**
 * `handle_execution_error`: what a failed node turns into — execution_interrupted (broadcast
 * when there is no owner) or execution_error with the exception's Python type, message ("…\n",
 * plus the OOM tip), traceback and `current_inputs` (a dict of lists, `str()` of non-primitives;
 * a list for dependency cycles).
 */
import type { NodeId } from '../comfy/messages.js';
import { SimInterrupt, SimNodeError } from './node-context.js';
import { SimOomError } from './sim-gpu.js';
import type { SimValue } from './sim-values.js';
import { describeValue } from './sim-values.js';

const OOM_TIP =
  'This error means you ran out of memory on your GPU.\n\nTIPS: If the workflow worked before you might have accidentally set the batch_size to a large number.';

export interface Failure {
  nodeId: NodeId;
  error: unknown;
  currentInputs: Record<string, unknown[]> | unknown[];
}

export interface ErrorReport {
  event: 'execution_interrupted' | 'execution_error';
  data: Record<string, unknown>;
  broadcast: boolean;
  /** OOM: the caller unloads every model. */
  oom: boolean;
  exceptionType?: string;
}

export function errorReport(f: Failure, promptId: string, nodeType: string, executed: NodeId[], currentOutputs: NodeId[]): ErrorReport {
  const base = { prompt_id: promptId, node_id: f.nodeId, node_type: nodeType, executed: [...executed] };
  if (f.error instanceof SimInterrupt) return { event: 'execution_interrupted', data: base, broadcast: true, oom: false };
  let message: string;
  let type: string;
  let traceback: string[] = [];
  if (f.error instanceof SimOomError) {
    message = `${f.error.message}\n${OOM_TIP}`;
    type = 'torch.OutOfMemoryError';
  } else if (f.error instanceof SimNodeError) {
    message = `${f.error.message}\n`;
    type = f.error.exceptionType;
    traceback = f.error.traceback;
  } else {
    message = `${f.error instanceof Error ? f.error.message : String(f.error)}\n`;
    type = 'Exception';
  }
  return {
    event: 'execution_error',
    data: { ...base, exception_message: message, exception_type: type, traceback, current_inputs: f.currentInputs, current_outputs: currentOutputs },
    broadcast: false,
    oom: f.error instanceof SimOomError,
    exceptionType: type,
  };
}

/** `current_inputs`: a dict of lists, primitives kept, everything else `str()`. */
export function formatInputs(raw: Record<string, unknown>, resolved: Record<string, unknown>): Record<string, unknown[]> {
  const out: Record<string, unknown[]> = {};
  for (const name of Object.keys(raw)) {
    const v = resolved[name];
    if (v === null || v === undefined) out[name] = [null];
    else if (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') out[name] = [v];
    else if (typeof v === 'object' && 'kind' in v) out[name] = [describeValue(v as SimValue)];
    else out[name] = [String(v)];
  }
  return out;
}
