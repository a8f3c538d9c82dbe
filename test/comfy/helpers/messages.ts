/** Builders of server frames for edge-case tests (shapes as in the protocol reference §2.1). */
import type { KnownServerMessage } from '../../../src/comfy/messages.js';

export const start = (p: string, timestamp?: number): KnownServerMessage => ({
  type: 'execution_start',
  data: { prompt_id: p, ...(timestamp === undefined ? {} : { timestamp }) },
});
export const cached = (p: string, nodes: string[]): KnownServerMessage => ({ type: 'execution_cached', data: { prompt_id: p, nodes } });
export const executing = (node: string | null, p?: string): KnownServerMessage => ({
  type: 'executing',
  data: { node, ...(p === undefined ? {} : { prompt_id: p }) },
});
export const progress = (value: number, max: number, p?: string, node?: string | null): KnownServerMessage => ({
  type: 'progress',
  data: { value, max, ...(p === undefined ? {} : { prompt_id: p }), ...(node === undefined ? {} : { node }) },
});
export const executed = (node: string, p: string): KnownServerMessage => ({
  type: 'executed',
  data: { node, prompt_id: p, output: { images: [{ filename: 'x.png', subfolder: '', type: 'output' }] } },
});
export const success = (p: string, timestamp?: number): KnownServerMessage => ({
  type: 'execution_success',
  data: { prompt_id: p, ...(timestamp === undefined ? {} : { timestamp }) },
});
export const failure = (p: string, exceptionType = 'torch.OutOfMemoryError'): KnownServerMessage => ({
  type: 'execution_error',
  data: {
    prompt_id: p,
    node_id: '3',
    node_type: 'KSampler',
    executed: [],
    exception_message: 'OOM\n',
    exception_type: exceptionType,
    traceback: [],
    current_inputs: {},
    current_outputs: [],
  },
});
export const interrupted = (p: string): KnownServerMessage => ({
  type: 'execution_interrupted',
  data: { prompt_id: p, node_id: '3', node_type: 'KSampler', executed: [] },
});
export const status = (queueRemaining: number, sid?: string): KnownServerMessage => ({
  type: 'status',
  data: { status: { exec_info: { queue_remaining: queueRemaining } }, ...(sid === undefined ? {} : { sid }) },
});

/** A text frame as it comes off the socket. */
export const text = (m: KnownServerMessage | { type: string; data: unknown }): string => JSON.stringify(m);
