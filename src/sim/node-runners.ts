/** Exec kind → runner: the one place that maps the registry's kinds to simulated behaviour. */
import type { SimExecKind } from './nodes/types.js';
import type { NodeRunContext, NodeRunResult } from './node-context.js';
import { runFail, runFakeSampler, runEmptyLatent, runImageOp, runLoadImage, runSaveImage } from './runners-images.js';
import { runLoader, runSampler, runTextEncode, runUpscaleWithModel, runVaeDecode, runVaeEncode } from './runners-models.js';

export function runNode(kind: SimExecKind, ctx: NodeRunContext): Promise<NodeRunResult> {
  switch (kind) {
    case 'load_checkpoint':
    case 'load_unet':
    case 'load_clip':
    case 'load_vae':
    case 'load_lora':
    case 'load_upscale_model':
      return runLoader(ctx, kind);
    case 'text_encode':
      return runTextEncode(ctx);
    case 'empty_latent':
      return runEmptyLatent(ctx);
    case 'sampler':
      return runSampler(ctx);
    case 'vae_decode':
      return runVaeDecode(ctx);
    case 'vae_encode':
      return runVaeEncode(ctx);
    case 'load_image':
      return runLoadImage(ctx);
    case 'upscale_with_model':
      return runUpscaleWithModel(ctx);
    case 'save_image':
      return runSaveImage(ctx, 'output');
    case 'preview_image':
      return runSaveImage(ctx, 'temp');
    case 'fake_sampler':
      return runFakeSampler(ctx);
    case 'fail':
      return runFail(ctx);
    case 'image_op':
    default:
      return runImageOp(ctx);
  }
}
