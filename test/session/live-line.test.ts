/**
 * The live line (issue 15): redrawn on a timer from what the engine says now, not only when a
 * prompt settles — with one 10 s prompt in flight, the clock and its step still move, and the
 * in-flight count is the engine's (it used to read concurrency − 1, taken after the decrement).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { LiveCounts } from '../../src/harness/run-observer.js';
import { MetricRecorder } from '../../src/metrics/recorder.js';
import { ConsoleReporter } from '../../src/reporters/console.js';
import { ResultFiles } from '../../src/session/result-files.js';
import { FakeClock } from '../helpers/fake-clock.js';

const roots: string[] = [];
afterAll(() => {
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

function setup(isTTY: boolean, levelRates?: number[]): { clock: FakeClock; out: string[]; live: LiveCounts; files: ResultFiles } {
  const dir = mkdtempSync(join(tmpdir(), 'comfyload-live-'));
  roots.push(dir);
  const clock = new FakeClock();
  const out: string[] = [];
  const live: LiveCounts = { level: 0, concurrency: 2, phase: 'measure', submitted: 2, settled: 0, inFlight: 2, errors: 0, plannedPrompts: 4 };
  const console = new ConsoleReporter({ sink: { write: (c: string) => out.push(c) }, isTTY, clock: () => clock.now(), levelCount: 3 });
  const files = new ResultFiles({
    dir,
    recorder: new MetricRecorder({ clock: () => clock.now() }),
    startTimeEpochMs: clock.epochMs(),
    clockOriginMs: 0,
    headerComments: [],
    console,
    clock: () => clock.now(),
    levelCount: 3,
    live: () => ({ ...live }),
    timers: clock,
    ...(levelRates !== undefined ? { levelRates } : {}),
  });
  files.onLevelStart({ level: 0, concurrency: 2, phase: 'measure', plannedPrompts: 4 });
  return { clock, out, live, files };
}

describe('the live line', () => {
  it('is redrawn 4 times a second between completions, with the elapsed time, the steps and the in-flight count', async () => {
    const { clock, out, live, files } = setup(true);
    await clock.advance(1000);
    expect(out).toHaveLength(4);
    expect(out[3]).toContain('L1/3 c=2 | 0/4 done | 2 in flight | completion p50 - p95 - | errors 0 | 1.00s');
    live.steps = [
      { value: 3, max: 20 },
      { value: 14, max: 20 },
    ];
    await clock.advance(250);
    expect(out.at(-1)).toContain('| steps 3/20 14/20 |');
    expect(out.at(-1)).toContain('1.25s');
    live.steps = [{ value: 4, max: 20 }];
    await clock.advance(250);
    expect(out.at(-1)).toContain('| step 4/20 |');
    files.stopLive();
    const shown = out.length;
    await clock.advance(1000);
    expect(out).toHaveLength(shown);
    expect(clock.pendingCount).toBe(0);
  });

  it('names an open-loop level by its planned rate', async () => {
    const { clock, out, live, files } = setup(true, [2, 4]);
    live.concurrency = 0;
    await clock.advance(250);
    expect(out.at(-1)).toMatch(/^\rL1\/3 rate 120\/min \|/);
    files.stopLive();
  });

  it('draws nothing on a non-TTY and sets no timer', async () => {
    const { clock, out, files } = setup(false);
    await clock.advance(2000);
    expect(out).toEqual([]);
    files.stopLive();
  });
});
