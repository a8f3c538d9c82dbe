/**
 * report.html's data for arrival-rate runs, from files written by the real writers: an open-loop
 * fleet run (levels by planned rate, corrected vs uncorrected, Little's law and queue-wait slope,
 * queue.csv with two targets, targets.csv, dropped arrivals) and a capacity search (trials by
 * rate, each SLO's observed percentile vs its threshold, the search path, GPU time vs the grid
 * estimate, the probe kept out of the rate charts).
 */
import { describe, expect, it } from 'vitest';
import type { CapacityResult, CapacityTrial, LevelSummary, OpenLoopLevelReport, RunSummary } from '../../src/metrics/result-types.js';
import { buildReportData, type ReportFiles } from '../../src/reporters/html/report-data.js';
import { renderReportHtml } from '../../src/reporters/html/render-report.js';
import { recordPrompt } from '../../src/metrics/level-tally.js';
import { MetricRecorder } from '../../src/metrics/recorder.js';
import { HlogWriter } from '../../src/reporters/hlog-writer.js';
import { LevelsCsvWriter } from '../../src/reporters/levels-csv.js';
import { QueueCsvWriter, writeTargetsCsv } from '../../src/reporters/open-loop-files.js';
import { RequestsCsvWriter } from '../../src/reporters/requests-csv.js';
import { MemorySink } from '../../src/reporters/sink.js';
import { levelSummaryFixture, promptRecordFixture } from './fixtures.js';

const figures = (base: number) => ({
  count: 40,
  min: base,
  mean: base,
  p50: base,
  p90: base * 1.2,
  p95: base * 1.3,
  p99: base * 1.5,
  max: base * 1.6,
  stddev: 1,
});

function openLevel(level: number, ratePerSec: number, over: Partial<LevelSummary> = {}): LevelSummary {
  return levelSummaryFixture({
    level,
    concurrency: 0,
    ratePerSec,
    startedMs: 1000 + level * 60_000,
    endedMs: 60_000 + level * 60_000,
    throughput: { promptsPerSec: ratePerSec * 0.9, imagesPerMin: 0, samplerStepsPerSec: 0 },
    metrics: {
      completionMs: figures(6000 + level * 1000),
      completionUncorrectedMs: figures(5000),
      stepIntervalMs: figures(150),
      queueWaitMs: figures(100),
      queueWaitUncorrectedMs: figures(90),
    },
    ...over,
  });
}

function report(level: number, ratePerSec: number, over: Partial<OpenLoopLevelReport> = {}): OpenLoopLevelReport {
  return {
    level,
    ratePerSec,
    offeredPerSec: ratePerSec * 0.98,
    arrivals: 60,
    dropped: 0,
    schedulerLateP99Ms: 1.5,
    meanQueueDepth: 2,
    littleLaw: { meanInSystem: 2, predicted: 2.1, ratio: 0.95, holds: true, tolerance: 0.15 },
    queueWaitSlopeMsPerSec: 1,
    queueWaitSlopeR2: 0.1,
    completionP99Ms: 9000,
    completionUncorrectedP99Ms: 7500,
    ...over,
  };
}

function summary(over: Partial<RunSummary>): RunSummary {
  return {
    schemaVersion: 1,
    harness: { name: 'comfyload', version: '0.1.0' },
    runId: 'r1',
    name: 'rate',
    startedAt: '2026-11-29T16:45:00.000Z',
    endedAt: '2026-11-29T16:47:00.000Z',
    startTimeEpochMs: 0,
    durationMs: 120_000,
    settings: {
      mode: 'open-loop',
      workflowPath: 'w.json',
      levels: [],
      promptsPerLevel: 60,
      warmupPrompts: 0,
      seedPolicy: 'random',
      seed: 1,
      maxErrorRate: 0.05,
      fetchOutputs: false,
      promptTimeoutMs: 600000,
      labels: {},
      openLoop: { arrival: 'poisson', ratesPerSec: [0.1, 0.2], maxInFlight: 8, dispatch: 'least-queue' },
    },
    targets: [
      { index: 0, kind: 'server', url: 'http://gpu0:8188' },
      { index: 1, kind: 'server', url: 'http://gpu1:8188' },
    ],
    levels: {},
    warmup: null,
    totals: { submitted: 120, ok: 118, notOk: 2, outcomes: { ok: 118, dropped: 2 } },
    partial: false,
    histograms: {
      file: 'histograms.hlog',
      valueUnit: 'us',
      msRatio: 1000,
      lowestDiscernibleValue: 1,
      highestTrackableValue: 1,
      significantDigits: 3,
      tagScheme: '',
    },
    files: [],
    environment: { gpu: 'NVIDIA L4' },
    ...over,
  } as RunSummary;
}

async function levelsCsv(levels: LevelSummary[]): Promise<string> {
  const sink = new MemorySink();
  const writer = new LevelsCsvWriter({ sink });
  for (const l of levels) await writer.writeLevel(l);
  return sink.text();
}

async function requestsCsv(): Promise<string> {
  const sink = new MemorySink();
  await new RequestsCsvWriter({ sink }).writePrompt(promptRecordFixture({ seq: 0, level: 0 }));
  return sink.text();
}

async function openLoopFiles(over: Partial<RunSummary> = {}, withTargetsCsv = true): Promise<ReportFiles> {
  const levels = [openLevel(0, 0.1), openLevel(1, 0.2)];
  const perTarget = levels.flatMap((l) =>
    [0, 1].map((target) => ({ ...l, target, ok: 20 + target, throughput: { ...l.throughput, promptsPerSec: l.throughput.promptsPerSec / (2 + target) } })),
  );
  const queueSink = new MemorySink();
  const queue = new QueueCsvWriter(queueSink, ['gpu: NVIDIA L4']);
  queue.write({ target: 0, atMs: 1000, queueRemaining: 1, source: 'ws' });
  queue.write({ target: 1, atMs: 1500, queueRemaining: 3, source: 'http' });
  queue.write({ target: 0, atMs: 1500, queueRemaining: 2, source: 'ws' });
  queue.write({ target: 0, atMs: 2000, queueRemaining: 0, source: 'ws' });
  await queue.close();
  const targetsSink = new MemorySink();
  await writeTargetsCsv(targetsSink, perTarget);
  const targetLevels: LevelSummary[][] = [];
  for (const l of perTarget) (targetLevels[l.target ?? 0] ??= []).push(l);
  return {
    summary: summary({
      levels: [levels[0]!, levels[1]!],
      openLoop: [
        report(0, 0.1, { dropped: 2 }),
        report(1, 0.2, {
          littleLaw: { meanInSystem: 3, predicted: 2, ratio: 1.5, holds: false, tolerance: 0.15 },
          queueWaitSlopeMsPerSec: 800,
          queueWaitSlopeR2: 0.97,
        }),
      ],
      targetLevels,
      ...over,
    }),
    levelsCsv: await levelsCsv(levels),
    requestsCsv: await requestsCsv(),
    queueCsv: queueSink.text(),
    ...(withTargetsCsv ? { targetsCsv: targetsSink.text() } : {}),
  };
}

describe('report data of an open-loop run', () => {
  it('puts the planned rate per min on x and draws each uncorrected twin inside its corrected chart', async () => {
    const data = buildReportData(await openLoopFiles());
    expect(data.mode).toBe('open-loop');
    expect(data.levelAxis.label).toBe('planned arrival rate (prompts/min)');
    expect(data.levels.map((l) => [l.x, l.label])).toEqual([
      [6, '6/min'],
      [12, '12/min'],
    ]);
    expect(data.latency.map((c) => c.metric)).toEqual(['queueWaitMs', 'stepIntervalMs', 'completionMs']);
    const completion = data.latency.find((c) => c.metric === 'completionMs')!;
    expect(completion).toMatchObject({ x: [6, 12], p99: [9000, 10500], uncorrected: { metric: 'completionUncorrectedMs', p99: [7500, 7500] } });
    expect(data.latency.find((c) => c.metric === 'stepIntervalMs')!.uncorrected).toBeNull();
    expect(data.bands.map((b) => b.label)).toEqual(['6/min', '12/min']);
  });

  it("has a row per level: offered and ok throughput per min, Little's law, queue-wait slope, both p99s", async () => {
    const data = buildReportData(await openLoopFiles());
    expect(data.openLoop).toHaveLength(2);
    expect(data.openLoop![0]).toMatchObject({ label: '6/min', ratePerMin: 6, dropped: 2, completionP99Ms: 9000, completionUncorrectedP99Ms: 7500 });
    expect(data.openLoop![0]!.offeredPerMin).toBeCloseTo(5.88, 6);
    expect(data.openLoop![0]!.okPerMin).toBeCloseTo(5.4, 6);
    expect(data.openLoop![1]).toMatchObject({ queueWaitSlopeMsPerSec: 800, littleLaw: { holds: false } });
  });

  it('reads queue.csv as a step function per target (carried forward) plus the fleet total', async () => {
    const q = buildReportData(await openLoopFiles()).queue!;
    expect(q.t).toEqual([1, 1.5, 2]);
    expect(q.depth).toEqual([
      [1, 2, 0],
      [null, 3, 3],
    ]);
    expect(q.total).toEqual([1, 5, 3]);
    expect(q.targetLabels).toEqual(['target 0 (http://gpu0:8188)', 'target 1 (http://gpu1:8188)']);
  });

  it("reads each target's levels from targets.csv, and the same from summary.json targetLevels without it", async () => {
    const fromCsv = buildReportData(await openLoopFiles()).targets!;
    expect(fromCsv.map((r) => [r.target, r.level, r.label, r.ok])).toEqual([
      [0, 0, '6/min', 20],
      [1, 0, '6/min', 21],
      [0, 1, '12/min', 20],
      [1, 1, '12/min', 21],
    ]);
    expect(fromCsv[1]!.okPerMin).toBeCloseTo((0.09 / 3) * 60, 2);
    expect(fromCsv[0]!.completionP95Ms).toBe(7800);
    const fromSummary = buildReportData(await openLoopFiles({}, false)).targets!;
    expect(fromSummary).toHaveLength(4);
    for (const [i, r] of fromSummary.entries()) {
      expect(r).toMatchObject({ target: fromCsv[i]!.target, level: fromCsv[i]!.level, ok: fromCsv[i]!.ok, completionP95Ms: fromCsv[i]!.completionP95Ms });
      expect(r.okPerMin).toBeCloseTo(fromCsv[i]!.okPerMin!, 2);
    }
  });

  it("warns about dropped arrivals, Little's law off and a queue that keeps growing", async () => {
    const w = buildReportData(await openLoopFiles()).warnings.join('\n');
    expect(w).toMatch(/2 of 120 arrivals were dropped \(6\/min: 2 of 60\): they found 8 prompts outstanding/);
    expect(w).toMatch(/12\/min: Little's law is off by 50%/);
    expect(w).toMatch(/12\/min: queue wait grew 800 ms per second of arrivals \(R² 0\.97\)/);
  });

  it('draws completion time corrected beside uncorrected, per level, from histograms.hlog (coordinated omission)', async () => {
    const recorder = new MetricRecorder({ clock: () => 0 });
    const sink = new MemorySink();
    const hlog = new HlogWriter({ sink, startTimeEpochMs: 0 });
    for (const level of [0, 1]) {
      for (let i = 0; i < 100; i++) {
        // A stall: the last 10 prompts were sent 3 s late, so only the corrected figures see it.
        const late = i >= 90 ? 3000 : 0;
        recordPrompt(recorder, promptRecordFixture({ level, concurrency: 0, seq: i, timings: { completionMs: 1000 + late, completionUncorrectedMs: 1000 } }));
      }
    }
    await hlog.writeIntervals(recorder.takeIntervals());
    await hlog.close();
    const data = buildReportData({ ...(await openLoopFiles()), hlog: sink.text() });
    const co = data.coordinatedOmission!;
    expect(co.series.map((x) => [x.label, x.dashed])).toEqual([
      ['6/min corrected', false],
      ['6/min uncorrected', true],
      ['12/min corrected', false],
      ['12/min uncorrected', true],
    ]);
    const at = (values: number[], xValue: number): number => values[co.x.findIndex((v) => Math.abs(v - xValue) < 1e-9)]!;
    // p99 is x = 100.
    expect(at(co.series[0]!.values, 100)).toBeCloseTo(4000, -1);
    expect(at(co.series[1]!.values, 100)).toBeCloseTo(1000, -1);
    expect(buildReportData(await openLoopFiles()).coordinatedOmission).toBeNull();
  });

  it('renders the open-loop sections and describes the arrival model in the environment', async () => {
    const data = buildReportData(await openLoopFiles());
    expect(Object.fromEntries(data.environment).Mode).toMatch(
      /^open loop, rates 6\/min, 12\/min, 60 prompts per level, poisson arrivals, max 8 in flight, least-queue dispatch/,
    );
    const html = renderReportHtml(data, { uplotJs: '', uplotCss: '' });
    expect(html).toContain("Little's law and queue growth per level");
    expect(html).toContain('id="queue"');
    expect(html).toContain('id="targets-throughput"');
    expect(html).toContain('Latency percentiles vs planned arrival rate');
    expect(html).not.toContain('id="capacity-throughput"');
  });
});

function trial(index: number, ratePerSec: number, verdict: 'pass' | 'fail', observedMs: number, phase: CapacityTrial['phase'] = 'grow'): CapacityTrial {
  return {
    trial: index + 1,
    level: index + 1,
    ratePerSec,
    phase,
    verdict,
    reason: verdict === 'pass' ? 'stable' : 'slo-failed:completionMs.p95<30000',
    confident: true,
    explanation: `trial ${index + 1} at ${(ratePerSec * 60).toFixed(1)}/min: ${verdict.toUpperCase()} — test`,
    windows: 4,
    windowMs: 1000,
    durationMs: 4000,
    arrivals: 100,
    dropped: 0,
    ok: 95,
    failed: 0,
    cut: 5,
    settling: 10,
    judged: 85,
    good: 85,
    throughputPerSec: Math.min(ratePerSec, 0.25),
    goodputPerSec: Math.min(ratePerSec, 0.24),
    slos: [
      { slo: 'completionMs.p95<30000', samples: 95, over: verdict === 'pass' ? 0 : 20, observedMs, required: 90, verdict },
      { slo: 'queueWaitMs.p99<10000', samples: 95, over: 0, observedMs: observedMs / 3, required: 459, verdict: 'undecided' },
    ],
    queueWaitSlopeMsPerSec: verdict === 'pass' ? 0.5 : 300,
    gpuMs: 20_000,
  };
}

function capacityResult(over: Partial<CapacityResult> = {}): CapacityResult {
  return {
    slos: ['completionMs.p95<30000', 'queueWaitMs.p99<10000'],
    confidence: 0.99,
    minSamples: { 'completionMs.p95<30000': 90, 'queueWaitMs.p99<10000': 459 },
    arrival: 'poisson',
    probe: { prompts: 5, meanServiceMs: 4000, estimatedServiceRatePerSec: 0.25, percentiles: {} },
    expectedMs: { min: 60_000, max: 120_000 },
    modelRatePerSec: 0.22,
    maxRatePerSec: 0.22,
    maxRatePerMin: 13.2,
    maxRateRule: 'queue model',
    goodputPerSec: 0.21,
    goodputTrial: 2,
    kneePerSec: 0.25,
    kneeRule: 'test',
    firstFailRatePerSec: 0.25,
    precision: 0.03,
    gpuMs: 65_000,
    gridGpuMs: 130_000,
    gridRule: "8 levels × 100 prompts (the median passing trial's arrivals) × mean service time 162.5 ms",
    rules: ['search: start at 0.8 × the probe service rate'],
    trials: [trial(0, 0.2, 'pass', 9000), trial(1, 0.25, 'fail', 40_000), trial(2, 0.22, 'pass', 20_000, 'bisect')],
    ...over,
  };
}

async function capacityFiles(capacityJson?: CapacityResult): Promise<ReportFiles> {
  const probe = levelSummaryFixture({ level: 0, concurrency: 1, startedMs: 0, endedMs: 20_000 });
  const trials = [openLevel(1, 0.2), openLevel(2, 0.25), openLevel(3, 0.22)];
  return {
    summary: summary({
      settings: { ...summary({}).settings, mode: 'capacity', openLoop: { arrival: 'poisson', maxInFlight: 200, dispatch: 'least-queue' } },
      targets: [{ index: 0, kind: 'server', url: 'http://gpu0:8188' }],
      levels: [probe, trials[0]!, trials[1]!, trials[2]!],
      capacity: capacityResult(),
    }),
    levelsCsv: await levelsCsv([probe, ...trials]),
    requestsCsv: await requestsCsv(),
    ...(capacityJson !== undefined ? { capacityJson: JSON.stringify(capacityJson) } : {}),
  };
}

describe('report data of a capacity search', () => {
  it('sorts the trials by rate, splitting pass and fail, with each SLO observed beside its parsed threshold', async () => {
    const c = buildReportData(await capacityFiles()).capacity!;
    expect(c.slos).toEqual([
      { slo: 'completionMs.p95<30000', thresholdMs: 30000, percentile: 95, metric: 'completionMs' },
      { slo: 'queueWaitMs.p99<10000', thresholdMs: 10000, percentile: 99, metric: 'queueWaitMs' },
    ]);
    expect(c.byRate.ratePerMin.map((r) => Math.round(r * 10) / 10)).toEqual([12, 13.2, 15]);
    expect(c.byRate.throughputPassPerMin.map((v) => (v === null ? null : Math.round(v * 10) / 10))).toEqual([12, 13.2, null]);
    expect(c.byRate.throughputFailPerMin.map((v) => (v === null ? null : Math.round(v * 10) / 10))).toEqual([null, null, 15]);
    expect(c.byRate.observedMs[0]).toEqual([9000, 20_000, 40_000]);
    expect(c.byRate.observedMs[1]).toEqual([3000, 20_000 / 3, 40_000 / 3]);
    expect(c.trials[1]!.slos[0]).toEqual({
      slo: 'completionMs.p95<30000',
      observedMs: 40_000,
      thresholdMs: 30000,
      samples: 95,
      over: 20,
      required: 90,
      verdict: 'fail',
    });
  });

  it('keeps the search path in trial order and the headline per minute', async () => {
    const c = buildReportData(await capacityFiles()).capacity!;
    expect(c.path.trial).toEqual([1, 2, 3]);
    expect(c.path.failPerMin.map((v) => v !== null)).toEqual([false, true, false]);
    expect(c.maxRatePerMin).toBeCloseTo(13.2, 9);
    expect(c.kneePerMin).toBeCloseTo(15, 9);
    expect(c.probe.ratePerMin).toBeCloseTo(15, 9);
    expect(c.gpu).toEqual({
      searchMs: 65_000,
      gridEstimateMs: 130_000,
      formula: "8 levels × 100 prompts (the median passing trial's arrivals) × mean service time 162.5 ms",
      ratio: 0.5,
    });
  });

  it('labels levels by trial, keeps the closed-loop probe out of the rate charts and in the table', async () => {
    const data = buildReportData(await capacityFiles());
    expect(data.levels.map((l) => [l.label, l.x])).toEqual([
      ['probe c=1', null],
      ['trial 1 12/min pass', 12],
      ['trial 2 15/min fail', 15],
      ['trial 3 13.2/min pass', 13.2],
    ]);
    expect(data.latency.find((c) => c.metric === 'completionMs')!.x).toEqual([12, 15, 13.2]);
    expect(data.openLoop).toBeNull();
  });

  it('prefers capacity.json to summary.json', async () => {
    const data = buildReportData(await capacityFiles(capacityResult({ maxRatePerSec: null, maxRatePerMin: null })));
    expect(data.capacity!.maxRatePerMin).toBeNull();
  });

  it('renders the headline, the GPU time labelled as an estimate with its formula, and the trials table', async () => {
    const html = renderReportHtml(buildReportData(await capacityFiles()), { uplotJs: '', uplotCss: '' });
    expect(html).toContain('Max rate meeting every SLO');
    expect(html).toContain('an 8-level grid sweep (estimate)');
    expect(html).toContain(
      'Estimate = 8 levels × 100 prompts (the median passing trial&#39;s arrivals) × mean service time 162.5 ms. The search spent 50% of it.',
    );
    expect(html).toContain('completionMs.p95&lt;30000: observed p95 vs 30.00 s');
    expect(html).toContain('✗ 40.00 s');
    for (const id of ['capacity-throughput', 'capacity-slo', 'capacity-path', 'latency-charts']) expect(html).toContain(`id="${id}"`);
    expect(html).not.toContain('id="throughput"');
  });
});
