/**
 * The rank statistics behind `compare`: exact U distribution against hand-counted cases and
 * benchstat's minimum-p table, symmetry and shift equivariance as properties, and the promised
 * coverage of the intervals checked by simulation with a seeded generator (the true shift and
 * median are known, so nothing is measured against the code's own estimate).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../src/metrics/block-bootstrap.js';
import { hodgesLehmann, mannWhitneyU, medianCi, minUnitsForUTest, minValuesForMedianCi } from '../../src/metrics/rank-tests.js';

const sample = fc.array(fc.double({ min: 1, max: 1000, noNaN: true }), { minLength: 1, maxLength: 30 });

/** A lognormal-ish timing: e^(N(0, σ)) × scale, from a seeded generator (Box-Muller). */
function timings(rng: () => number, n: number, scale: number, sigma = 0.05): number[] {
  return Array.from({ length: n }, () => scale * Math.exp(sigma * Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng())));
}

describe('Mann-Whitney U', () => {
  it('gives the exact two-sided p of complete separation: 2 / C(2n, n) (benchstat uTestMinP)', () => {
    const expected = [1, 0.3333333333333333, 0.1, 0.02857142857142857, 0.007936507936507936, 0.0021645021645021645];
    for (let n = 1; n <= 6; n++) {
      const a = Array.from({ length: n }, (_, i) => i);
      const b = a.map((v) => v + 100);
      expect(mannWhitneyU(a, b).p).toBeCloseTo(expected[n - 1]!, 12);
      expect(mannWhitneyU(a, b).u).toBe(n * n);
    }
  });

  it('counts the exact p of a small hand-enumerated case (U = 1 of 3+3: P(U ≤ 1) = 2/20)', () => {
    const r = mannWhitneyU([1, 2, 4], [3, 5, 6]);
    expect(r.u).toBe(8); // b over a: pairs with b > a
    expect(r.method).toBe('exact');
    expect(r.p).toBeCloseTo(0.2, 12); // P(U ≥ 8) = P(U ≤ 1) = 2/20, doubled
  });

  it('uses the tie-corrected normal approximation with ties (R wilcox.test: W = 58, p = 0.1329)', () => {
    const a = [1.83, 0.5, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.3];
    const b = [0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29];
    const r = mannWhitneyU(a, b);
    expect(r.method).toBe('normal');
    expect(9 * 9 - r.u).toBe(58);
    expect(r.p).toBeCloseTo(0.1329, 4);
  });

  it('is symmetric in its two samples and p stays in (0, 1]', () => {
    fc.assert(
      fc.property(sample, sample, (a, b) => {
        const ab = mannWhitneyU(a, b);
        const ba = mannWhitneyU(b, a);
        expect(ab.p).toBeCloseTo(ba.p, 10);
        expect(ab.u + ba.u).toBeCloseTo(a.length * b.length, 9);
        expect(ab.p).toBeGreaterThan(0);
        expect(ab.p).toBeLessThanOrEqual(1);
      }),
    );
  });

  it('needs 4 units per side at 95% and 5 at 99%, as benchstat says', () => {
    expect(minUnitsForUTest(0.95)).toBe(4);
    expect(minUnitsForUTest(0.99)).toBe(5);
  });
});

describe('Hodges-Lehmann shift and its Moses interval', () => {
  it('moves with a shift of the candidate (equivariance) and its interval holds the estimate', () => {
    fc.assert(
      fc.property(sample, sample, fc.double({ min: -100, max: 100, noNaN: true }), (a, b, c) => {
        const base = hodgesLehmann(a, b, 0.95);
        const moved = hodgesLehmann(
          a,
          b.map((v) => v + c),
          0.95,
        );
        expect(moved.shift).toBeCloseTo(base.shift + c, 6);
        for (const r of [base, moved]) {
          if (r.lo === null || r.hi === null) continue;
          expect(r.lo).toBeLessThanOrEqual(r.shift);
          expect(r.hi).toBeGreaterThanOrEqual(r.shift);
        }
      }),
    );
  });

  it('has no interval below the U test minimum (3+3 at 95%) and one at 4+4', () => {
    expect(hodgesLehmann([1, 2, 3], [4, 5, 6], 0.95).lo).toBeNull();
    const r = hodgesLehmann([1, 2, 3, 4], [11, 12, 13, 14], 0.95);
    expect(r.shift).toBe(10);
    expect([r.lo, r.hi]).toEqual([7, 13]);
  });

  it('covers the true shift in ≈ 95% of simulated pairs (exact and normal regimes)', () => {
    for (const n of [8, 60]) {
      const rng = mulberry32(n);
      let covered = 0;
      const trials = 400;
      for (let t = 0; t < trials; t++) {
        const a = timings(rng, n, 100);
        const b = timings(rng, n, 100).map((v) => v + 3);
        const r = hodgesLehmann(a, b, 0.95);
        if (r.lo! <= 3 && 3 <= r.hi!) covered++;
      }
      // Binomial(400, 0.95) has sd 4.4 trials: 0.90..0.99 is more than 4 sd either way.
      expect(covered / trials).toBeGreaterThan(0.9);
      expect(covered / trials).toBeLessThan(0.99);
    }
  });
});

describe('median confidence interval (order statistics)', () => {
  it('needs 6 values at 95% (benchstat: "need >= 6 samples for confidence interval at level 0.95")', () => {
    expect(minValuesForMedianCi(0.95)).toBe(6);
    expect(medianCi([1, 2, 3, 4, 5], 0.95).lo).toBeNull();
    expect(medianCi([1, 2, 3, 4, 5, 6], 0.95)).toEqual({ median: 3.5, lo: 1, hi: 6 });
  });

  it('covers the true median in at least 95% of simulated samples (it is conservative by construction)', () => {
    const rng = mulberry32(7);
    let covered = 0;
    const trials = 500;
    for (let t = 0; t < trials; t++) {
      const values = timings(rng, 25, 100); // true median 100
      const ci = medianCi(values, 0.95);
      if (ci.lo! <= 100 && 100 <= ci.hi!) covered++;
    }
    expect(covered / trials).toBeGreaterThan(0.93);
  });
});
