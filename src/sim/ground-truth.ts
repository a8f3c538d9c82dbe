/**
 * What really happened inside the emulator, per prompt, for tests of the harness to compare
 * their measurements against.
 *
 * Times: every `…Ms` field is monotonic `performance.now()` milliseconds of the emulator's
 * process (the injected clock's `nowMs()`); every `…EpochMs` field is epoch milliseconds with
 * sub-millisecond precision (the server's `timestamp` fields are these floored). Events:
 *  - `enqueuedMs`: the prompt entered the heap, inside POST /prompt, before the reply was written;
 *  - `dequeuedMs`: the worker popped it (the dequeue `status` broadcast);
 *  - `executionStartMs`: `execution_start` was sent (same tick as dequeue);
 *  - `nodes[i].startMs/endMs`: a node began (progress_state running / `executing`) and finished;
 *  - `steps[i].atMs`: a ProgressBar update was sent (`progress`), i.e. the end of step `value`;
 *  - `completedMs`: history written, `status` and `executing null` sent.
 * Service time: `serviceUnscaledMs` holds the cost model's figures per component (what a real
 * GPU of the profile would take), `serviceScaledMs` the same × timeScale (what was slept).
 * Real overheads of the emulator (PNG writes, scheduling) are not in either; they show in the
 * gap between the sum of `serviceScaledMs` and `completedMs − executionStartMs`.
 */
import { appendFileSync } from 'node:fs';
import type { NodeId } from '../comfy/messages.js';
import type { CostComponent } from './node-context.js';
import type { VramSnapshot } from './sim-gpu.js';

export const COST_COMPONENTS: readonly CostComponent[] = ['modelLoad', 'textEncode', 'samplerSetup', 'steps', 'decode', 'encode', 'upscale', 'save', 'other'];

export type ComponentMs = Record<CostComponent, number>;

export interface NodeTruth {
  nodeId: NodeId;
  classType: string;
  /** Served from the output cache (no `executing`, no cost). */
  cached: boolean;
  startMs: number;
  startEpochMs: number;
  endMs?: number;
  endEpochMs?: number;
  serviceUnscaledMs: ComponentMs;
  serviceScaledMs: ComponentMs;
}

export interface StepTruth {
  nodeId: NodeId;
  value: number;
  max: number;
  atMs: number;
  atEpochMs: number;
}

export interface VramSample {
  atMs: number;
  atEpochMs: number;
  reason: string;
  promptId: string | null;
  vramTotalBytes: number;
  vramFreeBytes: number;
  torchReservedBytes: number;
  torchActiveBytes: number;
}

/** `lost`: the prompt vanished in a simulated restart (never ran to an end). */
export type TruthOutcome = 'success' | 'error' | 'interrupted' | 'lost';

export interface PromptTruth {
  promptId: string;
  number: number;
  clientId: string | null;
  enqueuedMs: number;
  enqueuedEpochMs: number;
  dequeuedMs?: number;
  dequeuedEpochMs?: number;
  executionStartMs?: number;
  executionStartEpochMs?: number;
  cachedNodes: NodeId[];
  nodes: NodeTruth[];
  steps: StepTruth[];
  completedMs?: number;
  completedEpochMs?: number;
  outcome?: TruthOutcome;
  exceptionType?: string;
  /** Sum over nodes, per component. */
  serviceUnscaledMs: ComponentMs;
  serviceScaledMs: ComponentMs;
  vramPeakActiveBytes: number;
  outputFiles: { filename: string; subfolder: string; type: string }[];
}

export function zeroComponents(): ComponentMs {
  return { modelLoad: 0, textEncode: 0, samplerSetup: 0, steps: 0, decode: 0, encode: 0, upscale: 0, save: 0, other: 0 };
}

const MAX_VRAM_SAMPLES = 100_000;

/** Default of `SimOptions.groundTruthMax`: prompts whose truth is kept in memory. */
export const GROUND_TRUTH_MAX = 10_000;

/** Σ (completion − execution start) and count of the prompts that succeeded: the service rate's inputs. */
export interface ServiceTruth {
  busyMs: number;
  prompts: number;
}

export class GroundTruth {
  readonly timeScale: number;
  readonly gpu: string;
  /**
   * By prompt_id, the latest `max` prompts (a ring: the oldest is dropped when a new one opens),
   * so a long-lived `comfyload sim` does not grow; a reused id overwrites, as history does. The
   * NDJSON file (`groundTruthPath`) has every prompt, and `service` sums over all of them.
   */
  readonly prompts = new Map<string, PromptTruth>();
  readonly vram: VramSample[] = [];
  readonly #path: string | undefined;
  readonly #max: number;
  readonly #service: ServiceTruth = { busyMs: 0, prompts: 0 };

  /** `max`: prompts kept in `prompts` (Infinity: all, for tests that compare a whole long run). */
  constructor(timeScale: number, gpu: string, path?: string, max = GROUND_TRUTH_MAX) {
    this.timeScale = timeScale;
    this.gpu = gpu;
    this.#path = path;
    this.#max = max;
  }

  /** Busy time and count of every prompt that succeeded since start, those dropped from `prompts` included. */
  get service(): Readonly<ServiceTruth> {
    return { ...this.#service };
  }

  open(promptId: string, number: number, clientId: string | null, atMs: number, atEpochMs: number): PromptTruth {
    const t: PromptTruth = {
      promptId,
      number,
      clientId,
      enqueuedMs: atMs,
      enqueuedEpochMs: atEpochMs,
      cachedNodes: [],
      nodes: [],
      steps: [],
      serviceUnscaledMs: zeroComponents(),
      serviceScaledMs: zeroComponents(),
      vramPeakActiveBytes: 0,
      outputFiles: [],
    };
    this.prompts.delete(promptId);
    this.prompts.set(promptId, t);
    // Insertion order is open order: the first key is the oldest prompt.
    while (this.prompts.size > this.#max) this.prompts.delete(this.prompts.keys().next().value as string);
    return t;
  }

  sampleVram(snap: VramSnapshot, reason: string, promptId: string | null, atMs: number, atEpochMs: number): void {
    if (this.vram.length >= MAX_VRAM_SAMPLES) this.vram.splice(0, this.vram.length >> 1);
    this.vram.push({
      atMs,
      atEpochMs,
      reason,
      promptId,
      vramTotalBytes: snap.vramTotalBytes,
      vramFreeBytes: snap.vramFreeBytes,
      torchReservedBytes: snap.torchReservedBytes,
      torchActiveBytes: snap.torchActiveBytes,
    });
    if (promptId !== null) {
      const t = this.prompts.get(promptId);
      if (t !== undefined) t.vramPeakActiveBytes = Math.max(t.vramPeakActiveBytes, snap.torchActiveBytes);
    }
  }

  /** Called when a prompt completes: counts its service time, appends its NDJSON line when a path was given. */
  close(t: PromptTruth): void {
    if (t.outcome === 'success' && t.completedMs !== undefined && t.executionStartMs !== undefined) {
      this.#service.busyMs += t.completedMs - t.executionStartMs;
      this.#service.prompts++;
    }
    if (this.#path !== undefined) appendFileSync(this.#path, `${JSON.stringify(t)}\n`);
  }

  toJSON(): { timeScale: number; gpu: string; prompts: PromptTruth[]; vram: VramSample[] } {
    return { timeScale: this.timeScale, gpu: this.gpu, prompts: [...this.prompts.values()], vram: this.vram };
  }
}
