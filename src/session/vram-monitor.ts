/**
 * The VRAM monitor of a measuring session: polls the first target's `/system_stats` on a
 * connection of its own for the whole run, feeds vram.csv (through {@link VramTimeline}), and at
 * the end returns summary.json's `vram` block and the warnings it calls for (memory that keeps
 * growing, failed polls).
 */
import type { SampleContext } from '../harness/vram-sampler.js';
import { statsFetcher, VramSampler } from '../harness/vram-sampler.js';
import type { TargetSpec } from '../harness/load-plan.js';
import type { RunVram } from '../metrics/result-types.js';
import type { VramTimeline } from './vram-timeline.js';

export interface VramMonitorOptions {
  target: TargetSpec;
  vram: VramTimeline;
  /** Monotonic ms (the run's recorder clock). */
  clock: () => number;
  originMs: number;
  /** What the run is doing at each sample (the engine's live counts). */
  context: () => SampleContext;
}

export class VramMonitor {
  readonly #vram: VramTimeline;
  readonly #sampler: VramSampler;
  readonly #fetcher: ReturnType<typeof statsFetcher>;

  constructor(o: VramMonitorOptions) {
    this.#vram = o.vram;
    // A poll may take a few intervals on a busy server before it counts as failed.
    this.#fetcher = statsFetcher(o.target, Math.max(2000, o.vram.intervalMs * 8));
    this.#sampler = new VramSampler({
      fetchStats: this.#fetcher.fetch,
      clock: o.clock,
      originMs: o.originMs,
      intervalMs: o.vram.intervalMs,
      context: o.context,
      onSample: (sample) => o.vram.add(sample),
    });
  }

  start(): void {
    this.#sampler.start();
  }

  /** Stops polling (a poll in flight is kept) and sums up; `onWarning` hears drift and failed polls. */
  async stop(onWarning: (message: string) => void): Promise<RunVram> {
    await this.#sampler.stop();
    this.#fetcher.close();
    const counts = this.#sampler.counts;
    const summary = this.#vram.summary(counts);
    const drift = summary.drift;
    if (drift?.flagged === true) {
      onWarning(
        `VRAM keeps growing: +${drift.slopeMbPer100Prompts.toFixed(1)} MB per 100 prompts over ${drift.prompts} prompts (R² ${drift.r2.toFixed(2)}): the pattern of a memory leak over many API prompts`,
      );
    }
    if (counts.failedPolls > 0) onWarning(`${counts.failedPolls} VRAM polls of /system_stats failed (last: ${this.#sampler.lastError ?? 'unknown'})`);
    return summary;
  }
}
