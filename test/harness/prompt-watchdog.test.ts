/**
 * The watchdog that settles prompts the socket cannot: look-ups only after a quiet period or a
 * reconnect (both sides of each deadline), doubling while the prompt is still queued, and the
 * history → queue → history decision between settled, waiting and lost.
 */
import { describe, expect, it } from 'vitest';
import type { HistoryEntry, HistoryResponse, QueueResponse } from '../../src/comfy/http-types.js';
import { PromptTracker } from '../../src/comfy/prompt-tracker.js';
import { lastActivityMs, lookUpPrompt, PromptWatchdog, raceSettled, type LookupResult, type PromptLookupHttp } from '../../src/harness/prompt-watchdog.js';
import { FakeClock } from '../helpers/fake-clock.js';

const ID = '8f1d0c1e-5b7a-4c2e-9a51-3f1e2d4c5b6a';

function historyEntry(status: 'success' | 'error'): HistoryEntry {
  return {
    prompt: [0, ID, {}, {}, ['2']],
    outputs: {},
    status: {
      status_str: status,
      completed: status === 'success',
      messages: [
        ['execution_start', { prompt_id: ID, timestamp: 1000 }],
        status === 'success'
          ? ['execution_success', { prompt_id: ID, timestamp: 2000 }]
          : [
              'execution_error',
              { prompt_id: ID, timestamp: 2000, exception_type: 'RuntimeError', exception_message: 'x\n', node_id: '1', node_type: 'BenchFail' },
            ],
      ],
    },
  } as HistoryEntry;
}

/** A server whose history and queue answers are scripted per call. */
class FakeServer implements PromptLookupHttp {
  histories: HistoryResponse[] = [];
  queues: QueueResponse[] = [];
  calls: string[] = [];
  history(): Promise<HistoryResponse> {
    this.calls.push('history');
    return Promise.resolve(this.histories.shift() ?? {});
  }
  queue(): Promise<QueueResponse> {
    this.calls.push('queue');
    return Promise.resolve(this.queues.shift() ?? { queue_running: [], queue_pending: [] });
  }
}

function tracker(): PromptTracker {
  const t = new PromptTracker({ promptId: ID, clientId: 'c', nodeIds: ['1', '2'] });
  t.markSent(0);
  return t;
}

describe('lookUpPrompt', () => {
  const clock = new FakeClock(1_700_000_000_000);

  it('given history has the prompt, when looked up, then it settles from history without reading the queue', async () => {
    const server = new FakeServer();
    server.histories = [{ [ID]: historyEntry('error') }];
    const t = tracker();
    expect(await lookUpPrompt(t, server, clock)).toBe('settled');
    expect(server.calls).toEqual(['history']);
    expect(t.outcome).toBe('error:RuntimeError');
    expect(t.marks.source).toBe('history');
  });

  it('given the prompt is pending, then it is waiting', async () => {
    const server = new FakeServer();
    server.queues = [{ queue_running: [], queue_pending: [[3, ID, {}, {}, ['2']]] }];
    const t = tracker();
    expect(await lookUpPrompt(t, server, clock)).toBe('waiting');
    expect(t.done).toBe(false);
  });

  it('given it finished between the history and the queue reads, then the second history read settles it', async () => {
    const server = new FakeServer();
    server.histories = [{}, { [ID]: historyEntry('success') }];
    const t = tracker();
    expect(await lookUpPrompt(t, server, clock)).toBe('settled');
    expect(server.calls).toEqual(['history', 'queue', 'history']);
    expect(t.outcome).toBe('ok');
  });

  it('given neither history nor queue knows it (a restart), then it is lost', async () => {
    const server = new FakeServer();
    const t = tracker();
    expect(await lookUpPrompt(t, server, clock)).toBe('lost');
    expect(t.outcome).toBe('lost');
  });
});

describe('PromptWatchdog', () => {
  function setup(results: LookupResult[]): { timers: FakeClock; dog: PromptWatchdog; activity: { ms: number } } {
    const timers = new FakeClock(1_700_000_000_000);
    const activity = { ms: 0 };
    const dog = new PromptWatchdog({
      clock: timers,
      timers,
      quietMs: 1000,
      maxQuietMs: 3000,
      lastActivityMs: () => activity.ms,
      check: () => Promise.resolve(results.shift() ?? 'waiting'),
    });
    dog.start();
    return { timers, dog, activity };
  }

  it('looks up only once the prompt has been quiet for quietMs', async () => {
    const { timers, dog } = setup(['waiting']);
    await timers.advance(999);
    expect(dog.checks).toBe(0);
    await timers.advance(1);
    expect(dog.checks).toBe(1);
  });

  it('an event postpones the look-up to quietMs after it', async () => {
    const { timers, dog, activity } = setup([]);
    await timers.advance(600);
    activity.ms = 600;
    await timers.advance(999); // t = 1599
    expect(dog.checks).toBe(0);
    await timers.advance(1); // t = 1600
    expect(dog.checks).toBe(1);
  });

  it('doubles the quiet period while the prompt is still queued, up to the cap', async () => {
    const { timers, dog } = setup([]);
    await timers.advance(1000);
    expect(dog.checks).toBe(1); // t = 1000, next after 2000
    await timers.advance(1999);
    expect(dog.checks).toBe(1);
    await timers.advance(1);
    expect(dog.checks).toBe(2); // t = 3000, next after 3000 (cap)
    await timers.advance(2999);
    expect(dog.checks).toBe(2);
    await timers.advance(1);
    expect(dog.checks).toBe(3);
  });

  it('a reconnect looks up at once; a settled or lost result stops the watch', async () => {
    const { timers, dog } = setup(['lost']);
    dog.poke();
    await timers.advance(0);
    expect(dog.checks).toBe(1);
    await timers.advance(60_000);
    expect(dog.checks).toBe(1);
  });

  it('stop() cancels its timer', async () => {
    const { timers, dog } = setup([]);
    dog.stop();
    expect(timers.pendingCount).toBe(0);
    await timers.advance(10_000);
    expect(dog.checks).toBe(0);
  });

  it('a failed look-up counts as waiting and is reported', async () => {
    const timers = new FakeClock(1_700_000_000_000);
    const errors: string[] = [];
    const dog = new PromptWatchdog({
      clock: timers,
      timers,
      quietMs: 100,
      maxQuietMs: 100,
      lastActivityMs: () => 0,
      check: () => Promise.reject(new Error('boom')),
      onError: (e) => errors.push(e.message),
    });
    dog.start();
    await timers.advance(100);
    await timers.advance(100);
    expect(errors).toEqual(['boom', 'boom']);
  });
});

describe('raceSettled (the prompt timeout)', () => {
  it('times out exactly at the deadline, not a millisecond before', async () => {
    const timers = new FakeClock(1_700_000_000_000);
    let result: string | undefined;
    void raceSettled(new Promise(() => undefined), 5000, undefined, timers).then((r) => (result = r));
    await timers.advance(4999);
    expect(result).toBeUndefined();
    await timers.advance(1);
    expect(result).toBe('timeout');
  });

  it('a settlement before the deadline wins and clears the timer', async () => {
    const timers = new FakeClock(1_700_000_000_000);
    let resolve!: () => void;
    const p = new Promise<void>((r) => (resolve = r));
    const race = raceSettled(p, 5000, undefined, timers);
    await timers.advance(4999);
    resolve();
    expect(await race).toBe('settled');
    expect(timers.pendingCount).toBe(0);
  });

  it('an abort wins at once', async () => {
    const timers = new FakeClock(1_700_000_000_000);
    const c = new AbortController();
    const race = raceSettled(new Promise(() => undefined), 5000, c.signal, timers);
    c.abort();
    expect(await race).toBe('aborted');
  });
});

describe('lastActivityMs', () => {
  it('is the latest mark: send, reply, start, node events, steps', () => {
    const t = tracker();
    t.markAck(5, { prompt_id: ID, number: 1, node_errors: {} });
    expect(lastActivityMs(t.marks)).toBe(5);
    t.onMessage({ type: 'execution_start', data: { prompt_id: ID } }, 9);
    t.onMessage({ type: 'executing', data: { node: '1', prompt_id: ID } }, 12);
    expect(lastActivityMs(t.marks)).toBe(12);
    t.onMessage({ type: 'progress', data: { value: 1, max: 2, node: '1', prompt_id: ID } }, 20);
    expect(lastActivityMs(t.marks)).toBe(20);
  });
});
