import { describe, expect, it } from 'vitest';
import type { RunSummary } from '../../src/metrics/result-types.js';
import { MemorySink } from '../../src/reporters/sink.js';
import { histogramSettings, levelsInOrder, parseSummaryJson, runTotals, writeSummaryJson } from '../../src/reporters/summary-json.js';
import { levelSummaryFixture } from './fixtures.js';

function runSummary(): RunSummary {
  const levels = [levelSummaryFixture({ level: 0, concurrency: 1 }), levelSummaryFixture({ settledFromHistory: 3 })];
  // A warm-up that failed: it must not count toward the totals (nor the error-rate gate).
  const warmup = levelSummaryFixture({
    level: 0,
    phase: 'warmup',
    concurrency: 1,
    submitted: 2,
    ok: 0,
    notOk: 2,
    outcomes: { timeout: 2 },
    histogramTags: { completionMs: ['completionMs@t0-L0-c1-warmup'] },
  });
  return {
    schemaVersion: 3,
    harness: { name: 'comfyload', version: '0.1.0' },
    runId: '20261129T164500Z-demo',
    name: 'demo',
    startedAt: '2026-11-29T16:45:00.000Z',
    endedAt: '2026-11-29T16:47:01.000Z',
    startTimeEpochMs: Date.parse('2026-11-29T16:45:00.000Z'),
    durationMs: 121_000,
    settings: {
      mode: 'closed-loop',
      workflowPath: 'fixtures/workflows/sd15-txt2img.json',
      levels: [{ concurrency: 1 }, { concurrency: 4 }],
      promptsPerLevel: 40,
      warmupPrompts: 2,
      seedPolicy: 'random',
      seed: 1,
      maxErrorRate: 0.05,
      fetchOutputs: false,
      promptTimeoutMs: 600_000,
      labels: {},
    },
    targets: [{ index: 0, kind: 'emulator', url: 'http://127.0.0.1:40123' }],
    levels: levelsInOrder(levels),
    warmup,
    totals: runTotals(levels),
    partial: false,
    histograms: histogramSettings(),
    files: [{ kind: 'summary', path: 'summary.json' }],
    environment: { gpu: 'emulated', gpuCount: '1', vramTotalMb: '24564.5', driverVersion: '550.54', cudaAvailable: 'true', seedLike: '007' },
  };
}

describe('summary.json', () => {
  it('adds totals over the measured levels only, merging outcome counts; the warm-up is apart', () => {
    const summary = runSummary();
    expect(summary.totals).toEqual({
      submitted: 84,
      ok: 80,
      notOk: 4,
      outcomes: { ok: 80, 'error:OutOfMemoryError': 2, timeout: 2 },
      settledFromHistory: 3,
    });
    expect(Object.values(summary.totals.outcomes).reduce((a, n) => a + n, 0)).toBe(summary.totals.submitted);
    expect(summary.warmup?.outcomes).toEqual({ timeout: 2 });
    expect(summary.levels.map((l) => l.level)).toEqual([0, 1]);
  });

  it('takes ok and not ok as each level counted them: cache hits are ok under --cache-mode allow', () => {
    const allow = levelSummaryFixture({ submitted: 10, ok: 10, notOk: 0, outcomes: { ok: 1, cached: 9 } });
    expect(runTotals([allow])).toMatchObject({ submitted: 10, ok: 10, notOk: 0, outcomes: { ok: 1, cached: 9 } });
  });

  it('round-trips through the sink and parseSummaryJson', async () => {
    const sink = new MemorySink();
    const summary = runSummary();
    await writeSummaryJson(sink, summary);
    expect(sink.chunks).toHaveLength(1);
    expect(sink.closed).toBe(true);
    expect(parseSummaryJson(sink.text())).toEqual(summary);
    expect(JSON.parse(sink.text()).histograms).toMatchObject({ valueUnit: 'us', msRatio: 1000, significantDigits: 3 });
  });

  it('writes schemaVersion 3: levels an array (jq .levels[0] is L1) numbered from 1, the warm-up 0, environment values typed', async () => {
    const sink = new MemorySink();
    await writeSummaryJson(sink, runSummary());
    const file = JSON.parse(sink.text()) as {
      schemaVersion: number;
      levels: { level: number; histogramTags: Record<string, string[]> }[];
      warmup: { level: number };
      environment: Record<string, unknown>;
    };
    expect(file.schemaVersion).toBe(3);
    expect(Array.isArray(file.levels)).toBe(true);
    expect(file.levels.map((l) => l.level)).toEqual([1, 2]);
    expect(file.warmup.level).toBe(0);
    // The level index 1 is L2: its tag in the file says L2 too.
    expect(file.levels[1]?.histogramTags.completionMs).toEqual(['completionMs@t0-L2-c4-measure']);
    expect(file.environment).toEqual({ gpu: 'emulated', gpuCount: 1, vramTotalMb: 24564.5, driverVersion: '550.54', cudaAvailable: true, seedLike: '007' });
  });

  it('reads a version 1 file (levels keyed by index, environment all strings, tags and levels the index) as today', () => {
    const now = runSummary();
    const oldLevel = (l: RunSummary['levels'][number]): unknown => ({
      ...l,
      histogramTags: { completionMs: [`completionMs@t0-L${l.level}-c${l.concurrency}-measure`] },
    });
    const v1 = { ...now, schemaVersion: 1, levels: { '1': oldLevel(now.levels[1]!), '0': oldLevel(now.levels[0]!) } };
    const read = parseSummaryJson(JSON.stringify(v1));
    expect(read.levels.map((l) => l.level)).toEqual([0, 1]);
    expect(read.levels[1]).toEqual(now.levels[1]);
    expect(read.levels[0]?.histogramTags.completionMs).toEqual(['completionMs@t0-L1-c1-measure']);
    expect(read.warmup).toEqual(now.warmup);
  });

  it('reads version 2 (the index, keyed targetLevels / workflowLevels) and version 3 (numbered, arrays) to the same summary', async () => {
    const now: RunSummary = {
      ...runSummary(),
      targetLevels: [[levelSummaryFixture({ level: 0, target: 0 })], [levelSummaryFixture({ level: 0, target: 1 })]],
      openLoop: [{ level: 0, ratePerSec: 1, offeredPerSec: 1, arrivals: 10, dropped: 0, schedulerLateP99Ms: 1 }],
    };
    const sink = new MemorySink();
    await writeSummaryJson(sink, now);
    const v3 = JSON.parse(sink.text()) as Record<string, unknown>;
    expect((v3.targetLevels as { level: number }[][])[1]?.[0]?.level).toBe(1);
    expect((v3.openLoop as { level: number }[])[0]?.level).toBe(1);
    const keyed = (ls: RunSummary['levels']): Record<string, unknown> => Object.fromEntries(ls.map((l) => [String(l.level), l]));
    const v2 = {
      ...now,
      schemaVersion: 2,
      targetLevels: { '1': keyed(now.targetLevels![1]!), '0': keyed(now.targetLevels![0]!) },
    };
    // The fixture's tags are this build's; a version 2 file holds the index in them.
    const oldTags = JSON.parse(JSON.stringify(v2).replace(/-L(\d+)-(c\d+-measure)/g, (_, n: string, rest: string) => `-L${Number(n) - 1}-${rest}`)) as unknown;
    expect(parseSummaryJson(JSON.stringify(oldTags))).toEqual(now);
    expect(parseSummaryJson(sink.text())).toEqual(now);
  });

  it('refuses a schema version it does not know, naming the fix', () => {
    expect(() => parseSummaryJson('{"schemaVersion": 4}')).toThrow(/schemaVersion 1, 2 or 3, got `4`.*comfyload version/);
    expect(() => parseSummaryJson('[]')).toThrow(/schemaVersion/);
  });
});
