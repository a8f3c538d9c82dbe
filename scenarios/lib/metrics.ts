/**
 * The k6 metrics of the scenarios, created in the init context: a Trend (`isTime`) per metric of
 * src/metrics/metric-names.ts, a Counter per outcome kind, the VRAM gauges per device. Names come
 * from src/metrics/k6-wire.ts, which the Node side reads the stream with.
 */
import { Counter, Gauge, Trend } from 'k6/metrics';
import exec from 'k6/execution';
import type { Outcome } from '../../src/comfy/marks.js';
import {
  deviceGauge,
  K6_TAGS,
  K6_TRENDS,
  OUTCOME_COUNTERS,
  outcomeCounter,
  RAM_USED_GAUGE,
  RUN_COUNTER,
  SUBMITTED_COUNTER,
  VRAM_FAILED_COUNTER,
  VRAM_POLL_TREND,
  VRAM_SKIPPED_COUNTER,
  WIRE_METADATA_KEY,
  type K6PromptWire,
  type K6RunWire,
  type K6VramWire,
} from '../../src/metrics/k6-wire.js';
import type { MetricName } from '../../src/metrics/metric-names.js';
import { promptMetrics } from '../../src/metrics/prompt-metrics.js';

const trends = new Map<MetricName, Trend>(K6_TRENDS.map((name) => [name, new Trend(name, true)]));
const outcomes = new Map<string, Counter>(OUTCOME_COUNTERS.map((name) => [name, new Counter(name)]));
const submitted = new Counter(SUBMITTED_COUNTER);
const vramPoll = new Trend(VRAM_POLL_TREND, true);
const vramFailed = new Counter(VRAM_FAILED_COUNTER);
const vramSkipped = new Counter(VRAM_SKIPPED_COUNTER);
const ramUsed = new Gauge(RAM_USED_GAUGE);

/** Gauges per device, created in the init context for the devices the preflight saw. */
export class DeviceGauges {
  readonly #byDevice: { used: Gauge; total: Gauge; reserved: Gauge; active: Gauge }[] = [];

  constructor(devices: number) {
    for (let d = 0; d < devices; d++) {
      this.#byDevice.push({
        used: new Gauge(deviceGauge('vramUsedBytes', d)),
        total: new Gauge(deviceGauge('vramTotalBytes', d)),
        reserved: new Gauge(deviceGauge('torchReservedBytes', d)),
        active: new Gauge(deviceGauge('torchActiveBytes', d)),
      });
    }
  }

  /** Emits one reading: the per-device gauges, then `ramUsedBytes` carrying the whole reading. */
  emit(reading: K6VramWire): void {
    vramPoll.add(reading.pollMs);
    for (const device of reading.devices) {
      const g = this.#byDevice[device.device];
      if (g === undefined) continue;
      g.used.add(device.vramUsedBytes);
      g.total.add(device.vramTotalBytes);
      g.reserved.add(device.torchReservedBytes);
      g.active.add(device.torchActiveBytes);
    }
    withMetadata(JSON.stringify(reading), () => ramUsed.add(reading.ramUsedBytes));
  }
}

export function countFailedPoll(): void {
  vramFailed.add(1);
}

export function countSkippedTicks(ticks: number): void {
  if (ticks > 0) vramSkipped.add(ticks);
}

/** A prompt was POSTed (its tags and `prompt_id` metadata are already the VU's). */
export function countSubmitted(): void {
  submitted.add(1);
}

/**
 * A prompt settled: its Trends (measured `ok` prompts only, as the Node engine records them), then
 * its outcome's counter carrying the wire record.
 */
export function emitSettled(wire: K6PromptWire, outcome: Outcome): void {
  if (outcome === 'ok') {
    const values = promptMetrics(wire.marks, wire.openLoop);
    for (const [metric, value] of Object.entries(values.timings)) {
      if (value !== undefined) trends.get(metric as MetricName)?.add(value);
    }
    const steps = trends.get('stepIntervalMs');
    for (const interval of values.stepIntervalsMs) steps?.add(interval);
    const starts = trends.get('samplerStartMs');
    for (const start of values.samplerStartsMs) starts?.add(start);
  }
  const counter = outcomes.get(outcomeCounter(outcome));
  withMetadata(JSON.stringify(wire), () => counter?.add(1, { [K6_TAGS.outcome]: outcome }));
}

function withMetadata(value: string, emit: () => void): void {
  exec.vu.metrics.metadata[WIRE_METADATA_KEY] = value;
  try {
    emit();
  } finally {
    delete exec.vu.metrics.metadata[WIRE_METADATA_KEY];
  }
}

const run = new Counter(RUN_COUNTER);

/** setup(): one point per k6 process carrying the plan, its segment and k6's version. */
export function emitRun(wire: K6RunWire): void {
  withMetadata(JSON.stringify(wire), () => run.add(1));
}
