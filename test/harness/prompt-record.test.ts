import { describe, expect, it } from 'vitest';
import { PromptTracker } from '../../src/comfy/prompt-tracker.js';
import { buildPromptRecord, type RecordContext } from '../../src/harness/prompt-record.js';

const ctx: RecordContext = { runId: 'r', target: 0, level: 0, concurrency: 1, phase: 'measure', seq: 0, originMs: 0, openLoop: false };

function running(): PromptTracker {
  const t = new PromptTracker({ promptId: 'p', clientId: 'c', nodeIds: ['1', '2'] });
  t.markSent(0);
  t.onMessage({ type: 'execution_start', data: { prompt_id: 'p', timestamp: 1000 } }, 10);
  t.onMessage({ type: 'executing', data: { node: '1', prompt_id: 'p' } }, 11);
  return t;
}

describe('buildPromptRecord flags', () => {
  it("given a prompt the harness timed out, when the server's events go on, then the record says lateEvents, not duplicateEvents", () => {
    const t = running();
    t.markTimeout(500);
    t.onMessage({ type: 'progress', data: { value: 1, max: 2, prompt_id: 'p', node: '1' } }, 600);
    t.onMessage({ type: 'execution_interrupted', data: { prompt_id: 'p', node_id: '1', node_type: 'BenchFakeSampler', executed: [] } }, 610);
    const record = buildPromptRecord(t, ctx);
    expect(record.outcome).toBe('timeout');
    expect(record.flags).toContain('lateEvents');
    expect(record.flags).not.toContain('duplicateEvents');
  });

  it('given an event delivered twice, when recorded, then it is flagged duplicateEvents', () => {
    const t = running();
    t.onMessage({ type: 'executing', data: { node: '1', prompt_id: 'p' } }, 12);
    t.onMessage({ type: 'execution_success', data: { prompt_id: 'p', timestamp: 1100 } }, 20);
    t.onMessage({ type: 'executing', data: { node: null, prompt_id: 'p' } }, 21);
    const record = buildPromptRecord(t, ctx);
    expect(record.flags).toEqual(['duplicateEvents']);
  });
});
