/** MixResults: a mix's per-workflow tallies, shares and swaps from the records the engine settles, and the files it writes. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LevelTally, recordPrompt } from '../../src/metrics/level-tally.js';
import { MetricRecorder } from '../../src/metrics/recorder.js';
import type { PromptRecord, RunSummary } from '../../src/metrics/result-types.js';
import { MixResults } from '../../src/session/mix-results.js';
import { readCsv } from '../helpers/csv-read.js';

const dir = mkdtempSync(join(tmpdir(), 'comfyload-mix-results-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let seq = 0;
/** A prompt of `workflow` that started on the server at `startTs` (ms) and took `ttfsMs` from its start to its first step. */
function prompt(workflow: number, startTs: number, ttfsMs: number, over: Partial<PromptRecord> = {}): PromptRecord {
  const startMs = startTs - 1_000;
  return {
    runId: 'r',
    target: 0,
    level: 0,
    concurrency: 1,
    phase: 'measure',
    seq: seq++,
    workflow,
    promptId: `p${seq}`,
    clientId: 'c',
    marks: {
      intendedSendMs: startMs - 5,
      sentMs: startMs - 5,
      executionStartMs: startMs,
      firstStepMs: startMs + ttfsMs,
      completedMs: startMs + 100,
      serverStartTs: startTs,
    },
    timings: { completionMs: 105 + workflow * 100, execMs: 100 },
    samplerStartsMs: [],
    stepIntervalsMs: [],
    outcome: 'ok',
    outcomeDetail: '',
    cachedNodeCount: 0,
    stepCount: 20,
    imagesOut: 1,
    source: 'ws',
    flags: [],
    ...over,
  };
}

describe('MixResults', () => {
  it('tallies each workflow, adds up to the level, and finds the swaps in the server order whatever order prompts settle in', async () => {
    const recorder = new MetricRecorder({ clock: () => 0 });
    const warnings: string[] = [];
    const mix = new MixResults({
      mix: {
        workflows: [
          { name: 'sd15', path: '/w/sd15.json', workflow: {} },
          { name: 'sdxl', path: '/w/sdxl.json', workflow: {} },
        ],
        weights: [3, 1],
        order: { kind: 'random' },
      },
      models: [['v1-5.safetensors'], ['sdxl.safetensors']],
      sha256: ['a', 'b'],
      recorder,
      clock: () => 10_000,
      originMs: 0,
      cachedCountsAsOk: false,
      dir,
      headerComments: ['gpu: test'],
      targets: 1,
      warn: (m) => warnings.push(m),
    });
    const level = new LevelTally({ level: 0, concurrency: 1, phase: 'measure' });
    const settle = (r: PromptRecord): void => {
      recordPrompt(recorder, r);
      if (r.phase === 'measure') {
        level.submit(r.marks.sentMs ?? 0);
        level.settle(r, 10_000);
      }
      mix.onPromptSettled(r);
    };
    // Warm-up: one of each, so no model is cold in the measured level.
    settle(prompt(0, 1000, 500, { phase: 'warmup' }));
    settle(prompt(1, 2000, 900, { phase: 'warmup' }));
    mix.onLevelStart({ level: 0, concurrency: 1, phase: 'measure' });
    // Server order: sdxl(after sdxl: 100) sd15(swap: 300) sd15(50) sd15(60) sdxl(swap: 700) — settled out of order.
    settle(prompt(0, 4000, 60));
    settle(prompt(1, 3000, 100));
    settle(prompt(0, 3500, 300));
    settle(prompt(0, 3700, 50));
    settle(prompt(1, 4500, 700));
    settle(prompt(1, 4800, 0, { outcome: 'error:OOM', marks: { intendedSendMs: 1, sentMs: 1 }, timings: {} })); // never started
    const summary = level.summary(recorder);
    mix.onLevelEnd(summary);
    expect(warnings).toEqual([]);

    const base = { levels: { '0': summary } } as unknown as Omit<RunSummary, 'files'>;
    const { files, lines } = await mix.finish(base);
    expect(files.map((f) => f.path)).toEqual(['workflows.csv', 'swaps.csv']);
    const [sd15, sdxl] = base.mix!.workflows;
    expect(sd15).toMatchObject({ name: 'sd15', plannedShare: 0.75, share: 0.5, totals: { submitted: 3, ok: 3, notOk: 0 } });
    expect(sdxl).toMatchObject({ name: 'sdxl', plannedShare: 0.25, share: 0.5, totals: { submitted: 3, ok: 2, notOk: 1 } });
    expect(sd15!.totals.submitted + sdxl!.totals.submitted).toBe(summary.submitted);
    expect(base.workflowLevels![1]![0]!.metrics.completionMs?.count).toBe(2);
    expect(base.mix!.swaps).toMatchObject({ swapCount: 2, measuredSwapCount: 2, coldCount: 2, executedPrompts: 7 });
    expect(base.mix!.swaps.kinds.map((k) => [k.kind, k.swaps, k.swapMs])).toEqual([
      ['sd15→sdxl', 1, 600],
      ['sdxl→sd15', 1, 245],
    ]);
    const rows = readCsv(readFileSync(join(dir, 'workflows.csv'), 'utf8')).rows;
    expect(rows.map((r) => [r.workflow, r.submitted, r.ok])).toEqual([
      ['sd15', '3', '3'],
      ['sdxl', '3', '2'],
    ]);
    expect(readCsv(readFileSync(join(dir, 'swaps.csv'), 'utf8')).rows[1]).toMatchObject({ kind: 'sdxl→sd15', swapMs: '245.000' });
    expect(lines.join('\n')).toMatch(/sdxl→sd15: \+245\.0 ms to the first step/);
  });

  it('warns when the warm-up did not run every workflow: their first measured prompts load cold', () => {
    const warnings: string[] = [];
    const mix = new MixResults({
      mix: {
        workflows: [
          { name: 'a', path: 'a', workflow: {} },
          { name: 'b', path: 'b', workflow: {} },
        ],
        weights: [1, 1],
        order: { kind: 'alternate' },
      },
      models: [['a.safetensors'], ['b.safetensors']],
      sha256: ['', ''],
      recorder: new MetricRecorder({ clock: () => 0 }),
      clock: () => 0,
      originMs: 0,
      cachedCountsAsOk: false,
      dir,
      headerComments: [],
      targets: 1,
      warn: (m) => warnings.push(m),
    });
    mix.onPromptSettled(prompt(0, 1000, 10, { phase: 'warmup' }));
    mix.onLevelStart({ level: 0, concurrency: 1, phase: 'measure' });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/the warm-up did not run b: .*give --warmup 2 or more/);
  });
});
