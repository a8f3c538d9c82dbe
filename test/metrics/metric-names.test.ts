import { describe, expect, it } from 'vitest';
import { METRICS, METRIC_NAMES, UNCORRECTED_TWIN, isMetricName, metricSpec } from '../../src/metrics/metric-names.js';

describe('METRICS', () => {
  it('names each metric once, with a unit in its name and a description', () => {
    expect(new Set(METRIC_NAMES).size).toBe(METRICS.length);
    for (const spec of METRICS) {
      expect(spec.name.endsWith('Ms')).toBe(true);
      expect(spec.description.length).toBeGreaterThan(10);
    }
    expect(METRICS.filter((spec) => spec.grain === 'per-step').map((spec) => spec.name)).toEqual(['stepIntervalMs']);
    expect(METRICS.filter((spec) => spec.grain === 'per-sampler').map((spec) => spec.name)).toEqual(['samplerStartMs']);
  });

  it('pairs every corrected metric with an uncorrected twin', () => {
    for (const spec of METRICS.filter((candidate) => candidate.correction === 'corrected')) {
      const twin = UNCORRECTED_TWIN[spec.name];
      expect(twin && metricSpec(twin).correction).toBe('uncorrected');
    }
    expect(isMetricName('completionMs')).toBe(true);
    expect(isMetricName('completion')).toBe(false);
  });
});
