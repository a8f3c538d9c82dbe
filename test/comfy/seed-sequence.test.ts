import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ApiWorkflow } from '../../src/comfy/http-types.js';
import { applySeedSequence, seedAt } from '../../src/comfy/seed-sequence.js';
import { RANDOM_SEED_LIMIT } from '../../src/comfy/workflow.js';

const twoSamplers = (): ApiWorkflow => ({
  '3': { class_type: 'KSampler', inputs: { seed: 42, steps: 20 } },
  '10': { class_type: 'KSamplerAdvanced', inputs: { noise_seed: 1, steps: 20 } },
  '11': { class_type: 'KSampler', inputs: { seed: ['12', 0] } },
});

describe('the seed sequence', () => {
  it('given one base seed, when 200 000 consecutive prompts take their seeds, then none repeats and all lie in [0, 2^50)', () => {
    const seen = new Set<number>();
    let outside = 0;
    for (let i = 0; i < 200_000; i++) {
      const seed = seedAt(12345, i);
      if (!(Number.isSafeInteger(seed) && seed >= 0 && seed < RANDOM_SEED_LIMIT)) outside++;
      seen.add(seed);
    }
    expect(outside).toBe(0);
    expect(seen.size).toBe(200_000);
  });

  it('given any two different indexes (far apart too: k6 levels and segments), then their seeds differ', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 48 }),
        fc.integer({ min: 0, max: RANDOM_SEED_LIMIT - 1 }),
        fc.integer({ min: 0, max: RANDOM_SEED_LIMIT - 1 }),
        (base, i, j) => {
          fc.pre(i !== j);
          expect(seedAt(base, i)).not.toBe(seedAt(base, j));
        },
      ),
    );
  });

  it('given consecutive indexes, then seeds are spread over the range, not consecutive (they look random to the cache)', () => {
    const seeds = Array.from({ length: 1000 }, (_, i) => seedAt(7, i));
    expect(seeds.filter((s, i) => i > 0 && Math.abs(s - seeds[i - 1]!) < 1000)).toHaveLength(0);
    const highHalf = seeds.filter((s) => s >= RANDOM_SEED_LIMIT / 2).length;
    expect(highHalf).toBeGreaterThan(400);
    expect(highHalf).toBeLessThan(600);
    expect(seedAt(8, 0)).not.toBe(seedAt(7, 0));
  });

  it('given a graph with two samplers, then each gets its own seed, prompts never share one, and the template is untouched', () => {
    const wf = twoSamplers();
    const before = structuredClone(wf);
    const seeds = new Set<unknown>();
    for (let seq = 0; seq < 50; seq++) {
      const g = applySeedSequence(wf, 'random', seq, 99);
      seeds.add(g['3']!.inputs.seed);
      seeds.add(g['10']!.inputs.noise_seed);
      expect(g['11']!.inputs.seed).toEqual(['12', 0]);
    }
    expect(seeds.size).toBe(100);
    expect(wf).toEqual(before);
    expect(applySeedSequence(wf, 'increment', 5, 1000)['3']!.inputs.seed).toBe(1005);
    expect(applySeedSequence(wf, 'fixed', 5, 1000)['10']!.inputs.noise_seed).toBe(1000);
  });

  it('given an index outside [0, 2^50), then it throws rather than wrap around', () => {
    expect(() => seedAt(1, RANDOM_SEED_LIMIT)).toThrow(RangeError);
    expect(() => seedAt(1, -1)).toThrow(RangeError);
  });
});
