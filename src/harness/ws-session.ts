/**
 * One WebSocket per clientId (ComfyUI routes a prompt's events only to the socket whose clientId
 * matches the prompt's client_id; two sockets with one id lose events). Frames are stamped with
 * the monotonic clock on arrival and handed to a sink (the protocol core's SessionRouter).
 * On an unexpected close it reconnects with the same clientId and backoff, and reports the gap so
 * the owner can fill missed marks from /history.
 */
import WebSocket from 'ws';
import type { Clock } from './clock.js';
import { HarnessError } from './harness-error.js';

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
  /** Called when the socket is given up for good (reconnects exhausted). */
  onGiveUp?: (err: Error) => void;
  connectTimeoutMs?: number;
  maxReconnects?: number;
  /** Cap on one frame (previews can be large; progress storms are many small frames). */
  maxPayloadBytes?: number;
}

export class WsSession {
  readonly #opts: WsSessionOptions;
  #ws: WebSocket | undefined;
  #closing = false;
  #reconnects = 0;
  #downSinceMs: number | undefined;
  /** Count of frames received, for the harness's own receive-lag and storm figures. */
  framesReceived = 0;
  reconnectCount = 0;

  constructor(opts: WsSessionOptions) {
    this.#opts = opts;
  }

  get isOpen(): boolean {
    return this.#ws?.readyState === WebSocket.OPEN;
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
        resolve();
      };
      const onError = (err: Error): void => {
        ws.off('open', onOpen);
        reject(
          new HarnessError(
            'COMFYLOAD_ERR_TARGET_UNREACHABLE',
            `WebSocket ${redact(this.#opts.url)} failed: ${err.message}`,
            'Check that the server is ComfyUI and reachable; a 403 on /ws means a mismatched Origin (set by a proxy).',
            { cause: err },
          ),
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
    if (this.#closing) return;
    this.#downSinceMs ??= this.#opts.clock.now();
    void this.#reconnect();
  };

  async #reconnect(): Promise<void> {
    const max = this.#opts.maxReconnects ?? 20;
    while (!this.#closing) {
      if (this.#reconnects >= max) {
        this.#opts.onGiveUp?.(new HarnessError('COMFYLOAD_ERR_WS_CLOSED', `WebSocket closed and ${max} reconnects failed`, 'Check the server; results so far are kept.'));
        return;
      }
      const delayMs = Math.min(5000, 100 * 2 ** this.#reconnects);
      this.#reconnects++;
      await new Promise((r) => setTimeout(r, delayMs));
      if (this.#closing) return;
      try {
        await this.open();
        this.reconnectCount++;
        this.#reconnects = 0;
        const down = this.#opts.clock.now() - (this.#downSinceMs ?? this.#opts.clock.now());
        this.#downSinceMs = undefined;
        this.#opts.onReconnect?.(down);
        return;
      } catch {
        // next attempt
      }
    }
  }
}

function toBytes(data: WebSocket.RawData): Uint8Array {
  if (Array.isArray(data)) return new Uint8Array(Buffer.concat(data));
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

function redact(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//');
}
