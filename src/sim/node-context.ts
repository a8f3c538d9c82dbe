/**
 * What a node runner sees while it executes, and the exceptions it can raise. The executor
 * implements the context; runners stay free of messaging and bookkeeping.
 */
import type { ApiWorkflow, ExtraData, NodeInfo } from '../comfy/http-types.js';
import type { NodeId } from '../comfy/messages.js';
import type { DataDir } from './data-dir.js';
import type { ModelCatalog, GpuProfile } from './profiles.js';
import type { SeededRng } from './rng.js';
import type { SimGpu } from './sim-gpu.js';
import type { SimValue } from './sim-values.js';
import type { NodeOutput } from '../comfy/messages.js';

/** Service-time components recorded in the ground truth. */
export type CostComponent = 'modelLoad' | 'textEncode' | 'samplerSetup' | 'steps' | 'decode' | 'encode' | 'upscale' | 'save' | 'other';

export interface NodeRunContext {
  readonly promptId: string;
  readonly nodeId: NodeId;
  readonly classType: string;
  readonly info: NodeInfo;
  /** Literals as validated, links resolved to upstream values. */
  readonly inputs: Record<string, unknown>;
  readonly prompt: ApiWorkflow;
  readonly extraData: ExtraData;
  readonly gpu: SimGpu;
  readonly gpuProfile: GpuProfile;
  readonly catalog: ModelCatalog;
  readonly files: DataDir;
  readonly rng: SeededRng;
  /** A sampler step's preview JPEG, or undefined when `--preview-method` is none. */
  samplerPreview(seed: number, step: number, total: number): Buffer | undefined;
  /** A preview JPEG regardless of the preview method (BenchFakeSampler attaches its own). */
  previewJpeg(seed: number, step: number, total: number): Buffer;
  /** Seeded multiplicative step-time jitter around 1. */
  stepJitter(): number;
  /**
   * Sleeps `unscaledMs × timeScale`, recording the component; `realSpentMs` of real work already
   * done for it (writing the PNGs) is deducted from the sleep, not from the record. Not
   * interruptible, like real GPU work.
   */
  work(component: CostComponent, unscaledMs: number, realSpentMs?: number): Promise<void>;
  /** A ProgressBar update: checks the interrupt flag first (throws), then reports. */
  progress(value: number, max: number, preview?: Buffer): void;
  /** Per-node-object state that survives prompts (PreviewImage's random temp prefix). */
  nodeObjectState(key: string, init: () => string): string;
}

export interface NodeRunResult {
  /** Values by output slot (same order as `info.output`). */
  outputs: SimValue[];
  /** UI output of output nodes (`executed.output`). */
  ui?: NodeOutput;
}

export type NodeRunner = (ctx: NodeRunContext) => Promise<NodeRunResult>;

/** A Python exception raised inside a node. */
export class SimNodeError extends Error {
  readonly exceptionType: string;
  readonly traceback: string[];
  constructor(exceptionType: string, message: string, traceback: string[]) {
    super(message);
    this.name = 'SimNodeError';
    this.exceptionType = exceptionType;
    this.traceback = traceback;
  }
}

/** `comfy.model_management.InterruptProcessingException`. */
export class SimInterrupt extends Error {
  constructor() {
    super('Processing interrupted');
    this.name = 'InterruptProcessingException';
  }
}

/** The frames every node exception passes through in 0.3.64's execution.py. */
export function executionTraceback(lastFrames: string[]): string[] {
  return [
    '  File "/opt/ComfyUI/execution.py", line 496, in execute\n    output_data, output_ui, has_subgraph, has_pending_tasks = await get_output_data(prompt_id, unique_id, obj, input_data_all, execution_block_cb=execution_block_cb, pre_execute_cb=pre_execute_cb, hidden_inputs=hidden_inputs)\n',
    '  File "/opt/ComfyUI/execution.py", line 315, in get_output_data\n    return_values = await _async_map_node_over_list(prompt_id, unique_id, obj, input_data_all, obj.FUNCTION, allow_interrupt=True, execution_block_cb=execution_block_cb, pre_execute_cb=pre_execute_cb, hidden_inputs=hidden_inputs)\n',
    '  File "/opt/ComfyUI/execution.py", line 289, in _async_map_node_over_list\n    await process_inputs(input_dict, i)\n',
    '  File "/opt/ComfyUI/execution.py", line 277, in process_inputs\n    result = f(**inputs)\n             ^^^^^^^^^^^\n',
    ...lastFrames,
  ];
}
