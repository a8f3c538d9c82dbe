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

export class GroundTruth {
  readonly timeScale: number;
  readonly gpu: string;
  /** By prompt_id; a reused id overwrites, as history does. */
  readonly prompts = new Map<string, PromptTruth>();
  readonly vram: VramSample[] = [];
  readonly #path: string | undefined;

  constructor(timeScale: number, gpu: string, path?: string) {
    this.timeScale = timeScale;
    this.gpu = gpu;
    this.#path = path;
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
    this.prompts.set(promptId, t);
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

  /** Called when a prompt completes: appends its NDJSON line when a path was given. */
  close(t: PromptTruth): void {
    if (this.#path !== undefined) appendFileSync(this.#path, `${JSON.stringify(t)}\n`);
  }

  toJSON(): { timeScale: number; gpu: string; prompts: PromptTruth[]; vram: VramSample[] } {
    return { timeScale: this.timeScale, gpu: this.gpu, prompts: [...this.prompts.values()], vram: this.vram };
  }
}
