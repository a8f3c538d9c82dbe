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
import type { Fingerprint } from '../harness/fingerprint.js';
import { K6Run } from '../harness/k6/k6-run.js';
import type { RunEnvironment, RunVram } from '../metrics/result-types.js';
import { findK6, k6EngineOptions } from './k6-engine.js';
import { checkpointFile, writeCheckpoint } from './capacity-checkpoint.js';
import type { EngineName } from './plan-values.js';
import type { VramTimeline } from './vram-timeline.js';

/** What every engine's run ends with (a run cut short included). */
export type EngineOutcome = RunOutcome;

/** The outcomes of the three modes, told apart by `mode`. */
export type ModeOutcome = ({ mode: 'closed-loop' } & EngineOutcome) | ({ mode: 'open-loop' } & OpenRunOutcome) | ({ mode: 'capacity' } & CapacityOutcome);

/** What the k6 engine is told once the results folder exists. */
export interface EngineContext {
  dir: string;
  fingerprint: Fingerprint;
  headerComments: string[];
  environment: RunEnvironment;
  startTimeEpochMs: number;
  log: (text: string) => unknown;
}

/** What replaces the VRAM monitor when the engine polls /system_stats itself (k6). */
export interface VramSource {
  start(): void;
  stop(onWarning: (m: string) => void): Promise<RunVram>;
}

export interface Engine {
  readonly mode: MeasureMode;
  /** `k6` when k6 sends the load. */
  readonly engine: EngineName;
  /** Checks every target is a reachable ComfyUI; their /system_stats, in target order. */
  preflight(): Promise<SystemStats[]>;
  run(signal: AbortSignal, onTrial?: (trial: CapacityTrial) => void, onNote?: (line: string) => void): Promise<ModeOutcome>;
  /** What the run is doing now (level, phase, prompts in flight). */
  readonly live: Readonly<LiveCounts>;
  /** For capacity: the minimum prompts per trial to claim each SLO. */
  minSamples?(): Record<string, number>;
  /** The k6 engine: its options, once the results folder exists (before `run`). */
  prepare?(context: EngineContext): void;
  /** The k6 engine polls VRAM itself: its samples reach `vram` through k6's stream. */
  vramSource?(vram: VramTimeline): VramSource;
}

/**
 * The engine for a plan: k6 for --engine k6 (found now, before anything is sent), the capacity
 * search, open loop when the plan has an arrival model, else the closed loop.
 */
export function createEngine(plan: RunPlan, deps: EngineDeps & { timeline: QueueTimeline }, env: NodeJS.ProcessEnv = {}): Engine {
  const mode = modeOf(plan);
  if (plan.engine === 'k6' && mode !== 'capacity') return k6Engine(plan, deps, env);
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
      engine: 'node',
      preflight: () => search.engine.preflight(),
      run: async (signal, onTrial, onNote) => ({ mode, ...(await search.run(signal, onTrial, onNote)) }),
      get live() {
        return search.live;
      },
      minSamples: () => search.minSamples(),
      // After every decided trial: capacity-checkpoint.json, what `capacity --resume` continues from.
      prepare: (c) => {
        search.onCheckpoint = (state) => writeCheckpoint(c.dir, checkpointFile(plan, c.fingerprint, c.startTimeEpochMs, state));
      },
    };
  }
  if (mode === 'open-loop') {
    const open = new OpenLoopRun(plan, deps);
    return {
      mode,
      engine: 'node',
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
    engine: 'node',
    preflight: async () => [await closed.preflight()],
    run: async (signal) => ({ mode: 'closed-loop', ...(await closed.run(signal)) }),
    get live() {
      return closed.live;
    },
  };
}

/** `run --engine k6`: comfyload's preflight, then k6 on the bundled scenario; same records, same files. */
function k6Engine(plan: RunPlan, deps: EngineDeps, env: NodeJS.ProcessEnv): Engine {
  const binary = findK6(env);
  const k6 = new K6Run(plan, deps);
  const mode = modeOf(plan) === 'open-loop' ? 'open-loop' : 'closed-loop';
  return {
    mode,
    engine: 'k6',
    preflight: async () => [await k6.preflight()],
    run: async (signal) => ({ ...(await k6.run(signal)), mode }),
    get live() {
      return k6.live;
    },
    prepare: (c) =>
      k6.prepare(
        k6EngineOptions({
          plan,
          binary,
          env,
          dir: c.dir,
          fingerprint: c.fingerprint,
          headerComments: c.headerComments,
          environment: c.environment,
          startTimeEpochMs: c.startTimeEpochMs,
          stderr: { write: c.log },
        }),
      ),
    vramSource: (vram) => k6.vramFeed(vram),
  };
}
