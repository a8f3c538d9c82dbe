/**
 * `comfy_execution.progress.ProgressRegistry` + `WebUIProgressHandler`: per-prompt node states
 * sent as a cumulative `progress_state` on every node start, progress update and finish.
 * Entries appear lazily in first-touch order. Python types are kept: a started node reads
 * `0.0/1.0` (floats), a cached output finished without a start reads `1/1` (ints), a sampler
 * reads its integer step counts.
 */
import type { NodeId } from '../comfy/messages.js';
import { PyFloat, pyFloat } from './py-json.js';

type Num = number | PyFloat;

interface NodeState {
  state: 'pending' | 'running' | 'finished';
  value: Num;
  max: Num;
}

export type ProgressSink = (data: unknown) => void;

export class ProgressRegistry {
  readonly #promptId: string;
  readonly #nodes = new Map<NodeId, NodeState>();
  readonly #send: ProgressSink | undefined;

  /** `send` undefined = legacy server without progress_state. */
  constructor(promptId: string, send: ProgressSink | undefined) {
    this.#promptId = promptId;
    this.#send = send;
  }

  start(nodeId: NodeId): void {
    const e = this.#ensure(nodeId);
    e.state = 'running';
    e.value = pyFloat(0);
    e.max = pyFloat(1);
    this.#emit();
  }

  update(nodeId: NodeId, value: number, max: number): void {
    const e = this.#ensure(nodeId);
    e.state = 'running';
    e.value = value;
    e.max = max;
    this.#emit();
  }

  finish(nodeId: NodeId): void {
    const e = this.#ensure(nodeId);
    e.state = 'finished';
    e.value = e.max;
    this.#emit();
  }

  #ensure(nodeId: NodeId): NodeState {
    let e = this.#nodes.get(nodeId);
    if (e === undefined) {
      e = { state: 'pending', value: 0, max: 1 };
      this.#nodes.set(nodeId, e);
    }
    return e;
  }

  #emit(): void {
    if (this.#send === undefined) return;
    const nodes: Record<string, unknown> = {};
    for (const [id, s] of this.#nodes) {
      if (s.state === 'pending') continue;
      nodes[id] = {
        value: s.value,
        max: s.max,
        state: s.state,
        node_id: id,
        prompt_id: this.#promptId,
        display_node_id: id,
        parent_node_id: null,
        real_node_id: id,
      };
    }
    this.#send({ prompt_id: this.#promptId, nodes });
  }
}
