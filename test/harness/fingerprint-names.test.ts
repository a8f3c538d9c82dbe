/**
 * Regression (issue 11): the results folder's model-config name said `n-asteps` for a workflow
 * without `steps`, and took the resolution from the first `width` in the graph even when that was
 * not the sampler's. Unknown parts are left out; the resolution is the sampler's latent's.
 */
import { describe, expect, it } from 'vitest';
import type { ApiWorkflow, SystemStats } from '../../src/comfy/http-types.js';
import { samplerResolution } from '../../src/comfy/workflow-facts.js';
import { buildFingerprint } from '../../src/harness/fingerprint.js';
import stats from '../traces/real-system_stats.json' with { type: 'json' };

const STATS = stats as unknown as SystemStats;

function fp(workflow: ApiWorkflow) {
  return buildFingerprint({ targets: [{ stats: STATS, label: 'emulator' }], workflow, workflowPath: 'w.json', harnessVersion: '0.0.0', labels: {} });
}

/** An img2img graph whose ControlNet preprocessor (with its own width) comes before the image scale. */
const CONTROLNET: ApiWorkflow = {
  '1': { class_type: 'CheckpointLoaderSimple', inputs: { ckpt_name: 'sd15.safetensors' } },
  '2': { class_type: 'CannyEdgePreprocessor', inputs: { image: ['9', 0], width: 512, height: 512 } },
  '3': { class_type: 'KSampler', inputs: { model: ['1', 0], latent_image: ['5', 0], steps: 25, seed: 1 } },
  '4': { class_type: 'ImageScale', inputs: { image: ['9', 0], width: 768, height: 1024 } },
  '5': { class_type: 'VAEEncode', inputs: { pixels: ['4', 0], vae: ['1', 2] } },
  '6': { class_type: 'RepeatLatentBatch', inputs: { samples: ['5', 0], amount: 2 } },
  '8': { class_type: 'VAEDecode', inputs: { samples: ['3', 0], vae: ['1', 2] } },
  '9': { class_type: 'LoadImage', inputs: { image: 'pose.png' } },
  '10': { class_type: 'SaveImage', inputs: { images: ['8', 0] } },
};

describe('the model-config folder name', () => {
  it('leaves out steps when the workflow has none (no `n-asteps`)', () => {
    const f = fp({
      '1': { class_type: 'LoadImage', inputs: { image: 'a.png' } },
      '2': { class_type: 'UpscaleModelLoader', inputs: { model_name: '4x-UltraSharp.pth' } },
      '3': { class_type: 'ImageUpscaleWithModel', inputs: { image: ['1', 0], upscale_model: ['2', 0] } },
      '4': { class_type: 'SaveImage', inputs: { images: ['3', 0] } },
    });
    expect(f.modelConfigSlug).toBe('4x-ultrasharp-b1');
    expect(f.modelConfigSlug).not.toMatch(/n-a/);
    expect(f.steps).toBe('none');
    expect(f.resolution).toBe('none');
  });

  it("takes the resolution from the sampler's latent, not from the first width in the graph", () => {
    const f = fp(CONTROLNET);
    expect(f.resolution).toBe('768x1024');
    expect(f.modelConfigSlug).toBe('sd15-768x1024-25steps-b1');
  });
});

describe('samplerResolution', () => {
  it('follows img2img through VAEEncode to the ImageScale that sets the size', () => {
    expect(
      samplerResolution({
        '3': { class_type: 'KSampler', inputs: { latent_image: ['12', 0] } },
        '10': { class_type: 'LoadImage', inputs: { image: 'x.png' } },
        '11': { class_type: 'ImageScale', inputs: { image: ['10', 0], width: 640, height: 448 } },
        '12': { class_type: 'VAEEncode', inputs: { pixels: ['11', 0] } },
      }),
    ).toBe('640x448');
  });

  it('takes the hires-fix pass, not the first latent node of the graph', () => {
    const f = fp({
      '3': { class_type: 'KSampler', inputs: { latent_image: ['5', 0], steps: 20 } },
      '5': { class_type: 'EmptyLatentImage', inputs: { width: 512, height: 384 } },
      '6': { class_type: 'LatentUpscale', inputs: { samples: ['3', 0], width: 1024, height: 768 } },
      '7': { class_type: 'KSampler', inputs: { latent_image: ['6', 0], steps: 20 } },
    });
    expect(f.resolution).toBe('1024x768');
  });

  it('takes the final pass of a hires fix (latent upscaled by 2) and ignores the first sampler', () => {
    expect(
      samplerResolution({
        '3': { class_type: 'KSampler', inputs: { latent_image: ['5', 0] } },
        '5': { class_type: 'EmptyLatentImage', inputs: { width: 512, height: 384 } },
        '6': { class_type: 'LatentUpscaleBy', inputs: { samples: ['3', 0], scale_by: 2 } },
        '7': { class_type: 'KSampler', inputs: { latent_image: ['6', 0] } },
      }),
    ).toBe('1024x768');
  });

  it('says nothing when the latent comes from a file of unknown size', () => {
    expect(
      samplerResolution({
        '3': { class_type: 'KSampler', inputs: { latent_image: ['12', 0] } },
        '10': { class_type: 'LoadImage', inputs: { image: 'x.png' } },
        '12': { class_type: 'VAEEncode', inputs: { pixels: ['10', 0] } },
      }),
    ).toBeUndefined();
  });
});
