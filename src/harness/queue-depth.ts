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
  /** The status socket's ping period (see WsSession). @default 5000 */
  heartbeatMs?: number;
}

export class QueueDepthMonitor implements FrameSink {
  readonly #o: QueueDepthOptions;
  readonly #session: WsSession | undefined;
  #timer: unknown;
  #stopped = false;
  #polls = 0;
  #failedPolls = 0;
  #lastError: string | undefined;

  constructor(options: QueueDepthOptions) {
    this.#o = options;
    this.#session =
      options.socket === false
        ? undefined
        : new WsSession({
            url: options.http.wsUrl(randomUUID()),
            headers: { ...options.http.headers },
            clock: options.clock,
            sink: this,
            ...(options.heartbeatMs !== undefined ? { heartbeatMs: options.heartbeatMs } : {}),
          });
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

  /** GET /prompt polls made and failed so far, and the last failure's message. */
  get pollCounts(): { polls: number; failed: number; lastError: string | undefined } {
    return { polls: this.#polls, failed: this.#failedPolls, lastError: this.#lastError };
  }

  /**
   * One GET /prompt. A failed read is counted (the owner warns with the count and the last error)
   * and polling goes on: a missed sample is not worth stopping a run for, the socket still reports.
   */
  async poll(): Promise<void> {
    this.#polls++;
    try {
      const info = await this.#o.http.queueInfo();
      const remaining = info.exec_info?.queue_remaining;
      if (typeof remaining !== 'number') throw new Error('GET /prompt answered without exec_info.queue_remaining');
      if (!this.#stopped) this.#record(remaining, 'http');
    } catch (err) {
      this.#failedPolls++;
      this.#lastError = (err as Error).message;
    }
  }

  /** The warning for the failed polls of this target, or undefined when none failed. */
  failedPollsWarning(): string | undefined {
    if (this.#failedPolls === 0) return undefined;
    return `${this.#failedPolls} of ${this.#polls} queue-depth polls (GET /prompt) of target ${this.#o.target} failed (COMFYLOAD_ERR_QUEUE_READ; last: ${this.#lastError ?? 'unknown'}): queue.csv and Little's law rest on the socket's status messages for those times`;
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
