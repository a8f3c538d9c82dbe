/** A mix's fingerprint: named for the mix, every workflow's models and settings, a label still overrides. */
import { describe, expect, it } from 'vitest';
import type { ApiWorkflow, SystemStats } from '../../src/comfy/http-types.js';
import { buildMixFingerprint, ratioText } from '../../src/harness/mix-fingerprint.js';

const stats = {
  system: { os: 'posix', ram_total: 1, ram_free: 1, comfyui_version: '0.3.64', python_version: '3.12', pytorch_version: '2.8', argv: ['main.py'] },
  devices: [
    {
      name: 'cuda:0 NVIDIA GeForce RTX 4090 : cudaMallocAsync',
      type: 'cuda',
      index: 0,
      vram_total: 24e9,
      vram_free: 20e9,
      torch_vram_total: 0,
      torch_vram_free: 0,
    },
  ],
} as unknown as SystemStats;

const wf = (ckpt: string, size: number, steps: number): ApiWorkflow => ({
  '4': { class_type: 'CheckpointLoaderSimple', inputs: { ckpt_name: ckpt } },
  '5': { class_type: 'EmptyLatentImage', inputs: { width: size, height: size, batch_size: 1 } },
  '3': { class_type: 'KSampler', inputs: { seed: 1, steps, model: ['4', 0], latent_image: ['5', 0] } },
});

const server = (labels: Record<string, string>) => ({ targets: [{ stats, label: 'emulator' }], harnessVersion: '1.0.0', labels });

describe('buildMixFingerprint', () => {
  const workflows = [
    { name: 'sd15-txt2img', path: '/w/sd15-txt2img.json', workflow: wf('v1-5.safetensors', 512, 20), weight: 75 },
    { name: 'sdxl-txt2img', path: '/w/sdxl-txt2img.json', workflow: wf('sd_xl_base_1.0.safetensors', 1024, 25), weight: 25 },
  ];

  it('names the model configuration for the mix, with every workflow, the smallest whole ratio, and their models and settings', () => {
    const { fingerprint: f, perWorkflow } = buildMixFingerprint(server({}), workflows);
    expect(f.modelConfigSlug).toBe('mix-sd15-txt2img+sdxl-txt2img-3to1');
    expect(f.models).toEqual(['v1-5.safetensors', 'sd_xl_base_1.0.safetensors']);
    expect(f).toMatchObject({ resolution: '512x512+1024x1024', steps: '20+25', gpuSlug: 'nvidia-geforce-rtx-4090' });
    expect(perWorkflow.map((p) => p.models)).toEqual([['v1-5.safetensors'], ['sd_xl_base_1.0.safetensors']]);
    // Other weights are another configuration; a label names it as for one workflow.
    expect(buildMixFingerprint(server({}), [workflows[0]!, { ...workflows[1]!, weight: 75 }]).fingerprint.workflowSha256).not.toBe(f.workflowSha256);
    expect(buildMixFingerprint(server({ 'model-config': 'My Mix' }), workflows).fingerprint.modelConfigSlug).toBe('my-mix');
  });

  it('writes ratios as whole numbers', () => {
    expect(ratioText([3, 1])).toBe('3to1');
    expect(ratioText([75, 25])).toBe('3to1');
    expect(ratioText([0.5, 0.25])).toBe('2to1');
    expect(ratioText([60, 30, 10])).toBe('6to3to1');
  });
});
