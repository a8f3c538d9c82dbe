import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { findModelCatalog, findModel, loadModelCatalog, loadModelFolders, modelFamilyOf } from '../../../src/sim/nodes/models.js';

const temps: string[] = [];
afterEach(() => {
  for (const dir of temps.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('model catalogue', () => {
  it('puts each file in its ComfyUI folder and keeps input files apart', () => {
    const folders = loadModelFolders(['example.png']);
    expect(folders.checkpoints).toContain('v1-5-pruned-emaonly.safetensors');
    expect(folders.unet).toContain('flux1-dev.safetensors');
    expect(folders.clip).toEqual(expect.arrayContaining(['clip_l.safetensors', 't5xxl_fp16.safetensors', 't5xxl_fp8_e4m3fn.safetensors']));
    expect(folders.upscale_models).toEqual(expect.arrayContaining(['RealESRGAN_x4plus.pth', '4x-UltraSharp.pth']));
    expect(folders.input).toEqual(['example.png']);
    expect(loadModelFolders().input).toEqual([]);
  });

  it('has realistic sizes for the weights the emulator loads', () => {
    const gb = (name: string): number => (findModel('checkpoints', name) ?? findModel('unet', name))!.sizeBytes / 1e9;
    expect(gb('v1-5-pruned-emaonly.safetensors')).toBeCloseTo(4.27, 1);
    expect(gb('sd_xl_base_1.0.safetensors')).toBeCloseTo(6.94, 1);
    expect(gb('flux1-dev.safetensors')).toBeCloseTo(23.8, 1);
  });

  it('answers families across the legacy folder aliases', () => {
    expect(modelFamilyOf('checkpoints', 'sd_xl_base_1.0.safetensors')).toBe('sdxl');
    expect(modelFamilyOf('diffusion_models', 'flux1-dev.safetensors')).toBe('flux');
    expect(modelFamilyOf('text_encoders', 'clip_l.safetensors')).toBe('flux');
    expect(modelFamilyOf('upscale_models', '4x-UltraSharp.pth')).toBe('upscale');
    expect(modelFamilyOf('checkpoints', 'flux1-dev.safetensors')).toBeUndefined();
  });

  it('finds the catalogue from a bundled layout (dist/ beside fixtures/)', () => {
    const root = mkdtempSync(join(tmpdir(), 'comfyload-models-'));
    temps.push(root);
    mkdirSync(join(root, 'dist'));
    mkdirSync(join(root, 'fixtures', 'sim'), { recursive: true });
    writeFileSync(join(root, 'fixtures', 'sim', 'models.json'), '[]');
    expect(findModelCatalog(join(root, 'dist'))).toBe(join(root, 'fixtures', 'sim', 'models.json'));
  });

  it('names the bad entry of a broken catalogue', () => {
    const root = mkdtempSync(join(tmpdir(), 'comfyload-models-'));
    temps.push(root);
    const path = join(root, 'models.json');
    writeFileSync(path, JSON.stringify([{ folder: 'checkpoints', name: 'x.safetensors', family: 'sd3', kind: 'checkpoint', sizeBytes: 1 }]));
    expect(() => loadModelCatalog(path)).toThrow(/entry 0: expected family to be one of sd15, sdxl, flux, upscale, got "sd3"/);
  });
});
