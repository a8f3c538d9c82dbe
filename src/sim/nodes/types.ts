/**
 * Contract between the emulator's server/worker (src/sim/*) and its node registry and validator
 * (src/sim/nodes/*). Type-only module.
 */
import type { ApiWorkflow, NodeInfo, ObjectInfo, PromptErrorResponse, NodeErrors } from '../../comfy/http-types.js';
import type { NodeId } from '../../comfy/messages.js';

/** Model files the emulator pretends to have, by ComfyUI folder name. */
export interface ModelFolders {
  checkpoints: string[];
  loras: string[];
  vae: string[];
  unet: string[];
  diffusion_models: string[];
  clip: string[];
  text_encoders: string[];
  upscale_models: string[];
  embeddings: string[];
  /** Files in the emulator's input folder (LoadImage / LoadImageMask enums). */
  input: string[];
}

/**
 * How the simulated GPU executes a node class. The worker maps each kind to a cost and to
 * the messages it emits; the registry only names the kind.
 */
export type SimExecKind =
  | 'load_checkpoint' // loads a model family's weights (VRAM, load time on first use / swap)
  | 'load_unet'
  | 'load_clip'
  | 'load_vae'
  | 'load_lora'
  | 'load_upscale_model'
  | 'text_encode'
  | 'empty_latent'
  | 'sampler' // per-step cost from resolution × batch × model × GPU; emits progress
  | 'vae_decode'
  | 'vae_encode'
  | 'load_image' // reads an input file; IS_CHANGED = file hash
  | 'image_op' // cheap image transform (scale, empty image)
  | 'upscale_with_model'
  | 'save_image' // output node: writes PNGs to output/
  | 'preview_image' // output node: writes PNGs to temp/
  | 'fake_sampler' // BenchFakeSampler: step_ms per step, holds vram_mb, progress per step
  | 'fail'; // BenchFail: waits delay_ms then raises RuntimeError(message); never cached

export interface SimNodeDef {
  /** The `/object_info` entry; enum lists are filled from ModelFolders by `buildObjectInfo`. */
  info: (folders: ModelFolders) => NodeInfo;
  exec: SimExecKind;
  /** True when IS_CHANGED differs every time (never cached). */
  neverCached?: boolean;
}

export type NodeRegistry = Record<string, SimNodeDef>;

export type ValidationResult =
  | {
      ok: true;
      /** The graph with literals coerced in place (INT, FLOAT, STRING, BOOLEAN), as history shows it. */
      prompt: ApiWorkflow;
      /** Output node ids that will execute (`outputs_to_execute`). */
      outputs: NodeId[];
      /** Per-node errors of outputs that were dropped while others stayed valid (a 200 can carry these). */
      nodeErrors: Record<NodeId, NodeErrors>;
    }
  | { ok: false; body: PromptErrorResponse };

export type ValidatePrompt = (prompt: unknown, objectInfo: ObjectInfo, partialTargets?: NodeId[]) => ValidationResult;
