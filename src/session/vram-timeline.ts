/**
 * The VRAM timeline of a run's results: keeps the sampler's samples in memory (sorted by time), appends
 * each to vram.csv as it arrives, and answers the figures the other files carry — a prompt's peak
 * (requests.csv), a level's peak/mean/p95 (levels.csv, summary.json) and the run's drift slope.
 */
import { join } from 'node:path';
import type { RunVram, VramFigures, VramSample } from '../metrics/result-types.js';
import { promptVramPeak, VRAM_USED_DEFINITION, vramDrift, vramFigures } from '../metrics/vram-stats.js';
import { VramCsvWriter } from '../reporters/vram-csv.js';
import type { SamplerCounts } from '../harness/vram-sampler.js';
import { FileSink } from './file-sink.js';

export class VramTimeline {
  readonly intervalMs: number;
  readonly #writer: VramCsvWriter;
  readonly #samples: VramSample[] = [];
  readonly #measuredCompletions: number[] = [];

  constructor(dir: string, intervalMs: number, headerComments: readonly string[]) {
    this.intervalMs = intervalMs;
    this.#writer = new VramCsvWriter({ sink: new FileSink(join(dir, 'vram.csv')), headerComments });
  }

  get samples(): readonly VramSample[] {
    return this.#samples;
  }

  /** The sampler's `onSample`: polls may answer out of order, so insert in time order. */
  add(sample: VramSample): void {
    let i = this.#samples.length;
    while (i > 0 && (this.#samples[i - 1]?.atMs ?? -Infinity) > sample.atMs) i--;
    this.#samples.splice(i, 0, sample);
    void this.#writer.writeSample(sample);
  }

  /** Peak used VRAM while a prompt executed; remembers measured completions for the drift fit. */
  promptPeak(executionStartMs: number | undefined, completedMs: number | undefined, measured: boolean): number | undefined {
    if (measured && completedMs !== undefined) this.#measuredCompletions.push(completedMs);
    if (executionStartMs === undefined || completedMs === undefined) return undefined;
    return promptVramPeak(this.#samples, executionStartMs, completedMs);
  }

  level(startedMs: number, endedMs: number): VramFigures | undefined {
    return vramFigures(this.#samples, startedMs, endedMs);
  }

  async close(): Promise<void> {
    await this.#writer.close();
  }

  summary(counts: SamplerCounts): RunVram {
    const first = this.#samples[0];
    return {
      intervalMs: this.intervalMs,
      samples: counts.samples,
      skippedTicks: counts.skippedTicks,
      failedPolls: counts.failedPolls,
      usedDefinition: VRAM_USED_DEFINITION,
      devices: (first?.devices ?? []).map((d) => ({ device: d.device, name: d.name, vramTotalBytes: d.vramTotalBytes })),
      overall: vramFigures(this.#samples) ?? null,
      drift:
        vramDrift(
          this.#samples.filter((s) => s.phase === 'measure'),
          this.#measuredCompletions,
        ) ?? null,
    };
  }
}
