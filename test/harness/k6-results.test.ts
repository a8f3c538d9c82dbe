/**
 * k6's NDJSON turned into records: lines shaped as k6 v0.49 writes them (output/json/wrapper.go),
 * with marks chosen by hand so every expected figure is plain arithmetic on them.
 */
import { describe, expect, it } from 'vitest';
import { K6Results } from '../../src/harness/k6/k6-results.js';
import { parseK6Line } from '../../src/harness/k6/k6-stream.js';
import { K6_WIRE_VERSION, type K6Plan, type K6PromptWire } from '../../src/metrics/k6-wire.js';
import { MetricRecorder } from '../../src/metrics/recorder.js';
import type { LevelSummary, PromptRecord, VramSample } from '../../src/metrics/result-types.js';

const ORIGIN = 1_800_000_000_000;

function point(metric: string, timeMs: number, tags: Record<string, string>, metadata: Record<string, string> = {}, value = 1): string {
  return JSON.stringify({
    metric,
    type: 'Point',
    data: { time: new Date(timeMs).toISOString(), value, tags: { group: '', scenario: 'L0', ...tags }, metadata },
  });
}

function wire(seq: number, sentMs: number, outcome: 'ok' | 'error:torch.OutOfMemoryError'): K6PromptWire {
  const t = ORIGIN + sentMs;
  return {
    v: K6_WIRE_VERSION,
    seq,
    level: 0,
    concurrency: 2,
    phase: 'measure',
    openLoop: false,
    marks: {
      promptId: `p${seq}`,
      clientId: 'comfyload-x-all-vu1',
      intendedSendMs: t,
      sentMs: t,
      ackMs: t + 4,
      executionStartMs: t + 10,
      serverStartTs: 5000,
      cachedMs: t + 11,
      cachedNodes: ['4'],
      nodes: { '3': { startMs: t + 20 }, '9': { executedMs: t + 95, output: { images: [{ filename: 'a.png', subfolder: '', type: 'output' }] } } },
      steps: [
        { node: '3', value: 1, max: 3, atMs: t + 40 },
        { node: '3', value: 2, max: 3, atMs: t + 60.5 },
        { node: '3', value: 3, max: 3, atMs: t + 80 },
      ],
      completedMs: t + 100,
      serverEndTs: 5088,
      outcome,
      previews: 0,
      source: 'ws',
      duplicates: 0,
      lateEvents: 0,
    },
  };
}

const plan = {
  scenarios: [{ name: 'L0', phase: 'measure', levels: [{ level: 0, concurrency: 2, fromMs: 0 }], startTimeMs: 0, maxVUs: 3 }],
} as unknown as K6Plan;

async function convert(
  lines: string[],
): Promise<{ records: PromptRecord[]; levels: LevelSummary[]; samples: VramSample[]; recorder: MetricRecorder; unsettled: number }> {
  const records: PromptRecord[] = [];
  const ended: LevelSummary[] = [];
  const samples: VramSample[] = [];
  const recorder = new MetricRecorder({ clock: () => 0 });
  const results = new K6Results({
    recorder,
    runId: 'run-1',
    originEpochMs: ORIGIN,
    plan,
    vram: { add: (s) => samples.push(s) },
    observer: { onPromptSettled: (r) => void records.push(r), onLevelEnd: (s) => void ended.push(s) },
  });
  for (const [i, line] of lines.entries()) {
    const event = parseK6Line(line, `line ${i + 1}`);
    if (event !== undefined) await results.accept(event);
  }
  const out = await results.finish();
  return { records, levels: ended, samples, recorder, unsettled: out.unsettled };
}

describe('given the NDJSON of a k6 run of the scenarios', () => {
  it('when a prompt settles, then its record has the marks relative to the run start and the metrics of plain arithmetic on them', async () => {
    const { records, recorder } = await convert([
      point('http_req_duration', ORIGIN + 2, {}, {}, 3.2),
      point('promptsSubmitted', ORIGIN + 1000, { level: '0', phase: 'measure' }, { prompt_id: 'p0' }),
      point('promptsOk', ORIGIN + 1100, { level: '0', phase: 'measure', outcome: 'ok' }, { prompt_id: 'p0', comfyload: JSON.stringify(wire(0, 1000, 'ok')) }),
    ]);
    expect(records).toHaveLength(1);
    const r = records[0]!;
    expect(r).toMatchObject({
      runId: 'run-1',
      promptId: 'p0',
      level: 0,
      concurrency: 2,
      phase: 'measure',
      seq: 0,
      outcome: 'ok',
      cachedNodeCount: 1,
      stepCount: 3,
      imagesOut: 1,
    });
    expect(r.marks.sentMs).toBe(1000);
    expect(r.marks.completedMs).toBe(1100);
    expect(r.timings).toMatchObject({ submitAckMs: 4, queueWaitMs: 10, timeToFirstStepMs: 40, execMs: 90, completionMs: 100, serverExecMs: 88 });
    // The sampler's `executing` → its first progress (20 → 40) is its start, not a step; steps are between progress events.
    expect(r.samplerStartsMs).toEqual([20]);
    expect(r.stepIntervalsMs).toEqual([20.5, 19.5]);
    expect(recorder.summarize({ metric: 'completionMs', level: 0, phase: 'measure' })?.count).toBe(1);
  });

  it('when arrivals were dropped and a prompt never settled, then every one still ends in exactly one outcome and the counts add up', async () => {
    const { records, levels, unsettled } = await convert([
      point('promptsSubmitted', ORIGIN + 1000, { level: '0', phase: 'measure' }, { prompt_id: 'p0' }),
      point(
        'promptsError',
        ORIGIN + 1100,
        { level: '0', phase: 'measure', outcome: 'error:torch.OutOfMemoryError' },
        { comfyload: JSON.stringify(wire(0, 1000, 'error:torch.OutOfMemoryError')) },
      ),
      point('dropped_iterations', ORIGIN + 1200, { scenario: 'L0' }, {}, 2),
      point('promptsSubmitted', ORIGIN + 1300, { level: '0', phase: 'measure' }, { prompt_id: 'p9' }),
    ]);
    expect(records.map((r) => r.outcome)).toEqual(['error:torch.OutOfMemoryError', 'dropped', 'dropped', 'lost']);
    expect(unsettled).toBe(1);
    expect(records[1]).toMatchObject({ promptId: '', marks: { intendedSendMs: 1200 } });
    expect(records[3]).toMatchObject({ promptId: 'p9', marks: { sentMs: 1300 } });
    const [level] = levels;
    expect(level).toMatchObject({ submitted: 4, ok: 0, notOk: 4, outcomes: { 'error:torch.OutOfMemoryError': 1, dropped: 2, lost: 1 } });
    // Only `ok` prompts are measurements.
    expect(level!.metrics.completionMs).toBeUndefined();
  });

  it('when VRAM readings arrive, then they become samples on the run clock, tagged with what ran', async () => {
    const reading = {
      v: K6_WIRE_VERSION,
      atMs: ORIGIN + 1050.5,
      pollMs: 3,
      ramTotalBytes: 100,
      ramUsedBytes: 40,
      devices: [{ device: 0, name: 'cuda:0 X', vramTotalBytes: 10, vramUsedBytes: 6, torchReservedBytes: 5, torchActiveBytes: 4 }],
    };
    const { samples } = await convert([
      point('promptsSubmitted', ORIGIN + 1000, { level: '0', phase: 'measure' }, { prompt_id: 'p0' }),
      point('ramUsedBytes', ORIGIN + 1051, { scenario: 'vram' }, { comfyload: JSON.stringify(reading) }, 40),
    ]);
    expect(samples).toEqual([
      { atMs: 1050.5, pollMs: 3, level: 0, phase: 'measure', concurrency: 2, inFlight: 1, ramTotalBytes: 100, ramUsedBytes: 40, devices: reading.devices },
    ]);
  });

  it('when a line is not JSON, then it is refused naming the line', () => {
    expect(() => parseK6Line('time="…" level=info msg="x"', 'out.json:7')).toThrow(/out\.json:7 is not k6 NDJSON/);
    expect(parseK6Line('{"type":"Metric","data":{"name":"promptsOk"},"metric":"promptsOk"}', 'x')).toBeUndefined();
  });
});
