import { HistogramLogReader, listTags, type Histogram } from 'hdr-histogram-js';
import { describe, expect, it } from 'vitest';
import { summarizeHistogram } from '../../src/metrics/hdr.js';
import { parseTag, type HistogramKey } from '../../src/metrics/histogram-key.js';
import { readHlog, readHlogIntervals } from '../../src/metrics/hlog-reader.js';
import { LevelTally, recordPrompt } from '../../src/metrics/level-tally.js';
import { MetricRecorder } from '../../src/metrics/recorder.js';
import type { PromptRecord } from '../../src/metrics/result-types.js';
import { HlogWriter } from '../../src/reporters/hlog-writer.js';
import { LevelsCsvWriter } from '../../src/reporters/levels-csv.js';
import { MemorySink } from '../../src/reporters/sink.js';
import { readResultsCsv } from '../../src/reporters/html/csv-read.js';
import { readCsv } from '../helpers/csv-read.js';

const START_EPOCH_MS = 1_700_000_000_123;

function promptRecord(level: number, concurrency: number, target: number, seq: number): PromptRecord {
  // Deterministic spread over four orders of magnitude, so buckets of every width are used.
  const spread = ((seq * 7919) % 1000) / 1000;
  return {
    runId: 'run',
    target,
    level,
    concurrency,
    phase: 'measure',
    seq,
    promptId: `p${seq}`,
    clientId: `c${seq % concurrency}`,
    marks: {},
    timings: {
      submitAckMs: 0.5 + spread * 20,
      queueWaitMs: spread * 10_000 * (level + 1),
      completionMs: 900 + spread * 30_000,
      execMs: 850 + spread * 1000,
    },
    samplerStartsMs: [300 + spread],
    stepIntervalsMs: [40 + spread, 41 + spread, 39.5 + spread],
    outcome: 'ok',
    outcomeDetail: '',
    cachedNodeCount: 0,
    stepCount: 3,
    imagesOut: 1,
    source: 'ws',
    flags: [],
  };
}

/** Two levels, two targets, prompts settling over ten 1-second intervals. */
async function recordRun(): Promise<{ recorder: MetricRecorder; hlog: string; levelsCsv: string }> {
  let nowMs = 0;
  const recorder = new MetricRecorder({ clock: () => nowMs });
  const hlogSink = new MemorySink();
  const hlog = new HlogWriter({ sink: hlogSink, startTimeEpochMs: START_EPOCH_MS, headerComments: ['gpu: test'] });
  const levelsSink = new MemorySink();
  const levelsCsv = new LevelsCsvWriter({ sink: levelsSink });
  let seq = 0;
  for (const [level, concurrency] of [
    [0, 1],
    [1, 4],
  ] as const) {
    const tally = new LevelTally({ level, concurrency, phase: 'measure' });
    for (let interval = 0; interval < 5; interval++) {
      for (let i = 0; i < 37; i++) {
        const record = promptRecord(level, concurrency, seq % 2, seq);
        seq++;
        tally.submit(nowMs);
        recordPrompt(recorder, record);
        tally.settle(record, nowMs + 10);
      }
      nowMs += 1000;
      await hlog.writeIntervals(recorder.takeIntervals());
    }
    await levelsCsv.writeLevel(tally.summary(recorder));
  }
  await hlog.close();
  await levelsCsv.close();
  return { recorder, hlog: hlogSink.text(), levelsCsv: levelsSink.text() };
}

function readAllWithLibrary(text: string): Map<string, Histogram[]> {
  const reader = new HistogramLogReader(text);
  const byTag = new Map<string, Histogram[]>();
  for (let histogram = reader.nextIntervalHistogram(); histogram !== null; histogram = reader.nextIntervalHistogram()) {
    byTag.set(histogram.tag, [...(byTag.get(histogram.tag) ?? []), histogram]);
  }
  return byTag;
}

describe('histograms.hlog', () => {
  it('starts with the version, comments, StartTime, BaseTime and legend lines', async () => {
    const { hlog } = await recordRun();
    const lines = hlog.split('\n');
    expect(lines.slice(0, 6)).toEqual([
      '#[Histogram log format version 1.3]',
      '# gpu: test',
      '# levels: numbered from 1 as on the console (level 1 = L1); the warm-up is level 0',
      '#[StartTime: 1700000000.123 (seconds since epoch), 2023-11-14T22:13:20.123Z]',
      '#[BaseTime: 1700000000.123 (seconds since epoch)]',
      '"StartTimestamp","Interval_Length","Interval_Max","Interval_Compressed_Histogram"',
    ]);
    expect(lines[6]).toMatch(/^Tag=[A-Za-z]+@t\d-L[1-9]-c\d-measure,0\.000,1\.000,\d+\.\d{3},HIST[A-Za-z0-9+/=]+$/);
    expect(hlog.endsWith('\n')).toBe(true);
  });

  it('gives Interval_Max in ms (the µs max divided by 1000)', async () => {
    const { hlog } = await recordRun();
    for (const interval of readHlogIntervals(hlog)) {
      const line = hlog.split('\n').find((candidate) => candidate.startsWith(`Tag=${interval.tag},`));
      expect(line).toBeDefined();
    }
    const [first] = readHlogIntervals(hlog);
    const firstLine = hlog.split('\n')[6] ?? '';
    expect(firstLine.split(',')[3]).toBe(((first?.histogram.maxValue ?? 0) / 1000).toFixed(3));
  });

  it('reads back with hdr-histogram-js HistogramLogReader to the recorder percentiles', async () => {
    const { recorder, hlog } = await recordRun();
    const byTag = readAllWithLibrary(hlog);
    expect(new Set(listTags(hlog))).toEqual(new Set(recorder.tags({})));
    const first = byTag.values().next().value?.[0];
    expect(first?.startTimeStampMsec).toBe(START_EPOCH_MS);
    expect(first?.endTimeStampMsec).toBe(START_EPOCH_MS + 1000);
    for (const key of recorder.keys()) {
      const tag = recorder.tags(key)[0] ?? '';
      const intervals = byTag.get(tag) ?? [];
      expect(intervals.length).toBeGreaterThan(0);
      const sum = intervals.reduce((total, histogram) => (total.add(histogram), total));
      expect(summarizeHistogram(sum)).toEqual(recorder.percentiles(key));
    }
  });

  it('reads back with readHlog to the recorder percentiles, per tag and merged per level', async () => {
    const { recorder, hlog } = await recordRun();
    const byTag = readHlog(hlog);
    for (const key of recorder.keys()) {
      const histogram = byTag.get(recorder.tags(key)[0] ?? '');
      expect(histogram && summarizeHistogram(histogram)).toEqual(recorder.percentiles(key));
    }
    const level1Completion = [...byTag]
      .filter(([tag]) => parseTag(tag)?.level === 1 && parseTag(tag)?.metric === 'completionMs')
      .map(([, histogram]) => histogram);
    expect(level1Completion).toHaveLength(2);
    const merged = level1Completion.reduce((total, histogram) => (total.add(histogram), total));
    expect(summarizeHistogram(merged)).toEqual(recorder.summarize({ level: 1, metric: 'completionMs' }));
  });

  it('reads back to the same percentiles as levels.csv', async () => {
    const { hlog, levelsCsv } = await recordRun();
    // The file numbers levels from 1, in its rows and in the tags alike; read back, both are the index.
    expect(readCsv(levelsCsv).rows.map((r) => r['level'])).toEqual(['1', '2']);
    expect([...readHlog(hlog).keys()].filter((t) => t.includes('-L0-'))).toEqual([]);
    const { rows } = readResultsCsv(levelsCsv);
    expect(rows).toHaveLength(2);
    const byTag = readHlog(hlog);
    for (const row of rows) {
      for (const metric of ['queueWaitMs', 'completionMs', 'stepIntervalMs', 'submitAckMs'] as const) {
        const histograms = [...byTag]
          .filter(([tag]) => {
            const key: HistogramKey | undefined = parseTag(tag);
            return key?.metric === metric && key.level === Number(row['level']);
          })
          .map(([, histogram]) => histogram);
        const figures = summarizeHistogram(histograms.reduce((total, histogram) => (total.add(histogram), total)));
        for (const figure of ['p50', 'p90', 'p95', 'p99', 'max'] as const) {
          expect(row[`${metric}_${figure}`]).toBe(figures?.[figure].toFixed(3));
        }
        expect(row[`${metric}_count`]).toBe(String(figures?.count));
      }
    }
  });

  it('keeps only complete lines when a run dies between intervals', async () => {
    const { hlog } = await recordRun();
    const cut = hlog.slice(0, hlog.indexOf('\n', hlog.length / 2) + 1);
    expect(() => readHlog(cut)).not.toThrow();
    expect(readHlogIntervals(cut).length).toBeLessThan(readHlogIntervals(hlog).length);
  });
});
