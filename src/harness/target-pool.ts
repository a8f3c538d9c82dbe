/**
 * The sockets of one target in an open-loop run: a few virtual users (one clientId and one
 * socket each), each sending one POST /prompt at a time, as one HTTP/1.1 client does, with any
 * number of its prompts then waiting on its socket. An arrival goes to the lane with the least
 * work; if every lane is busy posting it waits its turn. That wait is real client-side queueing:
 * it is inside the corrected latencies (measured from the intended time) and outside the
 * uncorrected ones (from the actual send), which is how a stalled server shows up as
 * coordinated omission in the uncorrected figures.
 *
 * A lane sends only over an open socket (after a drop it waits for the reconnect). A lane whose
 * socket was given up takes no more prompts: arrivals go to the others, and once every lane of
 * the target is gone `onAllGaveUp` fires and what still waits for a lane is not sent.
 */
import type { DecodeStats } from '../comfy/decode-stats.js';
import type { Clock } from './clock.js';
import type { ComfyHttp } from './comfy-http.js';
import { onAbort } from './abort.js';
import type { ComfyloadError } from '../comfy/errors.js';
import { VirtualUser, type SubmitOptions, type SubmitResult, type VirtualUserOptions } from './virtual-user.js';

/** Sockets per target in an open-loop run. */
export const SOCKETS_PER_TARGET = 2;

interface Lane {
  user: VirtualUser;
  posting: boolean;
  waiting: (() => void)[];
}

export type LaneSubmit = Omit<SubmitOptions, 'onPosted'>;

/** What became of a submission that waited in a lane: sent, or not (`stopped`: the signal aborted; `no-socket`: every socket of the target was given up). */
export type PoolSubmitResult = ({ sent: true } & SubmitResult) | { sent: false; why: 'stopped' | 'no-socket' };

export interface TargetPoolOptions {
  sockets?: number;
  /** Settings of every lane's virtual user. */
  user?: VirtualUserOptions;
  /** Called once, when the last live socket of the target was given up. */
  onAllGaveUp?: (err: ComfyloadError) => void;
}

export class TargetPool {
  readonly index: number;
  readonly http: ComfyHttp;
  readonly #lanes: Lane[];
  #unacknowledged = 0;
  #outstanding = 0;

  constructor(index: number, http: ComfyHttp, clock: Clock, stats: DecodeStats, onWarning: (message: string) => void, options: TargetPoolOptions = {}) {
    this.index = index;
    this.http = http;
    const onGiveUp = (err: ComfyloadError): void => {
      if (this.allGaveUp) options.onAllGaveUp?.(err);
    };
    const user: VirtualUserOptions = { ...options.user, onGiveUp };
    this.#lanes = Array.from({ length: options.sockets ?? SOCKETS_PER_TARGET }, () => ({
      user: new VirtualUser(http, clock, stats, onWarning, user),
      posting: false,
      waiting: [],
    }));
  }

  /** True once every socket of the target was given up. */
  get allGaveUp(): boolean {
    return this.#lanes.every((l) => l.user.gaveUp);
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
   * Sends once a lane is free and its socket open, and resolves with the settled prompt; resolves
   * `{sent: false}` when `options.signal` aborts before it could be sent, or no socket is left.
   */
  async submit(options: LaneSubmit): Promise<PoolSubmitResult> {
    this.#unacknowledged++;
    this.#outstanding++;
    let acknowledged = false;
    const ack = (): void => {
      if (acknowledged) return;
      acknowledged = true;
      this.#unacknowledged--;
    };
    try {
      for (;;) {
        const lane = this.#pickLane();
        if (lane === undefined) {
          ack();
          return { sent: false, why: 'no-socket' };
        }
        const free = await this.#acquire(lane, options.signal);
        if (!free) {
          ack();
          return { sent: false, why: 'stopped' };
        }
        if (!(await lane.user.whenReady(options.signal))) {
          // Stopped while the socket was down, or this lane's socket was given up: try another lane.
          this.#release(lane);
          if (lane.user.gaveUp && options.signal?.aborted !== true) continue;
          ack();
          return { sent: false, why: 'stopped' };
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
      }
    } finally {
      ack();
      this.#outstanding--;
    }
  }

  /** The live lane with the least work, or undefined when every socket was given up. */
  #pickLane(): Lane | undefined {
    let best: Lane | undefined;
    for (const lane of this.#lanes) if (!lane.user.gaveUp && (best === undefined || load(lane) < load(best))) best = lane;
    return best;
  }

  #acquire(lane: Lane, signal: AbortSignal | undefined): Promise<boolean> {
    if (signal?.aborted) return Promise.resolve(false);
    if (!lane.posting) {
      lane.posting = true;
      return Promise.resolve(true);
    }
    return new Promise((resolve) => {
      const wake = (): void => {
        unsubscribe();
        resolve(true);
      };
      lane.waiting.push(wake);
      const unsubscribe = onAbort(signal, () => {
        const i = lane.waiting.indexOf(wake);
        if (i >= 0) lane.waiting.splice(i, 1);
        resolve(false);
      });
    });
  }

  #release(lane: Lane): void {
    if (!lane.posting) return;
    const next = lane.waiting.shift();
    if (next !== undefined)
      next(); // the lane stays taken, handed over
    else lane.posting = false;
  }
}

function load(lane: Lane): number {
  return (lane.posting ? 1 : 0) + lane.waiting.length;
}
