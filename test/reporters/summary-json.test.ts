import { describe, expect, it } from 'vitest';
import type { RunSummary } from '../../src/metrics/result-types.js';
import { MemorySink } from '../../src/reporters/sink.js';
import { histogramSettings, levelsInOrder, parseSummaryJson, runTotals, writeSummaryJson } from '../../src/reporters/summary-json.js';
import { levelSummaryFixture } from './fixtures.js';

function runSummary(): RunSummary {
  const levels = [levelSummaryFixture({ level: 0, concurrency: 1 }), levelSummaryFixture({ settledFromHistory: 3 })];
  // A warm-up that failed: it must not count toward the totals (nor the error-rate gate).
  const warmup = levelSummaryFixture({ level: 0, phase: 'warmup', submitted: 2, ok: 0, notOk: 2, outcomes: { timeout: 2 } });
  return {
    schemaVersion: 2,
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

  it('writes schemaVersion 2: levels an array (jq .levels[0] is L1), environment values typed', async () => {
    const sink = new MemorySink();
    await writeSummaryJson(sink, runSummary());
    const file = JSON.parse(sink.text()) as { schemaVersion: number; levels: { level: number }[]; environment: Record<string, unknown> };
    expect(file.schemaVersion).toBe(2);
    expect(Array.isArray(file.levels)).toBe(true);
    expect(file.levels[0]?.level).toBe(0);
    expect(file.environment).toEqual({ gpu: 'emulated', gpuCount: 1, vramTotalMb: 24564.5, driverVersion: '550.54', cudaAvailable: true, seedLike: '007' });
  });

  it('reads a version 1 file (levels keyed by index, environment all strings) as version 2', () => {
    const v2 = runSummary();
    const v1 = { ...v2, schemaVersion: 1, levels: { '1': v2.levels[1], '0': v2.levels[0] } };
    expect(parseSummaryJson(JSON.stringify(v1))).toEqual(v2);
  });

  it('refuses a schema version it does not know, naming the fix', () => {
    expect(() => parseSummaryJson('{"schemaVersion": 3}')).toThrow(/schemaVersion 1 or 2, got `3`.*comfyload version/);
    expect(() => parseSummaryJson('[]')).toThrow(/schemaVersion/);
  });
});
