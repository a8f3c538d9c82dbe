import { describe, expect, it } from 'vitest';
import { applySetAssignments, typeSetValue } from '../../src/comfy/set-values.js';
import { changedNodes, summarise } from '../../src/harness/cache-audit.js';
import { findPositiveText, withPromptText } from '../../src/harness/prompt-text.js';
import { combinationName, expandMatrix } from '../../src/session/matrix.js';
import type { RunPlan } from '../../src/session/plan.js';
import { fixture, serverObjectInfo } from '../comfy/helpers/object-info.js';

const info = serverObjectInfo();

describe('--set values typed by /object_info', () => {
  const wf = fixture('sd15-txt2img.json');
  it('types INT, FLOAT, STRING and enum values, and applies bare input names to every node', () => {
    expect(typeSetValue(wf, 'KSampler.steps', '30', info)).toBe(30);
    expect(typeSetValue(wf, '3.inputs.cfg', '6.5', info)).toBe(6.5);
    expect(typeSetValue(wf, 'title:Positive.text', '42', info)).toBe('42');
    expect(typeSetValue(wf, 'KSampler.scheduler', 'karras', info)).toBe('karras');
    const out = applySetAssignments(
      wf,
      [
        { path: 'text', value: 'same' },
        { path: 'width', value: '640' },
      ],
      info,
    );
    expect([out['6']!.inputs.text, out['7']!.inputs.text, out['5']!.inputs.width]).toEqual(['same', 'same', 640]);
  });
  it('rejects values that do not fit, naming the fix', () => {
    expect(() => typeSetValue(wf, 'KSampler.steps', '2.5', info)).toThrow(/takes an integer/);
    expect(() => typeSetValue(wf, 'KSampler.scheduler', 'karas', info)).toThrow(/did you mean "karras"/);
    expect(() => typeSetValue(wf, 'KSampler.model', 'x', info)).toThrow(/MODEL link/);
  });
  it('without /object_info, types by the current value', () => {
    expect(typeSetValue(wf, 'KSampler.steps', '25')).toBe(25);
    expect(typeSetValue(wf, 'KSampler.cfg', '7.5')).toBe(7.5);
  });
});

describe('prompt text', () => {
  it('finds the "Positive" title, or traces the sampler\'s positive link through FluxGuidance', () => {
    expect(findPositiveText(fixture('sd15-txt2img.json'))).toEqual([{ nodeId: '6', input: 'text' }]);
    const flux = fixture('flux-dev-txt2img.json');
    for (const n of Object.values(flux)) delete n._meta;
    const [target] = findPositiveText(flux);
    expect(flux[target!.nodeId]!.class_type).toBe('CLIPTextEncode');
    expect(() => findPositiveText(fixture('bench-fake-sampler.json'))).toThrow(/no positive prompt text/);
  });
  it('rotates the texts by prompt number', () => {
    const wf = fixture('sd15-txt2img.json');
    const t = findPositiveText(wf);
    expect([0, 1, 2].map((i) => withPromptText(wf, t, ['a', 'b'], i)['6']!.inputs.text)).toEqual(['a', 'b', 'a']);
  });
});

describe('cache audit verdict', () => {
  const s = (ms: number, outcome: string, cachedNodes: string[], changed: string[]) => ({ ms, outcome, cachedNodes, changed });
  it('passes when identical prompts are cached and varied ones run, with the speed-up', () => {
    const r = summarise([s(2, 'cached', ['3'], ['3']), s(2, 'cached', ['3'], ['3'])], [s(100, 'ok', ['4'], ['3']), s(120, 'ok', ['4'], ['3'])]);
    expect(r.passed).toBe(true);
    expect(r.speedup).toBe(55);
  });
  it('fails when a varied node was served from cache, or nothing was varied', () => {
    expect(summarise([s(2, 'cached', [], [])], [s(3, 'ok', ['3'], ['3'])]).passed).toBe(false);
    const none = summarise([s(2, 'cached', [], [])], [s(2, 'cached', ['1', '2'], [])]);
    expect(none.passed).toBe(false);
    expect(none.verdict).toContain('identical to the template');
  });
  it('changedNodes lists the nodes whose inputs differ', () => {
    const a = fixture('sd15-txt2img.json');
    const b = structuredClone(a);
    b['3']!.inputs.seed = 1;
    expect(changedNodes(a, b)).toEqual(['3']);
  });
});

describe('--matrix expansion', () => {
  const plan = {
    name: 'sd15',
    labels: { host: 'a' },
    sets: [{ path: 'cfg', value: '7' }],
    matrixAxes: [
      { key: 'batch_size', values: ['1', '2'] },
      { key: 'KSampler.steps', values: ['20', '30'] },
    ],
  } as unknown as RunPlan;
  it('makes one plan per combination, first axis slowest, with its sets, label and name', () => {
    const plans = expandMatrix(plan);
    expect(plans.map((p) => p.name)).toEqual(['sd15-batch_size1-steps20', 'sd15-batch_size1-steps30', 'sd15-batch_size2-steps20', 'sd15-batch_size2-steps30']);
    expect(plans[1]!.sets).toEqual([
      { path: 'cfg', value: '7' },
      { path: 'batch_size', value: '1' },
      { path: 'KSampler.steps', value: '30' },
    ]);
    expect(plans[1]!.labels).toEqual({ host: 'a', matrix: 'batch_size=1,KSampler.steps=30' });
    expect(plans.every((p) => p.matrixAxes === undefined)).toBe(true);
  });
  it('numbers the combinations when the name would not fit a folder name', () => {
    expect(combinationName('x'.repeat(60), [{ key: 'steps', value: '30' }], 2, 4)).toBe(`${'x'.repeat(48)}-m3of4`);
  });
});
