import { describe, expect, it } from 'vitest';
import type { QueueResponse } from '../../src/comfy/http-types.js';
import { cancelPrompt, queueReadSince } from '../../src/harness/shared-queue-read.js';

function fakeHttp() {
  const pending: ((q: QueueResponse) => void)[] = [];
  return {
    reads: 0,
    queue(): Promise<QueueResponse> {
      this.reads++;
      return new Promise((resolve) => pending.push(resolve));
    },
    answer(q: QueueResponse) {
      for (const r of pending.splice(0)) r(q);
    },
  };
}

const EMPTY: QueueResponse = { queue_running: [], queue_pending: [] };

describe('one GET /queue read shared by look-ups', () => {
  it('joins a read in flight that started after the prompt was acknowledged', async () => {
    const http = fakeHttp();
    const a = queueReadSince(http, 10, 100);
    const b = queueReadSince(http, 50, 120);
    expect(http.reads).toBe(1);
    http.answer(EMPTY);
    expect(await a).toBe(EMPTY);
    expect(await b).toBe(EMPTY);
  });

  it('starts a fresh read for a prompt acknowledged after the one in flight started', () => {
    const http = fakeHttp();
    void queueReadSince(http, 10, 100);
    void queueReadSince(http, 101, 130);
    expect(http.reads).toBe(2);
    // A later look-up of an older prompt joins the newest read.
    void queueReadSince(http, 10, 140);
    expect(http.reads).toBe(2);
  });

  it('reads again once the shared read has answered', async () => {
    const http = fakeHttp();
    const a = queueReadSince(http, 10, 100);
    http.answer(EMPTY);
    await a;
    await Promise.resolve();
    void queueReadSince(http, 10, 200);
    expect(http.reads).toBe(2);
  });

  it('never shares a read with a prompt not yet acknowledged', () => {
    const http = fakeHttp();
    void queueReadSince(http, 10, 100);
    void queueReadSince(http, Infinity, 110);
    expect(http.reads).toBe(2);
  });
});

/** A target whose calls wait until answered by hand, logging what was asked. */
function cancelHttp() {
  const log: string[] = [];
  const gates: (() => void)[] = [];
  const gate = (): Promise<void> => new Promise((resolve) => gates.push(resolve));
  let queue: QueueResponse | Error = EMPTY;
  return {
    log,
    setQueue(q: QueueResponse | Error) {
      queue = q;
    },
    /** Lets every call asked so far answer, then lets the answers run. */
    async step() {
      for (const g of gates.splice(0)) g();
      for (let i = 0; i < 5; i++) await Promise.resolve();
    },
    async deletePending(ids: string[]) {
      log.push(`delete ${ids.join(',')}`);
      await gate();
      if (ids.includes('bad')) throw new Error('POST /queue answered 500');
    },
    async queue(): Promise<QueueResponse> {
      log.push('queue');
      await gate();
      if (queue instanceof Error) throw queue;
      return queue;
    },
    async interruptPrompt(id: string) {
      log.push(`interrupt ${id}`);
      await gate();
    },
  };
}

const running = (id: string): QueueResponse => ({ queue_running: [[1, id, {}, {}, []]], queue_pending: [] }) as unknown as QueueResponse;

describe('cancels of one target in batches', () => {
  it('sends the first at once and the ones asked meanwhile together: one delete, one queue read', async () => {
    const http = cancelHttp();
    const settled: string[] = [];
    const a = cancelPrompt(http, 'a', () => false).then(() => settled.push('a'));
    const b = cancelPrompt(http, 'b', () => false).then(() => settled.push('b'));
    const c = cancelPrompt(http, 'c', () => false).then(() => settled.push('c'));
    expect(http.log).toEqual(['delete a']);
    http.setQueue(running('c'));
    for (let i = 0; i < 6 && settled.length < 3; i++) await http.step();
    await Promise.all([a, b, c]);
    // b and c waited for a's delete and read, then went in one delete and one read; only c was running.
    expect(http.log).toEqual(['delete a', 'queue', 'delete b,c', 'queue', 'interrupt c']);
    expect(settled).toEqual(['a', 'b', 'c']);
  });

  it("interrupts by the marks' guess when the queue cannot be read", async () => {
    const http = cancelHttp();
    http.setQueue(new Error('GET /queue timed out'));
    const p = cancelPrompt(http, 'x', () => true);
    for (let i = 0; i < 4; i++) await http.step();
    await p;
    expect(http.log).toEqual(['delete x', 'queue', 'interrupt x']);
  });

  it("rejects the batch's cancels when the delete fails, and the next batch still goes", async () => {
    const http = cancelHttp();
    const first = cancelPrompt(http, 'bad', () => false);
    const failed = first.then(
      () => 'resolved',
      (err: Error) => err.message,
    );
    await http.step();
    expect(await failed).toBe('POST /queue answered 500');
    const next = cancelPrompt(http, 'ok', () => false);
    for (let i = 0; i < 3; i++) await http.step();
    await next;
    expect(http.log).toEqual(['delete bad', 'delete ok', 'queue']);
  });
});
