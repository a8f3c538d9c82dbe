/**
 * The VRAM timeline of a run's results, per target: appends each sample to vram.csv as it arrives
 * (one file, a `target` column), keeps of it only the few numbers the figures need (a
 * {@link VramSeries} per target, 45 bytes a sample, nothing per prompt), and answers the figures
 * the other files carry — a prompt's peak on its own target (requests.csv), a level's
 * peak/mean/p95 (levels.csv, summary.json; the first target's) and each target's drift slope.
 *
 * A target on the CPU (ComfyUI --cpu) reports the machine's RAM as its device memory: its figures
 * are labelled `system-ram` and it gets no drift verdict, since machine-wide RAM grows and shrinks
 * with everything else the machine runs.
 */
import { join } from 'node:path';
import type { RunVram, TargetVram, VramFigures, VramSample } from '../metrics/result-types.js';
import { VRAM_USED_DEFINITION } from '../metrics/vram-stats.js';
import { VramSeries } from '../metrics/vram-series.js';
import { VramCsvWriter } from '../reporters/vram-csv.js';
import type { SamplerCounts } from '../harness/vram-sampler.js';
import { FileSink } from './file-sink.js';

/** Why a CPU target gets no drift verdict (summary.json `driftSkipped`). */
export const CPU_DRIFT_SKIPPED =
  'the target runs on the CPU (ComfyUI --cpu): /system_stats reports the machine RAM as its device memory, and machine-wide RAM is no measure of the server leaking';

export interface VramTimelineOptions {
  dir: string;
  intervalMs: number;
  headerComments: readonly string[];
  /** Targets of the run (one series each). @default 1 */
  targets?: number;
  /** Some target runs on the CPU (vram.csv says what its columns hold). */
  systemRam?: boolean;
}

export class VramTimeline {
  readonly intervalMs: number;
  readonly #writer: VramCsvWriter;
  readonly #series: VramSeries[];

  constructor(o: VramTimelineOptions) {
    this.intervalMs = o.intervalMs;
    this.#writer = new VramCsvWriter({ sink: new FileSink(join(o.dir, 'vram.csv')), headerComments: o.headerComments, systemRam: o.systemRam === true });
    this.#series = Array.from({ length: Math.max(1, o.targets ?? 1) }, () => new VramSeries());
  }

  /** A sampler's `onSample`. */
  add(sample: VramSample): void {
    this.#seriesOf(sample.target ?? 0).add(sample);
    void this.#writer.writeSample(sample);
  }

  /** Peak used VRAM of the prompt's target while it executed; notes measured completions for the drift fit. */
  promptPeak(target: number, executionStartMs: number | undefined, completedMs: number | undefined, measured: boolean): number | undefined {
    const series = this.#seriesOf(target);
    if (measured && completedMs !== undefined) series.noteCompletion(completedMs);
    if (executionStartMs === undefined || completedMs === undefined) return undefined;
    return series.peak(executionStartMs, completedMs);
  }

  /** A level's figures on one target (the first by default). */
  level(startedMs: number, endedMs: number, target = 0): VramFigures | undefined {
    return this.#seriesOf(target).figures(startedMs, endedMs);
  }

  async close(): Promise<void> {
    await this.#writer.close();
  }

  /** summary.json's `vram`: the first target's figures on top, every target's in `targets`. */
  summary(counts: readonly SamplerCounts[]): RunVram {
    const targets = this.#series.map((s, target) => this.#targetSummary(s, target, counts[target] ?? { samples: 0, skippedTicks: 0, failedPolls: 0 }));
    const first = targets[0] as TargetVram;
    return {
      intervalMs: this.intervalMs,
      samples: first.samples,
      skippedTicks: first.skippedTicks,
      failedPolls: first.failedPolls,
      usedDefinition: VRAM_USED_DEFINITION,
      devices: first.devices,
      overall: first.overall,
      drift: first.drift,
      memory: first.memory,
      ...(first.driftSkipped !== undefined ? { driftSkipped: first.driftSkipped } : {}),
      targets,
    };
  }

  #targetSummary(series: VramSeries, target: number, counts: SamplerCounts): TargetVram {
    const devices = series.first?.devices ?? [];
    const ram = devices[0]?.memory === 'system-ram';
    return {
      target,
      memory: ram ? 'system-ram' : 'vram',
      samples: counts.samples,
      skippedTicks: counts.skippedTicks,
      failedPolls: counts.failedPolls,
      devices: devices.map((d) => ({ device: d.device, name: d.name, vramTotalBytes: d.vramTotalBytes })),
      overall: series.figures() ?? null,
      drift: ram ? null : (series.drift() ?? null),
      ...(ram ? { driftSkipped: CPU_DRIFT_SKIPPED } : {}),
    };
  }

  #seriesOf(target: number): VramSeries {
    let s = this.#series[target];
    while (s === undefined) {
      this.#series.push(new VramSeries());
      s = this.#series[target];
    }
    return s;
  }
}
