/**
 * `comfyload run --rate …` / `--stages …`: warm-up (one prompt at a time per target, reported
 * apart), then the arrival plan — each rate of `--rate` as a level of its own (drained before the
 * next), or the stages of `--stages` as one continuous ramp, a level per stage. Same shape as the
 * closed-loop `ClosedLoopRun`, so the CLI wires both alike.
 */
import type { SystemStats } from '../comfy/http-types.js';
import type { QueueTimeline } from '../metrics/queue-timeline.js';
import type { LevelSummary, OpenLoopLevelReport } from '../metrics/result-types.js';
import type { EngineDeps } from './closed-loop-run.js';
import { runOutcome, type RunOutcome } from './run-outcome.js';
import type { ComfyHttp } from './comfy-http.js';
import { ComfyloadError } from '../comfy/errors.js';
import { OpenLoopEngine, type ArrivalSegment } from './open-loop-engine.js';
import type { Timers } from './clock.js';
import type { LiveCounts } from './run-observer.js';
import type { OpenLoopPlan, LoadPlan } from './load-plan.js';

export interface OpenRunOutcome extends RunOutcome {
  openLoop: OpenLoopLevelReport[];
  /** Fleets: per (target, level) summaries. */
  targetLevels: LevelSummary[];
}

export class OpenLoopRun {
  readonly #plan: LoadPlan;
  readonly #open: OpenLoopPlan;
  readonly engine: OpenLoopEngine;

  constructor(plan: LoadPlan, deps: EngineDeps & { timeline: QueueTimeline; timers?: Timers }) {
    if (plan.openLoop === undefined) throw new ComfyloadError('COMFYLOAD_ERR_BAD_OPTION', 'Not an open-loop plan', { hint: 'Give --rate or --stages.' });
    this.#plan = plan;
    this.#open = plan.openLoop;
    this.engine = new OpenLoopEngine(plan, deps, plan.openLoop.dispatch);
  }

  get http(): ComfyHttp {
    return (this.engine.pools[0] as { http: ComfyHttp }).http;
  }

  get live(): Readonly<LiveCounts> {
    return this.engine.live;
  }

  async preflight(): Promise<SystemStats> {
    const all = await this.engine.preflight();
    return all[0] as SystemStats;
  }

  /** The levels of the plan as arrival segments. */
  segments(): ArrivalSegment[] {
    const o = this.#open;
    const base = { process: o.arrival, burstiness: o.burstiness };
    if (o.stages !== undefined) {
      return [
        {
          spec: { ...base, startRatePerSec: o.startRatePerSec ?? 0, stages: o.stages },
          stageLevels: o.stages.map((s, level) => ({ level, ratePerSec: s.ratePerSec })),
        },
      ];
    }
    return (o.ratesPerSec ?? []).map((rate, level) => ({
      spec: {
        ...base,
        startRatePerSec: rate,
        stages: [{ ratePerSec: rate, durationMs: this.#plan.durationMs ?? Number.POSITIVE_INFINITY }],
        ...(this.#plan.durationMs === undefined ? { maxArrivals: this.#plan.promptsPerLevel ?? 0 } : {}),
      },
      stageLevels: [{ level, ratePerSec: rate }],
    }));
  }

  async run(signal: AbortSignal): Promise<OpenRunOutcome> {
    const levels: LevelSummary[] = [];
    const targetLevels: LevelSummary[] = [];
    const reports: OpenLoopLevelReport[] = [];
    let warmup: LevelSummary | null = null;
    await this.engine.open();
    try {
      if (this.#plan.warmupPrompts > 0) {
        warmup = (await this.engine.runSequential(this.#plan.warmupPrompts, { level: 0, phase: 'warmup' }, signal)).summary;
      }
      for (const segment of this.segments()) {
        if (signal.aborted || this.engine.stoppedBy !== undefined) break;
        const result = await this.engine.runSegment(segment, { maxInFlight: this.#open.maxInFlight, signal });
        levels.push(...result.levels);
        targetLevels.push(...result.targetLevels);
        reports.push(...result.reports);
      }
    } finally {
      await this.engine.close();
    }
    return {
      ...runOutcome({ warmup, levels, signal, stoppedBy: this.engine.stoppedBy, decodeStats: this.engine.stats, reconnects: this.engine.reconnects }),
      openLoop: reports,
      targetLevels,
    };
  }
}
