import { describe, expect, it } from 'vitest';
import type { ApiWorkflow } from '../../src/comfy/http-types.js';
import { formatPreflightProblem, preflightWorkflow, type PreflightKind } from '../../src/comfy/preflight.js';
import { cloneWorkflow } from '../../src/comfy/workflow.js';
import { API_FIXTURES, fixture, serverObjectInfo } from './helpers/object-info.js';

const info = serverObjectInfo();
const kinds = (wf: ApiWorkflow, oi = info): PreflightKind[] => preflightWorkflow(wf, oi).map((p) => p.kind);

function edit(name: string, change: (wf: ApiWorkflow) => void): ApiWorkflow {
  const wf = cloneWorkflow(fixture(name));
  change(wf);
  return wf;
}

describe('preflightWorkflow, given the server of the emulator', () => {
  it.each(API_FIXTURES)('accepts the fixture %s', (name) => {
    expect(preflightWorkflow(fixture(name), info)).toEqual([]);
  });

  it('reports an empty graph', () => {
    expect(kinds({})).toEqual(['empty_graph']);
  });

  it('reports an unknown class with its id, title and the nearest class name', () => {
    const [p, ...rest] = preflightWorkflow(
      edit('sd15-txt2img.json', (wf) => (wf['3']!.class_type = 'KSamplr')),
      info,
    );
    expect(rest).toEqual([]);
    expect(p).toMatchObject({ kind: 'unknown_class', nodeId: '3', classType: 'KSamplr', title: 'KSampler' });
    expect(p!.hint).toContain('"KSampler"');
  });

  it('reports a missing model, naming the folder and the nearest model (classic enum form)', () => {
    const [p] = preflightWorkflow(
      edit('sd15-txt2img.json', (wf) => (wf['4']!.inputs.ckpt_name = 'v1-5-pruned-emaonly.pth')),
      info,
    );
    expect(p).toMatchObject({ kind: 'missing_model', nodeId: '4', input: 'ckpt_name', title: 'Load Checkpoint' });
    expect(p!.hint).toContain('models/checkpoints');
    expect(p!.hint).toContain('or use "v1-5-pruned-emaonly.ckpt"');
  });

  it('reports a missing upscale model in the ["COMBO", {options}] form', () => {
    const upscale = fixture('sd15-upscale.json');
    const id = Object.keys(upscale).find((k) => upscale[k]!.class_type === 'UpscaleModelLoader')!;
    expect(info.UpscaleModelLoader!.input.required!.model_name![0]).toBe('COMBO');
    const wf = edit('sd15-upscale.json', (w) => (w[id]!.inputs.model_name = '4x-NMKD-Superscale.pth'));
    expect(preflightWorkflow(wf, info)).toMatchObject([{ kind: 'missing_model', nodeId: id, input: 'model_name' }]);
  });

  it('reports an input image the server lacks, unless it will be uploaded', () => {
    const wf = fixture('sd15-img2img.json');
    const bare = serverObjectInfo([]);
    expect(kinds(wf, bare)).toEqual(['missing_image']);
    expect(preflightWorkflow(wf, bare)[0]!.hint).toContain('--input example.png');
    expect(preflightWorkflow(wf, bare, { uploads: new Set(['example.png']) })).toEqual([]);
  });

  it('reports a link to a missing node, a missing output slot and a type mismatch', () => {
    const wf = edit('sd15-txt2img.json', (w) => {
      w['8']!.inputs.samples = ['42', 0];
      w['3']!.inputs.model = ['4', 5];
      w['3']!.inputs.positive = ['5', 0]; // LATENT into CONDITIONING
    });
    const problems = preflightWorkflow(wf, info);
    expect(problems.map((p) => [p.kind, p.nodeId, p.input])).toEqual([
      ['bad_link_slot', '3', 'model'],
      ['link_type_mismatch', '3', 'positive'],
      ['bad_link', '8', 'samples'],
    ]);
    expect(problems[1]!.message).toContain('expects CONDITIONING');
  });

  it('reports a missing required input, a bad value, a value out of range and a bad enum at once', () => {
    const wf = edit('sd15-txt2img.json', (w) => {
      delete w['3']!.inputs.cfg;
      w['3']!.inputs.steps = 'twenty';
      w['5']!.inputs.width = 0;
      w['3']!.inputs.sampler_name = 'eulr';
    });
    const problems = preflightWorkflow(wf, info);
    expect(problems.map((p) => [p.kind, p.input])).toEqual([
      ['invalid_value', 'steps'],
      ['missing_input', 'cfg'],
      ['value_not_in_list', 'sampler_name'],
      ['value_out_of_range', 'width'],
    ]);
    expect(problems[2]!.hint).toContain('"euler"');
  });

  it('reports a graph without an output node', () => {
    const wf = edit('sd15-txt2img.json', (w) => delete w['9']);
    expect(kinds(wf)).toEqual(['no_output']);
  });

  it('reports a cycle once, with its path', () => {
    const self = preflightWorkflow(
      edit('sd15-txt2img.json', (w) => (w['3']!.inputs.latent_image = ['3', 0])),
      info,
    );
    expect(self.map((p) => p.kind)).toEqual(['cycle']);
    expect(self[0]!.message).toContain('"3" → "3"');
    // 6 → 8 → 3 → 6, and the IMAGE of 8 does not fit the CLIP input of 6.
    const loop = edit('sd15-txt2img.json', (w) => (w['6']!.inputs.clip = ['8', 0]));
    expect(kinds(loop).sort()).toEqual(['cycle', 'link_type_mismatch']);
  });

  it('formats a problem on one line with id, class, title, input, kind and fix', () => {
    const [p] = preflightWorkflow(
      edit('sd15-txt2img.json', (w) => (w['4']!.inputs.ckpt_name = 'missing.safetensors')),
      info,
    );
    expect(formatPreflightProblem(p!)).toMatch(
      /^node "4" CheckpointLoaderSimple "Load Checkpoint", input ckpt_name: model "missing.safetensors" is not on the server .*\[missing_model\]\. Fix: put the file in models\/checkpoints/,
    );
  });
});
