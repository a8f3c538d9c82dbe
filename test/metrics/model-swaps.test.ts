/** Swap detection and swapMs from prompt records (pure part of --mix). */
import { describe, expect, it } from 'vitest';
import { modelSwaps, type SwapRecord } from '../../src/metrics/model-swaps.js';

const rec = (target: number, startMs: number, model: string, firstStepAfterStartMs: number, measured = true): SwapRecord => ({
  target,
  startMs,
  model,
  measured,
  firstStepAfterStartMs,
});

describe('given prompts of two models on two servers', () => {
  it('when the model changes from the previous prompt on the same server, then it is a swap; swapMs is its extra time to first step', () => {
    const s = modelSwaps([
      // Server 0, listed out of order on purpose: execution order is by startMs.
      rec(0, 300, 'flux', 2100),
      rec(0, 0, 'sdxl', 900, false), // warm-up: sets what follows, gives no figure
      rec(0, 100, 'sdxl', 100),
      rec(0, 200, 'sdxl', 120),
      rec(0, 400, 'flux', 300),
      rec(0, 500, 'sdxl', 1110),
      // Server 1: its own sequence; its first prompt follows nothing.
      rec(1, 50, 'flux', 5000),
      rec(1, 150, 'flux', 340),
      rec(1, 250, 'sdxl', 1090),
    ]);
    expect(s.swapCount).toBe(3);
    expect(s.kinds).toEqual([
      { kind: 'flux→sdxl', from: 'flux', to: 'sdxl', swaps: 2, meanAfterSwapMs: 1100, noSwapPrompts: 2, meanAfterNoSwapMs: 110, swapMs: 990 },
      { kind: 'sdxl→flux', from: 'sdxl', to: 'flux', swaps: 1, meanAfterSwapMs: 2100, noSwapPrompts: 2, meanAfterNoSwapMs: 320, swapMs: 1780 },
    ]);
  });

  it('when a model never ran after itself, then its swap has no baseline (swapMs null)', () => {
    const s = modelSwaps([rec(0, 0, 'a', 10), rec(0, 1, 'b', 500), rec(0, 2, 'a', 400)]);
    expect(s.kinds.map((k) => [k.kind, k.swapMs])).toEqual([
      ['a→b', null],
      ['b→a', null],
    ]);
  });
});
