/**
 * A socket that gives up (issue #7): the reconnect window on both sides of its end, a virtual user
 * whose socket is gone settling its prompts in flight by look-ups alone (they may still finish on
 * the server) and taking no new ones, and a closed loop whose other users share the rest of the
 * budget. Timers and clock are manual; the one real socket is on 127.0.0.1.
 */
import type { AddressInfo } from 'node:net';
import { describe, expect, it, vi } from 'vitest';
import { WebSocketServer } from 'ws';
import { DecodeStats } from '../../src/comfy/decode-stats.js';
import type { HistoryEntry, HistoryResponse, PromptRequest, QueueResponse } from '../../src/comfy/http-types.js';
import { SubmitBudget, runClosedLoop } from '../../src/harness/closed-loop.js';
import type { PostPromptResult } from '../../src/harness/comfy-http.js';
import { ComfyloadError } from '../../src/comfy/errors.js';
import { VirtualUser, type SubmitResult, type VirtualUserHttp } from '../../src/harness/virtual-user.js';
import { reconnectDelayMs, WsSession, type Session, type WsSessionOptions } from '../../src/harness/ws-session.js';
import { FakeClock } from '../helpers/fake-clock.js';

const sink = { onText: (): void => undefined, onBinary: (): void => undefined };

describe('reconnectDelayMs', () => {
  it('doubles from 100 ms to 5 s while the window lasts', () => {
    expect([0, 1, 2, 5, 6, 9].map((n) => reconnectDelayMs(n, 60_000))).toEqual([100, 200, 400, 3200, 5000, 5000]);
  });

  it('cuts the last wait to the window end, and gives up only once it is over (the first attempt is always made)', () => {
    expect(reconnectDelayMs(4, 1)).toBe(1);
    expect(reconnectDelayMs(4, 0)).toBeUndefined();
    expect(reconnectDelayMs(0, 0)).toBe(0);
  });
});

describe('WsSession reconnect window', () => {
  it('given the server is gone, attempts until the window ends and gives up after the attempt at its end, not before', async () => {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise((r) => wss.once('listening', r));
    const port = (wss.address() as AddressInfo).port;
    const t = new FakeClock(1_700_000_000_000);
    const gaveUp: ComfyloadError[] = [];
    const session = new WsSession({
      url: `ws://127.0.0.1:${port}/ws?clientId=a`,
      headers: {},
      clock: t,
      timers: t,
      sink,
      reconnectWindowMs: 1000,
      // The fake clock's pending timers are the reconnect waits alone (ws-heartbeat.test.ts tests the heartbeat).
      heartbeatMs: 0,
      onGiveUp: (e) => gaveUp.push(e),
    });
    await session.open();
    expect(await session.ready()).toBe(true);
    for (const c of wss.clients) c.terminate();
    await new Promise((r) => wss.close(r));
    await vi.waitFor(() => expect(t.pendingCount).toBe(1)); // closed: the first wait is armed
    const ready = session.ready();
    // Attempts at 100, 300, 700 ms (each refused for real), then one cut to the window's end.
    for (const wait of [100, 200, 400]) {
      await t.advance(wait);
      await vi.waitFor(() => expect(t.pendingCount).toBe(1));
    }
    await t.advance(299);
    expect(gaveUp).toEqual([]);
    expect(session.gaveUp).toBe(false);
    await t.advance(1);
    await vi.waitFor(() => expect(gaveUp).toHaveLength(1));
    expect(session.gaveUp).toBe(true);
    expect(gaveUp[0]?.code).toBe('COMFYLOAD_ERR_WS_CLOSED');
    expect(gaveUp[0]?.message).toContain('did not reopen within 1 s (4 attempts)');
    expect(gaveUp[0]?.message).not.toContain('clientId');
    expect(await ready).toBe(false);
    expect(t.pendingCount).toBe(0);
    await session.close();
  });
});

/** A socket the test opens and gives up by hand. */
class ScriptedSession implements Session {
  isOpen = true;
  gaveUp = false;
  reconnectCount = 0;
  readonly #opts: WsSessionOptions;
  constructor(opts: WsSessionOptions) {
    this.#opts = opts;
  }
  open(): Promise<void> {
    return Promise.resolve();
  }
  close(): Promise<void> {
    this.isOpen = false;
    return Promise.resolve();
  }
  ready(): Promise<boolean> {
    return Promise.resolve(this.isOpen);
  }
  giveUp(): void {
    this.isOpen = false;
    this.gaveUp = true;
    this.#opts.onGiveUp?.(new ComfyloadError('COMFYLOAD_ERR_WS_CLOSED', 'gone', { hint: 'fix' }));
  }
}

function success(promptId: string): HistoryEntry {
  return {
    prompt: [1, promptId, {}, {}, ['2']],
    outputs: {},
    status: {
      status_str: 'success',
      completed: true,
      messages: [
        ['execution_start', { prompt_id: promptId, timestamp: 1000 }],
        ['execution_success', { prompt_id: promptId, timestamp: 2000 }],
      ],
    },
  } as HistoryEntry;
}

/** The HTTP side: POSTs are acknowledged; history and queue say what `state` holds. */
class FakeHttp implements VirtualUserHttp {
  readonly headers = {};
  readonly posted: string[] = [];
  state: 'running' | 'done' | 'gone' = 'running';
  lookups = 0;
  wsUrl(clientId: string): string {
    return `ws://127.0.0.1:1/ws?clientId=${clientId}`;
  }
  postPrompt(request: PromptRequest): Promise<PostPromptResult> {
    const id = request.prompt_id ?? '';
    this.posted.push(id);
    return Promise.resolve({ ok: true, status: 200, body: { prompt_id: id, number: this.posted.length, node_errors: {} } });
  }
  history(promptId: string): Promise<HistoryResponse> {
    this.lookups++;
    return Promise.resolve(this.state === 'done' ? { [promptId]: success(promptId) } : {});
  }
  queue(): Promise<QueueResponse> {
    const running = this.state === 'running' ? this.posted.map((id, i) => [i, id, {}, {}, ['2']]) : [];
    return Promise.resolve({ queue_running: running, queue_pending: [] } as unknown as QueueResponse);
  }
  deletePending(): Promise<void> {
    return Promise.resolve();
  }
  interruptPrompt(): Promise<void> {
    return Promise.resolve();
  }
}

function userWith(http: FakeHttp, t: FakeClock): { user: VirtualUser; session: () => ScriptedSession; warnings: string[]; gaveUp: ComfyloadError[] } {
  let made: ScriptedSession | undefined;
  const warnings: string[] = [];
  const gaveUp: ComfyloadError[] = [];
  const user = new VirtualUser(http, t, new DecodeStats(), (m) => warnings.push(m), {
    timers: t,
    onGiveUp: (e) => gaveUp.push(e),
    session: (o) => (made = new ScriptedSession(o)),
  });
  return { user, session: () => made!, warnings, gaveUp };
}

const GRAPH = { '1': { class_type: 'BenchFakeSampler', inputs: {} }, '2': { class_type: 'PreviewImage', inputs: { images: ['1', 0] } } };

describe('VirtualUser whose socket is given up', () => {
  it('looks its prompt in flight up at once, polls it after 1 s (not before) while it runs, and settles it ok from history', async () => {
    const t = new FakeClock(1_700_000_000_000);
    const http = new FakeHttp();
    const { user, session, warnings, gaveUp } = userWith(http, t);
    await user.open();
    const submitted = user.submit({ graph: GRAPH, nodeIds: ['1', '2'], timeoutMs: 600_000 });
    await t.advance(0);
    expect(user.inFlight).toBe(1);
    session().giveUp();
    await t.advance(0);
    expect(user.gaveUp).toBe(true);
    expect(gaveUp).toHaveLength(1);
    expect(warnings).toEqual([expect.stringContaining('its virtual user took no new prompts')]);
    expect(http.lookups).toBe(1); // history, then the queue says running: looked up now, not after 30 s of silence
    expect(await user.whenReady()).toBe(false);
    http.state = 'done';
    await t.advance(999);
    expect(http.lookups).toBe(1);
    await t.advance(1);
    const result: SubmitResult = await submitted;
    expect(result.tracker.outcome).toBe('ok');
    expect(result.tracker.marks.source).toBe('history');
    expect(result.cancelled).toBe(false);
    expect(user.inFlight).toBe(0);
  });

  it('ends a prompt the server no longer knows as lost', async () => {
    const t = new FakeClock(1_700_000_000_000);
    const http = new FakeHttp();
    const { user, session } = userWith(http, t);
    await user.open();
    const submitted = user.submit({ graph: GRAPH, nodeIds: ['1', '2'], timeoutMs: 600_000 });
    await t.advance(0);
    http.state = 'gone';
    session().giveUp();
    await t.advance(0);
    expect((await submitted).tracker.outcome).toBe('lost');
  });

  it('the polls double up to the quiet period, never to the long cap', async () => {
    const t = new FakeClock(1_700_000_000_000);
    const http = new FakeHttp();
    const { user, session } = userWith(http, t);
    await user.open();
    void user.submit({ graph: GRAPH, nodeIds: ['1', '2'], timeoutMs: 10_000_000 });
    await t.advance(0);
    session().giveUp();
    await t.advance(0);
    const at: number[] = [];
    let seen = http.lookups;
    for (let ms = 0; ms < 200_000; ms += 500) {
      await t.advance(500);
      if (http.lookups !== seen) at.push(t.now());
      seen = http.lookups;
    }
    // 1, 1+2, 1+2+4, … up to 30 s apart (the quiet period), then every 30 s.
    const gaps = at.map((v, i) => v - (at[i - 1] ?? 0));
    expect(gaps.slice(0, 6)).toEqual([1000, 2000, 4000, 8000, 16_000, 30_000]);
    expect(Math.max(...gaps)).toBe(30_000);
  });
});

describe('closed loop with a user whose socket is given up', () => {
  it('that user takes no more of the budget; the others share the rest', async () => {
    const t = new FakeClock(1_700_000_000_000);
    const budget = new SubmitBudget(t, { prompts: 10 });
    const sent = new Map<string, number>();
    const user = (name: string, alivePrompts: number): VirtualUser => {
      let n = 0;
      return { whenReady: () => Promise.resolve(n < alivePrompts), name, bump: () => n++ } as unknown as VirtualUser;
    };
    const a = user('a', 2);
    const b = user('b', Infinity);
    await runClosedLoop([a, b], budget, undefined, (u) => {
      const named = u as unknown as { name: string; bump(): void };
      named.bump();
      sent.set(named.name, (sent.get(named.name) ?? 0) + 1);
      return Promise.resolve({} as SubmitResult);
    });
    expect(budget.issued).toBe(10);
    expect(sent.get('a')).toBe(2);
    expect(sent.get('b')).toBe(8);
  });
});
