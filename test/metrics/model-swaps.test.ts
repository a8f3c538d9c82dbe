/** Swap detection and swapMs from prompt records (metrics/model-swaps.ts). */
import { describe, expect, it } from 'vitest';
import { modelSwaps, type SwapRecord } from '../../src/metrics/model-swaps.js';

const rec = (target: number, startMs: number, model: string, firstStepAfterStartMs: number, measured = true): SwapRecord => ({
  target,
  startMs,
  model,
  measured,
  firstStepAfterStartMs,
  ...(measured ? {} : { phase: 'warmup' as const }),
});

describe('given prompts of two models on two servers', () => {
  it('when the model changes from the previous prompt on the same server, then it is a swap; swapMs is its extra time to first step', () => {
    const s = modelSwaps([
      // Server 0, listed out of order on purpose: execution order is by startMs.
      rec(0, 500, 'sdxl', 1110),
      rec(0, 0, 'sdxl', 900, false), // warm-up, cold: sets what follows, gives no figure
      rec(0, 100, 'sdxl', 100),
      rec(0, 200, 'sdxl', 120),
      rec(0, 300, 'flux', 5000), // first flux on this server: a cold start, not a swap
      rec(0, 400, 'flux', 300),
      rec(0, 600, 'flux', 2000),
      // Server 1: its own sequence and its own cold starts.
      rec(1, 50, 'flux', 5000),
      rec(1, 150, 'flux', 340),
      rec(1, 250, 'sdxl', 4000),
      rec(1, 350, 'flux', 2200),
      rec(1, 450, 'sdxl', 1090),
    ]);
    expect(s.swapCount).toBe(4);
    expect(s.measuredSwapCount).toBe(4);
    expect(s.coldCount).toBe(4);
    expect(s.kinds).toEqual([
      { kind: 'flux→sdxl', from: 'flux', to: 'sdxl', swaps: 2, meanAfterSwapMs: 1100, noSwapPrompts: 2, meanAfterNoSwapMs: 110, swapMs: 990 },
      { kind: 'sdxl→flux', from: 'sdxl', to: 'flux', swaps: 2, meanAfterSwapMs: 2100, noSwapPrompts: 2, meanAfterNoSwapMs: 320, swapMs: 1780 },
    ]);
  });

  it('when a model never ran after itself, then its swap has no baseline (swapMs null)', () => {
    const s = modelSwaps([rec(0, 0, 'a', 10), rec(0, 1, 'b', 500), rec(0, 2, 'a', 400), rec(0, 3, 'b', 450)]);
    expect(s.kinds.map((k) => [k.kind, k.swapMs])).toEqual([
      ['a→b', null],
      ['b→a', null],
    ]);
  });

  it('when a model first runs after another, then it is a cold start, neither a swap nor a baseline', () => {
    const s = modelSwaps([rec(0, 0, 'a', 10), rec(0, 1, 'b', 500), rec(0, 2, 'b', 20)]);
    expect(s.swapCount).toBe(0);
    expect(s.coldCount).toBe(2);
    expect(s.kinds).toEqual([]);
  });

  it('when the warm-up swaps, then its swaps count in swapCount only and give no figure', () => {
    const s = modelSwaps([rec(0, 0, 'a', 10, false), rec(0, 1, 'b', 500, false), rec(0, 2, 'a', 400, false), rec(0, 3, 'b', 450, false), rec(0, 4, 'b', 40)]);
    expect(s.swapCount).toBe(2);
    expect(s.measuredSwapCount).toBe(0);
    expect(s.kinds).toEqual([]);
  });
});
