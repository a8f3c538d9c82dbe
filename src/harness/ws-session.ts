/**
 * One WebSocket per clientId (ComfyUI routes a prompt's events only to the socket whose clientId
 * matches the prompt's client_id; two sockets with one id lose events). Frames are stamped with
 * the monotonic clock on arrival and handed to a sink (the protocol core's SessionRouter).
 * On an unexpected close it reconnects with the same clientId and backoff, and reports the gap so
 * the owner can fill missed marks from /history. A socket still closed `reconnectWindowMs` after
 * it went down is given up for good (`onGiveUp`): its owner can then only look prompts up.
 *
 * A heartbeat (ws-heartbeat.ts) finds a peer that died without closing: a socket silent for two
 * ping periods is terminated and takes the reconnect path, so its prompts are looked up within
 * seconds instead of after the 30–300 s quiet look-ups.
 */
import WebSocket from 'ws';
import type { Clock } from './clock.js';
import { ComfyloadError } from '../comfy/errors.js';
import { systemTimers, type Timers } from './clock.js';
import { WsHeartbeat, type HeartbeatCounts } from './ws-heartbeat.js';

export interface FrameSink {
  onText(raw: string, atMs: number): void;
  onBinary(bytes: Uint8Array, atMs: number): void;
}

export interface WsSessionOptions {
  url: string;
  headers: Record<string, string>;
  clock: Clock;
  sink: FrameSink;
  /** Called after a reconnect, with the time the socket was down. */
  onReconnect?: (downMs: number) => void;
  /** Called once when the socket is given up for good (still closed after `reconnectWindowMs`). */
  onGiveUp?: (err: ComfyloadError) => void;
  connectTimeoutMs?: number;
  /** How long after a close reconnects go on before the socket is given up. @default 60000 */
  reconnectWindowMs?: number;
  /** Timer seam of the reconnect backoff. */
  timers?: Timers;
  /** Cap on one frame (previews can be large; progress storms are many small frames). */
  maxPayloadBytes?: number;
  /** Ping period; a socket silent for twice this long is dropped (0: no heartbeat). @default 5000 */
  heartbeatMs?: number;
}

export { HEARTBEAT_MS, type HeartbeatCounts } from './ws-heartbeat.js';

/** What a virtual user needs of its socket (tests give it a scripted one). */
export interface Session {
  readonly isOpen: boolean;
  /** True once reconnects have been given up. */
  readonly gaveUp: boolean;
  readonly reconnectCount: number;
  open(): Promise<void>;
  close(): Promise<void>;
  /** Resolves true once the socket is open (at once if it is), false if it is given up or closed for good. */
  ready(): Promise<boolean>;
}

/** Default of `reconnectWindowMs` (and of --reconnect-timeout). */
export const RECONNECT_WINDOW_MS = 60_000;

/**
 * The wait before reconnect attempt `attempt` (0-based) of one outage, or `undefined` to give up:
 * 100 ms doubling to 5 s, the last wait cut so one attempt falls exactly at the window's end, and
 * no attempt after it. The first attempt is always made.
 */
export function reconnectDelayMs(attempt: number, remainingMs: number): number | undefined {
  if (attempt > 0 && remainingMs <= 0) return undefined;
  return Math.max(0, Math.min(5000, 100 * 2 ** attempt, remainingMs));
}

export class WsSession implements Session {
  readonly #opts: WsSessionOptions;
  readonly #timers: Timers;
  #ws: WebSocket | undefined;
  #closing = false;
  #reconnecting = false;
  #gaveUp = false;
  #downSinceMs: number | undefined;
  /** The pending backoff wait, so close() can cut it short. */
  #wait: { timer: unknown; resolve: () => void } | undefined;
  #readyWaiters: ((open: boolean) => void)[] = [];
  readonly #heartbeat: WsHeartbeat;
  /** Count of frames received, for the harness's own receive-lag and storm figures. */
  framesReceived = 0;
  reconnectCount = 0;

  constructor(opts: WsSessionOptions) {
    this.#opts = opts;
    this.#timers = opts.timers ?? systemTimers;
    this.#heartbeat = new WsHeartbeat(opts.clock, this.#timers, opts.heartbeatMs);
  }

  get isOpen(): boolean {
    return this.#ws?.readyState === WebSocket.OPEN;
  }

  get gaveUp(): boolean {
    return this.#gaveUp;
  }

  get heartbeat(): Readonly<HeartbeatCounts> {
    return this.#heartbeat.counts;
  }

  ready(): Promise<boolean> {
    if (this.isOpen) return Promise.resolve(true);
    // Never opened, given up or closed: nothing is coming.
    if (!this.#reconnecting || this.#closing) return Promise.resolve(false);
    return new Promise((resolve) => this.#readyWaiters.push(resolve));
  }

  /** Opens the socket; rejects with COMFYLOAD_ERR_TARGET_UNREACHABLE when the handshake fails. */
  open(): Promise<void> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(this.#opts.url, {
        headers: this.#opts.headers,
        handshakeTimeout: this.#opts.connectTimeoutMs ?? 10_000,
        maxPayload: this.#opts.maxPayloadBytes ?? 64 * 1024 * 1024,
        perMessageDeflate: false,
      });
      this.#ws = ws;
      const onOpen = (): void => {
        ws.off('error', onError);
        ws.on('error', this.#wsOnError);
        ws.on('close', this.#wsOnClose);
        this.#heartbeat.start(ws);
        resolve();
      };
      const onError = (err: Error): void => {
        ws.off('open', onOpen);
        reject(
          new ComfyloadError('COMFYLOAD_ERR_TARGET_UNREACHABLE', `WebSocket ${redact(this.#opts.url)} failed: ${err.message}`, {
            hint: 'Check that the server is ComfyUI and reachable; a 403 on /ws means a mismatched Origin (set by a proxy).',
            cause: err,
          }),
        );
      };
      ws.once('open', onOpen);
      ws.once('error', onError);
      ws.on('message', this.#wsOnMessage);
    });
  }

  /** Closes for good; no reconnect. */
  async close(): Promise<void> {
    this.#closing = true;
    this.#heartbeat.stop();
    this.#settleReady(false);
    if (this.#wait !== undefined) {
      this.#timers.clearTimeout(this.#wait.timer);
      this.#wait.resolve();
    }
    const ws = this.#ws;
    if (!ws || ws.readyState === WebSocket.CLOSED) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        ws.terminate();
        resolve();
      }, 1000);
      ws.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      ws.close();
    });
  }

  #wsOnMessage = (data: WebSocket.RawData, isBinary: boolean): void => {
    const atMs = this.#opts.clock.now();
    this.#heartbeat.heard(atMs);
    this.framesReceived++;
    if (isBinary) {
      this.#opts.sink.onBinary(toBytes(data), atMs);
    } else {
      this.#opts.sink.onText(data.toString(), atMs);
    }
  };

  #wsOnError = (): void => {
    // 'close' follows every 'error'; reconnection is decided there.
  };

  #wsOnClose = (): void => {
    this.#heartbeat.stop();
    if (this.#closing) return;
    this.#downSinceMs ??= this.#opts.clock.now();
    this.#reconnecting = true;
    void this.#reconnect();
  };

  async #reconnect(): Promise<void> {
    const windowMs = this.#opts.reconnectWindowMs ?? RECONNECT_WINDOW_MS;
    const clock = this.#opts.clock;
    const downSinceMs = this.#downSinceMs ?? clock.now();
    for (let attempt = 0; !this.#closing; attempt++) {
      const delayMs = reconnectDelayMs(attempt, downSinceMs + windowMs - clock.now());
      if (delayMs === undefined) {
        this.#gaveUp = true;
        this.#reconnecting = false;
        this.#settleReady(false);
        this.#opts.onGiveUp?.(
          new ComfyloadError(
            'COMFYLOAD_ERR_WS_CLOSED',
            `WebSocket ${redact(this.#opts.url.replace(/\?.*$/, ''))} closed and did not reopen within ${formatSeconds(windowMs)} (${attempt} attempts)`,
            {
              hint: 'Check the server and its log; a proxy in front of ComfyUI must allow WebSocket upgrades on /ws. Raise --reconnect-timeout to wait longer for a restarting server.',
            },
          ),
        );
        return;
      }
      await this.#sleep(delayMs);
      if (this.#closing) return;
      try {
        await this.open();
      } catch {
        continue;
      }
      this.reconnectCount++;
      this.#downSinceMs = undefined;
      this.#reconnecting = false;
      this.#settleReady(true);
      this.#opts.onReconnect?.(clock.now() - downSinceMs);
      return;
    }
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = this.#timers.setTimeout(() => {
        this.#wait = undefined;
        resolve();
      }, ms);
      this.#wait = { timer, resolve };
    });
  }

  #settleReady(open: boolean): void {
    const waiters = this.#readyWaiters;
    this.#readyWaiters = [];
    for (const w of waiters) w(open);
  }
}

/**
 * The error that stops a run once every socket to a target was given up: the target still
 * answers HTTP perhaps, but no prompt can be followed any more.
 */
export function socketsGivenUpError(baseUrl: string, windowMs: number, where: string, cause?: unknown): ComfyloadError {
  return new ComfyloadError(
    'COMFYLOAD_ERR_WS_CLOSED',
    `Every WebSocket to ${redact(baseUrl)} closed and did not reopen within ${formatSeconds(windowMs)}: the run stopped ${where}`,
    {
      hint: 'Check the server and its log (a proxy in front of ComfyUI must allow WebSocket upgrades on /ws); raise --reconnect-timeout to wait longer for a restarting server. The results so far are written, marked "partial": true.',
      cause,
    },
  );
}

function toBytes(data: WebSocket.RawData): Uint8Array {
  if (Array.isArray(data)) return new Uint8Array(Buffer.concat(data));
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

function redact(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//');
}

function formatSeconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))} s`;
}
