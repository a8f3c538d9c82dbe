/**
 * Conditioning, latent-creation and sampler nodes of ComfyUI 0.3.64 (`nodes.py`,
 * `comfy_extras/nodes_sd3.py`, `comfy_extras/nodes_flux.py`).
 */
import type { NodeRegistry } from './types.js';
import { v1Node, v3Node } from './node-info-builders.js';

/** `comfy.samplers.KSampler.SAMPLERS` at 0.3.64: KSAMPLER_NAMES + ddim, uni_pc, uni_pc_bh2. */
export const SAMPLER_NAMES = [
  'euler',
  'euler_cfg_pp',
  'euler_ancestral',
  'euler_ancestral_cfg_pp',
  'heun',
  'heunpp2',
  'dpm_2',
  'dpm_2_ancestral',
  'lms',
  'dpm_fast',
  'dpm_adaptive',
  'dpmpp_2s_ancestral',
  'dpmpp_2s_ancestral_cfg_pp',
  'dpmpp_sde',
  'dpmpp_sde_gpu',
  'dpmpp_2m',
  'dpmpp_2m_cfg_pp',
  'dpmpp_2m_sde',
  'dpmpp_2m_sde_gpu',
  'dpmpp_2m_sde_heun',
  'dpmpp_2m_sde_heun_gpu',
  'dpmpp_3m_sde',
  'dpmpp_3m_sde_gpu',
  'ddpm',
  'lcm',
  'ipndm',
  'ipndm_v',
  'deis',
  'res_multistep',
  'res_multistep_cfg_pp',
  'res_multistep_ancestral',
  'res_multistep_ancestral_cfg_pp',
  'gradient_estimation',
  'gradient_estimation_cfg_pp',
  'er_sde',
  'seeds_2',
  'seeds_3',
  'sa_solver',
  'sa_solver_pece',
  'ddim',
  'uni_pc',
  'uni_pc_bh2',
];

/** `list(SCHEDULER_HANDLERS)`: dict order, not alphabetical. */
export const SCHEDULER_NAMES = ['simple', 'sgm_uniform', 'karras', 'exponential', 'ddim_uniform', 'beta', 'normal', 'linear_quadratic', 'kl_optimal'];

/** 0xffffffffffffffff; a JS number rounds it to 2^64, the same way JSON.parse reads the real server's value. */
const SEED_MAX = 2 ** 64;
const MAX_RESOLUTION = 16384;

export const SAMPLING_NODES: NodeRegistry = {
  CLIPTextEncode: {
    exec: 'text_encode',
    info: () =>
      v1Node({
        name: 'CLIPTextEncode',
        displayName: 'CLIP Text Encode (Prompt)',
        description:
          'Encodes a text prompt using a CLIP model into an embedding that can be used to guide the diffusion model towards generating specific images.',
        category: 'conditioning',
        required: {
          text: ['STRING', { multiline: true, dynamicPrompts: true, tooltip: 'The text to be encoded.' }],
          clip: ['CLIP', { tooltip: 'The CLIP model used for encoding the text.' }],
        },
        output: ['CONDITIONING'],
        outputTooltips: ['A conditioning containing the embedded text used to guide the diffusion model.'],
      }),
  },
  // A cheap tensor op with no model work: the worker's 'image_op' cost class fits it best.
  FluxGuidance: {
    exec: 'image_op',
    info: () =>
      v3Node({
        name: 'FluxGuidance',
        displayName: 'FluxGuidance',
        pythonModule: 'comfy_extras.nodes_flux',
        category: 'advanced/conditioning/flux',
        required: {
          conditioning: ['CONDITIONING', {}],
          guidance: ['FLOAT', { default: 3.5, min: 0.0, max: 100.0, step: 0.1 }],
        },
        output: ['CONDITIONING'],
      }),
  },
  EmptyLatentImage: {
    exec: 'empty_latent',
    info: () =>
      v1Node({
        name: 'EmptyLatentImage',
        displayName: 'Empty Latent Image',
        description: 'Create a new batch of empty latent images to be denoised via sampling.',
        category: 'latent',
        required: {
          width: ['INT', { default: 512, min: 16, max: MAX_RESOLUTION, step: 8, tooltip: 'The width of the latent images in pixels.' }],
          height: ['INT', { default: 512, min: 16, max: MAX_RESOLUTION, step: 8, tooltip: 'The height of the latent images in pixels.' }],
          batch_size: ['INT', { default: 1, min: 1, max: 4096, tooltip: 'The number of latent images in the batch.' }],
        },
        output: ['LATENT'],
        outputTooltips: ['The empty latent image batch.'],
      }),
  },
  EmptySD3LatentImage: {
    exec: 'empty_latent',
    info: () =>
      v3Node({
        name: 'EmptySD3LatentImage',
        displayName: 'EmptySD3LatentImage',
        pythonModule: 'comfy_extras.nodes_sd3',
        category: 'latent/sd3',
        required: {
          width: ['INT', { default: 1024, min: 16, max: MAX_RESOLUTION, step: 16 }],
          height: ['INT', { default: 1024, min: 16, max: MAX_RESOLUTION, step: 16 }],
          batch_size: ['INT', { default: 1, min: 1, max: 4096 }],
        },
        output: ['LATENT'],
      }),
  },
  KSampler: {
    exec: 'sampler',
    info: () =>
      v1Node({
        name: 'KSampler',
        displayName: 'KSampler',
        description: 'Uses the provided model, positive and negative conditioning to denoise the latent image.',
        category: 'sampling',
        required: {
          model: ['MODEL', { tooltip: 'The model used for denoising the input latent.' }],
          seed: ['INT', { default: 0, min: 0, max: SEED_MAX, control_after_generate: true, tooltip: 'The random seed used for creating the noise.' }],
          steps: ['INT', { default: 20, min: 1, max: 10000, tooltip: 'The number of steps used in the denoising process.' }],
          cfg: [
            'FLOAT',
            {
              default: 8.0,
              min: 0.0,
              max: 100.0,
              step: 0.1,
              round: 0.01,
              tooltip:
                'The Classifier-Free Guidance scale balances creativity and adherence to the prompt. Higher values result in images more closely matching the prompt however too high values will negatively impact quality.',
            },
          ],
          sampler_name: [
            SAMPLER_NAMES,
            { tooltip: 'The algorithm used when sampling, this can affect the quality, speed, and style of the generated output.' },
          ],
          scheduler: [SCHEDULER_NAMES, { tooltip: 'The scheduler controls how noise is gradually removed to form the image.' }],
          positive: ['CONDITIONING', { tooltip: 'The conditioning describing the attributes you want to include in the image.' }],
          negative: ['CONDITIONING', { tooltip: 'The conditioning describing the attributes you want to exclude from the image.' }],
          latent_image: ['LATENT', { tooltip: 'The latent image to denoise.' }],
          denoise: [
            'FLOAT',
            {
              default: 1.0,
              min: 0.0,
              max: 1.0,
              step: 0.01,
              tooltip: 'The amount of denoising applied, lower values will maintain the structure of the initial image allowing for image to image sampling.',
            },
          ],
        },
        output: ['LATENT'],
        outputTooltips: ['The denoised latent.'],
      }),
  },
  KSamplerAdvanced: {
    exec: 'sampler',
    info: () =>
      v1Node({
        name: 'KSamplerAdvanced',
        displayName: 'KSampler (Advanced)',
        category: 'sampling',
        required: {
          model: ['MODEL'],
          add_noise: [['enable', 'disable']],
          noise_seed: ['INT', { default: 0, min: 0, max: SEED_MAX, control_after_generate: true }],
          steps: ['INT', { default: 20, min: 1, max: 10000 }],
          cfg: ['FLOAT', { default: 8.0, min: 0.0, max: 100.0, step: 0.1, round: 0.01 }],
          sampler_name: [SAMPLER_NAMES],
          scheduler: [SCHEDULER_NAMES],
          positive: ['CONDITIONING'],
          negative: ['CONDITIONING'],
          latent_image: ['LATENT'],
          start_at_step: ['INT', { default: 0, min: 0, max: 10000 }],
          end_at_step: ['INT', { default: 10000, min: 0, max: 10000 }],
          return_with_leftover_noise: [['disable', 'enable']],
        },
        output: ['LATENT'],
      }),
  },
};
