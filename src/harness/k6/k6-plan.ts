/**
 * A RunPlan, after comfyload's preflight, as the plan the k6 scenarios run (src/metrics/k6-wire.ts
 * K6Plan). Every sizing decision is made here, from one figure: the expected completion time of a
 * prompt E (measured by the sizing probe, or `--expected-completion`), and its cold first run E₀.
 *
 * k6 chains levels by `startTime` only: a level's slot must be fixed before the test starts.
 * - closed loop, N prompts at c VUs on a one-worker server: N·E of work, plus c·E of tail;
 *   `maxDuration` = 2·(N + c)·E + 1 s. A level that finishes early leaves the server idle until the
 *   next slot; one that overruns stops taking prompts at maxDuration.
 * - `gracefulStop` = time for the prompts in flight to finish: 2·(in flight + 1)·E + 1 s, at most
 *   --prompt-timeout; the next level starts after it, so levels never overlap.
 * - open loop: k6 runs an arrival when a VU is free, else counts it in `dropped_iterations`. A VU
 *   holds its prompt for its whole completion, so maxVUs = --max-in-flight (the Node engine's cap on
 *   outstanding prompts, past which it drops too), capped at rate × --prompt-timeout, which no more
 *   VUs could fill; preAllocatedVUs = 2·rate·E + 1.
 * - the guard timer of every prompt stops at its slot's end, so no prompt outlives its level.
 * Seeds: prompt `seq` of the run's seed sequence, `seq` = the scenario's `seqBase` + k6's
 * `iterationInTest` (unique across VUs and execution segments).
 */
import { ComfyloadError } from '../../comfy/errors.js';
import type { TextTarget } from '../prompt-text.js';
import { levelName } from '../../metrics/level-number.js';
import type { RunThreshold } from '../../metrics/run-thresholds.js';
import type { LoadPlan } from '../load-plan.js';

/** What the k6 plan is built from: the engine's plan, its name, thresholds and VRAM polling. */
export type K6LoadPlan = LoadPlan & { name: string; thresholds?: readonly RunThreshold[]; vramIntervalMs?: number };
import { K6_PLAN_VERSION, type K6Plan, type K6RunInfo, type K6ScenarioPlan } from '../../metrics/k6-wire.js';

/** What the levels are sized from. */
export interface ExpectedCompletion {
  /** A warm prompt's completion, ms. */
  completionMs: number;
  /** The first (cold) prompt's, ms: the warm-up's first prompt may pay the model load. */
  coldMs: number;
  /** How it was obtained, for summary.json and stderr. */
  source: string;
}

export interface K6PlanInput {
  /** After preflight: the final graph in `workflow`. */
  plan: K6LoadPlan;
  runId: string;
  expected: ExpectedCompletion;
  /** Devices in /system_stats (a VRAM gauge set each). */
  devices: number;
  run: K6RunInfo;
  textTargets: readonly TextTarget[];
}

/** k6 refuses a scenario shorter than this (lib/executor minDuration). */
const K6_MIN_DURATION_MS = 1000;

function tooShort(what: string, ms: number, fix: string): ComfyloadError {
  return new ComfyloadError('COMFYLOAD_ERR_K6_UNSUPPORTED', `k6 runs a scenario for at least 1 s, but ${what} takes ${(ms / 1000).toFixed(2)} s`, {
    hint: fix,
  });
}

/** Seq slots of levels whose prompt count is not known up front (timed levels). */
const OPEN_SLOT = 2 ** 30;
const MIN_SLOT_MS = 1000;

/** The script a plan runs: closed-loop.js or arrival-rate.js. */
export function scenarioScript(plan: K6LoadPlan): 'closed-loop' | 'arrival-rate' {
  return plan.openLoop !== undefined ? 'arrival-rate' : 'closed-loop';
}

/** `ws(s)://host[/base]/ws` for a base URL. */
export function webSocketUrl(baseUrl: string): string {
  const url = new URL(baseUrl);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/ws`;
  return url.toString();
}

export function buildK6Plan(input: K6PlanInput): K6Plan {
  const { plan, expected } = input;
  const url = (plan.targets[0]?.url ?? '').replace(/\/+$/, '');
  const e = Math.max(1, expected.completionMs);
  const grace = (inFlight: number): number => Math.min(plan.promptTimeoutMs, Math.ceil(2 * (inFlight + 1) * e) + 1000);
  const scenarios: K6ScenarioPlan[] = [];
  let atMs = 0;
  // The run continues a seed stream the cache audit may have drawn from: never one of its seeds again.
  let seq = plan.seedStreamStart ?? 0;
  const push = (s: Omit<K6ScenarioPlan, 'startTimeMs' | 'endMs' | 'seqBase'>, prompts: number | undefined): void => {
    const gracefulStopMs = s.gracefulStopMs;
    const endMs = atMs + s.durationMs + gracefulStopMs - Math.min(500, gracefulStopMs / 4);
    scenarios.push({ ...s, startTimeMs: atMs, endMs, seqBase: seq });
    atMs += s.durationMs + gracefulStopMs;
    seq += prompts ?? OPEN_SLOT;
  };
  if (plan.warmupPrompts > 0) {
    const w = plan.warmupPrompts;
    push(
      {
        name: 'warmup',
        executor: 'shared-iterations',
        phase: 'warmup',
        openLoop: false,
        levels: [{ level: 0, concurrency: 1, fromMs: 0 }],
        vus: 1,
        iterations: w,
        durationMs: Math.max(MIN_SLOT_MS, Math.ceil(2 * (expected.coldMs + (w - 1) * e)) + 1000),
        gracefulStopMs: grace(1),
      },
      w,
    );
  }
  if (plan.openLoop === undefined) closedLevels(plan, e, grace, push);
  else openLevels(plan, e, grace, push);
  const last = scenarios[scenarios.length - 1];
  return {
    version: K6_PLAN_VERSION,
    runId: input.runId,
    name: plan.name,
    url,
    wsUrl: webSocketUrl(url),
    workflow: plan.workflow,
    nodeIds: Object.keys(plan.workflow),
    seedPolicy: plan.seedPolicy,
    seed: plan.seed,
    promptTexts: plan.promptTexts ?? [],
    textTargets: input.textTargets.map((t) => ({ nodeId: t.nodeId, input: t.input })),
    promptTimeoutMs: plan.promptTimeoutMs,
    expectedCompletionMs: expected.completionMs,
    sizing: expected.source,
    scenarios,
    vram: { intervalMs: plan.vramIntervalMs ?? 250, untilMs: atMs, lastStartMs: last?.startTimeMs ?? 0, devices: input.devices },
    tags: { gpu: input.run.gpuSlug, model_config: input.run.modelConfigSlug },
    // Percentile thresholds become k6 thresholds (k6 exits 99); errorRate is judged by comfyload alone.
    thresholds: (plan.thresholds ?? []).flatMap((t) => (t.kind === 'percentile' ? [t.text] : [])),
    run: input.run,
  };
}

type Push = (s: Omit<K6ScenarioPlan, 'startTimeMs' | 'endMs' | 'seqBase'>, prompts: number | undefined) => void;

function closedLevels(plan: K6LoadPlan, e: number, grace: (inFlight: number) => number, push: Push): void {
  for (const [level, { concurrency: c }] of plan.levels.entries()) {
    const base = {
      name: levelName(level),
      phase: 'measure' as const,
      openLoop: false,
      levels: [{ level, concurrency: c, fromMs: 0 }],
      vus: c,
      gracefulStopMs: grace(c),
    };
    if (plan.durationMs !== undefined) {
      if (plan.durationMs < K6_MIN_DURATION_MS)
        throw tooShort(`--duration ${plan.durationMs} ms`, plan.durationMs, 'give --duration 1s or more, or a prompt count with --prompts.');
      push({ ...base, executor: 'constant-vus', durationMs: plan.durationMs }, undefined);
    } else {
      const n = Math.max(plan.promptsPerLevel ?? 1, c);
      push({ ...base, executor: 'shared-iterations', iterations: n, durationMs: Math.max(MIN_SLOT_MS, Math.ceil(2 * (n + c) * e) + 1000) }, n);
    }
  }
}

function openLevels(plan: K6LoadPlan, e: number, grace: (inFlight: number) => number, push: Push): void {
  const o = plan.openLoop!;
  const vus = (ratePerSec: number): { preAllocatedVUs: number; maxVUs: number } => {
    const maxVUs = Math.max(1, Math.min(o.maxInFlight, Math.ceil((ratePerSec * plan.promptTimeoutMs) / 1000)));
    return { maxVUs, preAllocatedVUs: Math.min(maxVUs, Math.ceil((2 * ratePerSec * e) / 1000) + 1) };
  };
  const inFlight = (ratePerSec: number): number => Math.min(o.maxInFlight, Math.ceil((ratePerSec * e) / 1000) + 1);
  if (o.stages !== undefined) {
    const peak = Math.max(o.startRatePerSec ?? 0, ...o.stages.map((s) => s.ratePerSec));
    const unit = integerTimeUnit([o.startRatePerSec ?? 0, ...o.stages.map((s) => s.ratePerSec)]);
    let fromMs = 0;
    const levels = o.stages.map((stage, level) => {
      const at = fromMs;
      fromMs += stage.durationMs;
      return { level, concurrency: 0, ratePerSec: stage.ratePerSec, fromMs: at };
    });
    push(
      {
        name: 'ramp',
        executor: 'ramping-arrival-rate',
        phase: 'measure',
        openLoop: true,
        levels,
        rate: Math.round(((o.startRatePerSec ?? 0) * unit) / 1000),
        timeUnitMs: unit,
        stages: o.stages.map((s) => ({ target: Math.round((s.ratePerSec * unit) / 1000), durationMs: s.durationMs })),
        durationMs: fromMs,
        gracefulStopMs: grace(inFlight(peak)),
        ...vus(peak),
      },
      undefined,
    );
    return;
  }
  for (const [level, ratePerSec] of (o.ratesPerSec ?? []).entries()) {
    const n = plan.promptsPerLevel;
    // `rate` 1 per 1/λ: exact for any λ (k6 takes fractional-ms time units). Arrivals come at
    // 0, 1/λ, 2/λ…: ending halfway between the N-th and the next gives exactly N.
    const durationMs = plan.durationMs ?? (((n ?? 1) - 0.5) * 1000) / ratePerSec;
    if (durationMs < K6_MIN_DURATION_MS) {
      throw tooShort(
        `${n ?? '?'} arrivals at ${ratePerSec}/s`,
        durationMs,
        `raise --prompts to ${Math.ceil(ratePerSec + 0.5)} or more at that rate, or give --duration 1s or more.`,
      );
    }
    push(
      {
        name: levelName(level),
        executor: 'constant-arrival-rate',
        phase: 'measure',
        openLoop: true,
        levels: [{ level, concurrency: 0, ratePerSec, fromMs: 0 }],
        rate: 1,
        timeUnitMs: 1000 / ratePerSec,
        durationMs,
        gracefulStopMs: grace(inFlight(ratePerSec)),
        ...vus(ratePerSec),
      },
      plan.durationMs === undefined ? n : undefined,
    );
  }
}

/** The shortest of 1 s, 1 min, 1 h in which every rate is a whole number of arrivals (ramp targets are integers in k6). */
function integerTimeUnit(ratesPerSec: readonly number[]): number {
  for (const unitMs of [1000, 60_000, 3_600_000]) {
    if (ratesPerSec.every((r) => Math.abs(r * (unitMs / 1000) - Math.round(r * (unitMs / 1000))) < 1e-9)) return unitMs;
  }
  return 3_600_000;
}
