/**
 * ComfyUI's output cache. A node's key is its signature: class, IS_CHANGED, literal inputs and
 * the keys of the nodes it links from — never its id, the client or the prompt id — so two
 * prompts that differ only in the seed share their loaders' and encoders' outputs.
 *
 * Modes: `classic` keeps exactly the keys of the latest prompt (set_prompt + clean_unused);
 * `none` keeps nothing across prompts; `{lru: N}` keeps the N most recently used entries.
 */
import { createHash } from 'node:crypto';
import type { ApiWorkflow } from '../comfy/http-types.js';
import type { NodeId, NodeOutput } from '../comfy/messages.js';
import type { SimCacheMode } from './sim-options.js';
import type { SimValue } from './sim-values.js';

export interface CachedOutput {
  outputs: SimValue[];
  /** The node's UI output (`executed.output`, history `outputs`), for output nodes. */
  ui?: NodeOutput;
}

/** IS_CHANGED per node id: a constant, a file hash, or a fresh value every prompt. */
export type IsChanged = (nodeId: NodeId) => string;

export class OutputCache {
  readonly #mode: SimCacheMode;
  #entries = new Map<string, CachedOutput>();
  #keysOfPrompt = new Map<NodeId, string>();

  constructor(mode: SimCacheMode) {
    this.#mode = mode;
  }

  /** `set_prompt` + `clean_unused`: computes every node's key; classic drops what the prompt does not use. */
  setPrompt(prompt: ApiWorkflow, isChanged: IsChanged): void {
    const memo = new Map<NodeId, string>();
    const keyOf = (id: NodeId, stack: Set<NodeId>): string => {
      const known = memo.get(id);
      if (known !== undefined) return known;
      const node = prompt[id];
      if (node === undefined || stack.has(id)) return `missing:${id}`;
      stack.add(id);
      const inputs = Object.keys(node.inputs)
        .sort()
        .map((name) => {
          const v = node.inputs[name];
          if (isLink(v)) return [name, 'LINK', keyOf(String(v[0]), stack), v[1]];
          return [name, v];
        });
      stack.delete(id);
      const key = createHash('sha1')
        .update(JSON.stringify([node.class_type, isChanged(id), inputs]))
        .digest('hex');
      memo.set(id, key);
      return key;
    };
    this.#keysOfPrompt = new Map(Object.keys(prompt).map((id) => [id, keyOf(id, new Set())]));
    if (this.#mode === 'classic') {
      const used = new Set(this.#keysOfPrompt.values());
      for (const k of [...this.#entries.keys()]) if (!used.has(k)) this.#entries.delete(k);
    } else if (this.#mode === 'none') {
      this.#entries.clear();
    }
  }

  get(nodeId: NodeId): CachedOutput | undefined {
    const key = this.#keysOfPrompt.get(nodeId);
    if (key === undefined) return undefined;
    const hit = this.#entries.get(key);
    if (hit !== undefined && typeof this.#mode === 'object') {
      // LRU: a read makes the entry the most recent.
      this.#entries.delete(key);
      this.#entries.set(key, hit);
    }
    return hit;
  }

  set(nodeId: NodeId, value: CachedOutput): void {
    if (this.#mode === 'none') return;
    const key = this.#keysOfPrompt.get(nodeId);
    if (key === undefined) return;
    this.#entries.delete(key);
    this.#entries.set(key, value);
    if (typeof this.#mode === 'object') {
      const used = new Set(this.#keysOfPrompt.values());
      for (const k of this.#entries.keys()) {
        if (this.#entries.size <= this.#mode.lru) break;
        if (!used.has(k)) this.#entries.delete(k);
      }
    }
  }

  /** `free_memory` / `e.reset()`. */
  clear(): void {
    this.#entries.clear();
  }

  get size(): number {
    return this.#entries.size;
  }
}

export function isLink(v: unknown): v is [string | number, number] {
  return Array.isArray(v) && v.length === 2 && (typeof v[0] === 'string' || typeof v[0] === 'number') && typeof v[1] === 'number';
}
