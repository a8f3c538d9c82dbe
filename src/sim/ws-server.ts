/**
 * The `/ws` endpoint: upgrades handled by hand (`noServer`) so the Origin check applies to them
 * too, the handshake (`status` with `sid`, then `executing {node}` to a reconnecting owner), and
 * the one client message ComfyUI understands, a first `feature_flags`.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { RawData, WebSocket } from 'ws';
import type { HttpRouter } from './http-router.js';
import { pyFloat } from './py-json.js';
import { SimCore } from './sim-core.js';

const WS_PATHS = new Set(['/ws', '/api/ws']);

export class SimWsServer {
  readonly #sim: SimCore;
  readonly #router: HttpRouter;
  readonly #wss: WebSocketServer;

  constructor(sim: SimCore, router: HttpRouter) {
    this.#sim = sim;
    this.#router = router;
    // aiohttp negotiates permessage-deflate when the client offers it, caps frames at 4 MB and answers pings
    // (autoping); with a ws-mute fault pings are answered by hand, except on a muted socket.
    this.#wss = new WebSocketServer({
      noServer: true,
      maxPayload: 4 * 1024 * 1024,
      perMessageDeflate: { threshold: 0 },
      autoPong: !this.#mutes(),
    });
  }

  /** The http server's `upgrade` listener. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://emulator.invalid');
    if (!WS_PATHS.has(url.pathname)) {
      socket.end('HTTP/1.1 404 Not Found\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 14\r\n\r\n404: Not Found');
      return;
    }
    if (!this.#router.originAllowed(req)) {
      socket.end('HTTP/1.1 403 Forbidden\r\nContent-Type: application/octet-stream\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    this.#wss.handleUpgrade(req, socket, head, (ws) => this.#wsOnConnection(ws, url));
  }

  #wsOnConnection(ws: WebSocket, url: URL): void {
    const sim = this.#sim;
    const hub = sim.hub;
    const given = url.searchParams.get('clientId') ?? '';
    const sid = given !== '' ? given : SimCore.newSid();
    hub.register(sid, ws);
    hub.sendTo(ws, 'status', { status: { exec_info: { queue_remaining: sim.queue.remaining } }, sid });
    if (hub.clientId === sid && hub.lastNodeId !== null) hub.sendTo(ws, 'executing', { node: hub.lastNodeId });
    let firstMessage = true;
    const wsOnMessage = (data: RawData, isBinary: boolean): void => {
      if (isBinary) return;
      let msg: unknown;
      try {
        msg = JSON.parse(rawText(data)) as unknown;
      } catch {
        return; // logged upstream, first_message stays set
      }
      if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) return;
      const m = msg as { type?: unknown; data?: unknown };
      if (firstMessage && m.type === 'feature_flags' && !sim.legacy) {
        const flags = typeof m.data === 'object' && m.data !== null ? (m.data as Record<string, unknown>) : {};
        hub.setFeatureFlags(sid, flags);
        hub.sendTo(ws, 'feature_flags', { supports_preview_metadata: true, max_upload_size: pyFloat(sim.opts.maxUploadSizeMb * 1024 * 1024) });
      }
      firstMessage = false;
    };
    const wsOnClose = (): void => hub.unregister(sid, ws);
    if (this.#mutes()) ws.on('ping', (data: Buffer) => !hub.muted.has(ws) && ws.pong(data));
    ws.on('message', wsOnMessage);
    ws.on('close', wsOnClose);
    ws.on('error', () => ws.terminate());
  }

  #mutes(): boolean {
    return this.#sim.faults.specs.some((f) => f.name === 'ws-mute');
  }

  close(): void {
    this.#sim.hub.closeAll();
    this.#wss.close();
  }
}

function rawText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8');
  return data.toString('utf8');
}
