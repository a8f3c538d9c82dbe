import { describe, expect, it } from 'vitest';
import { formatTag, matchesFilter, parseTag, type HistogramKey } from '../../src/metrics/histogram-key.js';

describe('histogram tags', () => {
  const key: HistogramKey = { metric: 'stepIntervalMs', target: 2, level: 10, concurrency: 16, phase: 'warmup' };

  it('round-trip through formatTag / parseTag and hold no comma or space', () => {
    const tag = formatTag(key);
    expect(tag).toBe('stepIntervalMs@t2-L10-c16-warmup');
    expect(tag).not.toMatch(/[, ]/);
    expect(parseTag(tag)).toEqual(key);
  });

  it('reject foreign tags', () => {
    expect(parseTag('NO TAG')).toBeUndefined();
    expect(parseTag('nonsenseMs@t0-L0-c1-measure')).toBeUndefined();
  });

  it('filters match on the given fields only', () => {
    expect(matchesFilter(key, { level: 10, phase: 'warmup' })).toBe(true);
    expect(matchesFilter(key, { target: 0 })).toBe(false);
  });
});

describe("a mix's histogram tags", () => {
  const key: HistogramKey = { metric: 'completionMs', target: 0, workflow: 1, level: 2, concurrency: 4, phase: 'measure' };

  it('name the workflow after the target and round-trip; a tag without one has none', () => {
    expect(formatTag(key)).toBe('completionMs@t0-w1-L2-c4-measure');
    expect(parseTag('completionMs@t0-w1-L2-c4-measure')).toEqual(key);
    expect(parseTag('completionMs@t0-L2-c4-measure')).not.toHaveProperty('workflow');
  });

  it('a filter without a workflow selects every workflow (the level), one with it only that one', () => {
    expect(matchesFilter(key, { level: 2, metric: 'completionMs' })).toBe(true);
    expect(matchesFilter(key, { workflow: 1 })).toBe(true);
    expect(matchesFilter(key, { workflow: 0 })).toBe(false);
  });
});
