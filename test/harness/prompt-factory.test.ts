import { describe, expect, it } from 'vitest';
import type { ApiWorkflow } from '../../src/comfy/http-types.js';
import { PromptFactory } from '../../src/harness/prompt-factory.js';

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
