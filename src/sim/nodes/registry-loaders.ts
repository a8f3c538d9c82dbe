/**
 * Loader nodes of ComfyUI 0.3.64 (`nodes.py`, `comfy_extras/nodes_upscale_model.py`): schemas as
 * `/object_info` renders them, enum lists filled from the emulator's model folders.
 */
import type { NodeRegistry } from './types.js';
import { v1Node, v3Combo, v3Node } from './node-info-builders.js';
import { checkpointList, diffusionModelList, loraList, textEncoderList, upscaleModelList, vaeList } from './folder-lists.js';

/** `DualCLIPLoader` recipes at 0.3.64 (hunyuan_video_15 came later). */
const DUAL_CLIP_TYPES = ['sdxl', 'sd3', 'flux', 'hunyuan_video', 'hidream', 'hunyuan_image'];

export const LOADER_NODES: NodeRegistry = {
  CheckpointLoaderSimple: {
    exec: 'load_checkpoint',
    info: (f) =>
      v1Node({
        name: 'CheckpointLoaderSimple',
        displayName: 'Load Checkpoint',
        description: 'Loads a diffusion model checkpoint, diffusion models are used to denoise latents.',
        category: 'loaders',
        required: { ckpt_name: [checkpointList(f), { tooltip: 'The name of the checkpoint (model) to load.' }] },
        output: ['MODEL', 'CLIP', 'VAE'],
        outputTooltips: [
          'The model used for denoising latents.',
          'The CLIP model used for encoding text prompts.',
          'The VAE model used for encoding and decoding images to and from latent space.',
        ],
      }),
  },
  LoraLoader: {
    exec: 'load_lora',
    info: (f) =>
      v1Node({
        name: 'LoraLoader',
        displayName: 'Load LoRA',
        description:
          'LoRAs are used to modify diffusion and CLIP models, altering the way in which latents are denoised such as applying styles. Multiple LoRA nodes can be linked together.',
        category: 'loaders',
        required: {
          model: ['MODEL', { tooltip: 'The diffusion model the LoRA will be applied to.' }],
          clip: ['CLIP', { tooltip: 'The CLIP model the LoRA will be applied to.' }],
          lora_name: [loraList(f), { tooltip: 'The name of the LoRA.' }],
          strength_model: [
            'FLOAT',
            { default: 1.0, min: -100.0, max: 100.0, step: 0.01, tooltip: 'How strongly to modify the diffusion model. This value can be negative.' },
          ],
          strength_clip: [
            'FLOAT',
            { default: 1.0, min: -100.0, max: 100.0, step: 0.01, tooltip: 'How strongly to modify the CLIP model. This value can be negative.' },
          ],
        },
        output: ['MODEL', 'CLIP'],
        outputTooltips: ['The modified diffusion model.', 'The modified CLIP model.'],
      }),
  },
  VAELoader: {
    exec: 'load_vae',
    info: (f) =>
      v1Node({
        name: 'VAELoader',
        displayName: 'Load VAE',
        category: 'loaders',
        required: { vae_name: [vaeList(f)] },
        output: ['VAE'],
      }),
  },
  UNETLoader: {
    exec: 'load_unet',
    info: (f) =>
      v1Node({
        name: 'UNETLoader',
        displayName: 'Load Diffusion Model',
        category: 'advanced/loaders',
        required: {
          unet_name: [diffusionModelList(f)],
          weight_dtype: [['default', 'fp8_e4m3fn', 'fp8_e4m3fn_fast', 'fp8_e5m2']],
        },
        output: ['MODEL'],
      }),
  },
  DualCLIPLoader: {
    exec: 'load_clip',
    info: (f) =>
      v1Node({
        name: 'DualCLIPLoader',
        description:
          '[Recipes]\n\nsdxl: clip-l, clip-g\nsd3: clip-l, clip-g / clip-l, t5 / clip-g, t5\nflux: clip-l, t5\nhidream: at least one of t5 or llama, recommended t5 and llama\nhunyuan_image: qwen2.5vl 7b and byt5 small',
        category: 'advanced/loaders',
        required: {
          clip_name1: [textEncoderList(f)],
          clip_name2: [textEncoderList(f)],
          type: [DUAL_CLIP_TYPES],
        },
        optional: { device: [['default', 'cpu'], { advanced: true }] },
        output: ['CLIP'],
      }),
  },
  // Converted to the V3 schema on 2025-10-08 (upstream PR #10149), three days before 0.3.64.
  UpscaleModelLoader: {
    exec: 'load_upscale_model',
    info: (f) =>
      v3Node({
        name: 'UpscaleModelLoader',
        displayName: 'Load Upscale Model',
        pythonModule: 'comfy_extras.nodes_upscale_model',
        category: 'loaders',
        required: { model_name: v3Combo(upscaleModelList(f)) },
        output: ['UPSCALE_MODEL'],
      }),
  },
};
