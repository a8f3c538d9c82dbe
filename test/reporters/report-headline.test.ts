/** report.html's headline (issue 15): the answer in one sentence by a stated rule, the gates and the error rate per level. */
import { describe, expect, it } from 'vitest';
import type { RunSummary } from '../../src/metrics/result-types.js';
import type { LevelRow } from '../../src/reporters/html/report-data.js';
import { headlineData, headlineSection } from '../../src/reporters/html/report-headline.js';

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
