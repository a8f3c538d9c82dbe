import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ComfyloadError, ComfyPathError } from '../../src/comfy/errors.js';
import type { ApiWorkflow, ObjectInfo } from '../../src/comfy/http-types.js';
import {
  applySeedPolicy,
  canonicalJson,
  findSeedInputs,
  isLink,
  outputNodeIds,
  RANDOM_SEED_LIMIT,
  resolveSetPath,
  setInput,
} from '../../src/comfy/workflow.js';
import { readJson } from './helpers/traces.js';

function sd15(): ApiWorkflow {
  return {
    '3': { class_type: 'KSampler', inputs: { seed: 42, steps: 20, cfg: 7, model: ['4', 0], positive: ['6', 0], negative: ['7', 0], latent_image: ['5', 0] } },
    '4': { class_type: 'CheckpointLoaderSimple', inputs: { ckpt_name: 'sd15.safetensors' } },
    '5': { class_type: 'EmptyLatentImage', inputs: { width: 512, height: 512, batch_size: 1 } },
    '6': { class_type: 'CLIPTextEncode', inputs: { text: 'a cat', clip: ['4', 1] }, _meta: { title: 'Positive' } },
    '7': { class_type: 'CLIPTextEncode', inputs: { text: 'blurry', clip: ['4', 1] }, _meta: { title: 'Negative v1.5' } },
    '8': { class_type: 'VAEDecode', inputs: { samples: ['3', 0], vae: ['4', 2] } },
    '9': { class_type: 'SaveImage', inputs: { images: ['8', 0], filename_prefix: 'x' } },
    '10': { class_type: 'KSamplerAdvanced', inputs: { noise_seed: 1, steps: 20, model: ['4', 0] } },
    '11': { class_type: 'KSampler', inputs: { seed: ['12', 0], steps: 10 } },
    '12': { class_type: 'PrimitiveInt', inputs: { value: 5 } },
    '12.0.0.3': { class_type: 'KSampler', inputs: { seed: 7, steps: 4 } },
  };
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return e instanceof ComfyloadError ? e.code : 'not a ComfyloadError';
  }
  return undefined;
}

describe('seeds', () => {
  it('given a graph, when seed inputs are listed, then literal seed/noise_seed are found and linked ones skipped', () => {
    expect(findSeedInputs(sd15())).toEqual([
      { nodeId: '3', input: 'seed' },
      { nodeId: '10', input: 'noise_seed' },
      { nodeId: '12.0.0.3', input: 'seed' },
    ]);
  });

  it('given each policy, when applied, then a new graph carries the seeds and the template is untouched', () => {
    const wf = sd15();
    const before = structuredClone(wf);
    const fixed = applySeedPolicy(wf, 'fixed', 5, Math.random, 1000);
    const inc = applySeedPolicy(wf, 'increment', 5, Math.random, 1000);
    expect(fixed['3']?.inputs.seed).toBe(1000);
    expect(fixed['10']?.inputs.noise_seed).toBe(1000);
    expect(inc['3']?.inputs.seed).toBe(1005);
    expect(inc['11']?.inputs.seed).toEqual(['12', 0]);
    (inc['3']!.inputs.model as unknown[])[0] = 'mutated';
    expect(wf).toEqual(before);
  });

  it('given random, when applied with any generator, then seeds are integers in [0, 2^50) using all 50 bits', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), { minLength: 6, maxLength: 6 }), (draws) => {
        let i = 0;
        const out = applySeedPolicy(sd15(), 'random', 0, () => draws[i++ % draws.length]!, 0);
        for (const { nodeId, input } of findSeedInputs(out)) {
          const seed = out[nodeId]?.inputs[input] as number;
          expect(Number.isSafeInteger(seed) && seed >= 0 && seed < RANDOM_SEED_LIMIT).toBe(true);
        }
      }),
    );
    const seeds = new Set(Array.from({ length: 200 }, () => applySeedPolicy(sd15(), 'random', 0, Math.random, 0)['3']?.inputs.seed));
    expect(seeds.size).toBe(200);
    const high = applySeedPolicy(sd15(), 'random', 0, () => 0.9999999999, 0)['3']?.inputs.seed as number;
    expect(high).toBeGreaterThan(2 ** 49);
  });

  it('given a seed beyond safe integers, when applied, then COMFYLOAD_ERR_BAD_SEED is thrown', () => {
    expect(codeOf(() => applySeedPolicy(sd15(), 'increment', 10, Math.random, Number.MAX_SAFE_INTEGER))).toBe('COMFYLOAD_ERR_BAD_SEED');
    expect(codeOf(() => applySeedPolicy(sd15(), 'fixed', 0, Math.random, -1))).toBe('COMFYLOAD_ERR_BAD_SEED');
  });
});

describe('--set paths', () => {
  it.each([
    ['3.inputs.steps', ['3']],
    ['3.steps', ['3']],
    ['id:3.steps', ['3']],
    ['KSampler.steps', ['3', '11', '12.0.0.3']],
    ['class:KSampler.steps', ['3', '11', '12.0.0.3']],
    ['12.0.0.3.steps', ['12.0.0.3']],
    ['12.0.0.3.inputs.steps', ['12.0.0.3']],
    ['title:Positive.text', ['6']],
    ['title:Negative v1.5.text', ['7']],
  ])('given %s, when resolved, then it matches %j', (path, ids) => {
    expect(resolveSetPath(sd15(), path).nodeIds).toEqual(ids);
  });

  it('given a class path, when set, then every node of the class changes in a new graph only', () => {
    const wf = sd15();
    const out = setInput(wf, 'KSampler.steps', 30);
    expect([out['3'], out['11'], out['12.0.0.3']].map((n) => n?.inputs.steps)).toEqual([30, 30, 30]);
    expect(out['10']?.inputs.steps).toBe(20);
    expect(wf['3']?.inputs.steps).toBe(20);
    expect(setInput(wf, 'title:Positive.text', 'a dog')['6']?.inputs.text).toBe('a dog');
  });

  it.each([
    ['steps', 'COMFYLOAD_ERR_BAD_SET_PATH'],
    ['', 'COMFYLOAD_ERR_BAD_SET_PATH'],
    ['3.', 'COMFYLOAD_ERR_BAD_SET_PATH'],
    ['title:.text', 'COMFYLOAD_ERR_BAD_SET_PATH'],
    ['99.steps', 'COMFYLOAD_ERR_SET_PATH_NO_MATCH'],
    ['KSamplr.steps', 'COMFYLOAD_ERR_SET_PATH_NO_MATCH'],
    ['title:Nope.text', 'COMFYLOAD_ERR_SET_PATH_NO_MATCH'],
    ['id:KSampler.steps', 'COMFYLOAD_ERR_SET_PATH_NO_MATCH'],
    ['KSampler.step', 'COMFYLOAD_ERR_SET_PATH_NO_INPUT'],
  ])('given the bad path %j, when set, then ComfyPathError %s names the fix', (path, code) => {
    let err: unknown;
    try {
      setInput(sd15(), path, 1);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ComfyPathError);
    expect((err as ComfyPathError).code).toBe(code);
    expect((err as ComfyPathError).path).toBe(path);
  });

  it('given a class typo, when it fails, then the message lists the classes present', () => {
    expect(() => setInput(sd15(), 'KSamplr.steps', 1)).toThrow(/classes: .*"KSampler"/);
  });
});

describe('canonicalJson, isLink, outputNodeIds', () => {
  it('given the same data with keys in any order, when serialised, then the text is identical and parses back', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        const text = canonicalJson(v);
        expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(v)));
        expect(canonicalJson(JSON.parse(text))).toBe(text);
      }),
    );
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: undefined } })).toBe('{"a":{"d":[3,{"y":2,"z":1}]},"b":1}');
  });

  it('given values, when tested as links, then only [id, integer] pairs are links', () => {
    expect(isLink(['4', 0])).toBe(true);
    expect(isLink([4, 1])).toBe(true);
    expect(isLink(['4', 0.5])).toBe(false);
    expect(isLink(['4'])).toBe(false);
    expect(isLink('4')).toBe(false);
  });

  it('given a graph, when output nodes are sought, then names decide without object_info and output_node with it', () => {
    expect(outputNodeIds(sd15())).toEqual(['9']);
    const wf: ApiWorkflow = {
      '1': { class_type: 'BenchFail', inputs: {} },
      '2': { class_type: 'PreviewImage', inputs: {} },
      '3': { class_type: 'Preview', inputs: {} },
    };
    expect(outputNodeIds(wf)).toEqual(['2']);
    expect(outputNodeIds(wf, readJson<ObjectInfo>('real-object_info-BenchFail.json'))).toEqual(['1', '2']);
  });
});
