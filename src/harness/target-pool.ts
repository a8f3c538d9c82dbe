/**
 * The sockets of one target in an open-loop run: a few virtual users (one clientId and one
 * socket each), each sending one POST /prompt at a time, as one HTTP/1.1 client does, with any
 * number of its prompts then waiting on its socket. An arrival goes to the lane with the least
 * work; if every lane is busy posting it waits its turn. That wait is real client-side queueing:
 * it is inside the corrected latencies (measured from the intended time) and outside the
 * uncorrected ones (from the actual send), which is how a stalled server shows up as
 * coordinated omission in the uncorrected figures.
 */
import type { DecodeStats } from '../comfy/decode-stats.js';
import type { Clock } from './clock.js';
import type { ComfyHttp } from './comfy-http.js';
import { VirtualUser, type SubmitOptions, type SubmitResult } from './virtual-user.js';

/** Sockets per target in an open-loop run. */
export const SOCKETS_PER_TARGET = 2;

interface Lane {
  user: VirtualUser;
  posting: boolean;
  waiting: (() => void)[];
}

export type LaneSubmit = Omit<SubmitOptions, 'onPosted'>;

/** What became of a submission that waited in a lane. */
export type PoolSubmitResult = ({ sent: true } & SubmitResult) | { sent: false };

export class TargetPool {
  readonly index: number;
  readonly http: ComfyHttp;
  readonly #lanes: Lane[];
  #unacknowledged = 0;
  #outstanding = 0;

  constructor(index: number, http: ComfyHttp, clock: Clock, stats: DecodeStats, onWarning: (message: string) => void, sockets = SOCKETS_PER_TARGET) {
    this.index = index;
    this.http = http;
    this.#lanes = Array.from({ length: sockets }, () => ({ user: new VirtualUser(http, clock, stats, onWarning), posting: false, waiting: [] }));
  }

  get users(): readonly VirtualUser[] {
    return this.#lanes.map((l) => l.user);
  }

  /** Our prompts waiting to be sent or sent and not yet acknowledged. */
  get unacknowledged(): number {
    return this.#unacknowledged;
  }

  /** Our prompts given to this target and not yet settled. */
  get outstanding(): number {
    return this.#outstanding;
  }

  get reconnects(): number {
    return this.#lanes.reduce((sum, l) => sum + l.user.reconnects, 0);
  }

  async open(): Promise<void> {
    await Promise.all(this.#lanes.map((l) => l.user.open()));
  }

  async close(): Promise<void> {
    await Promise.all(this.#lanes.map((l) => l.user.close()));
  }

  /**
   * Sends once a lane is free and resolves with the settled prompt; resolves `{sent: false}`
   * when `options.signal` aborts before it could be sent.
   */
  async submit(options: LaneSubmit): Promise<PoolSubmitResult> {
    const lane = this.#pickLane();
    this.#unacknowledged++;
    this.#outstanding++;
    let acknowledged = false;
    const ack = (): void => {
      if (acknowledged) return;
      acknowledged = true;
      this.#unacknowledged--;
    };
    try {
      const free = await this.#acquire(lane, options.signal);
      if (!free) {
        ack();
        return { sent: false };
      }
      let released = false;
      const release = (): void => {
        ack();
        if (released) return;
        released = true;
        this.#release(lane);
      };
      try {
        const result = await lane.user.submit({ ...options, onPosted: release });
        return { sent: true, ...result };
      } finally {
        release();
      }
    } finally {
      ack();
      this.#outstanding--;
    }
  }

  #pickLane(): Lane {
    let best = this.#lanes[0] as Lane;
    for (const lane of this.#lanes) if (load(lane) < load(best)) best = lane;
    return best;
  }

  #acquire(lane: Lane, signal: AbortSignal | undefined): Promise<boolean> {
    if (signal?.aborted) return Promise.resolve(false);
    if (!lane.posting) {
      lane.posting = true;
      return Promise.resolve(true);
    }
    return new Promise((resolve) => {
      const onAbort = (): void => {
        const i = lane.waiting.indexOf(wake);
        if (i >= 0) lane.waiting.splice(i, 1);
        resolve(false);
      };
      const wake = (): void => {
        signal?.removeEventListener('abort', onAbort);
        resolve(true);
      };
      lane.waiting.push(wake);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  #release(lane: Lane): void {
    if (!lane.posting) return;
    const next = lane.waiting.shift();
    if (next !== undefined) next(); // the lane stays taken, handed over
    else lane.posting = false;
  }
}

function load(lane: Lane): number {
  return (lane.posting ? 1 : 0) + lane.waiting.length;
}
