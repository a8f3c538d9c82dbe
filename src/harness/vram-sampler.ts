/**
 * Polls `/system_stats` every `intervalMs` on a connection of its own and turns each answer into
 * a {@link VramSample} tagged with what the run was doing (level, phase, prompts in flight).
 *
 * It never delays the load: its requests go through their own keep-alive agent with one socket
 * (not the pool the prompts' POSTs use), and a tick that finds the previous poll still pending
 * is skipped and counted instead of queueing a second request. Timers and the clock are seams,
 * so unit tests drive ticks by hand.
 */
import http from 'node:http';
import https from 'node:https';
import type { SystemStats } from '../comfy/http-types.js';
import type { Phase, VramSample } from '../metrics/result-types.js';
import { systemTimers, type Timers } from './clock.js';
import type { TargetSpec } from './load-plan.js';

/** What the run is doing, read at each sample. */
export interface SampleContext {
  level: number;
  phase: Phase;
  concurrency: number;
  inFlight: number;
}

export interface VramSamplerOptions {
  /** One GET /system_stats on the sampler's own connection. */
  fetchStats: () => Promise<SystemStats>;
  /** Monotonic ms (the run's recorder clock). */
  clock: () => number;
  /** Clock reading of the run start: samples carry ms since then. */
  originMs: number;
  intervalMs: number;
  context: () => SampleContext;
  onSample: (sample: VramSample) => void;
  /** Index of the target polled (its samples carry it). @default 0 */
  target?: number;
  timers?: Timers;
}

export interface SamplerCounts {
  samples: number;
  skippedTicks: number;
  failedPolls: number;
}

export class VramSampler {
  readonly #o: VramSamplerOptions;
  readonly #timers: Timers;
  #handle: unknown;
  #pending: Promise<void> | undefined;
  #counts: SamplerCounts = { samples: 0, skippedTicks: 0, failedPolls: 0 };
  #lastError: string | undefined;

  constructor(options: VramSamplerOptions) {
    this.#o = options;
    this.#timers = options.timers ?? systemTimers;
  }

  get counts(): Readonly<SamplerCounts> {
    return { ...this.#counts };
  }

  /** The message of the last failed poll, if any. */
  get lastError(): string | undefined {
    return this.#lastError;
  }

  /** Takes a first sample at once, then one per interval. */
  start(): void {
    if (this.#handle !== undefined) return;
    this.#handle = this.#timers.setInterval(() => this.samplerOnTick(), this.#o.intervalMs);
    this.samplerOnTick();
  }

  /** Stops the timer and waits for a poll in flight (its sample is kept). */
  async stop(): Promise<void> {
    if (this.#handle !== undefined) this.#timers.clearInterval(this.#handle);
    this.#handle = undefined;
    await this.#pending;
  }

  /** One tick: poll, unless the previous poll is still pending. Public for tests. */
  samplerOnTick(): void {
    if (this.#pending !== undefined) {
      this.#counts.skippedTicks++;
      return;
    }
    this.#pending = this.#poll().finally(() => {
      this.#pending = undefined;
    });
  }

  async #poll(): Promise<void> {
    const sentMs = this.#o.clock();
    let stats: SystemStats;
    try {
      stats = await this.#o.fetchStats();
    } catch (err) {
      this.#counts.failedPolls++;
      this.#lastError = (err as Error).message;
      return;
    }
    const receivedMs = this.#o.clock();
    const sample = sampleFromStats(stats, (sentMs + receivedMs) / 2 - this.#o.originMs, receivedMs - sentMs, this.#o.context(), this.#o.target ?? 0);
    if (sample === undefined) {
      this.#counts.failedPolls++;
      this.#lastError = '/system_stats answered without a devices list';
      return;
    }
    this.#counts.samples++;
    this.#o.onSample(sample);
  }
}

/**
 * A `/system_stats` answer as a sample; undefined when it is not shaped like ComfyUI's. A `cpu`
 * device (ComfyUI `--cpu`) reports the machine's RAM as its total and free and as torch's too:
 * it is marked `system-ram`, and its torch figures, copies of the RAM ones, are left at 0.
 */
export function sampleFromStats(stats: SystemStats, atMs: number, pollMs: number, ctx: SampleContext, target = 0): VramSample | undefined {
  if (typeof stats !== 'object' || stats === null || !Array.isArray(stats.devices)) return undefined;
  const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
  const ramTotal = num(stats.system?.ram_total);
  return {
    target,
    atMs,
    pollMs,
    level: ctx.level,
    phase: ctx.phase,
    concurrency: ctx.concurrency,
    inFlight: ctx.inFlight,
    ramTotalBytes: ramTotal,
    ramUsedBytes: ramTotal - num(stats.system?.ram_free),
    devices: stats.devices.map((d, device) => {
      const cpu = d.type === 'cpu';
      return {
        device,
        name: String(d.name),
        memory: cpu ? 'system-ram' : 'vram',
        vramTotalBytes: num(d.vram_total),
        vramUsedBytes: num(d.vram_total) - num(d.vram_free),
        torchReservedBytes: cpu ? 0 : num(d.torch_vram_total),
        torchActiveBytes: cpu ? 0 : num(d.torch_vram_total) - num(d.torch_vram_free),
      };
    }),
  };
}

/**
 * GET /system_stats on a keep-alive agent of its own (one socket), so polls neither wait behind
 * nor hold up the load's requests. `close()` destroys the agent's socket.
 */
export function statsFetcher(target: TargetSpec, timeoutMs: number): { fetch: () => Promise<SystemStats>; close: () => void } {
  const url = new URL(`${target.url.replace(/\/+$/, '')}/system_stats`);
  const lib = url.protocol === 'https:' ? https : http;
  const agent = new lib.Agent({ keepAlive: true, maxSockets: 1 });
  const fetchStats = (): Promise<SystemStats> =>
    new Promise((resolve, reject) => {
      const req = lib.get(url, { agent, headers: { ...target.headers, accept: 'application/json' }, timeout: timeoutMs }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          if (res.statusCode !== 200) return reject(new Error(`GET /system_stats answered ${res.statusCode ?? '?'}`));
          try {
            resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as SystemStats);
          } catch {
            reject(new Error('GET /system_stats did not answer JSON'));
          }
        });
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error(`GET /system_stats timed out after ${timeoutMs} ms`)));
      req.on('error', reject);
    });
  return { fetch: fetchStats, close: () => agent.destroy() };
}
