import { describe, expect, it } from 'vitest';
import { newHistogram, msToRecordedUs } from '../../src/metrics/hdr.js';
import { evaluateThreshold, thresholdLine } from '../../src/metrics/threshold.js';

function histogramOf(valuesMs: number[]) {
  const h = newHistogram();
  for (const v of valuesMs) h.recordValue(msToRecordedUs(v));
  return h;
}

describe('--threshold verdicts', () => {
  it('given p95 just below and just at the threshold, then pass and fail (the gate is k6’s: observed < threshold)', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1); // 1..100 ms: p95 = 95 ms
    expect(evaluateThreshold('completionMs.p95<95.1', histogramOf(values)).verdict).toBe('pass');
    const fail = evaluateThreshold('completionMs.p95<95', histogramOf(values));
    expect(fail.verdict).toBe('fail');
    expect(fail.observedMs).toBeCloseTo(95, 1);
    expect(fail.over).toBe(6); // 95..100 ms: a sample at the threshold does not meet it
  });

  it('given few samples, then the line says they do not suffice to claim it at 95% confidence, and how many would', () => {
    const v = evaluateThreshold('completionMs.p95<1000', histogramOf([10, 12, 11, 13, 12]));
    expect(v.verdict).toBe('pass');
    expect(v.confidence).toEqual({ level: 0.95, verdict: 'undecided', minSamples: 59 });
    expect(thresholdLine(v)).toBe(
      'threshold completionMs.p95<1000: pass — p95 13.0 ms < 1000.0 ms over 5 samples (0 at or above); too few samples to claim it at 95% confidence (need ≥ 59)',
    );
  });

  it('given nothing measured, then it fails and says so', () => {
    const v = evaluateThreshold('queueWaitMs.p99<5s', undefined, 'k6');
    expect(v).toMatchObject({ verdict: 'fail', samples: 0, observedMs: null, thresholdMs: 5000 });
    expect(thresholdLine(v)).toBe('threshold queueWaitMs.p99<5000: FAIL (k6) — no measured sample of queueWaitMs');
  });
});
