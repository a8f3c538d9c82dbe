import { describe, expect, it } from 'vitest';
import { answerBacked, modelAnswer, modelNext, RateSearch, TrialJudge, type TrialRules } from '../../src/harness/capacity-search.js';
import { explanationLine } from '../../src/harness/capacity-run.js';
import type { PromptRecord } from '../../src/metrics/result-types.js';
import { parseSlo, type SloSpec } from '../../src/metrics/slo.js';
import { FakeClock } from '../helpers/fake-clock.js';

const slo = (text: string): SloSpec => parseSlo(text) as SloSpec;

function record(intendedMs: number, completionMs: number | undefined, outcome: PromptRecord['outcome'] = 'ok'): PromptRecord {
  return {
    runId: 'r',
    target: 0,
    level: 1,
    concurrency: 0,
    phase: 'measure',
    seq: 0,
    promptId: 'p',
    clientId: 'c',
    marks: { intendedSendMs: intendedMs },
    timings: completionMs === undefined ? {} : { completionMs },
    samplerStartsMs: [],
    stepIntervalsMs: [],
    outcome,
    outcomeDetail: '',
    cachedNodeCount: 0,
    stepCount: 20,
    imagesOut: 1,
    source: 'ws',
    flags: [],
  };
}

describe('RateSearch (MLPerf FindPeakPerformance)', () => {
  it('grows geometrically until a failure, then bisects to the precision', () => {
    const s = new RateSearch({ startRatePerSec: 8, maxTrials: 20, precision: 0.03 });
    const capacity = 11.3;
    const tried: string[] = [];
    for (let n = s.next(); n !== undefined; n = s.next()) {
      tried.push(`${n.phase}:${n.ratePerSec.toFixed(3)}`);
      s.record(n.ratePerSec, n.ratePerSec <= capacity);
    }
    expect(tried.slice(0, 3)).toEqual(['grow:8.000', 'grow:10.000', 'grow:12.500']);
    expect(tried.slice(3).every((t) => t.startsWith('bisect'))).toBe(true);
    expect(s.highestPass! / capacity).toBeGreaterThan(0.97);
    expect((s.lowestFail! - s.highestPass!) / s.lowestFail!).toBeLessThanOrEqual(0.03);
  });

  it('shrinks when the first trial fails, and stops at maxTrials', () => {
    const s = new RateSearch({ startRatePerSec: 10, maxTrials: 3 });
    s.record(10, false);
    expect(s.next()).toEqual({ ratePerSec: 8, phase: 'shrink' });
    s.record(8, false);
    s.record(6.4, true);
    expect(s.next()).toBeUndefined();
  });
});

describe('TrialJudge', () => {
  const rules = { slos: [slo('completionMs.p95<1000')], confidence: 0.9, maxWindows: 10 };

  /** A judge on a fake clock whose windows close `lastMs` after the previous close (1000 planned). */
  function onClock(r: TrialRules = rules): { judge: TrialJudge; close: (ages?: number[], lastMs?: number) => ReturnType<TrialJudge['closeWindow']> } {
    const time = new FakeClock(0);
    const judge = new TrialJudge(r, 10, 1000, time.now(), () => time.now());
    return {
      judge,
      close: (ages = [], lastMs = 1000) => {
        time.jump(lastMs);
        return judge.closeWindow(ages);
      },
    };
  }

  it('passes only once the early-stopping count is reached (45 for p95 at 90%), on both sides of it', () => {
    const { judge, close } = onClock();
    close(); // settling window
    let t = 1000;
    for (let w = 0; w < 4; w++) {
      for (let i = 0; i < 10; i++) judge.settled(record((t += 100), 200));
      expect(close()).toBeUndefined(); // up to 40 samples: stable but not enough
    }
    for (let i = 0; i < 4; i++) judge.settled(record((t += 100), 200));
    expect(judge.tallies()[0]!.samples).toBe(44);
    expect(judge.tallies()[0]!.verdict).toBe('undecided');
    judge.settled(record((t += 100), 200));
    expect(judge.tallies()[0]!.verdict).toBe('pass');
    for (let i = 0; i < 5; i++) judge.settled(record((t += 100), 200)); // the window's throughput stays steady
    expect(close()).toMatchObject({ verdict: 'pass', reason: 'stable', confident: true });
  });

  it('fails as soon as the SLO is violated with confidence; drops count as violations', () => {
    const { judge, close } = onClock();
    close();
    for (let i = 0; i < 3; i++) judge.settled(record(1100 + i, 5000));
    for (let i = 0; i < 3; i++) judge.settled(record(1200 + i, undefined, 'dropped'));
    expect(close()).toMatchObject({ verdict: 'fail', reason: 'slo-failed:completionMs.p95<1000', confident: true });
  });

  it('counts prompts still in flight past a completion threshold as over it', () => {
    const { judge, close } = onClock();
    close();
    judge.settled(record(1100, 100));
    expect(judge.tallies([999])[0]!.over).toBe(0);
    expect(judge.tallies([1000, 1500])[0]!.over).toBe(2);
  });

  it('fails as saturated when completion time rises window after window while the backlog grows', () => {
    const { judge, close } = onClock({ ...rules, slos: [slo('completionMs.p95<100000')] });
    let t = 0;
    const inFlight: number[] = [];
    let decision;
    for (let w = 0; w < 6 && decision === undefined; w++) {
      for (let i = 0; i < 8; i++) judge.settled(record((t += 100), 500 + w * 400));
      inFlight.push(0, 0, 0);
      decision = close(inFlight.map(() => 1));
    }
    expect(decision).toMatchObject({ verdict: 'fail', reason: 'saturated', confident: false });
    expect(decision!.because).toMatch(/^backlog grew \+\d+ prompts \(\+[\d.]+\/min\) over the last 3 windows/);
  });

  it('below the measured service rate a growing backlog is the queue filling, not saturation', () => {
    for (const [serviceRatePerSec, saturated] of [
      [20, false],
      [10, true],
    ] as const) {
      const { judge, close } = onClock({ ...rules, slos: [slo('completionMs.p95<100000')], serviceRatePerSec });
      let t = 0;
      const inFlight: number[] = [];
      let decision;
      for (let w = 0; w < 6 && decision === undefined; w++) {
        for (let i = 0; i < 8; i++) judge.settled(record((t += 100), 500 + w * 400));
        inFlight.push(0, 0, 0);
        decision = close(inFlight.map(() => 1));
      }
      expect(decision?.reason === 'saturated', `service rate ${serviceRatePerSec}/s`).toBe(saturated);
    }
  });
});

describe('TrialJudge, windows that close late', () => {
  const rules = { slos: [slo('completionMs.p95<1000')], confidence: 0.9, maxWindows: 10 };

  it('divides throughput and goodput by the time the windows really lasted, not their planned length', () => {
    const time = new FakeClock(0);
    const judge = new TrialJudge(rules, 10, 1000, 0, () => time.now());
    time.jump(1000);
    judge.closeWindow([]); // settling
    let t = 1000;
    // Under load the window timers fire 500 ms late: each 1000 ms window lasts 1500 ms.
    for (let w = 0; w < 3; w++) {
      for (let i = 0; i < 15; i++) judge.settled(record((t += 100), 200));
      time.jump(1500);
      judge.closeWindow([]);
    }
    expect(judge.throughputPerSec).toBeCloseTo(10, 6); // 15 per 1.5 s, not 15 per s
    expect(judge.windows).toBe(4);
    expect(judge.measuredMs).toBe(4500);
    expect(judge.elapsedMs).toBe(5500);
    expect(judge.goodputPerSec).toBeCloseTo(10, 6); // the rate × 45 good of 45 judged
    expect(judge.counts).toEqual({ ok: 45, notOk: 0, good: 45 });
  });

  it('counts an ok prompt settled from /history as ok but as no SLO sample', () => {
    const time = new FakeClock(0);
    const judge = new TrialJudge(rules, 10, 1000, 0, () => time.now());
    judge.settled(record(1500, 200));
    judge.settled({ ...record(1600, undefined), source: 'history', flags: ['fromHistory'] });
    expect(judge.counts).toEqual({ ok: 2, notOk: 0, good: 1 });
    expect(judge.tallies()[0]).toMatchObject({ samples: 1, over: 0 });
  });
});

describe('parseSlo', () => {
  it('reads metric, percentile and a threshold in ms or with a unit', () => {
    expect(parseSlo('completionMs.p95<30000')).toMatchObject({ metric: 'completionMs', percentile: 95, thresholdMs: 30000 });
    expect(parseSlo('queueWaitMs.p99.9<10s')).toMatchObject({ metric: 'queueWaitMs', percentile: 99.9, thresholdMs: 10000 });
    expect(parseSlo('stepIntervalMs.p95<10')).toMatch(/per-prompt/);
    expect(parseSlo('samplerStartMs.p95<2s')).toMatchObject({ metric: 'samplerStartMs', percentile: 95, thresholdMs: 2000 });
    expect(parseSlo('completionMs<3')).toMatch(/form/);
  });
});

describe('TrialJudge: goodput and the certain failure', () => {
  const rules = { slos: [slo('completionMs.p95<1000')], confidence: 0.9, maxWindows: 10 };

  it('goodput is the rate × the share of judged prompts meeting every SLO: never above the rate', () => {
    const time = new FakeClock(0);
    const judge = new TrialJudge(rules, 10, 1000, 0, () => time.now());
    for (let i = 0; i < 40; i++) judge.settled(record(1000 + i * 50, i % 4 === 0 ? 2000 : 200));
    expect(judge.judged).toEqual({ judged: 40, good: 30 });
    expect(judge.goodputPerSec).toBeCloseTo(7.5, 9);
  });

  it('is certain of a failure as soon as the binomial bound says so, before any window closes', () => {
    const time = new FakeClock(0);
    const judge = new TrialJudge(rules, 10, 1000, 0, () => time.now());
    let certain;
    let n = 0;
    while (certain === undefined && n < 100) {
      judge.settled(record(1000 + n++ * 10, 5000));
      certain = judge.certainFailure();
    }
    expect(n).toBeLessThan(5); // p95 at 90%: 2 of 2 over is already certain
    expect(certain).toMatchObject({ verdict: 'fail', reason: 'slo-failed:completionMs.p95<1000', confident: true });
    expect(certain!.because).toBe(`completionMs.p95<1000 missed at 90% confidence: ${n} of ${n} prompts over (100%)`);
  });

  it('weighs a run of slow prompts as the fewer independent samples it is: no certain failure from one slow stretch', () => {
    const judge = (slow: (i: number) => boolean): TrialJudge => {
      const time = new FakeClock(0);
      const j = new TrialJudge(rules, 10, 1000, 0, () => time.now());
      for (let i = 0; i < 89; i++) j.settled(record(1000 + i * 10, slow(i) ? 1500 : 200));
      return j;
    };
    const spread = judge((i) => i % 10 === 5);
    expect(spread.certainFailure()).toBeUndefined(); // at every prompt: 5 × less risk (98%)
    expect(spread.tallies()[0]).toMatchObject({ samples: 89, over: 9, verdict: 'fail', designEffect: 1 });
    const run = judge((i) => i >= 40 && i < 49).tallies()[0]!;
    expect(run).toMatchObject({ samples: 89, over: 9, verdict: 'undecided' });
    expect(run.designEffect).toBeGreaterThan(2);
  });

  it('explains a verdict on one line with each SLO observed against its threshold', () => {
    const line = explanationLine(
      2,
      283.9 / 60,
      {
        verdict: 'fail',
        reason: 'saturated',
        because: 'backlog grew +3 prompts (+0.8/min) over the last 3 windows while mean completion rose in each',
        confident: false,
      },
      [{ slo: 'completionMs.p95<2000', samples: 90, over: 1, observedMs: 1100, required: 120, verdict: 'undecided' }],
      [slo('completionMs.p95<2s')],
    );
    expect(line).toBe(
      'trial 2 at 283.9/min: FAIL — backlog grew +3 prompts (+0.8/min) over the last 3 windows while mean completion rose in each (completion p95 1.10 s < 2.00 s met)',
    );
  });
});

describe('the model-guided search', () => {
  const p = 0.03;
  it('tries just below the model rate, then above where failure is certain, then stops', () => {
    const model = { ratePerSec: 10, aboveRatePerSec: 11.5 };
    expect(modelNext(model, [], p)).toEqual({ ratePerSec: 9.7, phase: 'below' });
    const t1 = { ratePerSec: 9.7, passed: true, confident: false };
    expect(modelNext(model, [t1], p)).toEqual({ ratePerSec: 11.5, phase: 'above' });
    expect(modelNext(model, [t1, { ratePerSec: 11.5, passed: false, confident: true }], p)).toBeUndefined();
    expect(answerBacked(10, [t1], p)).toBe(true);
  });

  it('needs no trial above the answer once one failed just under it', () => {
    const model = { ratePerSec: 10, aboveRatePerSec: 11.5 };
    const miss = { ratePerSec: 9.7, passed: false, confident: false };
    const pass = { ratePerSec: 9.4, passed: true, confident: false };
    expect(modelNext(model, [miss, pass], p)).toBeUndefined();
    // A failure far under the answer (past 3 × precision) bounds nothing: the trial above still runs.
    expect(
      modelNext(
        model,
        [
          { ratePerSec: 8, passed: false, confident: false },
          { ratePerSec: 9.7, passed: true, confident: false },
        ],
        p,
      ),
    ).toEqual({
      ratePerSec: 11.5,
      phase: 'above',
    });
  });

  it('steps lower after a miss below, and gives up past 3 × precision', () => {
    const model = { ratePerSec: 10, aboveRatePerSec: 11.5 };
    const miss = { ratePerSec: 9.7, passed: false, confident: false };
    expect(modelNext(model, [miss], p)!.ratePerSec).toBeCloseTo(9.4, 9);
    const misses = [miss, { ratePerSec: 9.4, passed: false, confident: false }, { ratePerSec: 9.1, passed: false, confident: false }];
    expect(modelNext(model, misses, p)).toBeUndefined();
  });

  it('holds the model rate between the certain verdicts', () => {
    // Never at a rate that failed for certain: precision under it.
    expect(modelAnswer(10, [{ ratePerSec: 9, passed: false, confident: true }], p)).toBeCloseTo(9 * (1 - p), 9);
    // A pass never raises it, certain or not (a trial starts from an empty queue: passes are optimistic).
    expect(modelAnswer(10, [{ ratePerSec: 11, passed: true, confident: true }], p)).toBe(10);
    expect(
      modelAnswer(
        10,
        [
          { ratePerSec: 11, passed: true, confident: false },
          { ratePerSec: 9, passed: false, confident: false },
        ],
        p,
      ),
    ).toBe(10);
  });

  it('stays below a certain failure even when a certain pass lies within precision under it', () => {
    const trials = [
      { ratePerSec: 8.9, passed: true, confident: true },
      { ratePerSec: 9, passed: false, confident: true },
    ];
    expect(modelAnswer(10, trials, p)).toBeCloseTo(9 * (1 - p), 9);
    expect(modelAnswer(10, trials, p)).toBeLessThan(9);
  });
});
