import { describe, expect, it } from 'vitest';
import type { ApiWorkflow } from '../../src/comfy/http-types.js';
import { PromptFactory } from '../../src/harness/prompt-factory.js';
import type { MixOrderKind } from '../../src/harness/workflow-mix.js';

const graph: ApiWorkflow = {
  '1': { class_type: 'BenchFakeSampler', inputs: { steps: 2, step_ms: 1, seed: 5, vram_mb: 0 } },
  '2': { class_type: 'KSamplerAdvanced', inputs: { noise_seed: 6, steps: 2 } },
  '3': { class_type: 'SaveImage', inputs: { images: ['1', 0], filename_prefix: 'x' } },
};

const seedsOf = (g: ApiWorkflow): number[] => [g['1']!.inputs.seed as number, g['2']!.inputs.noise_seed as number];

function draw(factory: PromptFactory, n: number): number[] {
  return Array.from({ length: n }, () => seedsOf(factory.next().graph)).flat();
}

describe('PromptFactory seed stream', () => {
  it.each(['random', 'increment'] as const)(
    'given an audit that drew varied prompts, when the run continues the stream (%s), then no seed repeats and the run has the seeds the stream had next',
    (policy) => {
      const audit = new PromptFactory(graph, policy, 42);
      const auditSeeds = draw(audit, 3);
      const run = new PromptFactory(graph, policy, 42, [], audit.streamPosition);
      const runSeeds = draw(run, 50);
      expect(runSeeds.filter((s) => auditSeeds.includes(s))).toEqual([]);
      // Every prompt's seeds are new (increment gives both inputs of a prompt the same one).
      const perPrompt = policy === 'random' ? 2 : 1;
      expect(new Set([...auditSeeds, ...runSeeds]).size).toBe(53 * perPrompt);
      // One stream: the same as one factory drawing 53 prompts.
      const one = new PromptFactory(graph, policy, 42);
      expect(draw(one, 53)).toEqual([...auditSeeds, ...runSeeds]);
      // Submission numbers still start at 0 in the run.
      expect(new PromptFactory(graph, policy, 42, [], 3).next().seq).toBe(0);
    },
  );

  it('given no audit, when a run starts, then its seeds are those of the base seed as before', () => {
    expect(draw(new PromptFactory(graph, 'random', 7, [], 0), 4)).toEqual(draw(new PromptFactory(graph, 'random', 7), 4));
  });
});

describe('PromptFactory over a mix of templates', () => {
  const other: ApiWorkflow = {
    '1': { class_type: 'BenchFakeSampler', inputs: { steps: 9, step_ms: 1, seed: 5, vram_mb: 0 } },
    '2': { class_type: 'KSamplerAdvanced', inputs: { noise_seed: 6, steps: 9 } },
    '4': { class_type: 'SaveImage', inputs: { images: ['1', 0], filename_prefix: 'y' } },
  };
  const mixed = (seed: number, order: MixOrderKind, warmupDraws = 0): PromptFactory =>
    new PromptFactory(graph, 'random', seed, [], 0, { templates: [graph, other], weights: [3, 1], order, warmupDraws });

  it('given 3:1 random, when 8 000 prompts are drawn, then each is its template, the shares are 3:1 within 2%, and the seed decides the order', () => {
    const factory = mixed(11, { kind: 'random' });
    const drawn = Array.from({ length: 8000 }, () => factory.next());
    for (const p of drawn.slice(0, 50)) {
      expect(p.graph['1']!.inputs.steps).toBe(p.workflow === 0 ? 2 : 9);
      expect(p.nodeIds).toEqual(p.workflow === 0 ? ['1', '2', '3'] : ['1', '2', '4']);
    }
    const share = drawn.filter((p) => p.workflow === 0).length / drawn.length;
    expect(Math.abs(share - 0.75)).toBeLessThan(0.02);
    const again = mixed(11, { kind: 'random' });
    expect(Array.from({ length: 200 }, () => again.next().workflow)).toEqual(drawn.slice(0, 200).map((p) => p.workflow));
    const otherSeed = mixed(12, { kind: 'random' });
    expect(Array.from({ length: 200 }, () => otherSeed.next().workflow)).not.toEqual(drawn.slice(0, 200).map((p) => p.workflow));
  });

  it("given a mix, then every prompt's seeds are those a one-workflow run sends at its position (the draw has a stream of its own)", () => {
    const single = new PromptFactory(graph, 'random', 42);
    const mix = mixed(42, { kind: 'random' });
    for (let i = 0; i < 100; i++) expect(seedsOf(mix.next().graph)).toEqual(seedsOf(single.next().graph));
  });

  it('given a warm-up, then its prompts take the workflows in turn and the mix order starts after them', () => {
    const factory = mixed(1, { kind: 'alternate' }, 3);
    expect(Array.from({ length: 11 }, () => factory.next().workflow)).toEqual([0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0]);
  });

  it('given batched:4, then prompts come in runs of 4 of one workflow, interleaved by weight', () => {
    const factory = mixed(1, { kind: 'batched', size: 4 });
    const order = Array.from({ length: 16 }, () => factory.next().workflow);
    expect(order).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0]);
  });

  it('given no mix, then no prompt names a workflow', () => {
    expect(new PromptFactory(graph, 'random', 1).next().workflow).toBeUndefined();
  });
});
