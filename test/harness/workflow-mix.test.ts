/** `--mix` weights and `--mix-order` sequences (pure parts; not wired into the engines). */
import { describe, expect, it } from 'vitest';
import { MixOrder, parseMix, parseMixOrder } from '../../src/harness/workflow-mix.js';

const names = ['sdxl', 'flux'];

describe('parseMix', () => {
  it('reads a ratio in --workflow order, names with percentages, or names with weights', () => {
    expect(parseMix('3:1', names)).toEqual([3, 1]);
    expect(parseMix('sdxl=75%,flux=25%', names)).toEqual([75, 25]);
    expect(parseMix('flux = 1, sdxl = 3', names)).toEqual([3, 1]);
  });

  it('says what is wrong with a bad mix', () => {
    expect(parseMix('3:1:1', names)).toMatch(/one weight per --workflow \(2\), not 3/);
    expect(parseMix('3:0', names)).toMatch(/weights > 0/);
    expect(parseMix('sdxl=70%,flux=20%', names)).toMatch(/add up to 100%, not 90%/);
    expect(parseMix('sdxl=75%,flux=1', names)).toMatch(/all weights in % or none/);
    expect(parseMix('sdxl=3,sd15=1', names)).toMatch(/a workflow name \(`sdxl`, `flux`\), not `sd15`/);
    expect(parseMix('sdxl=3', names)).toMatch(/missing `flux`/);
    expect(parseMix('sdxl=3,sdxl=1', names)).toMatch(/`sdxl` twice/);
    expect(parseMix('', names)).toMatch(/a mix such as/);
  });
});

describe('parseMixOrder', () => {
  it('reads random, alternate and batched:N', () => {
    expect(parseMixOrder('random')).toEqual({ kind: 'random' });
    expect(parseMixOrder('alternate')).toEqual({ kind: 'alternate' });
    expect(parseMixOrder('batched:8')).toEqual({ kind: 'batched', size: 8 });
    expect(parseMixOrder('batched:0')).toMatch(/batched:<N>/);
    expect(parseMixOrder('grouped')).toMatch(/batched:<N>/);
  });
});

const take = (order: MixOrder, n: number): number[] => Array.from({ length: n }, () => order.next());

describe('MixOrder', () => {
  it('random: draws by weight from the seed — the same seed the same sequence, a 3:1 share within 2% over 20 000', () => {
    const a = take(new MixOrder([3, 1], { kind: 'random' }, 42), 20_000);
    expect(take(new MixOrder([3, 1], { kind: 'random' }, 42), 20_000)).toEqual(a);
    expect(take(new MixOrder([3, 1], { kind: 'random' }, 43), 50)).not.toEqual(a.slice(0, 50));
    const share = a.filter((i) => i === 0).length / a.length;
    expect(Math.abs(share - 0.75)).toBeLessThan(0.02);
  });

  it('alternate: interleaves as evenly as the weights allow, exactly in proportion every cycle', () => {
    expect(take(new MixOrder([3, 1], { kind: 'alternate' }, 1), 8)).toEqual([0, 0, 1, 0, 0, 0, 1, 0]);
    expect(take(new MixOrder([1, 1], { kind: 'alternate' }, 1), 4)).toEqual([0, 1, 0, 1]);
    const five = take(new MixOrder([2, 2, 1], { kind: 'alternate' }, 1), 5);
    expect([0, 1, 2].map((i) => five.filter((x) => x === i).length)).toEqual([2, 2, 1]);
  });

  it('batched:N: runs of N of one workflow, the runs interleaved by weight', () => {
    const seq = take(new MixOrder([3, 1], { kind: 'batched', size: 2 }, 1), 16);
    expect(seq).toEqual([0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0]);
  });

  it('refuses weights that are not all > 0', () => {
    expect(() => new MixOrder([1, 0], { kind: 'random' }, 1)).toThrow(RangeError);
    expect(() => new MixOrder([], { kind: 'random' }, 1)).toThrow(RangeError);
  });
});
