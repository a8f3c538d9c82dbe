import { describe, expect, it } from 'vitest';
import type { RunSummary } from '../../src/metrics/result-types.js';
import { MemorySink } from '../../src/reporters/sink.js';
import { histogramSettings, levelsByIndex, parseSummaryJson, runTotals, writeSummaryJson } from '../../src/reporters/summary-json.js';
import { levelSummaryFixture } from './fixtures.js';

function runSummary(): RunSummary {
  const levels = [levelSummaryFixture({ level: 0, concurrency: 1 }), levelSummaryFixture({ settledFromHistory: 3 })];
  // A warm-up that failed: it must not count toward the totals (nor the error-rate gate).
  const warmup = levelSummaryFixture({ level: 0, phase: 'warmup', submitted: 2, ok: 0, notOk: 2, outcomes: { timeout: 2 } });
  return {
    schemaVersion: 1,
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
    levels: levelsByIndex(levels),
    warmup,
    totals: runTotals(levels),
    partial: false,
    histograms: histogramSettings(),
    files: [{ kind: 'summary', path: 'summary.json' }],
    environment: { gpu: 'emulated' },
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
    expect(Object.keys(summary.levels)).toEqual(['0', '1']);
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

  it('refuses a schema version it does not know, naming the fix', () => {
    expect(() => parseSummaryJson('{"schemaVersion": 2}')).toThrow(/schemaVersion 1, got `2`.*comfyload version/);
    expect(() => parseSummaryJson('[]')).toThrow(/schemaVersion/);
  });
});
