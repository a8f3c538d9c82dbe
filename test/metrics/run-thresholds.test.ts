/**
 * `run --threshold`: parsing (capacity's --slo syntax plus errorRate), the three verdicts with
 * their binomial confidence, and the histogram adapter's count above a threshold against exact
 * counts of the recorded values (property).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mergeHistograms, msToRecordedUs, newHistogram } from '../../src/metrics/hdr.js';
import { judgeRunThresholds, parseRunThreshold, type RunThreshold, type ThresholdDistribution } from '../../src/metrics/run-thresholds.js';
import { histogramDistribution } from '../../src/session/run-thresholds.js';

function exact(values: number[]): ThresholdDistribution {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    count: sorted.length,
    valueAtPercentile: (p) => sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!,
    countAbove: (ms) => sorted.filter((v) => v > ms).length,
  };
}

const t = (text: string): RunThreshold => parseRunThreshold(text) as RunThreshold;

describe('parseRunThreshold', () => {
  it('reads percentile and error-rate rules and refuses others with the form to use', () => {
    expect(t('completionMs.p95<30s')).toMatchObject({ kind: 'percentile', text: 'completionMs.p95<30000' });
    expect(t('errorRate<0.01')).toEqual({ kind: 'errorRate', text: 'errorRate<0.01', maxRate: 0.01 });
    expect(t('errorRate < 2%')).toMatchObject({ maxRate: 0.02 });
    expect(parseRunThreshold('errorRate>0.1')).toBe('the form `errorRate<0.01`');
    expect(parseRunThreshold('p95<3')).toContain('`errorRate<0.01`');
  });
});

describe('judgeRunThresholds', () => {
  const input = (values: number[], submitted: number, notOk: number) => ({ submitted, notOk, distribution: () => exact(values) });

  it('passes at 95% when enough prompts stay below, and fails when the observed percentile breaks it', () => {
    const fast = Array.from({ length: 60 }, (_, i) => 1000 + i);
    const [pass] = judgeRunThresholds([t('completionMs.p95<30000')], input(fast, 60, 0));
    expect(pass).toMatchObject({ verdict: 'pass', significant: true, samples: 60, over: 0 });
    expect(pass!.line).toBe('threshold completionMs.p95<30000: PASS: p95 = 1.06 s over 60 prompts (0 above 30.0 s): met at 95% (binomial test)');
    const slow = [...fast.slice(0, 50), ...Array.from({ length: 10 }, () => 40_000)];
    const [fail] = judgeRunThresholds([t('completionMs.p95<30000')], input(slow, 60, 0));
    expect(fail).toMatchObject({ verdict: 'fail', significant: true, over: 10 });
  });

  it('says too few samples (not a failure) when met as observed but not claimable, and how many prompts would do', () => {
    const [few] = judgeRunThresholds([t('completionMs.p95<30000')], input([1000, 1100, 1200], 3, 0));
    expect(few).toMatchObject({ verdict: 'too few samples', requiredSamples: 59 });
    expect(few!.line).toContain('takes ≥ 59 prompts (56 more)');
    const [rate] = judgeRunThresholds([t('errorRate<0.01')], input([], 60, 0));
    expect(rate).toMatchObject({ verdict: 'too few samples', requiredSamples: 299 });
    const [broken] = judgeRunThresholds([t('errorRate<0.01')], input([], 60, 3));
    expect(broken).toMatchObject({ verdict: 'fail', observed: 0.05 });
    const [claimed] = judgeRunThresholds([t('errorRate<0.1')], input([], 60, 0));
    expect(claimed).toMatchObject({ verdict: 'pass', significant: true });
  });
});

describe('histogramDistribution (the recorder adapter)', () => {
  it('counts values above a threshold as the exact values do, to the histogram bucket (0.1%)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0.5, max: 100_000, noNaN: true }), { minLength: 1, maxLength: 200 }),
        fc.double({ min: 0.5, max: 100_000, noNaN: true }),
        (values, ms) => {
          const h = newHistogram();
          for (const v of values) h.recordValue(msToRecordedUs(v));
          const d = histogramDistribution(mergeHistograms([h]));
          const lowBound = values.filter((v) => v > ms * 1.002 + 0.002).length;
          const highBound = values.filter((v) => v > ms / 1.002 - 0.002).length;
          const got = d.countAbove(ms);
          expect(got).toBeGreaterThanOrEqual(lowBound);
          expect(got).toBeLessThanOrEqual(highBound);
        },
      ),
    );
  });
});
