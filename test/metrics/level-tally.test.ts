import { describe, expect, it } from 'vitest';
import { LevelTally, recordPrompt } from '../../src/metrics/level-tally.js';
import { MetricRecorder } from '../../src/metrics/recorder.js';
import type { LevelSummary, PromptRecord } from '../../src/metrics/result-types.js';

function record(over: Partial<PromptRecord> = {}): PromptRecord {
  return {
    runId: 'r',
    target: 0,
    level: 0,
    concurrency: 1,
    phase: 'measure',
    seq: 0,
    promptId: 'p',
    clientId: 'c',
    marks: {},
    timings: { submitAckMs: 2, queueWaitMs: 10, execMs: 900, completionMs: 910, serverExecMs: 890 },
    samplerStartsMs: [300],
    stepIntervalsMs: [60, 61],
    outcome: 'ok',
    outcomeDetail: '',
    cachedNodeCount: 0,
    stepCount: 3,
    imagesOut: 1,
    source: 'ws',
    flags: [],
    ...over,
  };
}

/** Submits and settles each record in one level; returns its summary. */
function level(records: PromptRecord[], cachedCountsAsOk = false): ReturnType<LevelTally['summary']> {
  const recorder = new MetricRecorder({ clock: () => 0 });
  const tally = new LevelTally({ level: 0, concurrency: 1, phase: 'measure', cachedCountsAsOk });
  records.forEach((r, i) => {
    tally.submit(i * 1000);
    recordPrompt(recorder, r, cachedCountsAsOk);
    tally.settle(r, i * 1000 + 1000);
  });
  const summary = tally.summary(recorder);
  // Every submitted prompt ends in exactly one outcome, and the counts add up.
  expect(Object.values(summary.outcomes).reduce((a, n) => a + n, 0)).toBe(summary.submitted);
  expect(summary.ok + summary.notOk).toBe(summary.submitted);
  return summary;
}

describe('prompts settled from /history', () => {
  it('count in the outcomes and throughput, and as settledFromHistory, but not in the client-side latencies', () => {
    // A ws drop: the look-up answered 5 s after the server finished.
    const late = record({ source: 'history', flags: ['fromHistory'], timings: { queueWaitMs: 12, completionMs: 5910, serverExecMs: 895 } });
    const s = level([record(), late]);
    expect(s).toMatchObject({ submitted: 2, ok: 2, notOk: 0, settledFromHistory: 1 });
    expect(s.metrics.completionMs?.count).toBe(1);
    expect(s.metrics.completionMs?.max).toBeLessThan(1000);
    expect(s.metrics.queueWaitMs?.count).toBe(1);
    expect(s.metrics.stepIntervalMs?.count).toBe(2);
    expect(s.metrics.samplerStartMs?.count).toBe(1);
    // The server's own clock still measures it.
    expect(s.metrics.serverExecMs?.count).toBe(2);
    expect(s.throughput.promptsPerSec).toBeCloseTo(1, 6);
  });
});

describe('cached prompts', () => {
  const hit = (): PromptRecord =>
    record({ outcome: 'cached', cachedNodeCount: 2, stepCount: 0, samplerStartsMs: [], stepIntervalsMs: [], timings: { queueWaitMs: 3, completionMs: 15 } });

  it('with --cache-mode allow, count as ok (as `cached` in the outcomes), in throughput and latency, not as errors', () => {
    const s = level([record(), hit(), hit()], true);
    expect(s).toMatchObject({ submitted: 3, ok: 3, notOk: 0, outcomes: { ok: 1, cached: 2 } });
    expect(s.metrics.completionMs?.count).toBe(3);
    expect(s.metrics.completionMs?.min).toBeLessThan(20);
    expect(s.throughput.promptsPerSec).toBeCloseTo(1, 6);
  });

  it('otherwise measure nothing: not ok, not in the latencies', () => {
    const s = level([record(), hit(), hit()]);
    expect(s).toMatchObject({ submitted: 3, ok: 1, notOk: 2, outcomes: { ok: 1, cached: 2 } });
    expect(s.metrics.completionMs?.count).toBe(1);
  });
});

describe('a mixed workload: per-workflow tallies', () => {
  const fast = (workflow: number, completionMs: number): PromptRecord =>
    record({ workflow, timings: { completionMs, execMs: completionMs - 10 }, stepIntervalsMs: [], samplerStartsMs: [] });

  it("given prompts of two workflows, then each workflow's tally has only its histograms, the level's merges both, and the counts add up", () => {
    const recorder = new MetricRecorder({ clock: () => 0 });
    const level = new LevelTally({ level: 0, concurrency: 1, phase: 'measure' });
    const perWorkflow = [0, 1].map((workflow) => new LevelTally({ level: 0, concurrency: 1, phase: 'measure', workflow }));
    const records = [fast(0, 100), fast(0, 110), fast(1, 900), fast(0, 120), record({ workflow: 1, outcome: 'error:OOM', timings: {} })];
    records.forEach((r, i) => {
      recordPrompt(recorder, r);
      for (const t of [level, perWorkflow[r.workflow!]!]) {
        t.submit(i * 100);
        t.settle(r, i * 100 + 100);
      }
    });
    const span = { startedMs: 0, endedMs: 1000 };
    const [a, b] = perWorkflow.map((t) => t.summary(recorder, span)) as [LevelSummary, LevelSummary];
    const all = level.summary(recorder, span);
    expect(a).toMatchObject({ workflow: 0, submitted: 3, ok: 3, notOk: 0 });
    expect(b).toMatchObject({ workflow: 1, submitted: 2, ok: 1, notOk: 1, outcomes: { ok: 1, 'error:OOM': 1 } });
    // HDR histograms: values within their 3 significant digits.
    const near = (v: number | undefined, want: number): boolean => v !== undefined && Math.abs(v - want) <= want * 1e-3;
    expect(a.metrics.completionMs?.count).toBe(3);
    expect(near(a.metrics.completionMs?.max, 120)).toBe(true);
    expect(b.metrics.completionMs?.count).toBe(1);
    expect(near(b.metrics.completionMs?.min, 900)).toBe(true);
    expect(all.metrics.completionMs?.count).toBe(4);
    expect(near(all.metrics.completionMs?.min, 100) && near(all.metrics.completionMs?.max, 900)).toBe(true);
    expect(a.submitted + b.submitted).toBe(all.submitted);
    expect(a.histogramTags.completionMs).toEqual(['completionMs@t0-w0-L1-c1-measure']);
    expect(all.histogramTags.completionMs).toEqual(['completionMs@t0-w0-L1-c1-measure', 'completionMs@t0-w1-L1-c1-measure']);
    // Over the level's span, the workflows' throughputs add up to the level's.
    expect(a.throughput.promptsPerSec + b.throughput.promptsPerSec).toBeCloseTo(all.throughput.promptsPerSec, 9);
    expect(a.throughput.promptsPerSec).toBeCloseTo(3, 9);
  });

  it('given no span, then a tally reports over its own first submission to last settlement', () => {
    const recorder = new MetricRecorder({ clock: () => 0 });
    const t = new LevelTally({ level: 0, concurrency: 1, phase: 'measure', workflow: 1 });
    t.submit(200);
    t.settle(fast(1, 50), 700);
    expect(t.summary(recorder)).toMatchObject({ startedMs: 200, endedMs: 700, durationMs: 500 });
    expect(t.summary(recorder, { startedMs: 0, endedMs: 1000 })).toMatchObject({ startedMs: 0, endedMs: 1000, durationMs: 1000 });
  });
});
