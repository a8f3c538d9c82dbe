import { describe, expect, it } from 'vitest';
import { Dispatcher, type TargetLoad } from '../../src/harness/dispatch.js';
import { QueueTimeline } from '../../src/metrics/queue-timeline.js';

const load = (queueRemaining: number | undefined, unacknowledged = 0, outstanding = 0): TargetLoad => ({ queueRemaining, unacknowledged, outstanding });

describe('Dispatcher', () => {
  it('round-robin takes targets in turn whatever their queues', () => {
    const d = new Dispatcher('round-robin', 3);
    const loads = [load(9), load(0), load(0)];
    expect([0, 1, 2, 3, 4].map(() => d.pick(loads))).toEqual([0, 1, 2, 0, 1]);
  });

  it('least-queue picks the shortest queue, counting prompts posted but not yet acknowledged', () => {
    const d = new Dispatcher('least-queue', 2);
    expect(d.pick([load(3), load(1)])).toBe(1);
    expect(d.pick([load(1, 0), load(1, 2)])).toBe(0);
  });

  it('least-queue breaks ties in turn, so a burst spreads', () => {
    const d = new Dispatcher('least-queue', 2);
    const loads = [load(0), load(0)];
    expect([0, 1, 2, 3].map(() => d.pick(loads))).toEqual([0, 1, 0, 1]);
  });

  it('before any status, least-queue goes by our own outstanding prompts', () => {
    const d = new Dispatcher('least-queue', 2);
    expect(d.pick([load(undefined, 0, 4), load(undefined, 0, 1)])).toBe(1);
  });
});

describe('QueueTimeline', () => {
  it('averages depth over time as a step function, per target and summed', () => {
    const t = new QueueTimeline();
    t.add({ target: 0, atMs: 0, queueRemaining: 0, source: 'ws' });
    t.add({ target: 0, atMs: 1000, queueRemaining: 4, source: 'ws' });
    t.add({ target: 0, atMs: 3000, queueRemaining: 0, source: 'http' });
    t.add({ target: 1, atMs: 0, queueRemaining: 2, source: 'ws' });
    expect(t.timeAverage([0], 0, 4000)).toBeCloseTo(2, 9); // 4 × 2 s of 4 s
    expect(t.timeAverage([0, 1], 0, 4000)).toBeCloseTo(4, 9);
    expect(t.latest(0)?.queueRemaining).toBe(0);
    expect(t.timeAverage([0], 5, 5)).toBeUndefined();
  });
});
