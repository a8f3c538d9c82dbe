/** Hand-built result records for the reporter tests. */
import type { LevelSummary, PromptRecord } from '../../src/metrics/result-types.js';

export function promptRecordFixture(over: Partial<PromptRecord> = {}): PromptRecord {
  return {
    runId: '20261129T164500Z-demo',
    target: 0,
    level: 1,
    concurrency: 4,
    phase: 'measure',
    seq: 7,
    promptId: '3f2c0c1e-0000-4000-8000-000000000007',
    clientId: 'vu-2',
    marks: { sentMs: 1200.5, ackMs: 1203.25, executionStartMs: 1500, firstStepMs: 2100.125, completedMs: 5400, serverStartTs: 1764434700123 },
    timings: { submitAckMs: 2.75, queueWaitMs: 299.5, timeToFirstStepMs: 899.625, execMs: 3900, completionMs: 4199.5, serverExecMs: 3890 },
    samplerStartsMs: [600.125],
    stepIntervalsMs: [150.25, 149.75, 151],
    outcome: 'ok',
    outcomeDetail: '',
    cachedNodeCount: 1,
    stepCount: 3,
    imagesOut: 2,
    source: 'ws',
    flags: [],
    ...over,
  };
}

export function levelSummaryFixture(over: Partial<LevelSummary> = {}): LevelSummary {
  const figures = (base: number) => ({
    count: 40,
    min: base * 0.8,
    mean: base,
    p50: base,
    p90: base * 1.2,
    p95: base * 1.3,
    p99: base * 1.5,
    max: base * 1.6,
    stddev: base * 0.1,
  });
  return {
    level: 1,
    concurrency: 4,
    phase: 'measure',
    startedMs: 1000,
    endedMs: 61000,
    durationMs: 60000,
    submitted: 42,
    ok: 40,
    notOk: 2,
    outcomes: { ok: 40, 'error:OutOfMemoryError': 1, timeout: 1 },
    settledFromHistory: 0,
    throughput: { promptsPerSec: 40 / 60, imagesPerMin: 80, samplerStepsPerSec: 20 },
    metrics: {
      queueWaitMs: figures(3000),
      completionMs: figures(6000),
      samplerStartMs: figures(600),
      stepIntervalMs: { ...figures(150), count: 800 },
    },
    histogramTags: { completionMs: ['completionMs@t0-L2-c4-measure'] },
    ...over,
  };
}
