/**
 * Transport and secrets at the socket: http → ws and https → wss, the clientId in the query,
 * credentials and --header values in the WebSocket handshake, and never an `Origin` header
 * (ComfyUI answers 403 to a mismatched one). A ws server on 127.0.0.1 records the handshake.
 */
import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { ComfyHttp } from '../../src/harness/comfy-http.js';
import { systemClock } from '../../src/harness/clock.js';
import { WsSession } from '../../src/harness/ws-session.js';

const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
const handshakes: IncomingMessage[] = [];
wss.on('connection', (ws, req) => {
  handshakes.push(req);
  ws.send(JSON.stringify({ type: 'status', data: { status: { exec_info: { queue_remaining: 0 } } } }));
});
afterAll(() => new Promise<void>((r) => wss.close(() => r())));

it('maps http to ws and https to wss, keeping host, port, path prefix and the clientId', () => {
  expect(new ComfyHttp({ url: 'http://127.0.0.1:8188', headers: {} }).wsUrl('abc')).toBe('ws://127.0.0.1:8188/ws?clientId=abc');
  expect(new ComfyHttp({ url: 'https://gpu.example.com/comfy/', headers: {} }).wsUrl('abc')).toBe('wss://gpu.example.com/comfy/ws?clientId=abc');
  expect(new ComfyHttp({ url: 'https://gpu.example.com:8443', headers: {} }).wsUrl('x y')).toBe('wss://gpu.example.com:8443/ws?clientId=x+y');
});

it('sends the target headers (Basic from URL credentials, bearer tokens) in the handshake, and no Origin', async () => {
  const port = (wss.address() as AddressInfo).port;
  const headers = { Authorization: 'Basic YmVuY2g6cHc=', 'X-Api-Key': 'tok-123' };
  const http = new ComfyHttp({ url: `http://127.0.0.1:${port}`, headers });
  const frames: string[] = [];
  const session = new WsSession({
    url: http.wsUrl('client-1'),
    headers: { ...http.headers },
    clock: systemClock,
    sink: { onText: (t) => frames.push(t), onBinary: () => undefined },
  });
  await session.open();
  await new Promise((r) => setTimeout(r, 50));
  await session.close();
  const req = handshakes.at(-1)!;
  expect(req.url).toBe('/ws?clientId=client-1');
  expect(req.headers.authorization).toBe('Basic YmVuY2g6cHc=');
  expect(req.headers['x-api-key']).toBe('tok-123');
  expect(req.headers.origin).toBeUndefined();
  expect(frames).toHaveLength(1);
});

it('a refused handshake is TARGET_UNREACHABLE and its message carries no credentials', async () => {
  const session = new WsSession({
    url: 'ws://user:secret-pw@127.0.0.1:1/ws?clientId=x',
    headers: {},
    clock: systemClock,
    sink: { onText: () => undefined, onBinary: () => undefined },
    connectTimeoutMs: 2000,
  });
  const err = (await session.open().catch((e: unknown) => e)) as { code?: string; message: string };
  expect(err.code).toBe('COMFYLOAD_ERR_TARGET_UNREACHABLE');
  expect(err.message).not.toContain('secret-pw');
});
