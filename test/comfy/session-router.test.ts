import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DecodeStats } from '../../src/comfy/decode-stats.js';
import { PromptTracker } from '../../src/comfy/prompt-tracker.js';
import { SessionRouter } from '../../src/comfy/session-router.js';
import type { StepMark } from '../../src/comfy/marks.js';
import { cached, executing, progress, start, status, success, text } from './helpers/messages.js';

function setup(ids: string[] = ['a']) {
  const steps: [string, StepMark][] = [];
  const done: string[] = [];
  const previews: string[] = [];
  const router = new SessionRouter({
    clientId: 'c1',
    onStep: (t, s) => steps.push([t.promptId, s]),
    onPromptDone: (t) => done.push(t.promptId),
    onPreview: (t) => previews.push(t.promptId),
  });
  const trackers = ids.map((id) => new PromptTracker({ promptId: id, clientId: 'c1' }));
  trackers.forEach((t) => router.track(t));
  return { router, trackers, steps, done, previews };
}

function preview1(): Uint8Array {
  return new Uint8Array([0, 0, 0, 1, 0, 0, 0, 1, 0xff, 0xd8]);
}
function preview4(promptId: string): Uint8Array {
  const meta = new TextEncoder().encode(JSON.stringify({ node_id: '3', prompt_id: promptId, image_type: 'image/jpeg' }));
  const out = new Uint8Array(8 + meta.length + 2);
  const view = new DataView(out.buffer);
  view.setUint32(0, 4);
  view.setUint32(4, meta.length);
  out.set(meta, 8);
  return out;
}

describe('SessionRouter routing', () => {
  it('given a tracked prompt, when its frames arrive, then they reach it and the hooks fire', () => {
    const { router, trackers, steps, done } = setup();
    for (const [i, m] of [
      start('a', 1),
      executing('3', 'a'),
      progress(1, 2, 'a', '3'),
      progress(2, 2, 'a', '3'),
      success('a', 9),
      executing(null, 'a'),
    ].entries()) {
      router.onText(text(m), 10 + i);
    }
    expect(trackers[0]!.outcome).toBe('ok');
    expect(steps.map(([id, s]) => [id, s.value])).toEqual([
      ['a', 1],
      ['a', 2],
    ]);
    expect(done).toEqual(['a']);
    expect(router.runningPromptId).toBeUndefined();
  });

  it('given progress without prompt_id (legacy), when a prompt of ours is running, then it goes to that prompt', () => {
    const { router, trackers } = setup(['a', 'b']);
    router.onText(text(start('b')), 1);
    router.onText(text(executing('3', 'b')), 2);
    router.onText(text(progress(1, 5)), 3);
    expect(trackers[1]!.marks.steps).toHaveLength(1);
    expect(trackers[0]!.marks.steps).toHaveLength(0);
    expect(router.runningPromptId).toBe('b');
  });

  it('given progress without prompt_id, when nothing is running, then it is counted unattributed, not fatal', () => {
    const { router, trackers } = setup();
    router.onText(text(progress(1, 5)), 3);
    router.onBinary(preview1(), 4);
    expect(router.unattributed).toBe(2);
    expect(trackers[0]!.marks.steps).toHaveLength(0);
  });

  it('given a foreign prompt running on this socket, when id-less progress arrives, then it is foreign, not ours', () => {
    const { router, trackers } = setup();
    router.onText(text(start('zzz')), 1);
    router.onText(text(progress(1, 5)), 2);
    router.onText(text(success('zzz')), 3);
    expect(router.foreign).toBe(3);
    expect(trackers[0]!.marks.steps).toHaveLength(0);
  });

  it('given a reconnect, when the server replays executing without prompt_id, then the running prompt gets it as a duplicate', () => {
    const { router, trackers } = setup();
    router.onText(text(start('a')), 1);
    router.onText(text(executing('3', 'a')), 2);
    router.onText(text(status(1, 'c1')), 50);
    router.onText(text(executing('3')), 51);
    router.onText(text(progress(4, 5)), 52);
    expect(trackers[0]!.marks.nodes['3']?.startMs).toBe(2);
    expect(trackers[0]!.marks.duplicates).toBe(1);
    expect(trackers[0]!.marks.steps[0]).toMatchObject({ node: '3', value: 4 });
  });

  it('given execution_start was missed, when a first executing with prompt_id arrives, then the prompt counts as running', () => {
    const { router, trackers } = setup();
    router.onText(text(executing('3', 'a')), 2);
    router.onText(text(progress(1, 5)), 3);
    expect(trackers[0]!.marks.steps).toHaveLength(1);
  });

  it('given preview frames, when type 1 arrives, then the running prompt gets it; type 4 goes by metadata prompt_id', () => {
    const { router, trackers, previews } = setup(['a', 'b']);
    router.onText(text(start('a')), 1);
    router.onBinary(preview1(), 2);
    router.onBinary(preview4('b'), 3);
    router.onBinary(preview4('nope'), 4);
    expect(trackers.map((t) => t.marks.previews)).toEqual([1, 1]);
    expect(previews).toEqual(['a', 'b']);
    expect(router.foreign).toBe(1);
  });

  it('given status broadcasts, when they arrive, then the queue depth and its time are exposed and no prompt changes', () => {
    const { router, trackers } = setup();
    router.onText(text(status(0, 'c1')), 1);
    router.onText(text(status(4)), 7);
    expect(router.queueRemaining).toBe(4);
    expect(router.queueRemainingAtMs).toBe(7);
    expect(router.sessionId).toBe('c1');
    expect(trackers[0]!.marks.duplicates + trackers[0]!.marks.steps.length).toBe(0);
  });

  it('given unknown types and malformed frames, when they arrive, then the shared stats count them', () => {
    const stats = new DecodeStats();
    const router = new SessionRouter({ clientId: 'c', stats });
    router.onText('{"type":"crystools.monitor","data":{}}', 1);
    router.onText('{oops', 2);
    router.onText('{"type":"progress","data":{"value":"x","max":1}}', 3);
    expect(stats.unknown).toBe(1);
    expect(stats.malformed).toBe(2);
    expect(router.stats).toBe(stats);
  });

  it('given a server that ignores our prompt_id, when the reply names its own id, then markAck re-keys the tracker', () => {
    const { router, trackers } = setup(['ours']);
    router.markAck('ours', 5, { prompt_id: 'theirs', number: 1, node_errors: {} });
    router.onText(text(start('theirs')), 6);
    expect(router.get('theirs')).toBe(trackers[0]);
    expect(router.get('ours')).toBeUndefined();
    expect(trackers[0]!.marks.executionStartMs).toBe(6);
    expect(router.markAck('unknown', 1, { prompt_id: 'x', number: 1, node_errors: {} })).toBeUndefined();
  });

  it('given an untracked prompt, when its frames arrive later, then they are foreign', () => {
    const { router } = setup();
    router.onText(text(start('a')), 1);
    router.untrack('a');
    expect(router.size).toBe(0);
    expect(router.runningPromptId).toBeUndefined();
    router.onText(text(cached('a', [])), 2);
    expect(router.foreign).toBe(1);
  });
});

describe('SessionRouter robustness', () => {
  const types = [
    'status',
    'execution_start',
    'execution_cached',
    'executing',
    'progress',
    'progress_state',
    'executed',
    'execution_success',
    'execution_error',
    'execution_interrupted',
    'feature_flags',
    'logs',
    'display_component',
    'mystery',
  ];
  const ids = fc.constantFrom('a', 'b', 'x', undefined);
  const data = fc.oneof(
    fc.jsonValue(),
    fc.record(
      {
        prompt_id: ids,
        node: fc.oneof(fc.constantFrom('1', '3', null), fc.jsonValue()),
        value: fc.oneof(fc.integer(), fc.jsonValue()),
        max: fc.oneof(fc.integer(), fc.jsonValue()),
        nodes: fc.oneof(fc.array(fc.constantFrom('1', '3')), fc.jsonValue()),
        timestamp: fc.oneof(fc.integer(), fc.jsonValue()),
        exception_type: fc.oneof(fc.string(), fc.jsonValue()),
        status: fc.oneof(fc.record({ exec_info: fc.record({ queue_remaining: fc.integer() }) }), fc.jsonValue()),
      },
      { requiredKeys: [] },
    ),
  );
  const frame = fc.oneof(
    fc.record({ type: fc.constantFrom(...types), data }).map((m) => JSON.stringify(m)),
    fc.json(),
    fc.string(),
  );

  it('given arbitrary JSON messages, when routed, then the router never throws and trackers keep one outcome', () => {
    fc.assert(
      fc.property(fc.array(frame, { maxLength: 60 }), fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 5 }), (frames, binaries) => {
        const { router, trackers } = setup(['a', 'b']);
        const outcomes = trackers.map(() => undefined as string | undefined);
        frames.forEach((f, i) => {
          router.onText(f, i);
          trackers.forEach((t, k) => {
            if (outcomes[k] === undefined) outcomes[k] = t.outcome;
            expect(t.outcome === undefined || t.outcome === outcomes[k]).toBe(true);
          });
        });
        binaries.forEach((b, i) => router.onBinary(b, 1000 + i));
      }),
      { numRuns: 1000 },
    );
  });
});
