import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  binomialCdf,
  checkLittleLaw,
  correlatedPercentileVerdict,
  designEffect,
  isStable,
  linearFit,
  minSamplesForPercentile,
  percentileVerdict,
  RunningLinearFit,
} from '../../src/metrics/statistics.js';
import { mulberry32 } from '../../src/metrics/block-bootstrap.js';

describe('linearFit', () => {
  it('recovers a line exactly and reports r² = 1', () => {
    const xs = [0, 1, 2, 3, 4];
    const fit = linearFit(
      xs,
      xs.map((x) => 3 * x + 2),
    );
    expect(fit?.slope).toBeCloseTo(3, 12);
    expect(fit?.intercept).toBeCloseTo(2, 12);
    expect(fit?.r2).toBeCloseTo(1, 12);
  });
  it('is undefined with fewer than two distinct x', () => {
    expect(linearFit([1], [1])).toBeUndefined();
    expect(linearFit([2, 2], [1, 3])).toBeUndefined();
  });
});

describe('binomial early stopping', () => {
  it('binomialCdf matches direct sums', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 60 }), fc.double({ min: 0.01, max: 0.99, noNaN: true }), fc.integer({ min: 0, max: 60 }), (n, q, k) => {
        let direct = 0;
        let c = 1;
        for (let i = 0; i <= Math.min(k, n); i++) {
          if (i > 0) c = (c * (n - i + 1)) / i;
          direct += c * q ** i * (1 - q) ** (n - i);
        }
        expect(binomialCdf(k, n, q)).toBeCloseTo(Math.min(1, direct), 9);
      }),
    );
  });

  it('minimum counts: p95 at 99% needs 90, p99 at 99% needs 459, p90 at 95% needs 29', () => {
    expect(minSamplesForPercentile(95, 0.99)).toBe(90);
    expect(minSamplesForPercentile(99, 0.99)).toBe(459);
    expect(minSamplesForPercentile(90, 0.95)).toBe(29);
  });

  it('both sides of the count: 89 clean samples are undecided for p95@99%, 90 pass', () => {
    expect(percentileVerdict(95, 0.99, 89, 0)).toBe('undecided');
    expect(percentileVerdict(95, 0.99, 90, 0)).toBe('pass');
  });

  it('each sample over the threshold raises the count needed', () => {
    const n1 = minSamplesForPercentile(95, 0.99, 1);
    expect(n1).toBeGreaterThan(90);
    expect(percentileVerdict(95, 0.99, n1 - 1, 1)).toBe('undecided');
    expect(percentileVerdict(95, 0.99, n1, 1)).toBe('pass');
  });

  it('fails early when too many samples are over: 5 of 10 over a p95 threshold', () => {
    expect(percentileVerdict(95, 0.99, 10, 5)).toBe('fail');
    expect(percentileVerdict(95, 0.99, 10, 1)).toBe('undecided');
  });
});

describe('checkLittleLaw and isStable', () => {
  it('holds within the tolerance, not beyond', () => {
    expect(checkLittleLaw(2, 4, 500).holds).toBe(true); // 4/s × 0.5 s = 2
    expect(checkLittleLaw(2.3, 4, 500).holds).toBe(true);
    expect(checkLittleLaw(2.4, 4, 500).holds).toBe(false);
  });
  it('needs three windows within 10%', () => {
    expect(isStable([1, 1], 3)).toBe(false);
    expect(isStable([5, 1, 1.05, 1.1])).toBe(true);
    expect(isStable([1, 1.05, 1.11])).toBe(false);
    expect(isStable([0, 0, 0])).toBe(true);
  });
});

describe('RunningLinearFit', () => {
  it('agrees with the two-pass linearFit to floating-point rounding, point by point (property)', () => {
    fc.assert(
      fc.property(
        // Intended send times (s, ms resolution) and queue waits (ms, µs resolution), as the open loop fits them.
        fc.array(
          fc.tuple(
            fc.integer({ min: 0, max: 1e8 }).map((ms) => ms / 1000),
            fc.integer({ min: 0, max: 1e10 }).map((us) => us / 1000),
          ),
          { minLength: 2, maxLength: 300 },
        ),
        (points) => {
          const running = new RunningLinearFit();
          for (const [x, y] of points) running.add(x, y);
          const exact = linearFit(
            points.map((p) => p[0]),
            points.map((p) => p[1]),
          );
          const got = running.fit();
          if (exact === undefined) return;
          // Distinct x the two-pass sums see may collapse in the running mean's rounding (and vice versa) only when x barely varies.
          if (got === undefined) return;
          const close = (a: number, b: number): boolean => Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(a), Math.abs(b));
          expect(close(got.slope, exact.slope), `slope ${got.slope} vs ${exact.slope}`).toBe(true);
          expect(close(got.r2, exact.r2), `r2 ${got.r2} vs ${exact.r2}`).toBe(true);
          expect(got.n).toBe(exact.n);
        },
      ),
    );
  });
});

describe('designEffect and the correlated percentile verdict (runs of slow prompts)', () => {
  const rand = mulberry32;

  it('is 1 for independent or alternating samples and for a constant sequence', () => {
    const r = rand(7);
    const iid = Array.from({ length: 2000 }, () => (r() < 0.1 ? 1 : 0));
    expect(designEffect(iid)).toBeLessThan(1.2);
    expect(designEffect(Array.from({ length: 100 }, (_, i) => i % 2))).toBe(1);
    expect(designEffect(new Array<number>(100).fill(1))).toBe(1);
  });

  it('grows with the length of the runs: blocks of L equal samples weigh about as 1/L as many', () => {
    const r = rand(11);
    for (const L of [5, 10]) {
      const blocks = Array.from({ length: 400 }, () => (r() < 0.2 ? 1 : 0));
      const seq = blocks.flatMap((b) => new Array<number>(L).fill(b));
      // The variance of the mean of n block-constant samples is L times that of n independent ones (less the block edge).
      expect(designEffect(seq)).toBeGreaterThan(L * 0.6);
      expect(designEffect(seq)).toBeLessThan(L * 1.4);
    }
  });

  it('9 of 89 over is a certain miss of p95 at 90% when spread out, not when they are one run', () => {
    const spread = Array.from({ length: 89 }, (_, i): number => (i % 10 === 5 ? 1 : 0));
    const run = Array.from({ length: 89 }, (_, i): number => (i >= 40 && i < 49 ? 1 : 0));
    expect(spread.reduce((a, b) => a + b, 0)).toBe(9);
    expect(percentileVerdict(95, 0.9, 89, 9)).toBe('fail');
    expect(correlatedPercentileVerdict(95, 0.9, spread)).toMatchObject({ verdict: 'fail', designEffect: 1, effectiveSamples: 89, effectiveOver: 9 });
    const v = correlatedPercentileVerdict(95, 0.9, run);
    expect(v.designEffect).toBeGreaterThan(2);
    expect(v.effectiveSamples).toBeLessThan(89 / 2);
    expect(v.verdict).toBe('undecided');
  });
});
