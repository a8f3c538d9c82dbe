import { describe, expect, it } from 'vitest';
import { LAG_WARN_P99_MS, lagThresholdMs, lagWarning, smallestStepMedianMs } from '../../src/session/harness-lag.js';

describe('the lag warning, relative to the measured step time', () => {
  it('warns above 10 % of the median step interval, with the figures', () => {
    // 30 ms steps: 20 ms (the old fixed threshold) would have been far too late.
    expect(lagThresholdMs(30)).toBeCloseTo(3);
    expect(lagWarning(2.9, 30)).toBeUndefined();
    const w = lagWarning(4.5, 30);
    expect(w).toContain('4.5 ms (p99)');
    expect(w).toContain('15 % of the median step interval (30.0 ms; warns above 10 %)');
  });

  it('never warns below the 1 ms floor, however short the steps', () => {
    expect(lagThresholdMs(2)).toBe(1);
    expect(lagWarning(0.9, 2)).toBeUndefined();
    expect(lagWarning(1.2, 2)).toContain('60 % of the median step interval');
  });

  it('falls back to the fixed threshold when no step was measured', () => {
    expect(lagThresholdMs(undefined)).toBe(LAG_WARN_P99_MS);
    expect(lagWarning(19, undefined)).toBeUndefined();
    expect(lagWarning(25, undefined)).toContain('no step interval measured; warns above 20 ms');
  });

  it('takes the smallest median step interval among levels that measured one', () => {
    const level = (p50: number, count: number) => ({ metrics: { stepIntervalMs: { p50, count } } });
    expect(smallestStepMedianMs([level(40, 10), { metrics: {} }, level(25, 3), level(5, 0)])).toBe(25);
    expect(smallestStepMedianMs([{ metrics: {} }])).toBeUndefined();
  });
});
