/** The VRAM sampler with its timer and clock seams replaced: no test waits on real time. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SystemStats } from '../../src/comfy/http-types.js';
import type { VramSample } from '../../src/metrics/result-types.js';
import realCpu from '../traces/real-system_stats.json' with { type: 'json' };
import { sampleFromStats, statsFetcher, VramSampler } from '../../src/harness/vram-sampler.js';
import { FakeClock } from '../helpers/fake-clock.js';

function stats(usedBytes: number): SystemStats {
  return {
    system: { os: 'posix', ram_total: 1000, ram_free: 400, python_version: '3.12', pytorch_version: '2.8', embedded_python: false },
    devices: [
      {
        name: 'cuda:0 NVIDIA L4 : cudaMallocAsync',
        type: 'cuda',
        index: 0,
        vram_total: 10_000,
        vram_free: 10_000 - usedBytes,
        torch_vram_total: 3000,
        torch_vram_free: 500,
      },
      { name: 'cuda:1 NVIDIA L4 : cudaMallocAsync', type: 'cuda', index: 1, vram_total: 10_000, vram_free: 9000, torch_vram_total: 0, torch_vram_free: 0 },
    ],
  };
}

function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void; reject: (e: unknown) => void } {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('VramSampler', () => {
  it('polls at start and per tick, skips (and counts) ticks while a poll is pending, never two polls at once', async () => {
    const timers = new FakeClock();
    let now = 1000;
    const pending: ReturnType<typeof deferred<SystemStats>>[] = [];
    const samples: VramSample[] = [];
    const sampler = new VramSampler({
      fetchStats: () => {
        const d = deferred<SystemStats>();
        pending.push(d);
        return d.promise;
      },
      clock: () => now,
      originMs: 1000,
      intervalMs: 250,
      context: () => ({ level: 2, phase: 'measure', concurrency: 4, inFlight: 3 }),
      onSample: (s) => samples.push(s),
      timers: timers,
    });
    sampler.start();
    expect(pending).toHaveLength(1);
    await timers.advance(250);
    await timers.advance(250);
    expect(pending).toHaveLength(1);
    expect(sampler.counts.skippedTicks).toBe(2);
    now = 1010;
    pending[0]!.resolve(stats(4000));
    await Promise.resolve();
    await new Promise((r) => setImmediate(r));
    expect(samples).toHaveLength(1);
    // Stamped at the poll's midpoint, relative to the run start.
    expect(samples[0]!.atMs).toBe(5);
    expect(samples[0]!.pollMs).toBe(10);
    expect(samples[0]).toMatchObject({ level: 2, phase: 'measure', concurrency: 4, inFlight: 3 });
    await timers.advance(250);
    expect(pending).toHaveLength(2);
    pending[1]!.reject(new Error('connection refused'));
    await sampler.stop();
    expect(timers.pendingCount).toBe(0);
    expect(sampler.counts).toEqual({ samples: 1, skippedTicks: 2, failedPolls: 1 });
    expect(sampler.lastError).toBe('connection refused');
  });

  it('keeps the sample of a poll that answers after stop() was called', async () => {
    const timers = new FakeClock();
    const d = deferred<SystemStats>();
    const samples: VramSample[] = [];
    const sampler = new VramSampler({
      fetchStats: () => d.promise,
      clock: () => 0,
      originMs: 0,
      intervalMs: 250,
      context: () => ({ level: 0, phase: 'warmup', concurrency: 1, inFlight: 0 }),
      onSample: (s) => samples.push(s),
      timers,
    });
    sampler.start();
    const stopped = sampler.stop();
    d.resolve(stats(1));
    await stopped;
    expect(samples).toHaveLength(1);
  });
});

const realCpuStats = realCpu as unknown as SystemStats;

describe('sampleFromStats', () => {
  it('derives used, torch reserved and active per device, and system RAM used', () => {
    const s = sampleFromStats(stats(4000), 12.5, 2, { level: 1, phase: 'measure', concurrency: 2, inFlight: 2 })!;
    expect(s.devices).toEqual([
      {
        device: 0,
        name: 'cuda:0 NVIDIA L4 : cudaMallocAsync',
        memory: 'vram',
        vramTotalBytes: 10_000,
        vramUsedBytes: 4000,
        torchReservedBytes: 3000,
        torchActiveBytes: 2500,
      },
      {
        device: 1,
        name: 'cuda:1 NVIDIA L4 : cudaMallocAsync',
        memory: 'vram',
        vramTotalBytes: 10_000,
        vramUsedBytes: 1000,
        torchReservedBytes: 0,
        torchActiveBytes: 0,
      },
    ]);
    expect(s.ramUsedBytes).toBe(600);
  });
  it("marks a CPU server's device (ComfyUI --cpu, RAM reported as VRAM four times over) as system RAM, torch figures left at 0", () => {
    const s = sampleFromStats(realCpuStats, 1, 1, { level: 0, phase: 'measure', concurrency: 1, inFlight: 0 }, 2)!;
    expect(s.target).toBe(2);
    expect(s.devices).toEqual([
      {
        device: 0,
        name: 'cpu',
        memory: 'system-ram',
        vramTotalBytes: 25276502016,
        vramUsedBytes: 25276502016 - 24567611392,
        torchReservedBytes: 0,
        torchActiveBytes: 0,
      },
    ]);
    expect(s.ramUsedBytes).toBe(25276502016 - 24567611392);
  });

  it('rejects an answer without a devices list', () => {
    expect(sampleFromStats({ system: {} } as unknown as SystemStats, 0, 0, { level: 0, phase: 'measure', concurrency: 1, inFlight: 0 })).toBeUndefined();
  });
});

describe('statsFetcher', () => {
  let server: Server;
  let url: string;
  const seen: { headers: Record<string, unknown>; remotePort: number | undefined }[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push({ headers: req.headers, remotePort: req.socket.remotePort });
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(stats(123)));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('reuses one keep-alive socket of its own and sends the target headers', async () => {
    const fetcher = statsFetcher({ url, headers: { authorization: 'Bearer x' } }, 2000);
    await fetcher.fetch();
    await fetcher.fetch();
    const got = await fetcher.fetch();
    fetcher.close();
    expect(got.devices[0]!.vram_free).toBe(10_000 - 123);
    expect(seen.map((s) => s.headers.authorization)).toEqual(['Bearer x', 'Bearer x', 'Bearer x']);
    expect(new Set(seen.map((s) => s.remotePort)).size).toBe(1);
  });
});
