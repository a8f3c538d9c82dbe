/**
 * One case per validation outcome of ComfyUI 0.3.64's validate_prompt, on the SD1.5 default graph.
 * Expected texts are the format strings of execution.py filled in by hand.
 */
import { describe, expect, it } from 'vitest';
import type { ApiWorkflow, NodeErrors, PromptErrorResponse } from '../../../src/comfy/http-types.js';
import { validatePrompt } from '../../../src/sim/nodes/validate.js';
import type { ValidationResult } from '../../../src/sim/nodes/types.js';
import { fixtureObjectInfo, readJson } from './helpers.js';

const objectInfo = fixtureObjectInfo();
const sd15 = (): ApiWorkflow => readJson<ApiWorkflow>('fixtures/workflows/sd15-txt2img.json');

function rejected(result: ValidationResult): PromptErrorResponse & { node_errors: Record<string, NodeErrors> } {
  if (result.ok) throw new Error(`expected a 400, got ok with outputs ${result.outputs.join(',')}`);
  return result.body as PromptErrorResponse & { node_errors: Record<string, NodeErrors> };
}

/** The sd15 graph with one node's input replaced, validated. */
function withInput(node: string, input: string, value: unknown): ValidationResult {
  const g = sd15();
  (g[node] as { inputs: Record<string, unknown> }).inputs[input] = value as never;
  return validatePrompt(g, objectInfo);
}

describe('top-level rejections', () => {
  it.each([undefined, null, [], 'graph', 5])('no_prompt for %j', (prompt) => {
    expect(rejected(validatePrompt(prompt, objectInfo))).toEqual({
      error: { type: 'no_prompt', message: 'No prompt provided', details: 'No prompt provided', extra_info: {} },
      node_errors: {},
    });
  });

  it('invalid_prompt for a node without class_type', () => {
    expect(rejected(validatePrompt({ '1': { inputs: {} } }, objectInfo)).error).toEqual({
      type: 'invalid_prompt',
      message: 'Cannot execute because a node is missing the class_type property.',
      details: "Node ID '#1'",
      extra_info: {},
    });
  });

  it('prompt_no_outputs when partial_execution_targets names no output node', () => {
    expect(rejected(validatePrompt(sd15(), objectInfo, ['4'])).error).toMatchObject({ type: 'prompt_no_outputs', details: '' });
  });
});

describe('per-input errors', () => {
  it('required_input_missing', () => {
    const g = sd15();
    delete (g['3'] as { inputs: Record<string, unknown> }).inputs.steps;
    const body = rejected(validatePrompt(g, objectInfo));
    expect(body.node_errors['3']).toEqual({
      errors: [{ type: 'required_input_missing', message: 'Required input is missing', details: 'steps', extra_info: { input_name: 'steps' } }],
      dependent_outputs: ['9'],
      class_type: 'KSampler',
    });
    // The failure is upstream of output 9, whose own reason list is empty: details stay "".
    expect(body.error).toEqual({ type: 'prompt_outputs_failed_validation', message: 'Prompt outputs failed validation', details: '', extra_info: {} });
  });

  it('invalid_input_type with the Python exception text', () => {
    const err = rejected(withInput('3', 'steps', 'abc')).node_errors['3']?.errors[0];
    expect(err).toMatchObject({
      type: 'invalid_input_type',
      message: 'Failed to convert an input value to a INT value',
      details: "steps, abc, invalid literal for int() with base 10: 'abc'",
      extra_info: { input_name: 'steps', received_value: 'abc', exception_message: "invalid literal for int() with base 10: 'abc'" },
    });
    const none = rejected(withInput('3', 'cfg', null)).node_errors['3']?.errors[0];
    expect(none?.details).toBe("cfg, None, float() argument must be a string or a real number, not 'NoneType'");
  });

  it('value_smaller_than_min formats FLOAT values as Python floats', () => {
    const err = rejected(withInput('3', 'cfg', -1)).node_errors['3']?.errors[0];
    expect(err).toMatchObject({ type: 'value_smaller_than_min', message: 'Value -1.0 smaller than min of 0.0', details: 'cfg' });
    expect(err?.extra_info.input_config).toEqual(['FLOAT', objectInfo.KSampler?.input.required?.cfg?.[1]]);
  });

  it('value_bigger_than_max', () => {
    expect(rejected(withInput('5', 'width', 16392)).node_errors['5']?.errors[0]).toMatchObject({
      type: 'value_bigger_than_max',
      message: 'Value 16392 bigger than max of 16384',
      details: 'width',
      extra_info: { input_name: 'width', received_value: 16392 },
    });
  });

  it('value_not_in_list prints short lists and hides long ones', () => {
    expect(rejected(withInput('4', 'ckpt_name', 'missing.safetensors')).node_errors['4']?.errors[0]).toMatchObject({
      type: 'value_not_in_list',
      message: 'Value not in list',
      details:
        "ckpt_name: 'missing.safetensors' not in ['sd_xl_base_1.0.safetensors', 'sd_xl_refiner_1.0.safetensors', 'v1-5-pruned-emaonly-fp16.safetensors', 'v1-5-pruned-emaonly.ckpt', 'v1-5-pruned-emaonly.safetensors']",
      extra_info: { input_name: 'ckpt_name', received_value: 'missing.safetensors' },
    });
    const long = rejected(withInput('3', 'sampler_name', 'euler_a')).node_errors['3']?.errors[0];
    expect(long?.details).toBe("sampler_name: 'euler_a' not in (list of length 42)");
    expect(long?.extra_info.input_config).toBeNull();
  });

  it('bad_linked_input for a link that is not a pair', () => {
    expect(rejected(withInput('3', 'model', ['4'])).node_errors['3']?.errors[0]).toMatchObject({
      type: 'bad_linked_input',
      message: 'Bad linked input, must be a length-2 list of [node_id, slot_index]',
      details: 'model',
      extra_info: { input_name: 'model', received_value: ['4'] },
    });
  });

  it('return_type_mismatch names both types', () => {
    expect(rejected(withInput('3', 'model', ['4', 1])).node_errors['3']?.errors[0]).toMatchObject({
      type: 'return_type_mismatch',
      message: 'Return type mismatch between linked nodes',
      details: 'model, received_type(CLIP) mismatch input_type(MODEL)',
      extra_info: { input_name: 'model', received_type: 'CLIP', linked_node: ['4', 1] },
    });
  });

  it('exception_during_inner_validation lands on the upstream node that raised', () => {
    const body = rejected(withInput('3', 'model', ['99', 0]));
    expect(Object.keys(body.node_errors)).toEqual(['3']);
    expect(body.node_errors['3']).toMatchObject({
      errors: [
        {
          type: 'exception_during_inner_validation',
          message: 'Exception when validating inner node',
          details: "'99'",
          extra_info: { input_name: 'samples', exception_type: 'KeyError', linked_node: ['3', 0] },
        },
      ],
      dependent_outputs: ['9'],
      class_type: 'KSampler',
    });
  });

  it('exception_during_validation for a bad slot on the output node itself', () => {
    const body = rejected(withInput('9', 'images', ['8', 5]));
    expect(body.error).toMatchObject({ details: 'Exception when validating node: tuple index out of range' });
    expect(body.node_errors['9']?.errors[0]?.extra_info).toMatchObject({ exception_type: 'IndexError' });
  });

  it('custom_validation_failed for a LoadImage file that does not exist, not value_not_in_list', () => {
    const g = readJson<ApiWorkflow>('fixtures/workflows/sd15-img2img.json');
    (g['10'] as { inputs: Record<string, unknown> }).inputs.image = 'nope.png';
    expect(rejected(validatePrompt(g, objectInfo)).node_errors['10']?.errors).toEqual([
      {
        type: 'custom_validation_failed',
        message: 'Custom validation failed for node',
        details: 'image - Invalid image file: nope.png',
        extra_info: { input_name: 'image' },
      },
    ]);
  });

  it('leaves V3 COMBO inputs unchecked, as 0.3.64 does', () => {
    const g = readJson<ApiWorkflow>('fixtures/workflows/sd15-upscale.json');
    (g['10'] as { inputs: Record<string, unknown> }).inputs.model_name = 'not-there.pth';
    expect(validatePrompt(g, objectInfo).ok).toBe(true);
  });
});

describe('coercion', () => {
  it('coerces literals in a copy, which is what history shows', () => {
    const g = sd15();
    Object.assign((g['3'] as { inputs: Record<string, unknown> }).inputs, { steps: ' 25 ', cfg: '7.5', seed: 12.7, denoise: true });
    Object.assign((g['6'] as { inputs: Record<string, unknown> }).inputs, { text: 42 });
    Object.assign((g['9'] as { inputs: Record<string, unknown> }).inputs, { filename_prefix: { __value__: 'unwrapped' } });
    const before = structuredClone(g);
    const result = validatePrompt(g, objectInfo);
    if (!result.ok) throw new Error(JSON.stringify(result.body));
    expect(result.prompt['3']?.inputs).toMatchObject({ steps: 25, cfg: 7.5, seed: 12, denoise: 1 });
    expect(result.prompt['6']?.inputs.text).toBe('42');
    expect(result.prompt['9']?.inputs.filename_prefix).toBe('unwrapped');
    expect(g).toEqual(before);
  });

  it('coerces a STRING from a Python bool as str(True)', () => {
    const result = validatePrompt({ '1': { class_type: 'BenchFail', inputs: { message: true, delay_ms: '5' } } }, objectInfo);
    expect(result.ok && result.prompt['1']?.inputs).toEqual({ message: 'True', delay_ms: 5 });
  });
});

describe('several outputs', () => {
  const withPreview = (images: unknown): ApiWorkflow => {
    const g = sd15();
    g['20'] = { class_type: 'PreviewImage', inputs: images === undefined ? {} : { images: images as never } };
    return g;
  };

  it('partial validity: a 200 that lists the dropped output', () => {
    const result = validatePrompt(withPreview(['42', 0]), objectInfo);
    if (!result.ok) throw new Error(JSON.stringify(result.body));
    expect(result.outputs).toEqual(['9']);
    expect(result.nodeErrors['20']).toMatchObject({
      errors: [{ type: 'exception_during_validation', message: 'Exception when validating node', details: "'42'" }],
      dependent_outputs: ['20'],
      class_type: 'PreviewImage',
    });
  });

  it('runs only partial_execution_targets', () => {
    const result = validatePrompt(withPreview(['8', 0]), objectInfo, ['20']);
    expect(result.ok && result.outputs).toEqual(['20']);
  });

  it('lists every later failing output as dependent of an earlier failure, as upstream does', () => {
    const g = withPreview(undefined);
    (g['4'] as { inputs: Record<string, unknown> }).inputs.ckpt_name = 'missing.safetensors';
    const body = rejected(validatePrompt(g, objectInfo));
    expect(body.node_errors['4']?.dependent_outputs).toEqual(['9', '20']);
    expect(body.node_errors['20']?.dependent_outputs).toEqual(['20']);
    expect(body.error).toMatchObject({ details: 'Required input is missing: images' });
  });

  it('a dependency cycle fails validation with no node errors (0.3.64 recursion overflow)', () => {
    const g: ApiWorkflow = {
      '7': { class_type: 'ImageScale', inputs: { image: ['8', 0], upscale_method: 'bilinear', width: 64, height: 64, crop: 'disabled' } },
      '8': { class_type: 'ImageScale', inputs: { image: ['7', 0], upscale_method: 'bilinear', width: 64, height: 64, crop: 'disabled' } },
      '9': { class_type: 'SaveImage', inputs: { images: ['8', 0], filename_prefix: 'cycle' } },
    };
    expect(rejected(validatePrompt(g, objectInfo))).toEqual({
      error: { type: 'prompt_outputs_failed_validation', message: 'Prompt outputs failed validation', details: '', extra_info: {} },
      node_errors: {},
    });
  });
});
