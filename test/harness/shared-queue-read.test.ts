import { describe, expect, it } from 'vitest';
import type { QueueResponse } from '../../src/comfy/http-types.js';
import { queueReadSince } from '../../src/harness/shared-queue-read.js';

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
