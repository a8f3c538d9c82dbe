/**
 * The heartbeat of one WebSocket: finds a peer that died without closing (a half-open TCP
 * connection: the host lost power, a NAT or proxy forgot the flow, the server process hung).
 * Every `everyMs` it pings (ComfyUI's aiohttp answers pings; it sends none of its own); a socket
 * from which nothing — no pong, no frame — came for `2 × everyMs` is terminated, and its owner's
 * close handler takes the reconnect path. Time is the injected clock and timers.
 */
import WebSocket from 'ws';
import type { Clock, Timers } from './clock.js';

/** Default ping period (and of --ws-heartbeat). */
export const HEARTBEAT_MS = 5000;

/** Heartbeat counts of one session. */
export interface HeartbeatCounts {
  pings: number;
  pongs: number;
  /** Sockets terminated because nothing came back in time. */
  drops: number;
}

export class WsHeartbeat {
  readonly #clock: Clock;
  readonly #timers: Timers;
  readonly #everyMs: number;
  readonly #counts: HeartbeatCounts = { pings: 0, pongs: 0, drops: 0 };
  #ws: WebSocket | undefined;
  #timer: unknown;
  /** Clock ms of the last pong or frame from the socket. */
  #lastHeardMs = 0;

  /** `everyMs` 0 turns it off. */
  constructor(clock: Clock, timers: Timers, everyMs = HEARTBEAT_MS) {
    this.#clock = clock;
    this.#timers = timers;
    this.#everyMs = everyMs;
  }

  get counts(): Readonly<HeartbeatCounts> {
    return { ...this.#counts };
  }

  /** Watches a socket that just opened. */
  start(ws: WebSocket): void {
    this.stop();
    if (this.#everyMs <= 0) return;
    this.#ws = ws;
    this.#lastHeardMs = this.#clock.now();
    ws.on('pong', this.#wsOnPong);
    this.#timer = this.#timers.setInterval(this.#heartbeatOnTick, this.#everyMs);
  }

  stop(): void {
    if (this.#timer !== undefined) this.#timers.clearInterval(this.#timer);
    this.#timer = undefined;
    this.#ws?.off('pong', this.#wsOnPong);
    this.#ws = undefined;
  }

  /** A frame came: the peer is alive. */
  heard(atMs: number): void {
    this.#lastHeardMs = atMs;
  }

  #wsOnPong = (): void => {
    this.#counts.pongs++;
    this.#lastHeardMs = this.#clock.now();
  };

  /** Drops a socket silent for two periods, else pings it. */
  #heartbeatOnTick = (): void => {
    const ws = this.#ws;
    if (ws === undefined || ws.readyState !== WebSocket.OPEN) return;
    if (this.#clock.now() - this.#lastHeardMs >= 2 * this.#everyMs) {
      this.#counts.drops++;
      this.stop();
      ws.terminate();
      return;
    }
    this.#counts.pings++;
    ws.ping();
  };
}
