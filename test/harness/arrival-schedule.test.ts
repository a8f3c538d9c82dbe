import { describe, expect, it } from 'vitest';
import { ArrivalSchedule, gammaSample, type ArrivalScheduleSpec } from '../../src/harness/arrival-schedule.js';
import { createRng } from '../../src/harness/rng.js';

function all(spec: ArrivalScheduleSpec, seed = 1): { atMs: number; stage: number }[] {
  const s = new ArrivalSchedule(spec, createRng(seed));
  const out: { atMs: number; stage: number }[] = [];
  for (let a = s.next(); a !== undefined; a = s.next()) out.push({ atMs: a.atMs, stage: a.stage });
  return out;
}

function gaps(times: number[]): number[] {
  return times.slice(1).map((t, i) => t - (times[i] as number));
}

describe('ArrivalSchedule', () => {
  it('given a constant rate, then arrivals are evenly spaced from t = 0', () => {
    const a = all({ process: 'constant', startRatePerSec: 2, stages: [{ ratePerSec: 2, durationMs: 5000 }] });
    expect(a.map((x) => x.atMs)).toEqual([0, 500, 1000, 1500, 2000, 2500, 3000, 3500, 4000, 4500]);
  });

  it('given maxArrivals on an open-ended stage, then it stops at that count', () => {
    const a = all({ process: 'poisson', startRatePerSec: 10, stages: [{ ratePerSec: 10, durationMs: Number.POSITIVE_INFINITY }], maxArrivals: 7 });
    expect(a).toHaveLength(7);
  });

  it('given Poisson arrivals, then the count matches the rate and gaps have CV ≈ 1', () => {
    const a = all({ process: 'poisson', startRatePerSec: 5, stages: [{ ratePerSec: 5, durationMs: 2_000_000 }] }, 3);
    expect(a.length / 10_000).toBeGreaterThan(0.97);
    expect(a.length / 10_000).toBeLessThan(1.03);
    const g = gaps(a.map((x) => x.atMs));
    const mean = g.reduce((s, x) => s + x, 0) / g.length;
    const sd = Math.sqrt(g.reduce((s, x) => s + (x - mean) ** 2, 0) / g.length);
    expect(mean).toBeCloseTo(200, -1);
    expect(sd / mean).toBeGreaterThan(0.95);
    expect(sd / mean).toBeLessThan(1.05);
  });

  it('given gamma burstiness 0.25, then gaps keep the mean and have CV ≈ 1/√0.25 = 2', () => {
    const a = all({ process: 'gamma', burstiness: 0.25, startRatePerSec: 5, stages: [{ ratePerSec: 5, durationMs: 4_000_000 }] }, 5);
    const g = gaps(a.map((x) => x.atMs));
    const mean = g.reduce((s, x) => s + x, 0) / g.length;
    const sd = Math.sqrt(g.reduce((s, x) => s + (x - mean) ** 2, 0) / g.length);
    expect(mean / 200).toBeGreaterThan(0.95);
    expect(mean / 200).toBeLessThan(1.05);
    expect(sd / mean).toBeGreaterThan(1.85);
    expect(sd / mean).toBeLessThan(2.15);
  });

  it('given a linear ramp 0 → 10/s over 10 s, then Λ(t) = t²/2 places the k-th constant arrival at √(2k) s', () => {
    const a = all({ process: 'constant', startRatePerSec: 0, stages: [{ ratePerSec: 10, durationMs: 10_000 }] });
    expect(a).toHaveLength(50); // ∫ = 50, the 50th would sit exactly at the end
    for (const [k, x] of a.entries()) expect(x.atMs).toBeCloseTo((Math.sqrt((2 * k) / 1) * 1000) / Math.sqrt(1), 6);
  });

  it('given stages, then each arrival names its stage and the rate holds per stage (k6 ramping semantics)', () => {
    const a = all({
      process: 'constant',
      startRatePerSec: 2,
      stages: [
        { ratePerSec: 2, durationMs: 3000 },
        { ratePerSec: 4, durationMs: 2000 },
        { ratePerSec: 4, durationMs: 1000 },
      ],
    });
    const byStage = [0, 1, 2].map((s) => a.filter((x) => x.stage === s).length);
    expect(byStage).toEqual([6, 6, 4]); // 2/s × 3 s; ramp 2→4 over 2 s = 6; 4/s × 1 s
    expect(a.every((x, i) => i === 0 || x.atMs > (a[i - 1] as { atMs: number }).atMs)).toBe(true);
  });

  it('given the same seed, then the same times; another seed, other times', () => {
    const spec: ArrivalScheduleSpec = { process: 'poisson', startRatePerSec: 1, stages: [{ ratePerSec: 1, durationMs: 60_000 }] };
    expect(all(spec, 9)).toEqual(all(spec, 9));
    expect(all(spec, 9)).not.toEqual(all(spec, 10));
  });

  it('rejects nonsense', () => {
    expect(() => new ArrivalSchedule({ process: 'gamma', startRatePerSec: 1, stages: [{ ratePerSec: 1, durationMs: 10 }] }, Math.random)).toThrow(/burstiness/);
    expect(() => new ArrivalSchedule({ process: 'constant', startRatePerSec: -1, stages: [{ ratePerSec: 1, durationMs: 10 }] }, Math.random)).toThrow(
      /startRatePerSec/,
    );
    expect(() => new ArrivalSchedule({ process: 'constant', startRatePerSec: 1, stages: [] }, Math.random)).toThrow(/stage/);
  });

  it('gammaSample has mean = shape for small and large shapes', () => {
    for (const shape of [0.3, 1, 4]) {
      const rng = createRng(11);
      let sum = 0;
      for (let i = 0; i < 40_000; i++) sum += gammaSample(shape, rng);
      expect(sum / 40_000 / shape).toBeGreaterThan(0.97);
      expect(sum / 40_000 / shape).toBeLessThan(1.03);
    }
  });
});
