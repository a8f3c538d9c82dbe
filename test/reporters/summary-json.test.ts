import { describe, expect, it } from 'vitest';
import type { RunSummary } from '../../src/metrics/result-types.js';
import { MemorySink } from '../../src/reporters/sink.js';
import { histogramSettings, levelsByIndex, parseSummaryJson, runTotals, writeSummaryJson } from '../../src/reporters/summary-json.js';
import { levelSummaryFixture } from './fixtures.js';

function runSummary(): RunSummary {
  const levels = [levelSummaryFixture({ level: 0, concurrency: 1 }), levelSummaryFixture()];
  const warmup = levelSummaryFixture({ level: 0, phase: 'warmup', submitted: 2, ok: 2, notOk: 0, outcomes: { ok: 2 } });
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
    totals: runTotals(levels, warmup),
    partial: false,
    histograms: histogramSettings(),
    files: [{ kind: 'summary', path: 'summary.json' }],
    environment: { gpu: 'emulated' },
  };
}

describe('summary.json', () => {
  it('adds totals over levels and warm-up, merging outcome counts', () => {
    const summary = runSummary();
    expect(summary.totals).toEqual({
      submitted: 86,
      ok: 82,
      notOk: 4,
      outcomes: { ok: 82, 'error:OutOfMemoryError': 2, timeout: 2 },
    });
    expect(Object.keys(summary.levels)).toEqual(['0', '1']);
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
