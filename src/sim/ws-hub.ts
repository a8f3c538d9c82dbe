/**
 * The server side of ComfyUI's `sockets` dict and `send_sync`: one socket per sid, routing
 * (a sid → that socket only if connected; no sid → every socket), Python-formatted JSON text
 * frames and 4-byte-typed binary frames. Also holds the executing state a reconnecting owner
 * is told about (`client_id`, `last_node_id`).
 */
import type { WebSocket } from 'ws';
import { pyDumps } from './py-json.js';

export interface SocketMeta {
  featureFlags: Record<string, unknown>;
}

export class WsHub {
  #sockets = new Map<string, WebSocket>();
  #meta = new Map<string, SocketMeta>();
  #all = new Set<WebSocket>();
  /** Owner of the prompt being executed (`server.client_id`); kept after it ends, as upstream. */
  clientId: string | null = null;
  /** Display id of the node running now (`server.last_node_id`). */
  lastNodeId: string | null = null;
  /** Sockets a `ws-mute` fault silenced: nothing is sent to them, their pings go unanswered. */
  readonly muted = new WeakSet<WebSocket>();
  /** Text frames sent, by type (diagnostics and tests). */
  readonly sentCounts = new Map<string, number>();
  /**
   * Fault seam (ws-drop, malformed): asked before every frame to a socket; false = do not send
   * (the hook closed the socket). Unset when no fault acts there, so the faithful path is untouched.
   */
  beforeSend: ((ws: WebSocket) => boolean) | undefined;

  /**
   * Registers a new socket under `sid`. A reused sid replaces the old entry without closing the
   * old socket: when that one closes later, `unregister` removes the new entry — faithfully.
   */
  register(sid: string, ws: WebSocket): void {
    this.#sockets.set(sid, ws);
    this.#meta.set(sid, { featureFlags: {} });
    this.#all.add(ws);
  }

  /** The `finally` of the real handler: pops the sid, whichever socket it maps to now. */
  unregister(sid: string, ws: WebSocket): void {
    this.#sockets.delete(sid);
    this.#meta.delete(sid);
    this.#all.delete(ws);
  }

  setFeatureFlags(sid: string, flags: Record<string, unknown>): void {
    const m = this.#meta.get(sid);
    if (m !== undefined) m.featureFlags = flags;
  }

  /** `feature_flags.supports_feature(sockets_metadata, sid, name)`. */
  supports(sid: string | null, feature: string): boolean {
    if (sid === null) return false;
    return this.#meta.get(sid)?.featureFlags[feature] === true;
  }

  get connectedSids(): string[] {
    return [...this.#sockets.keys()];
  }

  /** Every open socket, including ones whose sid was taken over (for shutdown). */
  get allSockets(): WebSocket[] {
    return [...this.#all];
  }

  /** `send_json(event, data, sid)`. */
  sendJson(type: string, data: unknown, sid: string | null): void {
    const text = pyDumps({ type, data });
    this.sentCounts.set(type, (this.sentCounts.get(type) ?? 0) + 1);
    for (const ws of this.#targets(sid)) this.#send(ws, text);
  }

  /** `send_bytes(event, payload, sid)`: `uint32 BE event` + payload. */
  sendBinary(eventType: number, payload: Buffer, sid: string | null): void {
    const head = Buffer.alloc(4);
    head.writeUInt32BE(eventType, 0);
    const frame = Buffer.concat([head, payload]);
    for (const ws of this.#targets(sid)) this.#send(ws, frame);
  }

  /** Direct send to one socket object (the connect `status`, the `feature_flags` reply). */
  sendTo(ws: WebSocket, type: string, data: unknown): void {
    this.#send(ws, pyDumps({ type, data }));
  }

  closeAll(): void {
    for (const ws of this.#all) ws.terminate();
    this.#sockets.clear();
    this.#meta.clear();
    this.#all.clear();
  }

  #send(ws: WebSocket, data: string | Buffer): void {
    if (this.beforeSend !== undefined && ws.readyState === 1 && !this.beforeSend(ws)) return;
    sendSafely(ws, data);
  }

  #targets(sid: string | null): WebSocket[] {
    if (sid === null) return [...this.#sockets.values()];
    const ws = this.#sockets.get(sid);
    return ws === undefined ? [] : [ws];
  }
}

/** `send_socket_catch_exception`: a dead socket never breaks the sender. */
function sendSafely(ws: WebSocket, data: string | Buffer): void {
  if (ws.readyState !== 1) return;
  try {
    ws.send(data, { binary: typeof data !== 'string' });
  } catch {
    // Ignored like aiohttp's ConnectionResetError in the real server.
  }
}
