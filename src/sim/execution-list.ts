/**
 * `comfy_execution.graph.ExecutionList`: which node runs next. Nodes are added from each output
 * backwards (cached inputs are not added and do not block); the next node is picked among the
 * unblocked ones, output nodes first, then nodes feeding an output, then two levels up, else
 * the first in insertion order — the order the traces show (1, 4, 2, 3 for the core graph).
 */
import type { ApiWorkflow } from '../comfy/http-types.js';
import type { NodeId } from '../comfy/messages.js';
import { isLink } from './output-cache.js';

export class ExecutionList {
  readonly #prompt: ApiWorkflow;
  readonly #isCached: (id: NodeId) => boolean;
  readonly #isOutput: (id: NodeId) => boolean;
  #pending = new Map<NodeId, true>();
  #blockCount = new Map<NodeId, number>();
  #blocking = new Map<NodeId, Set<NodeId>>();

  constructor(prompt: ApiWorkflow, isCached: (id: NodeId) => boolean, isOutput: (id: NodeId) => boolean) {
    this.#prompt = prompt;
    this.#isCached = isCached;
    this.#isOutput = isOutput;
  }

  addNode(nodeId: NodeId): void {
    const stack = [nodeId];
    const links: [NodeId, NodeId][] = [];
    while (stack.length > 0) {
      const id = stack.pop() as NodeId;
      if (this.#pending.has(id)) continue;
      this.#pending.set(id, true);
      if (!this.#blockCount.has(id)) this.#blockCount.set(id, 0);
      if (!this.#blocking.has(id)) this.#blocking.set(id, new Set());
      const inputs = this.#prompt[id]?.inputs ?? {};
      for (const v of Object.values(inputs)) {
        if (!isLink(v)) continue;
        const from = String(v[0]);
        if (!this.#isCached(from)) stack.push(from);
        links.push([from, id]);
      }
    }
    for (const [from, to] of links) this.#addStrongLink(from, to);
  }

  get isEmpty(): boolean {
    return this.#pending.size === 0;
  }

  /** The next node to run, or undefined if every pending node is blocked (a cycle). */
  stage(): NodeId | undefined {
    const ready = [...this.#pending.keys()].filter((id) => (this.#blockCount.get(id) ?? 0) === 0);
    if (ready.length === 0) return undefined;
    for (const id of ready) if (this.#isOutput(id)) return id;
    for (const id of ready) for (const b of this.#blocking.get(id) ?? []) if (this.#isOutput(b)) return id;
    for (const id of ready) {
      for (const b of this.#blocking.get(id) ?? []) {
        for (const b2 of this.#blocking.get(b) ?? []) if (this.#isOutput(b2)) return id;
      }
    }
    return ready[0];
  }

  /** The staged node finished: it leaves the list and unblocks its dependents. */
  complete(nodeId: NodeId): void {
    this.#pending.delete(nodeId);
    for (const to of this.#blocking.get(nodeId) ?? []) {
      this.#blockCount.set(to, (this.#blockCount.get(to) ?? 1) - 1);
    }
    this.#blocking.set(nodeId, new Set());
  }

  #addStrongLink(from: NodeId, to: NodeId): void {
    if (this.#isCached(from)) return;
    this.addNode(from);
    const set = this.#blocking.get(from) ?? new Set<NodeId>();
    this.#blocking.set(from, set);
    if (!set.has(to)) {
      set.add(to);
      this.#blockCount.set(to, (this.#blockCount.get(to) ?? 0) + 1);
    }
  }
}
