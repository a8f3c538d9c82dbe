import { describe, expect, it } from 'vitest';
import { derivePromptTimings } from '../../src/comfy/prompt-timings.js';
import type { PromptMarks } from '../../src/comfy/marks.js';

function marks(over: Partial<PromptMarks>): PromptMarks {
  return { promptId: 'p', clientId: 'c', cachedNodes: [], nodes: {}, steps: [], previews: 0, source: 'ws', duplicates: 0, lateEvents: 0, ...over };
}

describe('derivePromptTimings', () => {
  const full = marks({
    intendedSendMs: 90,
    sentMs: 100,
    ackMs: 104,
    executionStartMs: 300,
    serverStartTs: 1_700_000_000_000,
    serverEndTs: 1_700_000_000_650,
    cachedNodes: ['4', '5'],
    nodes: { '3': { startMs: 310 }, '8': { startMs: 600 } },
    steps: [
      { node: '3', value: 1, max: 3, atMs: 400 },
      { node: '3', value: 2, max: 3, atMs: 450 },
      { node: '3', value: 3, max: 3, atMs: 502 },
      { node: '8', value: 1, max: 2, atMs: 620 },
      { node: '8', value: 2, max: 2, atMs: 640 },
    ],
    completedMs: 950,
  });

  it('given full open-loop marks, when derived, then every phase is measured from the intended send time', () => {
    expect(derivePromptTimings(full)).toEqual({
      submitAckMs: 4,
      queueWaitMs: 210,
      timeToFirstStepMs: 310,
      samplerStartMs: [90, 20],
      stepIntervalMs: [50, 52, 20],
      execMs: 650,
      completionMs: 860,
      serverExecMs: 650,
      cachedNodeCount: 2,
      stepCount: 5,
      uncorrected: { queueWaitMs: 200, timeToFirstStepMs: 300, completionMs: 850 },
    });
  });

  it('given closed-loop marks (no intended time), when derived, then corrected equals uncorrected', () => {
    const t = derivePromptTimings({ ...full, intendedSendMs: undefined });
    expect(t.queueWaitMs).toBe(t.uncorrected.queueWaitMs);
    expect(t.completionMs).toBe(t.uncorrected.completionMs);
  });

  it('given only a send, when derived, then every missing phase is undefined, never NaN', () => {
    const t = derivePromptTimings(marks({ sentMs: 5 }));
    expect(t).toEqual({
      submitAckMs: undefined,
      queueWaitMs: undefined,
      timeToFirstStepMs: undefined,
      samplerStartMs: [],
      stepIntervalMs: [],
      execMs: undefined,
      completionMs: undefined,
      serverExecMs: undefined,
      cachedNodeCount: 0,
      stepCount: 0,
      uncorrected: { queueWaitMs: undefined, timeToFirstStepMs: undefined, completionMs: undefined },
    });
  });

  it('given one server timestamp only, when derived, then serverExecMs is undefined (no clock mixing)', () => {
    expect(derivePromptTimings({ ...full, serverStartTs: undefined }).serverExecMs).toBeUndefined();
  });

  it('given a sampler setup ten times a step, when derived, then the setup is its samplerStartMs and no step interval holds it', () => {
    const steps = Array.from({ length: 10 }, (_, i) => ({ node: '3', value: i + 1, max: 10, atMs: 1000 + 100 * i }));
    const t = derivePromptTimings(marks({ sentMs: 0, executionStartMs: 5, nodes: { '3': { startMs: 20 } }, steps }));
    expect(t.samplerStartMs).toEqual([980]);
    expect(t.stepIntervalMs).toEqual(Array.from({ length: 9 }, () => 100));
    expect(t.stepCount).toBe(10);
  });

  it('given steps of a node whose executing was never seen, when derived, then it has no sampler start and its first step no interval', () => {
    const t = derivePromptTimings(
      marks({
        steps: [
          { node: '3', value: 1, max: 2, atMs: 10 },
          { node: '3', value: 2, max: 2, atMs: 15 },
        ],
      }),
    );
    expect(t.stepIntervalMs).toEqual([5]);
    expect(t.samplerStartMs).toEqual([]);
  });

  it('given steps attributed to no node, when derived, then they still give consecutive intervals', () => {
    const t = derivePromptTimings(
      marks({
        steps: [
          { node: null, value: 1, max: 3, atMs: 10 },
          { node: null, value: 2, max: 3, atMs: 17 },
          { node: null, value: 3, max: 3, atMs: 30 },
        ],
      }),
    );
    expect(t.stepIntervalMs).toEqual([7, 13]);
    expect(t.samplerStartMs).toEqual([]);
  });

  it('given marks in an impossible order, when derived, then the negative value is kept to expose the bug', () => {
    expect(derivePromptTimings(marks({ sentMs: 100, executionStartMs: 90 })).queueWaitMs).toBe(-10);
  });
});
