import { describe, expect, it } from 'vitest';
import { currentTag, formatTag, matchesFilter, parseTag, type HistogramKey } from '../../src/metrics/histogram-key.js';

describe('histogram tags', () => {
  const key: HistogramKey = { metric: 'stepIntervalMs', target: 2, level: 10, concurrency: 16, phase: 'measure' };

  it('round-trip through formatTag / parseTag and hold no comma or space', () => {
    const tag = formatTag(key);
    expect(tag).toBe('stepIntervalMs@t2-L11-c16-measure');
    expect(tag).not.toMatch(/[, ]/);
    expect(parseTag(tag)).toEqual(key);
  });

  it('number levels from 1 as the console does (index 0 is L1), the warm-up L0', () => {
    expect(formatTag({ ...key, level: 0 })).toBe('stepIntervalMs@t2-L1-c16-measure');
    const warmup: HistogramKey = { ...key, level: 0, concurrency: 1, phase: 'warmup' };
    expect(formatTag(warmup)).toBe('stepIntervalMs@t2-L0-c1-warmup');
    expect(parseTag('stepIntervalMs@t2-L0-c1-warmup')).toEqual(warmup);
    // A measured L0 cannot be written from one: not a tag of this numbering.
    expect(parseTag('stepIntervalMs@t2-L0-c16-measure')).toBeUndefined();
  });

  it("read a log written before the numbering (its L holds the index) to the same key, and rewrite it as today's", () => {
    expect(parseTag('stepIntervalMs@t2-L10-c16-measure', false)).toEqual(key);
    expect(parseTag('stepIntervalMs@t2-L0-c1-warmup', false)).toEqual({ ...key, level: 0, concurrency: 1, phase: 'warmup' });
    expect(currentTag('stepIntervalMs@t2-L0-c16-measure')).toBe('stepIntervalMs@t2-L1-c16-measure');
    expect(currentTag('completionMs@t0-w1-L1-c2-measure')).toBe('completionMs@t0-w1-L2-c2-measure');
    expect(currentTag('stepIntervalMs@t2-L0-c1-warmup')).toBe('stepIntervalMs@t2-L0-c1-warmup');
    expect(currentTag('NO TAG')).toBe('NO TAG');
  });

  it('reject foreign tags', () => {
    expect(parseTag('NO TAG')).toBeUndefined();
    expect(parseTag('nonsenseMs@t0-L0-c1-measure')).toBeUndefined();
  });

  it('filters match on the given fields only', () => {
    expect(matchesFilter(key, { level: 10, phase: 'measure' })).toBe(true);
    expect(matchesFilter(key, { target: 0 })).toBe(false);
  });
});

describe("a mix's histogram tags", () => {
  const key: HistogramKey = { metric: 'completionMs', target: 0, workflow: 1, level: 2, concurrency: 4, phase: 'measure' };

  it('name the workflow after the target and round-trip; a tag without one has none', () => {
    expect(formatTag(key)).toBe('completionMs@t0-w1-L3-c4-measure');
    expect(parseTag('completionMs@t0-w1-L3-c4-measure')).toEqual(key);
    expect(parseTag('completionMs@t0-L3-c4-measure')).not.toHaveProperty('workflow');
  });

  it('a filter without a workflow selects every workflow (the level), one with it only that one', () => {
    expect(matchesFilter(key, { level: 2, metric: 'completionMs' })).toBe(true);
    expect(matchesFilter(key, { workflow: 1 })).toBe(true);
    expect(matchesFilter(key, { workflow: 0 })).toBe(false);
  });
});
