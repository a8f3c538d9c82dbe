/**
 * Regression (issue 11): the queue timeline kept every sample (three a prompt in the open loop)
 * and past 50 000 dropped the older half, so a long run's early levels lost their Little's-law
 * depth. Windows opened at a level's start and closed at its end give the exact time average
 * whatever came before or after, from a bounded ring.
 */
import { describe, expect, it } from 'vitest';
import { QueueTimeline, type QueueSample } from '../../src/metrics/queue-timeline.js';

/** The time average of a step function over [from, to], from every sample (the definition). */
function reference(samples: readonly QueueSample[], fromMs: number, toMs: number): number | undefined {
  let area = 0;
  let covered = 0;
  for (let i = 0; i < samples.length; i++) {
    const s = samples[i]!;
    const start = Math.max(s.atMs, fromMs);
    const end = Math.min(samples[i + 1]?.atMs ?? toMs, toMs);
    if (end <= start) continue;
    area += s.queueRemaining * (end - start);
    covered += end - start;
  }
  return covered > 0 ? area / covered : undefined;
}

describe('QueueTimeline windows', () => {
  it("keep every level's exact average over a run of 200 000 samples", () => {
    const timeline = new QueueTimeline();
    const all: QueueSample[] = [];
    let t = 0;
    const add = (n: number): void => {
      for (let i = 0; i < n; i++) {
        t += 1 + (i % 7);
        const s: QueueSample = { target: 0, atMs: t, queueRemaining: (i * 13) % 11, source: i % 5 === 0 ? 'http' : 'ws' };
        all.push(s);
        timeline.add(s);
      }
    };
    const levels: { from: number; to: number; got: number | undefined }[] = [];
    for (let level = 0; level < 4; level++) {
      add(100);
      const from = t - 2.5; // the first arrival, a moment before the window is opened
      const window = timeline.window([0], from);
      add(50_000);
      const to = t - 1.5; // the last settlement; the level is summed up a moment later
      add(3);
      levels.push({ from, to, got: window.average(to) });
    }
    for (const { from, to, got } of levels) expect(got).toBeCloseTo(reference(all, from, to)!, 9);
  });

  it('averages over what a target covers, sums targets, and is undefined without cover', () => {
    const timeline = new QueueTimeline();
    const w = timeline.window([0, 1], 0);
    timeline.add({ target: 0, atMs: 1000, queueRemaining: 4, source: 'ws' });
    timeline.add({ target: 1, atMs: 2000, queueRemaining: 2, source: 'ws' });
    timeline.add({ target: 0, atMs: 3000, queueRemaining: 0, source: 'ws' });
    // target 0: 4 over [1000, 3000), 0 over [3000, 4000): 8000 / 3000; target 1: 2 over [2000, 4000).
    expect(w.average(4000)).toBeCloseTo(8000 / 3000 + 2, 12);
    expect(timeline.window([0], 5000).average(5000)).toBeUndefined();
    expect(timeline.window([7], 0).average(100)).toBeUndefined();
    expect(timeline.latest(0)?.queueRemaining).toBe(0);
  });
});
