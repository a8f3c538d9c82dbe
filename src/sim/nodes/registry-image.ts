/**
 * VAE, image and output nodes of ComfyUI 0.3.64 (`nodes.py`, `comfy_extras/nodes_upscale_model.py`).
 */
import type { NodeRegistry } from './types.js';
import { OUTPUT_NODE_HIDDEN, v1Node, v3Node } from './node-info-builders.js';
import { inputFileList, inputImageList } from './folder-lists.js';

const MAX_RESOLUTION = 16384;
const SAVE_IMAGE_DESCRIPTION = 'Saves the input images to your ComfyUI output directory.';

export const IMAGE_NODES: NodeRegistry = {
  VAEDecode: {
    exec: 'vae_decode',
    info: () =>
      v1Node({
        name: 'VAEDecode',
        displayName: 'VAE Decode',
        description: 'Decodes latent images back into pixel space images.',
        category: 'latent',
        required: {
          samples: ['LATENT', { tooltip: 'The latent to be decoded.' }],
          vae: ['VAE', { tooltip: 'The VAE model used for decoding the latent.' }],
        },
        output: ['IMAGE'],
        outputTooltips: ['The decoded image.'],
      }),
  },
  VAEEncode: {
    exec: 'vae_encode',
    info: () => v1Node({ name: 'VAEEncode', displayName: 'VAE Encode', category: 'latent', required: { pixels: ['IMAGE'], vae: ['VAE'] }, output: ['LATENT'] }),
  },
  VAEEncodeForInpaint: {
    exec: 'vae_encode',
    info: () =>
      v1Node({
        name: 'VAEEncodeForInpaint',
        displayName: 'VAE Encode (for Inpainting)',
        category: 'latent/inpaint',
        required: {
          pixels: ['IMAGE'],
          vae: ['VAE'],
          mask: ['MASK'],
          grow_mask_by: ['INT', { default: 6, min: 0, max: 64, step: 1 }],
        },
        output: ['LATENT'],
      }),
  },
  // Attaches a mask to a latent dict: no model work.
  SetLatentNoiseMask: {
    exec: 'image_op',
    info: () =>
      v1Node({
        name: 'SetLatentNoiseMask',
        displayName: 'Set Latent Noise Mask',
        category: 'latent/inpaint',
        required: { samples: ['LATENT'], mask: ['MASK'] },
        output: ['LATENT'],
      }),
  },
  // IS_CHANGED is the file's sha256: cached while the file is unchanged, so not neverCached.
  LoadImage: {
    exec: 'load_image',
    info: (f) =>
      v1Node({
        name: 'LoadImage',
        displayName: 'Load Image',
        category: 'image',
        required: { image: [inputImageList(f), { image_upload: true }] },
        output: ['IMAGE', 'MASK'],
      }),
  },
  LoadImageMask: {
    exec: 'load_image',
    info: (f) =>
      v1Node({
        name: 'LoadImageMask',
        displayName: 'Load Image (as Mask)',
        category: 'mask',
        required: { image: [inputFileList(f), { image_upload: true }], channel: [['alpha', 'red', 'green', 'blue']] },
        output: ['MASK'],
      }),
  },
  SaveImage: {
    exec: 'save_image',
    info: () =>
      v1Node({
        name: 'SaveImage',
        displayName: 'Save Image',
        description: SAVE_IMAGE_DESCRIPTION,
        category: 'image',
        required: {
          images: ['IMAGE', { tooltip: 'The images to save.' }],
          filename_prefix: [
            'STRING',
            {
              default: 'ComfyUI',
              tooltip:
                'The prefix for the file to save. This may include formatting information such as %date:yyyy-MM-dd% or %Empty Latent Image.width% to include values from nodes.',
            },
          ],
        },
        hidden: { ...OUTPUT_NODE_HIDDEN },
        output: [],
        outputNode: true,
      }),
  },
  // PreviewImage subclasses SaveImage upstream, so it inherits DESCRIPTION and OUTPUT_NODE.
  PreviewImage: {
    exec: 'preview_image',
    info: () =>
      v1Node({
        name: 'PreviewImage',
        displayName: 'Preview Image',
        description: SAVE_IMAGE_DESCRIPTION,
        category: 'image',
        required: { images: ['IMAGE'] },
        hidden: { ...OUTPUT_NODE_HIDDEN },
        output: [],
        outputNode: true,
      }),
  },
  ImageScale: {
    exec: 'image_op',
    info: () =>
      v1Node({
        name: 'ImageScale',
        displayName: 'Upscale Image',
        category: 'image/upscaling',
        required: {
          image: ['IMAGE'],
          upscale_method: [['nearest-exact', 'bilinear', 'area', 'bicubic', 'lanczos']],
          width: ['INT', { default: 512, min: 0, max: MAX_RESOLUTION, step: 1 }],
          height: ['INT', { default: 512, min: 0, max: MAX_RESOLUTION, step: 1 }],
          crop: [['disabled', 'center']],
        },
        output: ['IMAGE'],
      }),
  },
  // No NODE_DISPLAY_NAME_MAPPINGS entry upstream: the display name is the class name.
  EmptyImage: {
    exec: 'image_op',
    info: () =>
      v1Node({
        name: 'EmptyImage',
        category: 'image',
        required: {
          width: ['INT', { default: 512, min: 1, max: MAX_RESOLUTION, step: 1 }],
          height: ['INT', { default: 512, min: 1, max: MAX_RESOLUTION, step: 1 }],
          batch_size: ['INT', { default: 1, min: 1, max: 4096 }],
          color: ['INT', { default: 0, min: 0, max: 0xffffff, step: 1, display: 'color' }],
        },
        output: ['IMAGE'],
      }),
  },
  ImageUpscaleWithModel: {
    exec: 'upscale_with_model',
    info: () =>
      v3Node({
        name: 'ImageUpscaleWithModel',
        displayName: 'Upscale Image (using Model)',
        pythonModule: 'comfy_extras.nodes_upscale_model',
        category: 'image/upscaling',
        required: { upscale_model: ['UPSCALE_MODEL', {}], image: ['IMAGE', {}] },
        output: ['IMAGE'],
      }),
  },
};
