/** report.html's headline (issue 15): the answer in one sentence by a stated rule, the gates and the error rate per level. */
import { describe, expect, it } from 'vitest';
import type { CapacityResult, RunSummary } from '../../src/metrics/result-types.js';
import type { LevelRow } from '../../src/reporters/html/report-data.js';
import { capacitySentence, headlineData, headlineSection } from '../../src/reporters/html/report-headline.js';

function row(level: number, concurrency: number, promptsPerSec: number, completionP50Ms: number, over: Partial<LevelRow> = {}): LevelRow {
  return {
    level,
    concurrency,
    ratePerMin: null,
    x: concurrency,
    label: `c=${concurrency}`,
    startedMs: 0,
    endedMs: 1,
    submitted: 10,
    ok: 10,
    notOk: 0,
    outcomes: 'ok=10',
    settledFromHistory: 0,
    promptsPerSec,
    imagesPerMin: promptsPerSec * 60,
    samplerStepsPerSec: null,
    completionP50Ms,
    completionP95Ms: null,
    samplerStartP50Ms: null,
    stepIntervalP50Ms: null,
    vramPeakBytes: null,
    vramP95Bytes: null,
    ...over,
  };
}

function summary(mode: 'closed-loop' | 'open-loop', notOk = 0, thresholds: RunSummary['thresholds'] = undefined): RunSummary {
  return {
    settings: { mode, maxErrorRate: 0.05 },
    totals: { submitted: 30, ok: 30 - notOk, notOk, outcomes: {}, settledFromHistory: 0 },
    ...(thresholds !== undefined ? { thresholds } : {}),
  } as unknown as RunSummary;
}

describe('the headline', () => {
  it('names the peak and the first level within 5% of it as where the GPU saturates', () => {
    const h = headlineData(summary('closed-loop'), [row(0, 1, 0.7401, 1350), row(1, 2, 0.7423, 2700), row(2, 4, 0.741, 5400)]);
    expect(h.sentence).toBe(
      'Peak 44.5 images/min at c=2, GPU saturated from c=1: more clients only add queue wait (completion p50 1.35 s at c=1, 5.40 s at c=4).',
    );
    expect(h.rule).toMatch(/^Rule: .*within 5% of the peak/);
  });

  it('says so when throughput still rises at the highest level', () => {
    const h = headlineData(summary('closed-loop'), [row(0, 1, 0.5, 1000), row(1, 2, 0.9, 1100)]);
    expect(h.sentence).toBe(
      'Peak 54.0 images/min at c=2: throughput still rising at the highest level, so the GPU is not saturated yet; measure higher concurrency.',
    );
  });

  it('open loop: the first planned rate the server falls behind', () => {
    const open = (level: number, perMin: number, okPerMin: number): LevelRow =>
      row(level, 0, okPerMin / 60, 1000, { ratePerMin: perMin, x: perMin, label: `${perMin}/min` });
    const h = headlineData(summary('open-loop'), [open(0, 30, 29.5), open(1, 60, 44)]);
    expect(h.sentence).toBe(
      'Peak 44.0 images/min at 60/min; from 60/min the server falls behind (ok 44.0/min of 60/min planned): arrivals beyond its capacity only queue.',
    );
  });

  it('lists the error-rate gate and every threshold with pass/fail, and the error rate per level', () => {
    const t = { threshold: 'completionMs.p95<3000', verdict: 'fail', line: 'threshold completionMs.p95<3000: FAIL: p95 = 5400 ms over 30 prompts' };
    const h = headlineData(summary('closed-loop', 3, [t as NonNullable<RunSummary['thresholds']>[number]]), [row(0, 1, 0.7, 1000, { notOk: 3 })]);
    expect(h.gates).toEqual([
      { rule: 'error rate ≤ 5.0% (--max-error-rate)', verdict: 'fail', figure: '10.0%: 3 not ok of 30 measured prompts' },
      { rule: 'completionMs.p95<3000', verdict: 'fail', figure: 'p95 = 5400 ms over 30 prompts' },
    ]);
    const html = headlineSection(h);
    expect(html).toContain('<li class="fail">L1 c=1: 30.0% (3 of 10)</li>');
    expect(html).toContain('<td class="fail">FAIL</td>');
  });
});

describe('the capacity answer sentence (console and report)', () => {
  const trial = (n: number, verdict: 'pass' | 'fail' | 'stopped') => ({ trial: n, verdict }) as CapacityResult['trials'][number];
  const result = (over: Partial<CapacityResult>): CapacityResult =>
    ({
      slos: ['completionMs.p95<2000'],
      maxRatePerSec: 12.75,
      goodputPerSec: 12.5,
      firstFailRatePerSec: 13.5,
      trials: [trial(1, 'pass'), trial(2, 'fail')],
      ...over,
    }) as unknown as CapacityResult;

  it('says the max rate, goodput, where it fails and the trials it took, first', () => {
    expect(capacitySentence(result({}))).toBe('Max rate 765.0/min meeting completionMs.p95<2000, goodput 750.0/min; fails from 810.0/min (2 trials).');
  });

  it('says when no rate met the SLOs, or the probe refused them', () => {
    expect(capacitySentence(result({ maxRatePerSec: null, goodputPerSec: null }))).toBe('No rate met completionMs.p95<2000 in 2 trials.');
    expect(capacitySentence(result({ maxRatePerSec: null, refused: 'capacity: hopeless', trials: [] }))).toMatch(
      /^No rate can meet completionMs\.p95<2000: refused after the probe/,
    );
  });

  it('an interrupted search: the stopped trial is no evidence, and the sentence says how to continue in this folder', () => {
    const s = capacitySentence(result({ trials: [trial(1, 'pass'), trial(2, 'stopped')], firstFailRatePerSec: null }), { resultsDir: '/r/x' });
    expect(s).toBe(
      'Max rate 765.0/min meeting completionMs.p95<2000, goodput 750.0/min (1 trial). The search did not finish: continue it with `comfyload capacity --resume /r/x`.',
    );
    expect(capacitySentence(result({ stoppedEarly: '--max-trials 2 reached' }), { resultsDir: '/r/x' })).toMatch(
      /did not finish \(--max-trials 2 reached\): continue it with `comfyload capacity --resume \/r\/x` and a larger budget\.$/,
    );
  });
});
