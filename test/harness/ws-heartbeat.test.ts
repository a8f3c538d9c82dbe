/**
 * Regression (issue 11): WsSession had no heartbeat, so a peer that died without closing (a
 * half-open connection) was found only by the 30–300 s quiet look-ups. It pings every period; a
 * socket silent (no pong, no frame) for two periods is terminated and reconnects. Real sockets to
 * a ws server on 127.0.0.1, the heartbeat's time on the fake clock, both sides of the deadline.
 */
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import { WsSession } from '../../src/harness/ws-session.js';
import { FakeClock } from '../helpers/fake-clock.js';

const PERIOD_MS = 5000;

interface Peer {
  wss: WebSocketServer;
  url: string;
  sockets: WebSocket[];
  /** Resolves at the n-th connection (1-based). */
  connection(n: number): Promise<WebSocket>;
}

/** A ws server that answers pings (as aiohttp does) or not (a hung peer: the socket stays open, silent). */
async function peer(autoPong: boolean): Promise<Peer> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, autoPong });
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
  const sockets: WebSocket[] = [];
  const waiters = new Map<number, (ws: WebSocket) => void>();
  wss.on('connection', (ws) => {
    sockets.push(ws);
    waiters.get(sockets.length)?.(ws);
  });
  return {
    wss,
    url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/ws?clientId=c1`,
    sockets,
    connection: (n) => (sockets[n - 1] !== undefined ? Promise.resolve(sockets[n - 1]!) : new Promise((resolve) => waiters.set(n, resolve))),
  };
}

let open: { session: WsSession; peer: Peer }[] = [];
afterEach(async () => {
  for (const o of open) {
    await o.session.close();
    for (const ws of o.peer.sockets) ws.terminate();
    await new Promise<void>((r) => o.peer.wss.close(() => r()));
  }
  open = [];
});

async function connect(autoPong: boolean, time: FakeClock): Promise<{ session: WsSession; peer: Peer; reconnects: number[] }> {
  const p = await peer(autoPong);
  const reconnects: number[] = [];
  const session = new WsSession({
    url: p.url,
    headers: {},
    clock: time,
    timers: time,
    heartbeatMs: PERIOD_MS,
    sink: { onText: () => undefined, onBinary: () => undefined },
    onReconnect: (downMs) => reconnects.push(downMs),
  });
  await session.open();
  await p.connection(1);
  open.push({ session, peer: p });
  return { session, peer: p, reconnects };
}

describe('WsSession heartbeat', () => {
  it('drops a peer that answers nothing at 2 periods of silence (not 1 ms before) and reconnects', async () => {
    const time = new FakeClock();
    const { session, peer: p, reconnects } = await connect(false, time);
    await time.advance(2 * PERIOD_MS - 1);
    expect(session.heartbeat).toEqual({ pings: 1, pongs: 0, drops: 0 });
    expect(session.isOpen).toBe(true);
    await time.advance(1);
    expect(session.heartbeat.drops).toBe(1);
    expect(session.isOpen).toBe(false);
    // The terminated socket closes (real I/O), then the reconnect waits its first backoff on the fake clock.
    await vi.waitFor(() => expect(time.pendingCount).toBe(1));
    await time.advance(100);
    await p.connection(2);
    await vi.waitFor(() => expect(reconnects).toHaveLength(1));
    expect(session.isOpen).toBe(true);
    expect(session.reconnectCount).toBe(1);
  });

  it('keeps a peer that answers pings, however long nothing else comes', async () => {
    const time = new FakeClock();
    const { session } = await connect(true, time);
    for (let i = 1; i <= 6; i++) {
      await time.advance(PERIOD_MS);
      // The pong travels over the real socket: wait for it before moving the clock on.
      await vi.waitFor(() => expect(session.heartbeat.pongs).toBe(i));
    }
    expect(session.heartbeat).toEqual({ pings: 6, pongs: 6, drops: 0 });
    expect(session.isOpen).toBe(true);
  });

  it('counts frames as signs of life: a peer that streams but never pongs is kept', async () => {
    const time = new FakeClock();
    const { session, peer: p } = await connect(false, time);
    const ws = await p.connection(1);
    for (let i = 0; i < 6; i++) {
      const before = session.framesReceived;
      ws.send('{"type":"status","data":{}}');
      await vi.waitFor(() => expect(session.framesReceived).toBe(before + 1));
      await time.advance(PERIOD_MS);
    }
    expect(session.heartbeat.drops).toBe(0);
    expect(session.isOpen).toBe(true);
  });

  it('sends no ping with heartbeatMs 0', async () => {
    const time = new FakeClock();
    const p = await peer(false);
    const session = new WsSession({
      url: p.url,
      headers: {},
      clock: time,
      timers: time,
      heartbeatMs: 0,
      sink: { onText: () => undefined, onBinary: () => undefined },
    });
    await session.open();
    open.push({ session, peer: p });
    await time.advance(10 * PERIOD_MS);
    expect(session.heartbeat).toEqual({ pings: 0, pongs: 0, drops: 0 });
    expect(session.isOpen).toBe(true);
  });
});
