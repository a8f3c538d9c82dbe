/**
 * main.py's `prompt_worker`: one prompt at a time, highest priority first. Woken synchronously by
 * POST /prompt (so the dequeue `status`, `execution_start`, even the first `executing` can reach
 * sockets before the HTTP reply, as on the real server). After each prompt: history written,
 * running entry removed, `status` broadcast, then `executing null` to the owner; then the
 * `/free` flags, then at most every 10 s (× timeScale) a gc + empty_cache.
 */
import type { HistoryEntry } from '../comfy/http-types.js';
import type { NodeId, NodeOutput } from '../comfy/messages.js';
import type { SimClock } from './clock.js';
import type { GroundTruth } from './ground-truth.js';
import type { HistoryStore } from './history-store.js';
import type { PromptExecutor } from './prompt-executor.js';
import type { PromptQueue, QueueEntry } from './prompt-queue.js';
import { queueItem } from './prompt-queue.js';
import type { SimGpu } from './sim-gpu.js';
import type { WsHub } from './ws-hub.js';

const GC_INTERVAL_MS = 10_000;

export interface WorkerDeps {
  queue: PromptQueue;
  history: HistoryStore;
  hub: WsHub;
  executor: PromptExecutor;
  gpu: SimGpu;
  clock: SimClock;
  truth: GroundTruth;
  timeScale: number;
  legacy: boolean;
  /** Fault seam: called after each finished prompt (a `restart` fault acts there). */
  afterPrompt?: () => void;
}

export class PromptWorker {
  readonly #d: WorkerDeps;
  #busy = false;
  #stopped = false;
  #idle: Promise<void> = Promise.resolve();
  #lastGcMs = -Infinity;
  #needGc = false;
  #prompts = 0;

  constructor(deps: WorkerDeps) {
    this.#d = deps;
  }

  /** Prompts the worker has finished since start. */
  get completedCount(): number {
    return this.#prompts;
  }

  get busy(): boolean {
    return this.#busy;
  }

  /** Starts draining the queue now if idle; runs synchronously up to the first simulated wait. */
  wake(): void {
    if (this.#busy || this.#stopped) {
      return;
    }
    this.#idle = this.#drain();
  }

  /** Resolves when the worker has nothing left to do (tests, shutdown). */
  whenIdle(): Promise<void> {
    return this.#idle;
  }

  stop(): void {
    this.#stopped = true;
    this.#d.executor.interrupt();
  }

  async #drain(): Promise<void> {
    this.#busy = true;
    try {
      for (;;) {
        if (this.#stopped) break;
        const next = this.#d.queue.take();
        if (next === undefined) break;
        await this.#runOne(next.taskId, next.entry);
        this.#applyFlags();
        this.#maybeGc();
      }
      this.#applyFlags();
    } finally {
      this.#busy = false;
    }
  }

  async #runOne(taskId: number, entry: QueueEntry): Promise<void> {
    const { queue, history, hub, executor, clock, truth } = this.#d;
    const t = truth.prompts.get(entry.promptId) ?? truth.open(entry.promptId, entry.number, entry.extraData.client_id ?? null, clock.nowMs(), clock.epochMs());
    t.dequeuedMs = clock.nowMs();
    t.dequeuedEpochMs = clock.epochMs();
    const outcome = await executor.execute(entry, t);
    const outputs: Record<NodeId, NodeOutput> = {};
    const meta: NonNullable<HistoryEntry['meta']> = {};
    for (const [id, u] of outcome.ui) {
      outputs[id] = u.output;
      meta[id] = u.meta;
    }
    const record: HistoryEntry = {
      prompt: queueItem(entry),
      outputs,
      status: { status_str: outcome.success ? 'success' : 'error', completed: outcome.success, messages: outcome.statusMessages },
      ...(this.#d.legacy ? {} : { meta }),
    };
    queue.finish(taskId);
    history.add(entry.promptId, record);
    hub.sendJson('status', { status: { exec_info: { queue_remaining: queue.remaining } } }, null);
    if (hub.clientId !== null) hub.sendJson('executing', { node: null, prompt_id: entry.promptId }, hub.clientId);
    t.completedMs = clock.nowMs();
    t.completedEpochMs = clock.epochMs();
    truth.close(t);
    this.#needGc = true;
    this.#prompts++;
    this.#d.afterPrompt?.();
  }

  /** `/free` flags: unload_models unloads, free_memory also drops every cached output. */
  #applyFlags(): void {
    const flags = this.#d.queue.takeFlags();
    const freeMemory = flags.free_memory === true;
    if (flags.unload_models ?? freeMemory) {
      this.#d.gpu.unloadAll();
      this.#needGc = true;
      this.#lastGcMs = -Infinity;
    }
    if (freeMemory) {
      this.#d.executor.reset();
      this.#needGc = true;
      this.#lastGcMs = -Infinity;
    }
    this.#maybeGc();
  }

  #maybeGc(): void {
    if (!this.#needGc) return;
    const now = this.#d.clock.nowMs();
    if (now - this.#lastGcMs > GC_INTERVAL_MS * this.#d.timeScale) {
      this.#d.gpu.emptyCache('gc + empty_cache');
      this.#lastGcMs = now;
      this.#needGc = false;
    }
  }
}
