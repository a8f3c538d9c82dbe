import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { VramSample } from '../../src/metrics/result-types.js';
import { linearFit } from '../../src/metrics/statistics.js';
import { DRIFT_MIN_PROMPTS, nearestRank, promptVramPeak, vramDrift, vramFigures } from '../../src/metrics/vram-stats.js';

const MB = 1024 * 1024;

function sample(atMs: number, usedBytes: number, extra: Partial<VramSample> = {}): VramSample {
  return {
    atMs,
    pollMs: 1,
    level: 0,
    phase: 'measure',
    concurrency: 1,
    inFlight: 1,
    ramTotalBytes: 64 * 2 ** 30,
    ramUsedBytes: 8 * 2 ** 30,
    devices: [
      {
        device: 0,
        name: 'cuda:0 GPU : cudaMallocAsync',
        vramTotalBytes: 24 * 2 ** 30,
        vramUsedBytes: usedBytes,
        torchReservedBytes: usedBytes,
        torchActiveBytes: usedBytes - 100,
      },
    ],
    ...extra,
  };
}

describe('vramFigures', () => {
  it('gives peak, mean and nearest-rank p95 of used VRAM inside the window only', () => {
    const samples = Array.from({ length: 100 }, (_, i) => sample(i * 10, (i + 1) * MB));
    samples.push(sample(5000, 999 * MB)); // outside the window
    const f = vramFigures(samples, 0, 990)!;
    expect(f.samples).toBe(100);
    expect(f.peakUsedBytes).toBe(100 * MB);
    expect(f.p95UsedBytes).toBe(95 * MB);
    expect(f.meanUsedBytes).toBe(Math.round(50.5 * MB));
    expect(f.peakTorchActiveBytes).toBe(100 * MB - 100);
  });

  it('is undefined without samples in the window', () => {
    expect(vramFigures([sample(10, MB)], 20, 30)).toBeUndefined();
  });

  it('p95 is a sample value with at least 95% of samples at or below it (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 2 ** 40 }), { minLength: 1, maxLength: 300 }), (values) => {
        const sorted = [...values].sort((a, b) => a - b);
        const p95 = nearestRank(sorted, 95);
        expect(values).toContain(p95);
        expect(values.filter((v) => v <= p95).length / values.length).toBeGreaterThanOrEqual(0.95);
        expect(values.filter((v) => v < p95).length / values.length).toBeLessThan(0.95);
      }),
    );
  });
});

describe('promptVramPeak', () => {
  const samples = [sample(0, 1 * MB), sample(10, 5 * MB), sample(20, 3 * MB), sample(30, 9 * MB)];
  it('takes the highest sample between execution start and completion, bounds included', () => {
    expect(promptVramPeak(samples, 10, 20)).toBe(5 * MB);
    expect(promptVramPeak(samples, 5, 30)).toBe(9 * MB);
  });
  it('is undefined when no sample fell inside the execution', () => {
    expect(promptVramPeak(samples, 11, 19)).toBeUndefined();
  });
});

describe('linearFit', () => {
  it('recovers an exact line with R² = 1', () => {
    const fit = linearFit([0, 1, 2, 3], [5, 7, 9, 11])!;
    expect(fit.slope).toBeCloseTo(2);
    expect(fit.intercept).toBeCloseTo(5);
    expect(fit.r2).toBeCloseTo(1);
  });
  it('is undefined with fewer than two distinct x', () => {
    expect(linearFit([1], [1])).toBeUndefined();
    expect(linearFit([2, 2], [1, 3])).toBeUndefined();
  });
});

describe('vramDrift', () => {
  /** One sample right after each of n completions, used VRAM from f(i). */
  function run(n: number, usedMb: (i: number) => number): { samples: VramSample[]; completions: number[] } {
    const completions = Array.from({ length: n }, (_, i) => i * 100 + 50);
    return { samples: completions.map((t, i) => sample(t + 1, Math.round(usedMb(i) * MB))), completions };
  }

  it('flags steady growth (a leak of 2 MB per prompt = 200 MB per 100 prompts)', () => {
    const { samples, completions } = run(60, (i) => 8000 + 2 * i + (i % 3));
    const drift = vramDrift(samples, completions)!;
    expect(drift.slopeMbPer100Prompts).toBeGreaterThan(190);
    expect(drift.slopeMbPer100Prompts).toBeLessThan(210);
    expect(drift.flagged).toBe(true);
  });

  it('does not flag a flat run with activation noise', () => {
    const { samples, completions } = run(60, (i) => 8000 + (i % 2 === 0 ? 0 : 3000));
    expect(vramDrift(samples, completions)!.flagged).toBe(false);
  });

  it('does not flag one step up (a model loaded mid-run): the halves do not grow on their own', () => {
    const { samples, completions } = run(60, (i) => (i < 30 ? 6000 : 9000));
    const drift = vramDrift(samples, completions)!;
    expect(drift.slopeMbPer100Prompts).toBeGreaterThan(16);
    expect(drift.flagged).toBe(false);
  });

  it(`does not flag fewer than ${DRIFT_MIN_PROMPTS} prompts, however steep`, () => {
    const { samples, completions } = run(DRIFT_MIN_PROMPTS - 1, (i) => 8000 + 50 * i);
    expect(vramDrift(samples, completions)!.flagged).toBe(false);
  });

  it('uses the first sample at or after each completion, and states its rule', () => {
    const samples = [sample(0, 1 * MB), sample(100, 2 * MB), sample(200, 3 * MB)];
    const drift = vramDrift(samples, [50, 150])!;
    expect(drift.prompts).toBe(2);
    expect(drift.slopeMbPer100Prompts).toBeCloseTo(100);
    expect(drift.rule).toMatch(/MB per 100 prompts/);
  });
});
