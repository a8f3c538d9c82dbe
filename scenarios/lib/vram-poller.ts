/**
 * The VRAM scenario: one VU reads `/system_stats` every `--vram-interval` for the whole test and
 * emits each reading (per-device gauges, and the reading itself as metadata). A tick that finds the
 * previous poll still pending is skipped and counted, as the Node sampler does. It stops at the
 * plan's end, or as soon as the last level has started and no other VU of this process runs (a
 * level that finished early does not keep the test alive).
 */
import http from 'k6/http';
import exec from 'k6/execution';
import { sleep } from 'k6';
import type { SystemStats } from '../../src/comfy/http-types.js';
import { K6_WIRE_VERSION, type K6Plan, type K6VramWire } from '../../src/metrics/k6-wire.js';
import { countFailedPoll, countSkippedTicks, type DeviceGauges } from './metrics.js';

export function pollVram(plan: K6Plan, headers: Record<string, string>, gauges: DeviceGauges): void {
  const vram = plan.vram;
  if (vram === null) return;
  const testStartMs = exec.scenario.startTime;
  for (;;) {
    const beforeMs = Date.now();
    if (beforeMs - testStartMs >= vram.untilMs) return;
    if (beforeMs - testStartMs > vram.lastStartMs && exec.instance.vusActive <= 1) return;
    const res = http.get(`${plan.url}/system_stats`, { headers, tags: { name: 'GET /system_stats' } });
    const afterMs = Date.now();
    const reading = res.status === 200 ? toReading(res.body, beforeMs, afterMs) : undefined;
    if (reading === undefined) countFailedPoll();
    else gauges.emit(reading);
    const tookMs = afterMs - beforeMs;
    countSkippedTicks(Math.floor(tookMs / vram.intervalMs));
    sleep((vram.intervalMs - (tookMs % vram.intervalMs)) / 1000);
  }
}

function toReading(body: unknown, beforeMs: number, afterMs: number): K6VramWire | undefined {
  let stats: SystemStats;
  try {
    stats = JSON.parse(typeof body === 'string' ? body : '') as SystemStats;
  } catch {
    return undefined;
  }
  if (typeof stats !== 'object' || stats === null || !Array.isArray(stats.devices)) return undefined;
  // The same reading as the Node sampler's (src/harness/vram-sampler.ts sampleFromStats).
  const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
  const ramTotal = num(stats.system?.ram_total);
  return {
    v: K6_WIRE_VERSION,
    atMs: (beforeMs + afterMs) / 2,
    pollMs: afterMs - beforeMs,
    ramTotalBytes: ramTotal,
    ramUsedBytes: ramTotal - num(stats.system?.ram_free),
    devices: stats.devices.map((d, device) => ({
      device,
      name: String(d.name),
      vramTotalBytes: num(d.vram_total),
      vramUsedBytes: num(d.vram_total) - num(d.vram_free),
      torchReservedBytes: num(d.torch_vram_total),
      torchActiveBytes: num(d.torch_vram_total) - num(d.torch_vram_free),
    })),
  };
}
