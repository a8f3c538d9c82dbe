/**
 * Engine selection: the one place that knows which engine runs a plan. Every engine looks the
 * same to the session — it checks its targets (`preflight`: one /system_stats per target), runs
 * with a stop signal, and says what it is doing now (`live`, for the VRAM sampler's tags) — so
 * the session wires closed loop, open loop and the capacity search alike.
 */
import { ComfyloadError } from '../comfy/errors.js';
import type { SystemStats } from '../comfy/http-types.js';
import { CapacityRun, type CapacityOutcome } from '../harness/capacity-run.js';
import { ClosedLoopRun, type EngineDeps } from '../harness/closed-loop-run.js';
import { OpenLoopRun, type OpenRunOutcome } from '../harness/open-loop-run.js';
import type { RunOutcome } from '../harness/run-outcome.js';
import type { LiveCounts } from '../harness/run-observer.js';
import type { QueueTimeline } from '../metrics/queue-timeline.js';
import type { CapacityTrial } from '../metrics/result-types.js';
import { modeOf, type MeasureMode, type RunPlan } from './plan.js';

/** What every engine's run ends with (a run cut short included). */
export type EngineOutcome = RunOutcome;

/** The outcomes of the three modes, told apart by `mode`. */
export type ModeOutcome = ({ mode: 'closed-loop' } & EngineOutcome) | ({ mode: 'open-loop' } & OpenRunOutcome) | ({ mode: 'capacity' } & CapacityOutcome);

export interface Engine {
  readonly mode: MeasureMode;
  /** Checks every target is a reachable ComfyUI; their /system_stats, in target order. */
  preflight(): Promise<SystemStats[]>;
  run(signal: AbortSignal, onTrial?: (trial: CapacityTrial) => void): Promise<ModeOutcome>;
  /** What the run is doing now (level, phase, prompts in flight). */
  readonly live: Readonly<LiveCounts>;
  /** For capacity: the minimum prompts per trial to claim each SLO. */
  minSamples?(): Record<string, number>;
}

/** The engine for a plan: the capacity search, open loop when the plan has an arrival model, else the closed loop. */
export function createEngine(plan: RunPlan, deps: EngineDeps & { timeline: QueueTimeline }): Engine {
  const mode = modeOf(plan);
  if (mode === 'closed-loop' && plan.targets.length > 1) {
    // Checked before any request: the closed loop drives one target.
    throw new ComfyloadError('COMFYLOAD_ERR_BAD_OPTION', `${plan.targets.length} targets given with \`--url\` but no arrival rate`, {
      hint: 'a fleet is loaded in open loop: add --rate (e.g. --rate 30/min) and choose --dispatch.',
    });
  }
  if (mode === 'capacity' && plan.capacity !== undefined) {
    const search = new CapacityRun(plan, plan.capacity, deps);
    return {
      mode,
      preflight: () => search.engine.preflight(),
      run: async (signal, onTrial) => ({ mode, ...(await search.run(signal, onTrial)) }),
      get live() {
        return search.live;
      },
      minSamples: () => search.minSamples(),
    };
  }
  if (mode === 'open-loop') {
    const open = new OpenLoopRun(plan, deps);
    return {
      mode,
      preflight: () => open.engine.preflight(),
      run: async (signal) => ({ mode, ...(await open.run(signal)) }),
      get live() {
        return open.live;
      },
    };
  }
  const closed = new ClosedLoopRun(plan, deps);
  return {
    mode: 'closed-loop',
    preflight: async () => [await closed.preflight()],
    run: async (signal) => ({ mode: 'closed-loop', ...(await closed.run(signal)) }),
    get live() {
      return closed.live;
    },
  };
}
