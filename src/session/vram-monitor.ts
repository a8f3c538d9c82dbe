/**
 * The VRAM monitor of a measuring session: polls every target's `/system_stats`, each on a
 * connection of its own, for the whole run, feeds vram.csv (through {@link VramTimeline}), and at
 * the end returns summary.json's `vram` block and the warnings it calls for (memory that keeps
 * growing, failed polls), naming the target when there are several.
 */
import type { SampleContext } from '../harness/vram-sampler.js';
import { statsFetcher, VramSampler } from '../harness/vram-sampler.js';
import type { TargetSpec } from '../harness/load-plan.js';
import type { RunVram } from '../metrics/result-types.js';
import type { VramTimeline } from './vram-timeline.js';

export interface VramMonitorOptions {
  /** Every target of the run, in target order. */
  targets: readonly TargetSpec[];
  vram: VramTimeline;
  /** Monotonic ms (the run's recorder clock). */
  clock: () => number;
  originMs: number;
  /** What the run is doing at each sample (the engine's live counts). */
  context: () => SampleContext;
}

export class VramMonitor {
  readonly #vram: VramTimeline;
  readonly #samplers: VramSampler[];
  readonly #fetchers: ReturnType<typeof statsFetcher>[];

  constructor(o: VramMonitorOptions) {
    this.#vram = o.vram;
    // A poll may take a few intervals on a busy server before it counts as failed.
    this.#fetchers = o.targets.map((t) => statsFetcher(t, Math.max(2000, o.vram.intervalMs * 8)));
    this.#samplers = this.#fetchers.map(
      (fetcher, target) =>
        new VramSampler({
          fetchStats: fetcher.fetch,
          clock: o.clock,
          originMs: o.originMs,
          intervalMs: o.vram.intervalMs,
          context: o.context,
          target,
          onSample: (sample) => o.vram.add(sample),
        }),
    );
  }

  start(): void {
    for (const s of this.#samplers) s.start();
  }

  /** Stops polling (polls in flight are kept) and sums up; `onWarning` hears drift and failed polls. */
  async stop(onWarning: (message: string) => void): Promise<RunVram> {
    await Promise.all(this.#samplers.map((s) => s.stop()));
    for (const f of this.#fetchers) f.close();
    const summary = this.#vram.summary(this.#samplers.map((s) => s.counts));
    const fleet = this.#samplers.length > 1;
    for (const t of summary.targets ?? []) {
      const on = fleet ? ` on target ${t.target}` : '';
      const drift = t.drift;
      if (drift?.flagged === true) {
        onWarning(
          `VRAM keeps growing${on}: +${drift.slopeMbPer100Prompts.toFixed(1)} MB per 100 prompts over ${drift.prompts} prompts (R² ${drift.r2.toFixed(2)}): the pattern of a memory leak over many API prompts`,
        );
      }
      if (t.failedPolls > 0) onWarning(`${t.failedPolls} VRAM polls of /system_stats${on} failed (last: ${this.#samplers[t.target]?.lastError ?? 'unknown'})`);
    }
    return summary;
  }
}
