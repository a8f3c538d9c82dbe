import { describe, expect, it } from 'vitest';
import { OutcomeCounter } from '../../src/metrics/outcome-counter.js';

describe('OutcomeCounter', () => {
  it('given prompts in flight, then it is unbalanced until every one settles', () => {
    const counter = new OutcomeCounter();
    for (let i = 0; i < 4; i++) counter.submit();
    counter.settle('ok');
    counter.settle('error:OutOfMemoryError');
    counter.settle('ok');
    expect(counter.inFlight).toBe(1);
    expect(() => counter.assertBalanced()).toThrow(/4 submitted, 3 settled/);
    counter.settle('timeout');
    expect(counter.isBalanced()).toBe(true);
    expect(counter.counts()).toEqual({ ok: 2, 'error:OutOfMemoryError': 1, timeout: 1 });
    expect(Object.keys(counter.counts())[0]).toBe('ok');
    expect([counter.ok, counter.notOk, counter.count('lost')]).toEqual([2, 2, 0]);
  });

  it('given per-target counters, when added, then submitted = Σ outcomes still holds', () => {
    const total = new OutcomeCounter();
    for (const outcomes of [
      ['ok', 'ok'],
      ['rejected:prompt_outputs_failed_validation', 'ok'],
    ] as const) {
      const counter = new OutcomeCounter();
      for (const outcome of outcomes) {
        counter.submit();
        counter.settle(outcome);
      }
      total.add(counter);
    }
    total.assertBalanced();
    expect(total.submitted).toBe(4);
    expect(total.counts()).toEqual({ ok: 3, 'rejected:prompt_outputs_failed_validation': 1 });
  });
});
