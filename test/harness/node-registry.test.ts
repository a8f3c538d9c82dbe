/**
 * The node registry part of the fingerprint: classes grouped into packs by `python_module` (the
 * values real ComfyUI sends), and the registry hash — the same for the same registry whatever
 * the key order, different when one input spec changes, blind only to the input folder's files.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { NodeInfo, ObjectInfo } from '../../src/comfy/http-types.js';
import { nodePacks, nodeRegistrySha256, packOf } from '../../src/harness/node-registry.js';
import { root, serverObjectInfo } from '../comfy/helpers/object-info.js';

/** The two classes recorded from a live ComfyUI 0.3.64 (`custom_nodes/bench_nodes`). */
function recorded(): ObjectInfo {
  const read = (name: string): ObjectInfo => JSON.parse(readFileSync(join(root, 'test/traces', name), 'utf8')) as ObjectInfo;
  return { ...read('real-object_info-BenchFakeSampler.json'), ...read('real-object_info-BenchFail.json') };
}

function node(name: string, pythonModule: string | undefined): NodeInfo {
  const info = {
    input: { required: {} },
    output: [],
    output_is_list: [],
    output_name: [],
    name,
    display_name: name,
    description: '',
    category: 'x',
    output_node: false,
  };
  return (pythonModule === undefined ? info : { ...info, python_module: pythonModule }) as NodeInfo;
}

/** Every key order reversed, at every depth (arrays keep their order: it is meaningful). */
function reversedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reversedKeys);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .reverse()
      .map(([k, v]) => [k, reversedKeys(v)]),
  );
}

describe('packOf: python_module → pack', () => {
  it.each([
    ['nodes', 'nodes', 'core'],
    ['comfy_extras.nodes_flux', 'comfy_extras', 'extras'],
    ['comfy_api_nodes.nodes_openai', 'comfy_api_nodes', 'api'],
    ['custom_nodes.bench_nodes', 'bench_nodes', 'custom'],
    ['custom_nodes.ComfyUI-Impact-Pack', 'ComfyUI-Impact-Pack', 'custom'],
    ['custom_nodes.ComfyUI-Impact-Pack.modules.impact.impact_pack', 'ComfyUI-Impact-Pack', 'custom'],
    ['comfy_api.latest', 'comfy_api', 'other'],
    [undefined, '(no python_module)', 'unknown'],
  ])('%s → %s (%s)', (module, pack, kind) => {
    expect(packOf(module)).toEqual({ pack, kind });
  });
});

describe('nodePacks', () => {
  it('counts classes per pack with their modules, core first and custom packs by name', () => {
    const info: ObjectInfo = {
      ...recorded(),
      KSampler: node('KSampler', 'nodes'),
      SaveImage: node('SaveImage', 'nodes'),
      FluxGuidance: node('FluxGuidance', 'comfy_extras.nodes_flux'),
      ModelSamplingSD3: node('ModelSamplingSD3', 'comfy_extras.nodes_model_advanced'),
      OpenAIDalle3: node('OpenAIDalle3', 'comfy_api_nodes.nodes_openai'),
      ImpactSwitch: node('ImpactSwitch', 'custom_nodes.ComfyUI-Impact-Pack'),
      ImpactWildcard: node('ImpactWildcard', 'custom_nodes.ComfyUI-Impact-Pack.modules.impact.wildcards'),
      OldNode: node('OldNode', undefined),
    };
    expect(nodePacks(info)).toEqual([
      { pack: 'nodes', kind: 'core', classes: 2, modules: ['nodes'] },
      { pack: 'comfy_extras', kind: 'extras', classes: 2, modules: ['comfy_extras.nodes_flux', 'comfy_extras.nodes_model_advanced'] },
      { pack: 'comfy_api_nodes', kind: 'api', classes: 1, modules: ['comfy_api_nodes.nodes_openai'] },
      { pack: 'bench_nodes', kind: 'custom', classes: 2, modules: ['custom_nodes.bench_nodes'] },
      {
        pack: 'ComfyUI-Impact-Pack',
        kind: 'custom',
        classes: 2,
        modules: ['custom_nodes.ComfyUI-Impact-Pack', 'custom_nodes.ComfyUI-Impact-Pack.modules.impact.wildcards'],
      },
      { pack: '(no python_module)', kind: 'unknown', classes: 1, modules: [] },
    ]);
  });

  it('adds up to every class of a whole server registry', () => {
    const info = serverObjectInfo();
    const packs = nodePacks(info);
    expect(packs.reduce((n, p) => n + p.classes, 0)).toBe(Object.keys(info).length);
    expect(packs.find((p) => p.kind === 'custom')).toEqual({ pack: 'bench_nodes', kind: 'custom', classes: 2, modules: ['custom_nodes.bench_nodes'] });
  });
});

describe('nodeRegistrySha256', () => {
  const base = { ...serverObjectInfo([]), ...recorded() };
  const hash = nodeRegistrySha256(base);

  it('is a SHA-256, the same whatever order the classes and their keys come in', () => {
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(nodeRegistrySha256(reversedKeys(base) as ObjectInfo)).toBe(hash);
    expect(Object.keys(reversedKeys(base) as ObjectInfo)[0]).not.toBe(Object.keys(base)[0]);
  });

  it('changes when one input spec of one class changes', () => {
    const changed = structuredClone(base);
    const stepMs = changed.BenchFakeSampler!.input.required!.step_ms!;
    stepMs[1] = { ...stepMs[1], max: 600001 };
    expect(nodeRegistrySha256(changed)).not.toBe(hash);
  });

  it('changes when a class is added, or a model file appears', () => {
    expect(nodeRegistrySha256({ ...base, ImpactSwitch: node('ImpactSwitch', 'custom_nodes.ComfyUI-Impact-Pack') })).not.toBe(hash);
    const withModel = structuredClone(base);
    const ckpt = withModel.CheckpointLoaderSimple!.input.required!.ckpt_name!;
    ckpt[0] = [...(ckpt[0] as string[]), 'another.safetensors'];
    expect(nodeRegistrySha256(withModel)).not.toBe(hash);
  });

  it('stays the same when only the input folder changes (an upload, this run own included)', () => {
    expect(nodeRegistrySha256({ ...serverObjectInfo(['example.png', 'mask.png']), ...recorded() })).toBe(hash);
    const comboForm = structuredClone(base);
    comboForm.LoadImage!.input.required!.image = ['COMBO', { options: ['a.png'], image_upload: true }];
    const comboOther = structuredClone(comboForm);
    comboOther.LoadImage!.input.required!.image = ['COMBO', { options: ['a.png', 'b.png'], image_upload: true }];
    expect(nodeRegistrySha256(comboOther)).toBe(nodeRegistrySha256(comboForm));
  });
});
