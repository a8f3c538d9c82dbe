/**
 * compareUnits: verdicts against simulated samples whose true difference is known (seeded),
 * batch means for queue-sharing prompts, the between-run test with ≥ 3 runs, "too few samples"
 * with what would be enough; gate parsing and judging; the tail-ratio bootstrap.
 */
import { describe, expect, it } from 'vitest';
import { bootstrapQuantileRatio, mulberry32 } from '../../src/metrics/block-bootstrap.js';
import { DEFAULT_GATES, judgeGateLevel, parseGate, type CompareGate } from '../../src/metrics/compare-gates.js';
import { batchMedians, compareUnits, welchFigures } from '../../src/metrics/compare-stats.js';

function timings(rng: () => number, n: number, scale: number, sigma = 0.03): number[] {
  return Array.from({ length: n }, () => scale * Math.exp(sigma * Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng())));
}

const lower = { confidence: 0.95, batch: 1, better: 'lower' as const, unitName: 'prompts' };

describe('compareUnits', () => {
  it('calls a 10% slower candidate `slower` with an interval around +10%, and the reverse `faster`', () => {
    const rng = mulberry32(1);
    const a = timings(rng, 20, 100);
    const b = timings(rng, 20, 110);
    const slower = compareUnits([a], [b], lower);
    expect(slower.verdict).toBe('slower');
    expect(slower.decisive.lo!).toBeLessThan(0.1);
    expect(slower.decisive.hi!).toBeGreaterThan(0.1);
    expect(slower.method).toBe('U test, 20+20 prompts, 95%');
    expect(compareUnits([b], [a], lower).verdict).toBe('faster');
    // For a throughput (higher is better) the same rise is an improvement.
    expect(compareUnits([a], [b], { ...lower, better: 'higher' }).verdict).toBe('faster');
  });

  it('says `~` in about 95% of identical pairs (false `slower` ≤ 5%)', () => {
    const rng = mulberry32(2);
    let slower = 0;
    let same = 0;
    for (let t = 0; t < 300; t++) {
      const v = compareUnits([timings(rng, 20, 100)], [timings(rng, 20, 100)], lower).verdict;
      if (v === 'slower') slower++;
      if (v === '~') same++;
    }
    expect(slower / 300).toBeLessThan(0.05);
    expect(same / 300).toBeGreaterThan(0.9);
  });

  it('groups queue-sharing prompts in batches and needs ≥ 4 batches per side', () => {
    expect(batchMedians([1, 2, 3, 4, 5, 6, 7], 3)).toEqual([2, 5]);
    const rng = mulberry32(3);
    const few = compareUnits([timings(rng, 12, 100)], [timings(rng, 12, 100)], { ...lower, batch: 4 });
    expect(few.verdict).toBe('too few samples');
    expect(few.needed?.text).toBe('3+3 batches of 4 prompts; the U test needs ≥ 4 per side to reach 95%: ≥ 4 more prompts per side (≥ 16 per level)');
    expect(compareUnits([timings(rng, 16, 100)], [timings(rng, 16, 130)], { ...lower, batch: 4 }).method).toBe('U test, 4+4 batches of 4 prompts, 95%');
  });

  it('widens batches when a run drifts (serial correlation), so a load burst is not counted as many independent prompts', () => {
    const rng = mulberry32(6);
    const steady = timings(rng, 20, 100, 0.02);
    const drifting = timings(rng, 20, 100, 0.02).map((v, i) => v * (i < 10 ? 1 : 1.25));
    const r = compareUnits([steady], [drifting], lower);
    expect(r.method).toMatch(/^U test, 4\+4 batches of 5 prompts \(serial correlation r1 = 0\.\d\d\), 95%$/);
    expect(compareUnits([steady], [timings(rng, 20, 100, 0.02)], lower).method).toBe('U test, 20+20 prompts, 95%');
  });

  it('many ties do not grant an interval to two values per side', () => {
    expect(compareUnits([[5, 5]], [[5, 5]], lower).verdict).toBe('too few samples');
  });

  it('two prompts per side are too few, and it says how many more', () => {
    const r = compareUnits([[100, 101]], [[110, 111]], lower);
    expect(r.verdict).toBe('too few samples');
    expect(r.needed?.text).toContain('2+2 prompts');
    expect(r.needed?.text).toContain('≥ 2 more prompts per side');
  });

  it('with ≥ 3 runs per side decides between runs: a run-to-run spread the prompts hide makes it `~`', () => {
    const rng = mulberry32(4);
    // Each run has its own offset (clocks, thermals): ±8% between runs, 1% within.
    const runs = (scale: number): number[][] => [0.92, 1.0, 1.08].map((f) => timings(rng, 20, scale * f, 0.01));
    const a = runs(100);
    const b = runs(103);
    const pooledWithin = compareUnits([a.flat()], [b.flat()], lower);
    const between = compareUnits(a, b, lower);
    expect(between.between).not.toBeNull();
    expect(between.method).toMatch(/^Welch t on log run medians, 3\+3 runs/);
    expect(between.verdict).toBe('~');
    expect(pooledWithin.decisive.hi! - pooledWithin.decisive.lo!).toBeLessThan(between.decisive.hi! - between.decisive.lo!);
  });

  it('Welch t matches a hand computation on logs', () => {
    const a = [100, 110, 121];
    const b = [200, 220, 242];
    const r = welchFigures(a, b, 0.95);
    expect(r.delta).toBeCloseTo(1, 10); // ratio of geometric means 2
    expect(r.p!).toBeLessThan(0.001);
  });
});

describe('gates', () => {
  it('parses the documented forms and refuses a sign that is not a regression', () => {
    expect(parseGate('execMs.p50:+5%')).toEqual({ text: 'execMs.p50:+5%', metric: 'execMs', figure: 'p50', limit: 0.05 });
    expect(parseGate('promptsPerSec:-3%')).toEqual({ text: 'promptsPerSec:-3%', metric: 'promptsPerSec', figure: null, limit: -0.03 });
    expect(parseGate('completionMs:10%')).toMatchObject({ figure: 'p50', limit: 0.1 });
    expect(parseGate('execMs:-5%')).toContain('a regression of execMs is an increase');
    expect(parseGate('promptsPerSec.p95:-3%')).toContain('no figure after promptsPerSec');
    expect(parseGate('nosuch:+1%')).toContain('a metric name');
    for (const g of DEFAULT_GATES) expect(typeof parseGate(g)).toBe('object');
  });

  it('fails only when the whole interval lies beyond the limit', () => {
    const gate = parseGate('execMs.p50:+5%') as CompareGate;
    expect(judgeGateLevel(gate, 'c=1', { delta: 0.09, lo: 0.06, hi: 0.12, method: '' }).verdict).toBe('fail');
    expect(judgeGateLevel(gate, 'c=1', { delta: 0.09, lo: 0.04, hi: 0.12, method: '' }).verdict).toBe('pass');
    expect(judgeGateLevel(gate, 'c=1', { delta: 0.09, lo: null, hi: null, method: '' }).verdict).toBe('too few samples');
    const tput = parseGate('promptsPerSec:-3%') as CompareGate;
    expect(judgeGateLevel(tput, 'c=1', { delta: -0.06, lo: -0.08, hi: -0.04, method: '' }).verdict).toBe('fail');
    expect(judgeGateLevel(tput, 'c=1', { delta: -0.06, lo: -0.08, hi: -0.02, method: '' }).verdict).toBe('pass');
  });
});

describe('tail ratio bootstrap', () => {
  it('brackets a known 20% rise of p95, is reproducible, and refuses too few samples', () => {
    const rng = mulberry32(5);
    const a = timings(rng, 200, 100, 0.05);
    const b = timings(rng, 200, 120, 0.05);
    const one = bootstrapQuantileRatio([a], [b], 0.95, { block: 1, confidence: 0.95 });
    expect(one.lo!).toBeLessThan(0.2);
    expect(one.hi!).toBeGreaterThan(0.2);
    expect(one.lo!).toBeGreaterThan(0.05);
    expect(bootstrapQuantileRatio([a], [b], 0.95, { block: 1, confidence: 0.95 })).toEqual(one);
    expect(bootstrapQuantileRatio([a.slice(0, 20)], [b.slice(0, 20)], 0.95, { block: 1, confidence: 0.95 }).lo).toBeNull();
  });
});
