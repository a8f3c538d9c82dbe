/**
 * Micro-benchmark of the metrics hot paths: `MetricRecorder.record`, an interval snapshot with
 * its .hlog lines (encode), and a level summary. Run (see bench/README.md):
 *
 *   npx esbuild bench/metrics-record.ts --bundle --platform=node --format=esm --packages=external \
 *     --outfile=node_modules/.cache/comfyload-bench/metrics-record.mjs \
 *     && node node_modules/.cache/comfyload-bench/metrics-record.mjs
 *
 * Each figure is the mean ± standard deviation over ROUNDS rounds, after one warm-up round.
 */
import { performance } from 'node:perf_hooks';
import type { HistogramKey } from '../src/metrics/histogram-key.js';
import { METRIC_NAMES } from '../src/metrics/metric-names.js';
import { MetricRecorder } from '../src/metrics/recorder.js';
import { HlogWriter } from '../src/reporters/hlog-writer.js';

const ROUNDS = 7;
const RECORDS_PER_ROUND = 1_000_000;

interface Figure {
  mean: number;
  stddev: number;
}

function measure(round: () => number): Figure {
  round();
  return figureOf(Array.from({ length: ROUNDS }, round));
}

function figureOf(samples: readonly number[]): Figure {
  const mean = samples.reduce((sum, value) => sum + value, 0) / samples.length;
  const variance = samples.reduce((sum, value) => sum + (value - mean) ** 2, 0) / samples.length;
  return { mean, stddev: Math.sqrt(variance) };
}

function show(label: string, figure: Figure, unit: string, digits = 0): void {
  const pct = figure.mean === 0 ? 0 : (100 * figure.stddev) / figure.mean;
  process.stdout.write(`${label.padEnd(52)} ${figure.mean.toFixed(digits).padStart(12)} ${unit} ± ${pct.toFixed(1)} %\n`);
}

/** Latency-like values: 0.5 ms .. ~60 s, log-uniform, deterministic. */
function valuesMs(count: number): Float64Array {
  const values = new Float64Array(count);
  let state = 12345;
  for (let i = 0; i < count; i++) {
    state = (state * 1103515245 + 12345) % 2147483648;
    values[i] = 0.5 * Math.exp((state / 2147483648) * Math.log(120_000));
  }
  return values;
}

const baseKey: HistogramKey = { metric: 'completionMs', target: 0, level: 0, concurrency: 8, phase: 'measure' };
const samples = valuesMs(RECORDS_PER_ROUND);

const recordOneKey = measure(() => {
  const recorder = new MetricRecorder({ clock: () => 0 });
  const start = performance.now();
  for (let i = 0; i < samples.length; i++) recorder.record(baseKey, samples[i] ?? 0);
  return samples.length / ((performance.now() - start) / 1000);
});
show('record(): one key', recordOneKey, 'records/s');

const keys: HistogramKey[] = METRIC_NAMES.map((metric) => ({ ...baseKey, metric }));
const recordManyKeys = measure(() => {
  const recorder = new MetricRecorder({ clock: () => 0 });
  const start = performance.now();
  for (let i = 0; i < samples.length; i++) recorder.record(keys[i % keys.length] ?? baseKey, samples[i] ?? 0);
  return samples.length / ((performance.now() - start) / 1000);
});
show(`record(): rotating over ${keys.length} keys`, recordManyKeys, 'records/s');

/** One interval: `perKey` values in each of the 11 metric keys, then snapshot + write. */
async function intervalRound(perKey: number): Promise<{ snapshotMs: number; encodeMsPerLine: number; bytesPerLine: number }> {
  let nowMs = 0;
  const recorder = new MetricRecorder({ clock: () => nowMs });
  const lineBytes: number[] = [];
  const writer = new HlogWriter({ sink: (chunk) => void lineBytes.push(chunk.length), startTimeEpochMs: 0 });
  await writer.writeHeader();
  lineBytes.length = 0;
  for (const key of keys) for (let i = 0; i < perKey; i++) recorder.record(key, samples[i] ?? 0);
  nowMs += 10_000;
  const snapStart = performance.now();
  const snapshots = recorder.takeIntervals();
  const snapshotMs = performance.now() - snapStart;
  const encodeStart = performance.now();
  await writer.writeIntervals(snapshots);
  const encodeMs = performance.now() - encodeStart;
  const bytes = lineBytes.reduce((sum, size) => sum + size, 0);
  return { snapshotMs, encodeMsPerLine: encodeMs / lineBytes.length, bytesPerLine: bytes / lineBytes.length };
}

for (const perKey of [20, 1000, 100_000]) {
  await intervalRound(perKey);
  const results = [];
  for (let round = 0; round < ROUNDS; round++) results.push(await intervalRound(perKey));
  show(`takeIntervals(), ${keys.length} keys × ${perKey} values`, figureOf(results.map((r) => r.snapshotMs)), 'ms', 3);
  show(`hlog line encode+write, ${perKey} values/key`, figureOf(results.map((r) => r.encodeMsPerLine)), 'ms/line', 3);
  show(`hlog line size, ${perKey} values/key`, figureOf(results.map((r) => r.bytesPerLine)), 'bytes/line');
}

const summaryRecorder = new MetricRecorder({ clock: () => 0 });
for (let i = 0; i < 2000; i++) summaryRecorder.record({ ...baseKey, target: i % 4 }, samples[i] ?? 0);
const timed = (run: () => unknown) => () => {
  const start = performance.now();
  run();
  return performance.now() - start;
};
show('summarize(): 4 targets merged, 2000 values', measure(timed(() => summaryRecorder.summarize({ metric: 'completionMs' }))), 'ms', 3);
show(
  'valuesAtPercentiles([50,95]): 4 targets merged',
  measure(timed(() => summaryRecorder.valuesAtPercentiles({ metric: 'completionMs' }, [50, 95]))),
  'ms',
  3,
);
show(
  'valuesAtPercentiles([50,95]): one key',
  measure(timed(() => summaryRecorder.valuesAtPercentiles({ target: 0, metric: 'completionMs' }, [50, 95]))),
  'ms',
  3,
);
