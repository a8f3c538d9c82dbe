/**
 * Replaying a checkpoint's decided trials into the search (`capacity --resume`): after any number
 * of trials, the search rebuilt from its saved state and those trials — sent through JSON, as the
 * checkpoint file holds them — must try exactly the rate the uninterrupted search tries next,
 * and agree with a plain RateSearch fed the same verdicts once the model is out of the picture.
 */
import { describe, expect, it } from 'vitest';
import { CapacitySearch, RateSearch, type ModelRates, type SearchState, type TrialPoint } from '../../src/harness/capacity-search.js';

type Next = ReturnType<CapacitySearch['next']>;

/** Runs a search to its end with `passes` as the server; every decision, and the state + trials before each. */
function uninterrupted(
  search: CapacitySearch,
  model: () => ModelRates | undefined,
  passes: (rate: number) => { passed: boolean; confident: boolean },
): { nexts: Next[]; before: { state: SearchState; trials: TrialPoint[] }[] } {
  const trials: TrialPoint[] = [];
  const nexts: Next[] = [];
  const before: { state: SearchState; trials: TrialPoint[] }[] = [];
  for (let i = 0; i < 50; i++) {
    before.push({ state: search.state, trials: [...trials] });
    const next = search.next(model, trials);
    nexts.push(next);
    if (next === undefined) break;
    const verdict = passes(next.ratePerSec);
    trials.push({ ratePerSec: next.ratePerSec, ...verdict });
    search.record(next.ratePerSec, verdict.passed);
  }
  return { nexts, before };
}

/** The checkpoint after `k` trials, sent through JSON as capacity-checkpoint.json holds it. */
function throughJson<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

const options = { maxTrials: 12, precision: 0.03 };

describe('CapacitySearch replayed from a checkpoint', () => {
  it('without a model: after every k trials the resumed search tries the rate the uninterrupted one does, as a RateSearch fed the same verdicts', () => {
    const capacity = 11.3;
    const passes = (rate: number): { passed: boolean; confident: boolean } => ({ passed: rate <= capacity, confident: true });
    const start = { startRatePerSec: 8, guided: false };
    const run = uninterrupted(new CapacitySearch({ ...options, ...start }), () => undefined, passes);
    expect(run.nexts.length).toBeGreaterThan(4);
    // The same verdicts into MLPerf's plain grow-and-bisect.
    const plain = new RateSearch({ startRatePerSec: 8, maxTrials: options.maxTrials, precision: options.precision });
    for (let k = 0; k < run.nexts.length; k++) {
      const saved = throughJson(run.before[k]!);
      const resumed = CapacitySearch.replay(saved.state, saved.trials, options);
      const next = resumed.next(() => undefined, saved.trials);
      expect(next, `after ${k} trials`).toEqual(run.nexts[k]);
      expect(next, `after ${k} trials`).toEqual(plain.next());
      if (next !== undefined) plain.record(next.ratePerSec, passes(next.ratePerSec).passed);
    }
  });

  it('with a model: the resumed search places the same below/above trials and then stops where the uninterrupted one does', () => {
    const model: ModelRates = { ratePerSec: 10, aboveRatePerSec: 12 };
    const passes = (rate: number): { passed: boolean; confident: boolean } => ({ passed: rate < 10.2, confident: rate < 9 || rate > 11 });
    const run = uninterrupted(new CapacitySearch({ ...options, startRatePerSec: 9.7, guided: true }), () => model, passes);
    expect(run.nexts.map((n) => n?.phase)).toEqual(['below', 'above', undefined]);
    for (let k = 0; k < run.nexts.length; k++) {
      const saved = throughJson(run.before[k]!);
      let asked = 0;
      const resumed = CapacitySearch.replay(saved.state, saved.trials, options);
      expect(
        resumed.next(() => {
          asked++;
          return model;
        }, saved.trials),
        `after ${k} trials`,
      ).toEqual(run.nexts[k]);
      expect(asked).toBe(1);
    }
  });

  it('a search the model gave up on stays on verdicts after the resume (its `guided: false` is saved), like a RateSearch fed every verdict', () => {
    const model: ModelRates = { ratePerSec: 10, aboveRatePerSec: 12 };
    // A server far slower than the model says: every `below` trial fails, the model runs out of rates, the verdicts take over.
    const passes = (rate: number): { passed: boolean; confident: boolean } => ({ passed: rate <= 6, confident: false });
    const search = new CapacitySearch({ ...options, startRatePerSec: 9.7, guided: true });
    const run = uninterrupted(search, () => model, passes);
    const phases = run.nexts.map((n) => n?.phase);
    expect(phases.slice(0, 3)).toEqual(['below', 'below', 'below']);
    expect(phases).toContain('shrink');
    const firstFallback = phases.indexOf('shrink');
    for (let k = 0; k < run.nexts.length; k++) {
      const saved = throughJson(run.before[k]!);
      if (k > firstFallback) expect(saved.state.guided).toBe(false);
      let asked = 0;
      const resumed = CapacitySearch.replay(saved.state, saved.trials, options);
      const next = resumed.next(() => {
        asked++;
        return model;
      }, saved.trials);
      expect(next, `after ${k} trials`).toEqual(run.nexts[k]);
      // Once on verdicts, the model is not built again (it simulates 100 000 arrivals).
      if (k > firstFallback) expect(asked).toBe(0);
      if (k > firstFallback) {
        const plain = new RateSearch({ startRatePerSec: 9.7, maxTrials: options.maxTrials, precision: options.precision });
        for (const t of saved.trials) plain.record(t.ratePerSec, t.passed);
        expect(next).toEqual(plain.next());
      }
    }
    expect(run.nexts[run.nexts.length - 1]).toBeUndefined();
  });

  it('replays highest pass and lowest failure from the verdicts (what the checkpoint states, checked on resume)', () => {
    const trials: TrialPoint[] = [
      { ratePerSec: 8, passed: true, confident: true },
      { ratePerSec: 10, passed: false, confident: true },
      { ratePerSec: 9, passed: true, confident: false },
    ];
    const s = CapacitySearch.replay({ startRatePerSec: 8, guided: false }, trials, options);
    expect(s.highestPass).toBe(9);
    expect(s.lowestFail).toBe(10);
  });
});
