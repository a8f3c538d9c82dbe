import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PromptTracker } from '../../src/comfy/prompt-tracker.js';
import { derivePromptTimings } from '../../src/comfy/prompt-timings.js';
import type { KnownServerMessage } from '../../src/comfy/messages.js';
import { cached, executed, executing, failure, interrupted, progress, start, success } from './helpers/messages.js';

const P = 'p1';
const ack = { prompt_id: P, number: 7, node_errors: {} };

function tracker(nodeIds?: string[]): PromptTracker {
  return new PromptTracker({ promptId: P, clientId: 'c1', ...(nodeIds ? { nodeIds } : {}) });
}

function feed(t: PromptTracker, msgs: KnownServerMessage[], t0 = 100, dt = 10): void {
  msgs.forEach((m, i) => t.onMessage(m, t0 + i * dt));
}

describe('PromptTracker lifecycle', () => {
  it('given a legacy server (no execution_success, no progress_state, no timestamps), when executing null arrives, then the outcome is ok', () => {
    const t = tracker();
    t.markSent(90);
    t.markAck(95, ack);
    feed(t, [start(P), cached(P, []), executing('3', P), progress(1, 2), progress(2, 2), executing('9', P), executed('9', P), executing(null, P)]);
    expect(t.outcome).toBe('ok');
    expect(t.done).toBe(true);
    expect(t.marks.steps.map((s) => s.node)).toEqual(['3', '3']);
    expect(t.marks.serverStartTs).toBeUndefined();
    expect(derivePromptTimings(t.marks).serverExecMs).toBeUndefined();
    expect(t.marks.completedMs).toBe(170);
  });

  it('given the POST reply comes last, when events came first, then every mark is kept and the reply still records', () => {
    const t = tracker();
    t.markSent(0);
    feed(t, [start(P, 1000), executing('3', P), progress(1, 1, P, '3'), success(P, 1500), executing(null, P)]);
    t.markAck(500, ack);
    expect(t.marks.ackMs).toBe(500);
    expect(t.marks.number).toBe(7);
    expect(t.outcome).toBe('ok');
    expect(derivePromptTimings(t.marks)).toMatchObject({ submitAckMs: 500, queueWaitMs: 100, serverExecMs: 500 });
  });

  it('given an execution_error, when completion follows, then the outcome is error:<exception_type> with detail', () => {
    const t = tracker();
    feed(t, [start(P), executing('3', P), failure(P), executing(null, P)]);
    expect(t.outcome).toBe('error:torch.OutOfMemoryError');
    expect(t.marks.error).toEqual({ nodeId: '3', nodeType: 'KSampler', exceptionType: 'torch.OutOfMemoryError', exceptionMessage: 'OOM\n' });
  });

  it('given an interrupt on a legacy server, when executing null follows, then it stays interrupted, not ok', () => {
    const t = tracker();
    feed(t, [start(P), executing('3', P), progress(1, 9), interrupted(P), executing(null, P)]);
    expect(t.outcome).toBe('interrupted');
  });

  it('given progress without node, when attributed, then it belongs to the node whose executing came last', () => {
    const t = tracker();
    feed(t, [start(P), executing('3', P), progress(1, 2, P, null), executing('10', P), progress(1, 4, P)]);
    expect(t.marks.steps.map((s) => s.node)).toEqual(['3', '10']);
  });

  it('given progress before any executing, when recorded, then its node is null', () => {
    const t = tracker();
    t.onMessage(progress(1, 2), 5);
    expect(t.marks.steps).toEqual([{ node: null, value: 1, max: 2, atMs: 5 }]);
  });
  it('given a hostile node id "__proto__", when it executes, then it is an ordinary key and nothing is polluted', () => {
    const t = tracker();
    feed(t, [start(P), executing('__proto__', P), executed('__proto__', P)]);
    expect(Object.keys(t.marks.nodes)).toEqual(['__proto__']);
    expect(t.marks.nodes['__proto__']?.startMs).toBe(110);
    expect(({} as Record<string, unknown>).startMs).toBeUndefined();
  });
});

describe('PromptTracker duplicates', () => {
  it('given repeated messages, when fed, then each is counted once as duplicate and not recorded twice', () => {
    const t = tracker();
    feed(t, [
      start(P, 1),
      start(P, 2),
      cached(P, ['4']),
      cached(P, ['4', '5']),
      executing('3', P),
      executing('3', P),
      progress(1, 20, P, '3'),
      progress(1, 20, P, '3'),
      executed('9', P),
      executed('9', P),
    ]);
    expect(t.marks.duplicates).toBe(5);
    expect(t.marks.serverStartTs).toBe(1);
    expect(t.marks.executionStartMs).toBe(100);
    expect(t.marks.cachedNodes).toEqual(['4']);
    expect(t.marks.steps).toHaveLength(1);
    expect(t.marks.nodes['3']?.startMs).toBe(140);
    expect(t.marks.nodes['9']?.executedMs).toBe(180);
  });

  it('given a completed prompt, when anything else arrives, then it is a duplicate and changes nothing', () => {
    const t = tracker();
    feed(t, [start(P), success(P), executing(null, P)]);
    const before = structuredClone(t.marks);
    expect(t.onMessage(failure(P), 500)).toBe('duplicate');
    expect(t.onMessage(progress(1, 1, P), 501)).toBe('duplicate');
    expect(t.onMessage(executing(null, P), 502)).toBe('duplicate');
    expect(t.onPreview(503)).toBe(false);
    expect(t.marks.duplicates).toBe(4);
    expect({ ...t.marks, duplicates: 0 }).toEqual({ ...before, duplicates: 0 });
  });

  it('given a reconnect replay of the running node without prompt_id, when it arrives, then the start is not moved', () => {
    const t = tracker();
    feed(t, [start(P), executing('3', P)]);
    expect(t.onMessage(executing('3'), 900)).toBe('duplicate');
    expect(t.marks.nodes['3']?.startMs).toBe(110);
  });

  it('given a reconnect replay of a node the socket never saw start, when progress follows, then progress is attributed but no fake start is set', () => {
    const t = tracker();
    feed(t, [start(P)]);
    t.onMessage(executing('8'), 900);
    t.onMessage(progress(3, 4), 910);
    expect(t.marks.nodes['8']?.startMs).toBeUndefined();
    expect(t.marks.steps[0]?.node).toBe('8');
  });
});

describe('PromptTracker cache detection', () => {
  it('given node ids and all of them cached, when the run succeeds, then the outcome is cached', () => {
    const t = tracker(['1', '2']);
    feed(t, [start(P), cached(P, ['2', '1']), executed('2', P), success(P), executing(null, P)]);
    expect(t.outcome).toBe('cached');
  });

  it('given node ids and only some cached, when the run succeeds without executing, then the outcome is ok', () => {
    const t = tracker(['1', '2', '3']);
    feed(t, [start(P), cached(P, ['1', '2']), success(P), executing(null, P)]);
    expect(t.outcome).toBe('ok');
  });

  it('given no node ids, when cached nodes come and nothing executes, then the outcome is cached (legacy completion too)', () => {
    const t = tracker();
    feed(t, [start(P), cached(P, ['4']), executing(null, P)]);
    expect(t.outcome).toBe('cached');
  });

  it('given no node ids, when a node executes, then the outcome is ok', () => {
    const t = tracker();
    feed(t, [start(P), cached(P, ['4']), executing('9', P), success(P), executing(null, P)]);
    expect(t.outcome).toBe('ok');
  });
});

describe('PromptTracker give-up paths', () => {
  it('given no terminal event, when the harness times out, then the outcome is timeout without a completion time', () => {
    const t = tracker();
    feed(t, [start(P), executing('3', P)]);
    expect(t.markTimeout(5000)).toBe(true);
    expect(t.outcome).toBe('timeout');
    expect(t.done).toBe(true);
    expect(t.marks.completedMs).toBeUndefined();
    expect(t.markLost(6000)).toBe(false);
    expect(t.outcome).toBe('timeout');
  });

  it('given a terminal event but no executing null, when timed out, then the server outcome stays and completes at its receipt', () => {
    const t = tracker();
    feed(t, [start(P), failure(P, 'RuntimeError')]);
    t.markTimeout(5000);
    expect(t.outcome).toBe('error:RuntimeError');
    expect(t.marks.completedMs).toBe(110);
  });

  it("given a timed-out prompt, when the server's later events arrive, then they are late events, not duplicates", () => {
    const t = tracker();
    feed(t, [start(P), executing('3', P), progress(1, 2, P, '3')]);
    t.markTimeout(5000);
    expect(t.onMessage(progress(2, 2, P, '3'), 5100)).toBe('late');
    expect(t.onMessage(interrupted(P), 5200)).toBe('late');
    expect(t.onPreview(5150)).toBe(false);
    expect(t.marks.lateEvents).toBe(3);
    expect(t.marks.duplicates).toBe(0);
    expect(t.outcome).toBe('timeout');
  });

  it('given a repeated event before the give-up, when timed out, then it stays a duplicate and later ones are late', () => {
    const t = tracker();
    feed(t, [start(P), start(P)]);
    t.markLost(900);
    t.onMessage(success(P), 1000);
    expect(t.marks).toMatchObject({ duplicates: 1, lateEvents: 1, outcome: 'lost' });
  });

  it('given the terminal event came over the socket, when history fills in the rest, then completion is that receipt, not the look-up', () => {
    const t = tracker();
    t.markSent(0);
    feed(t, [start(P, 1000), executing('3', P), success(P, 1600)]);
    const entry = { prompt: [0, P, {}, {}, []], outputs: {}, status: { status_str: 'success', completed: true, messages: [] } };
    expect(t.applyHistory(entry as never, 30_000)).toBe(true);
    expect(t.marks).toMatchObject({ completedMs: 120, source: 'history' });
    expect(t.marks.completedByLookup).toBeUndefined();
    expect(derivePromptTimings(t.marks)).toMatchObject({ completionMs: 120, serverExecMs: 600 });
  });

  it('given a silent server, when marked lost, then the outcome is lost', () => {
    const t = tracker();
    t.markSent(1);
    expect(t.markLost(2)).toBe(true);
    expect(t.outcome).toBe('lost');
  });

  it('given a rejection after completion, when applied, then it changes nothing', () => {
    const t = tracker();
    feed(t, [start(P), success(P), executing(null, P)]);
    t.markRejected(999, 400, { error: 'no prompt', node_errors: [] });
    expect(t.outcome).toBe('ok');
    expect(t.marks.rejection).toBeUndefined();
  });
});

describe('PromptTracker: exactly one outcome', () => {
  const terminals: [string, KnownServerMessage, string][] = [
    ['success', success(P), 'ok'],
    ['error', failure(P, 'ValueError'), 'error:ValueError'],
    ['interrupted', interrupted(P), 'interrupted'],
    ['completion', executing(null, P), 'ok'],
  ];

  it('given the terminal events in every order, when fed, then the first one decides and never changes', () => {
    const orders = permutations(terminals);
    expect(orders).toHaveLength(24);
    for (const order of orders) {
      const t = tracker();
      t.onMessage(start(P), 1);
      const seen = new Set<string | undefined>();
      order.forEach(([, m], i) => {
        t.onMessage(m, 10 + i);
        if (t.outcome !== undefined) seen.add(t.outcome);
      });
      expect(seen.size).toBe(1);
      expect(t.outcome).toBe(order[0]![2]);
      expect(t.done).toBe(true);
    }
  });

  it('given arbitrary message sequences, when fed, then once set the outcome never changes and marks stay finite', () => {
    const anyMsg = fc.oneof(
      fc.constant(start(P, 1)),
      fc.constant(cached(P, ['1'])),
      fc.constantFrom('1', '3', '9').map((n) => executing(n, P)),
      fc.constant(executing(null, P)),
      fc.constant(executing('3')),
      fc.tuple(fc.nat(30), fc.integer({ min: 1, max: 30 }), fc.boolean()).map(([v, m, withNode]) => progress(v, m, P, withNode ? '3' : undefined)),
      fc.constant(executed('9', P)),
      fc.constant(success(P, 2)),
      fc.constant(failure(P)),
      fc.constant(interrupted(P)),
    );
    fc.assert(
      fc.property(fc.array(anyMsg, { maxLength: 40 }), fc.nat(40), (msgs, ackAt) => {
        const t = tracker();
        t.markSent(0);
        let first: string | undefined;
        msgs.forEach((m, i) => {
          if (i === ackAt) t.markAck(i, ack);
          t.onMessage(m, i + 1);
          if (first === undefined) first = t.outcome;
          expect(t.outcome === undefined || t.outcome === first).toBe(true);
        });
        const timings = derivePromptTimings(t.marks);
        for (const v of [timings.queueWaitMs, timings.execMs, timings.completionMs, ...timings.stepIntervalMs]) {
          expect(v === undefined || Number.isFinite(v)).toBe(true);
        }
      }),
      { numRuns: 1000 },
    );
  });
});

function permutations<T>(xs: T[]): T[][] {
  if (xs.length <= 1) return [xs];
  return xs.flatMap((x, i) => permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map((rest) => [x, ...rest]));
}
