import { describe, expect, it } from 'vitest';
import { NODE_REGISTRY } from '../../../src/sim/nodes/registry.js';
import { fixtureObjectInfo, readJson } from './helpers.js';

describe('buildObjectInfo', () => {
  const info = fixtureObjectInfo();

  it.each(['BenchFakeSampler', 'BenchFail'])('reproduces the recorded %s entry exactly', (name) => {
    const recorded = readJson<Record<string, unknown>>(`test/traces/real-object_info-${name}.json`);
    expect({ [name]: info[name] }).toStrictEqual(recorded);
  });

  it('lists every registered node under its class name', () => {
    for (const name of Object.keys(NODE_REGISTRY)) expect(info[name]?.name).toBe(name);
  });

  it('keeps input_order in step with the declared inputs', () => {
    for (const node of Object.values(info)) {
      for (const section of ['required', 'optional', 'hidden'] as const) {
        expect(node.input_order?.[section]).toEqual(node.input[section] ? Object.keys(node.input[section]) : undefined);
      }
      expect(node.output_is_list).toHaveLength(node.output.length);
      expect(node.output_name).toHaveLength(node.output.length);
    }
  });

  it('fills model enums from the catalogue, sorted as Python sorts', () => {
    expect(info.CheckpointLoaderSimple?.input.required?.ckpt_name?.[0]).toEqual([
      'sd_xl_base_1.0.safetensors',
      'sd_xl_refiner_1.0.safetensors',
      'v1-5-pruned-emaonly-fp16.safetensors',
      'v1-5-pruned-emaonly.ckpt',
      'v1-5-pruned-emaonly.safetensors',
    ]);
    expect(info.UNETLoader?.input.required?.unet_name?.[0]).toEqual(['flux1-dev.safetensors', 'flux1-schnell.safetensors']);
    expect(info.DualCLIPLoader?.input.required?.clip_name1?.[0]).toEqual(['clip_l.safetensors', 't5xxl_fp16.safetensors', 't5xxl_fp8_e4m3fn.safetensors']);
    expect(info.VAELoader?.input.required?.vae_name?.[0]).toEqual([
      'ae.safetensors',
      'sdxl_vae.safetensors',
      'vae-ft-mse-840000-ema-pruned.safetensors',
      'pixel_space',
    ]);
    expect(info.LoadImage?.input.required?.image).toEqual([['example.png', 'mask.png'], { image_upload: true }]);
    expect(info.UpscaleModelLoader?.input.required?.model_name).toEqual([
      'COMBO',
      { multiselect: false, options: ['4x-UltraSharp.pth', 'RealESRGAN_x4plus.pth'] },
    ]);
  });

  it('declares the KSampler widgets with upstream defaults and bounds', () => {
    const req = info.KSampler?.input.required ?? {};
    expect(req.seed?.[1]).toMatchObject({ default: 0, min: 0, max: 2 ** 64 });
    expect(req.steps?.[1]).toMatchObject({ default: 20, min: 1, max: 10000 });
    expect(req.cfg?.[1]).toMatchObject({ default: 8, min: 0, max: 100, step: 0.1, round: 0.01 });
    expect(req.denoise?.[1]).toMatchObject({ default: 1, min: 0, max: 1, step: 0.01 });
    expect(req.sampler_name?.[0]).toContain('euler');
    expect(req.scheduler?.[0]).toEqual(['simple', 'sgm_uniform', 'karras', 'exponential', 'ddim_uniform', 'beta', 'normal', 'linear_quadratic', 'kl_optimal']);
    expect(info.DualCLIPLoader?.input.required?.type?.[0]).toContain('flux');
  });

  it('marks exactly SaveImage, PreviewImage and BenchFail as output nodes', () => {
    const outputs = Object.values(info)
      .filter((n) => n.output_node)
      .map((n) => n.name)
      .sort();
    expect(outputs).toEqual(['BenchFail', 'PreviewImage', 'SaveImage']);
  });

  it('gives every node an exec kind and caches all but BenchFail', () => {
    const neverCached = Object.entries(NODE_REGISTRY)
      .filter(([, d]) => d.neverCached)
      .map(([n]) => n);
    expect(neverCached).toEqual(['BenchFail']);
    expect(NODE_REGISTRY.LoadImage?.exec).toBe('load_image');
    expect(NODE_REGISTRY.BenchFakeSampler?.exec).toBe('fake_sampler');
  });
});
