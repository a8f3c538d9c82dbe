/**
 * Widget values read the way the ComfyUI editor reads them (src/comfy/widget-values.ts): the
 * editor-only slots (control after generate, combo filter, upload button) by what /object_info
 * says, the saves of older editors told apart by type, defaults for what a file lacks.
 */
import { describe, expect, it } from 'vitest';
import type { NodeInfo } from '../../src/comfy/http-types.js';
import { readWidgetValues, widgetLayout } from '../../src/comfy/widget-values.js';
import { serverObjectInfo } from './helpers/object-info.js';

const info = serverObjectInfo();

function read(classType: string, saved: unknown, nodeInfo: NodeInfo = info[classType]!) {
  return readWidgetValues(widgetLayout(nodeInfo, classType), saved);
}

/** A classic node with the given inputs; `inputOrder: false` leaves `input_order` out as older servers do. */
function node(required: NodeInfo['input']['required'], optional?: NodeInfo['input']['optional'], inputOrder = true): NodeInfo {
  return {
    input: { required, ...(optional ? { optional } : {}) },
    ...(inputOrder ? { input_order: { required: Object.keys(required ?? {}), ...(optional ? { optional: Object.keys(optional) } : {}) } } : {}),
    output: [],
    output_is_list: [],
    output_name: [],
    name: 'Test',
    display_name: 'Test',
    description: '',
    python_module: 'custom_nodes.test',
    category: 'test',
    output_node: false,
  };
}

describe('a KSampler saved by every generation of the editor', () => {
  const expected = { seed: 156680208700286, steps: 20, cfg: 8, sampler_name: 'euler', scheduler: 'normal', denoise: 1 };

  it.each([
    ['a string control value (current editors)', [156680208700286, 'randomize', 20, 8, 'euler', 'normal', 1]],
    ['a boolean control value (older editors, the frontend default graph)', [156680208700286, true, 20, 8, 'euler', 'normal', 1]],
    ['no control value (the first editors)', [156680208700286, 20, 8, 'euler', 'normal', 1]],
  ])('reads the same values from %s', (_what, saved) => {
    expect(read('KSampler', saved)).toEqual({ values: expected, defaulted: [] });
  });

  it('KSamplerAdvanced: the control follows noise_seed, between add_noise and steps', () => {
    const saved = ['disable', 0, 'fixed', 25, 8, 'euler', 'normal', 20, 10000, 'disable'];
    expect(read('KSamplerAdvanced', saved).values).toMatchObject({ add_noise: 'disable', noise_seed: 0, steps: 25, start_at_step: 20, end_at_step: 10000 });
    expect(read('KSamplerAdvanced', ['enable', 7, 25, 8, 'euler', 'normal', 0, 20, 'enable']).values).toMatchObject({
      noise_seed: 7,
      steps: 25,
      end_at_step: 20,
    });
  });
});

describe('which inputs get a control slot', () => {
  it('an unmarked INT named seed, as the frontend guesses (the bench node: its real /object_info has no flag)', () => {
    expect(info.BenchFakeSampler!.input.required!.seed![1]).not.toHaveProperty('control_after_generate');
    const expected = { steps: 20, step_ms: 50, seed: 1234, vram_mb: 0, size: 64, batch_size: 1, preview_every: 0 };
    expect(read('BenchFakeSampler', [20, 50, 1234, 'fixed', 0, 64, 1, 0]).values).toEqual(expected);
    expect(read('BenchFakeSampler', [20, 50, 1234, 0, 64, 1, 0]).values).toEqual(expected);
  });

  it('none for a seed marked control_after_generate: false; one for any INT marked with a default mode', () => {
    const off = node({ seed: ['INT', { control_after_generate: false }], steps: ['INT', {}] });
    expect(read('Test', [5, 20], off).values).toEqual({ seed: 5, steps: 20 });
    const named = node({ value: ['INT', { control_after_generate: 'increment' }], steps: ['INT', {}] });
    expect(read('Test', [5, 'increment', 20], named).values).toEqual({ value: 5, steps: 20 });
  });

  it('a marked FLOAT gets a control, a marked COMBO a control and a filter-list text', () => {
    const marked = node({ scale: ['FLOAT', { control_after_generate: true }], pick: [['a', 'b'], { control_after_generate: true }], last: ['STRING', {}] });
    expect(read('Test', [0.5, 'fixed', 'b', 'increment-wrap', '', 'end'], marked).values).toEqual({ scale: 0.5, pick: 'b', last: 'end' });
  });
});

describe('the upload button of media loaders', () => {
  it('takes the last slot: LoadImage and LoadImageMask', () => {
    expect(read('LoadImage', ['example.png', 'image']).values).toEqual({ image: 'example.png' });
    expect(read('LoadImageMask', ['mask.png', 'red', 'image']).values).toEqual({ image: 'mask.png', channel: 'red' });
  });

  it('follows the required widgets when the server sends no input_order', () => {
    const loader = node({ image: [['a.png'], { image_upload: true }] }, { strength: ['FLOAT', { default: 1 }], seed: ['INT', {}] }, false);
    expect(read('Test', ['a.png', 'image', 0.25, 5, 'fixed'], loader).values).toEqual({ image: 'a.png', strength: 0.25, seed: 5 });
  });
});

describe('defaults and odd saves', () => {
  it('widgets without a value take the editor’s defaults, and are listed', () => {
    expect(read('SaveImage', undefined)).toEqual({ values: { filename_prefix: 'ComfyUI' }, defaulted: ['filename_prefix'] });
    const plain = node({ n: ['INT', {}], f: ['FLOAT', {}], s: ['STRING', {}], b: ['BOOLEAN', {}], c: [['x', 'y'], {}], d: [['x', 'y'], { default: 'y' }] });
    expect(read('Test', [], plain)).toEqual({ values: { n: 0, f: 0, s: '', b: false, c: 'x', d: 'y' }, defaulted: ['n', 'f', 's', 'b', 'c', 'd'] });
  });

  it('an object of values by name, defaults for the names it lacks', () => {
    expect(read('EmptyLatentImage', { height: 768, width: 640 })).toEqual({ values: { width: 640, height: 768, batch_size: 1 }, defaulted: ['batch_size'] });
  });

  it('wraps array values so they do not read as links', () => {
    expect(read('Test', [[1, 2]], node({ list: ['STRING', {}] })).values).toEqual({ list: { __value__: [1, 2] } });
  });

  it('drops the value very old files kept for forceInput inputs, when the count says the file is that old', () => {
    const forced = node({ a: ['INT', { forceInput: true }], b: ['INT', {}], c: ['STRING', {}] });
    expect(read('Test', [1, 2, 'x'], forced).values).toEqual({ b: 2, c: 'x' });
    expect(read('Test', [2, 'x'], forced).values).toEqual({ b: 2, c: 'x' });
  });
});
