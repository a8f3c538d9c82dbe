import { describe, expect, it } from 'vitest';
import type { HistogramKey } from '../../src/metrics/histogram-key.js';
import { MetricRecorder } from '../../src/metrics/recorder.js';
import { hgrmFileName, hgrmFiles, hgrmText, writeHgrm } from '../../src/reporters/hgrm-writer.js';
import { MemorySink } from '../../src/reporters/sink.js';

const key = (over: Partial<HistogramKey>): HistogramKey => ({
  metric: 'completionMs',
  target: 0,
  level: 0,
  concurrency: 2,
  phase: 'measure',
  ...over,
});

/** Parses the value/percentile table of an .hgrm the way HdrHistogram's plotter does. */
function parseHgrm(text: string): { rows: { valueMs: number; percentile: number; totalCount: number }[]; footer: string[] } {
  const rows: { valueMs: number; percentile: number; totalCount: number }[] = [];
  const footer: string[] = [];
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (trimmed.startsWith('#')) footer.push(trimmed);
    const cells = trimmed.split(/\s+/);
    if (cells.length >= 3 && cells.slice(0, 3).every((cell) => cell !== '' && Number.isFinite(Number(cell)))) {
      rows.push({ valueMs: Number(cells[0]), percentile: Number(cells[1]), totalCount: Number(cells[2]) });
    }
  }
  return { rows, footer };
}

function recorderWithData(): MetricRecorder {
  const recorder = new MetricRecorder({ clock: () => 0 });
  for (let i = 1; i <= 100; i++) {
    recorder.record(key({ target: i % 2 }), 1000 + i * 10);
    recorder.record(key({ metric: 'queueWaitMs', level: 1, concurrency: 4 }), i);
  }
  recorder.record(key({ phase: 'warmup' }), 30_000);
  return recorder;
}

describe('.hgrm percentile distribution', () => {
  it('lists value (ms) / percentile / total count rows ending at 100 % and the max', () => {
    const recorder = recorderWithData();
    const filter = { level: 0, phase: 'measure', metric: 'completionMs' } as const;
    const text = hgrmText(recorder.merged(filter));
    const figures = recorder.summarize(filter);
    expect(text.split('\n')[0]).toMatch(/^\s+Value\s+Percentile\s+TotalCount\s+1\/\(1-Percentile\)$/);
    const { rows, footer } = parseHgrm(text);
    expect(rows.length).toBeGreaterThan(10);
    expect(rows[0]?.valueMs).toBeCloseTo(1010, 0);
    const last = rows.at(-1);
    expect(last).toMatchObject({ percentile: 1, totalCount: 100 });
    expect(last?.valueMs.toFixed(3)).toBe(figures?.max.toFixed(3));
    expect(rows.find((row) => row.percentile >= 0.5)?.valueMs.toFixed(3)).toBe(figures?.p50.toFixed(3));
    const percentiles = rows.map((row) => row.percentile);
    expect([...percentiles].sort((a, b) => a - b)).toEqual(percentiles);
    expect(footer.some((line) => /^#\[Max\s+=\s+200\d\.\d{3}, Total count\s+=\s+100\]$/.test(line))).toBe(true);
  });

  it('names one file per metric and level, targets merged, warm-up apart', () => {
    const files = [...hgrmFiles(recorderWithData())];
    expect(files.map((file) => [file.fileName, file.histogram.totalCount])).toEqual([
      ['warmup-c2-completionMs.hgrm', 1],
      ['L1-c2-completionMs.hgrm', 100],
      ['L2-c4-queueWaitMs.hgrm', 100],
    ]);
    expect(hgrmFileName('stepIntervalMs', 3, 16, 'measure')).toBe('L4-c16-stepIntervalMs.hgrm');
  });

  it('writes a distribution in one write and closes the sink', async () => {
    const sink = new MemorySink();
    const [file] = hgrmFiles(recorderWithData());
    if (file === undefined) throw new Error('no file');
    await writeHgrm(sink, file.histogram);
    expect(sink.chunks).toHaveLength(1);
    expect(sink.closed).toBe(true);
  });
});
