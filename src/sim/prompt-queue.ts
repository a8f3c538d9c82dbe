/**
 * ComfyUI's `PromptQueue`: a binary heap ordered by (number, prompt_id), the running set, and
 * the flags `/free` leaves for the worker. Pending items come out of `/queue` in heap order,
 * unsorted, exactly as the real server shows them.
 */
import type { ApiWorkflow, ExtraData, QueueItem } from '../comfy/http-types.js';
import type { NodeId } from '../comfy/messages.js';
import { pyFloat } from './py-json.js';

export interface QueueEntry {
  number: number;
  /** A client-sent `number` is a Python float (`float(json_data['number'])`). */
  numberIsFloat: boolean;
  promptId: string;
  prompt: ApiWorkflow;
  extraData: ExtraData;
  outputs: NodeId[];
  /** Extra-data keys stripped before queue/history views (API-node credentials). */
  sensitive: Record<string, unknown>;
  /** Monotonic ms and epoch ms when the prompt entered the queue (ground truth). */
  enqueuedMs: number;
  enqueuedEpochMs: number;
}

export interface FreeFlags {
  unload_models?: boolean;
  free_memory?: boolean;
}

function less(a: QueueEntry, b: QueueEntry): boolean {
  if (a.number !== b.number) return a.number < b.number;
  return a.promptId < b.promptId;
}

/** The 5-element item the server exposes in `/queue` and history. */
export function queueItem(e: QueueEntry): QueueItem {
  const number = (e.numberIsFloat ? pyFloat(e.number) : e.number) as unknown as number;
  return [number, e.promptId, e.prompt, e.extraData, e.outputs];
}

export class PromptQueue {
  #heap: QueueEntry[] = [];
  #running = new Map<number, QueueEntry>();
  #taskCounter = 0;
  #flags: FreeFlags = {};
  readonly #onChange: () => void;

  /** `onChange` is the server's `queue_updated()`: a `status` broadcast. */
  constructor(onChange: () => void) {
    this.#onChange = onChange;
  }

  put(entry: QueueEntry): void {
    this.#heap.push(entry);
    this.#siftUp(this.#heap.length - 1);
    this.#onChange();
  }

  get pendingCount(): number {
    return this.#heap.length;
  }

  /** `get_tasks_remaining`: pending + running. */
  get remaining(): number {
    return this.#heap.length + this.#running.size;
  }

  /** Pops the next prompt into the running set; the status broadcast still counts it. */
  take(): { taskId: number; entry: QueueEntry } | undefined {
    const top = this.#heap[0];
    if (top === undefined) return undefined;
    const last = this.#heap.pop() as QueueEntry;
    if (this.#heap.length > 0) {
      this.#heap[0] = last;
      this.#siftDown(0);
    }
    const taskId = this.#taskCounter++;
    this.#running.set(taskId, top);
    this.#onChange();
    return { taskId, entry: top };
  }

  /** Removes a finished task from the running set (history is written by the caller first). */
  finish(taskId: number): QueueEntry | undefined {
    const e = this.#running.get(taskId);
    this.#running.delete(taskId);
    return e;
  }

  running(): QueueEntry[] {
    return [...this.#running.values()];
  }

  pending(): QueueEntry[] {
    return [...this.#heap];
  }

  isRunning(promptId: string): boolean {
    for (const e of this.#running.values()) if (e.promptId === promptId) return true;
    return false;
  }

  /** `delete_queue_item`: the first pending match only; broadcasts when something went. */
  deletePending(promptId: string): boolean {
    const i = this.#heap.findIndex((e) => e.promptId === promptId);
    if (i < 0) return false;
    this.#heap.splice(i, 1);
    this.#heapify();
    this.#onChange();
    return true;
  }

  /** `wipe_queue`: pending only; the running prompt is untouched. */
  clearPending(): void {
    this.#heap = [];
    this.#onChange();
  }

  setFlag(name: keyof FreeFlags, value: boolean): void {
    this.#flags[name] = value;
  }

  /** `get_flags(reset=True)`. */
  takeFlags(): FreeFlags {
    const f = this.#flags;
    this.#flags = {};
    return f;
  }

  /** Drops everything (a simulated restart). */
  reset(): void {
    this.#heap = [];
    this.#running.clear();
    this.#flags = {};
  }

  #heapify(): void {
    for (let i = (this.#heap.length >> 1) - 1; i >= 0; i--) this.#siftDown(i);
  }

  #siftUp(i: number): void {
    const h = this.#heap;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!less(h[i] as QueueEntry, h[p] as QueueEntry)) break;
      [h[i], h[p]] = [h[p] as QueueEntry, h[i] as QueueEntry];
      i = p;
    }
  }

  #siftDown(i: number): void {
    const h = this.#heap;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && less(h[l] as QueueEntry, h[m] as QueueEntry)) m = l;
      if (r < h.length && less(h[r] as QueueEntry, h[m] as QueueEntry)) m = r;
      if (m === i) return;
      [h[i], h[m]] = [h[m] as QueueEntry, h[i] as QueueEntry];
      i = m;
    }
  }
}
