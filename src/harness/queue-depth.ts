/**
 * Watches one target's queue depth on a connection of its own: a WebSocket whose `status`
 * messages report `queue_remaining` at every queue change (ComfyUI broadcasts them to every
 * socket), and a periodic `GET /prompt` that catches what a quiet socket would miss. Samples go
 * to a {@link QueueTimeline}; least-queue dispatch reads the latest one.
 */
import { randomUUID } from 'node:crypto';
import { decodeText } from '../comfy/decoder.js';
import type { QueueTimeline } from '../metrics/queue-timeline.js';
import type { Clock, Timers } from './clock.js';
import type { ComfyHttp } from './comfy-http.js';
import { WsSession, type FrameSink } from './ws-session.js';

export interface QueueDepthOptions {
  target: number;
  http: ComfyHttp;
  clock: Clock;
  timers: Timers;
  timeline: QueueTimeline;
  /** Clock ms of the run start (samples are stored relative to it). */
  originMs: number;
  /** Period of GET /prompt, ms. @default 1000 */
  pollMs?: number;
  /** Open the status socket (tests of the poller alone pass false). @default true */
  socket?: boolean;
}

export class QueueDepthMonitor implements FrameSink {
  readonly #o: QueueDepthOptions;
  readonly #session: WsSession | undefined;
  #timer: unknown;
  #stopped = false;

  constructor(options: QueueDepthOptions) {
    this.#o = options;
    this.#session =
      options.socket === false
        ? undefined
        : new WsSession({ url: options.http.wsUrl(randomUUID()), headers: { ...options.http.headers }, clock: options.clock, sink: this });
  }

  async start(): Promise<void> {
    await this.#session?.open();
    await this.poll();
    this.#arm();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== undefined) this.#o.timers.clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#session?.close();
  }

  /** One GET /prompt; a failed read is skipped (the socket still reports). */
  async poll(): Promise<void> {
    try {
      const info = await this.#o.http.queueInfo();
      const remaining = info.exec_info?.queue_remaining;
      if (typeof remaining === 'number' && !this.#stopped) this.#record(remaining, 'http');
    } catch {
      // A missed sample is not worth stopping a run for.
    }
  }

  onText(raw: string, atMs: number): void {
    const decoded = decodeText(raw);
    if (decoded.kind !== 'message' || decoded.message.type !== 'status') return;
    const remaining = decoded.message.data.status?.exec_info?.queue_remaining;
    if (typeof remaining === 'number') this.#record(remaining, 'ws', atMs);
  }

  onBinary(): void {
    // Previews carry no queue information.
  }

  #record(queueRemaining: number, source: 'ws' | 'http', atMs = this.#o.clock.now()): void {
    this.#o.timeline.add({ target: this.#o.target, atMs: atMs - this.#o.originMs, queueRemaining, source });
  }

  #arm(): void {
    if (this.#stopped) return;
    this.#timer = this.#o.timers.setTimeout(this.#timerOnPoll, this.#o.pollMs ?? 1000);
  }

  #timerOnPoll = (): void => {
    this.#timer = undefined;
    void this.poll().then(() => this.#arm());
  };
}
