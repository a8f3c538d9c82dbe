/**
 * One closed-loop benchmark run: preflight, warm-up (reported apart), then each concurrency level
 * in turn, the queue drained between levels. Every submitted prompt settles into exactly one
 * outcome, is recorded (histograms for `ok` prompts, outcome counts for all) and handed to the
 * observer as it settles, so a run cut short keeps everything measured up to then.
 *
 * Sockets lost for good: a level goes on with the users whose socket lives (a warning says how
 * many were lost); once every socket of a level was given up, or a level cannot open its sockets,
 * the run stops there with COMFYLOAD_ERR_WS_CLOSED (or the open error) as `stoppedBy`, keeping
 * what it measured.
 */
import { DecodeStats } from '../comfy/decode-stats.js';
import { runOutcome, type RunOutcome } from './run-outcome.js';
import type { SystemStats } from '../comfy/http-types.js';
import { countsAsOk, LevelTally, recordPrompt } from '../metrics/level-tally.js';
import type { MetricRecorder } from '../metrics/recorder.js';
import type { LevelSummary, Phase, PromptRecord } from '../metrics/result-types.js';
import { sleep, type Clock } from './clock.js';
import { SubmitBudget, runClosedLoop, type ClosedLoopBudget } from './closed-loop.js';
import { ComfyHttp } from './comfy-http.js';
import { ComfyloadError } from '../comfy/errors.js';
import { fetchOutputs } from './output-fetch.js';
import { PromptFactory, type TemplateMix } from './prompt-factory.js';
import { buildPromptRecord } from './prompt-record.js';
import type { LiveCounts, RunObserver } from './run-observer.js';
import type { LoadPlan } from './load-plan.js';
import { VirtualUser, type SubmitResult, type VirtualUserOptions } from './virtual-user.js';
import { RECONNECT_WINDOW_MS, socketsGivenUpError } from './ws-session.js';

export interface EngineDeps {
  clock: Clock;
  recorder: MetricRecorder;
  observer: RunObserver;
  runId: string;
  /** Clock reading of the run start: the origin of every relative time in the results. */
  originMs: number;
}

/** The plan's mixed workload as the prompt factory takes it (undefined without --mix). */
export function templateMix(plan: LoadPlan): TemplateMix | undefined {
  const mix = plan.mix;
  if (mix === undefined) return undefined;
  // The warm-up is drawn first: one prompt at a time (closed loop), or that many per target (open loop).
  const warmupDraws = plan.warmupPrompts * (plan.openLoop !== undefined ? plan.targets.length : 1);
  return { templates: mix.workflows.map((w) => w.workflow), weights: mix.weights, order: mix.order, warmupDraws };
}

/** The run-wide settings of every virtual user of a plan. */
export function userOptions(plan: LoadPlan): VirtualUserOptions {
  return {
    ...(plan.quietLookupMs !== undefined ? { quietMs: plan.quietLookupMs } : {}),
    ...(plan.reconnectTimeoutMs !== undefined ? { reconnectWindowMs: plan.reconnectTimeoutMs } : {}),
    ...(plan.wsHeartbeatMs !== undefined ? { heartbeatMs: plan.wsHeartbeatMs } : {}),
  };
}

/** True for the errors by which the target ends a run early, rather than a bug or bad input. */
export function isTargetLoss(err: unknown): err is ComfyloadError {
  return err instanceof ComfyloadError && (err.code === 'COMFYLOAD_ERR_WS_CLOSED' || err.code === 'COMFYLOAD_ERR_TARGET_UNREACHABLE');
}

/** The warning for a level with prompts served entirely from cache, unless cache hits are what is measured (`--cache-mode allow`). */
export function cachedWarning(summary: LevelSummary, plan: Pick<LoadPlan, 'cacheMode' | 'seedPolicy'>): string | undefined {
  const cached = summary.outcomes['cached'] ?? 0;
  if (cached === 0 || plan.cacheMode === 'allow') return undefined;
  const where = summary.concurrency > 0 ? `(c=${summary.concurrency})` : `(${((summary.ratePerSec ?? 0) * 60).toFixed(1)}/min)`;
  return (
    `${cached} of ${summary.submitted} prompts at ${summary.phase} level ${summary.level} ${where} were served entirely from ComfyUI's cache: they measure nothing` +
    (plan.seedPolicy === 'fixed' ? ' (--seed-policy fixed repeats the same prompt; use random)' : '')
  );
}

/** How long to wait for a shared server's queue to empty between levels. */
const DRAIN_LIMIT_MS = 60_000;
/** Failed reads of the queue in a row (each after ComfyHttp's own retries) that stop the run: the next level could not start clean. */
const DRAIN_READ_ATTEMPTS = 5;

export class ClosedLoopRun {
  readonly #plan: LoadPlan;
  readonly #deps: EngineDeps;
  readonly #http: ComfyHttp;
  readonly #factory: PromptFactory;
  readonly #stats = new DecodeStats();
  /** `--cache-mode allow`: a cache hit is a measurement and counts as ok. */
  readonly #cachedOk: boolean;
  #reconnects = 0;
  #stoppedBy: ComfyloadError | undefined;
  #live: LiveCounts = { level: 0, concurrency: 0, phase: 'warmup', submitted: 0, settled: 0, inFlight: 0, errors: 0 };
  /** The level's virtual users (their prompts' steps are read for the live line). */
  #users: readonly VirtualUser[] = [];

  constructor(plan: LoadPlan, deps: EngineDeps) {
    this.#plan = plan;
    this.#deps = deps;
    const target = plan.targets[0];
    if (target === undefined)
      throw new ComfyloadError('COMFYLOAD_ERR_BAD_OPTION', 'No target to run against', { hint: 'Give --url, or omit it to use the built-in emulator.' });
    this.#http = new ComfyHttp(target);
    this.#factory = new PromptFactory(plan.workflow, plan.seedPolicy, plan.seed, plan.promptTexts, plan.seedStreamStart, templateMix(plan));
    this.#cachedOk = plan.cacheMode === 'allow';
  }

  get http(): ComfyHttp {
    return this.#http;
  }

  /** What the run is doing now (level, phase, prompts in flight): the VRAM sampler tags samples with it. */
  get live(): Readonly<LiveCounts> {
    return { ...this.#live, steps: this.#users.flatMap((u) => u.steps) };
  }

  /** Checks the target is a reachable ComfyUI and returns its /system_stats. */
  async preflight(): Promise<SystemStats> {
    const stats = await this.#http.systemStats();
    if (typeof stats !== 'object' || stats === null || !Array.isArray(stats.devices) || typeof stats.system !== 'object') {
      throw new ComfyloadError('COMFYLOAD_ERR_NOT_COMFYUI', `${this.#http.baseUrl}/system_stats is not ComfyUI's (no "system" and "devices")`, {
        hint: 'Check that --url points at a ComfyUI server.',
      });
    }
    if (!this.#factory.hasSeedInputs && this.#plan.seedPolicy !== 'fixed') {
      this.#deps.observer.onWarning?.("the workflow has no seed/noise_seed input: identical prompts will be served from ComfyUI's cache and measure nothing");
    }
    return stats;
  }

  /** Runs warm-up and every level; stops submitting when `signal` aborts and settles what is in flight. */
  async run(signal: AbortSignal): Promise<RunOutcome> {
    const levels: LevelSummary[] = [];
    let warmup: LevelSummary | null = null;
    // Warm-up runs one prompt at a time: it pays model loads and first-use costs, not queueing.
    try {
      if (this.#plan.warmupPrompts > 0) {
        warmup = await this.#runLevel(0, 1, 'warmup', { prompts: this.#plan.warmupPrompts }, signal);
      }
      for (const [index, level] of this.#plan.levels.entries()) {
        if (signal.aborted || this.#stoppedBy !== undefined) break;
        const budget: ClosedLoopBudget =
          this.#plan.durationMs !== undefined ? { durationMs: this.#plan.durationMs } : { prompts: this.#plan.promptsPerLevel ?? 0 };
        levels.push(await this.#runLevel(index, level.concurrency, 'measure', budget, signal));
        if (!signal.aborted && this.#stoppedBy === undefined && index < this.#plan.levels.length - 1) await this.#drainQueue(signal);
      }
    } catch (err) {
      // Sockets that will not open at a level's start, or a queue that cannot be read between levels, end the
      // run like sockets given up: the levels before it stay.
      if (!isTargetLoss(err) && !(err instanceof ComfyloadError && err.code === 'COMFYLOAD_ERR_QUEUE_READ')) throw err;
      this.#stoppedBy ??= err;
    }
    return runOutcome({ warmup, levels, signal, stoppedBy: this.#stoppedBy, decodeStats: this.#stats, reconnects: this.#reconnects });
  }

  async #runLevel(level: number, concurrency: number, phase: Phase, budget: ClosedLoopBudget, signal: AbortSignal): Promise<LevelSummary> {
    const { clock, observer, recorder } = this.#deps;
    const tally = new LevelTally({ level, concurrency, phase, cachedCountsAsOk: this.#cachedOk });
    this.#live = {
      level,
      concurrency,
      phase,
      submitted: 0,
      settled: 0,
      inFlight: 0,
      errors: 0,
      ...(budget.prompts !== undefined ? { plannedPrompts: budget.prompts } : {}),
    };
    observer.onLevelStart?.({
      level,
      concurrency,
      phase,
      ...(budget.prompts !== undefined ? { plannedPrompts: budget.prompts } : {}),
      ...(budget.durationMs !== undefined ? { durationMs: budget.durationMs } : {}),
    });
    const warn = (message: string): void => observer.onWarning?.(message);
    let lastGiveUp: ComfyloadError | undefined;
    const options: VirtualUserOptions = { ...userOptions(this.#plan), onGiveUp: (err) => (lastGiveUp = err) };
    const users = Array.from({ length: concurrency }, () => new VirtualUser(this.#http, clock, this.#stats, warn, options));
    this.#users = users;
    try {
      await Promise.all(users.map((u) => u.open()));
      const submitBudget = new SubmitBudget(clock, budget);
      const submitOne = async (user: VirtualUser): Promise<SubmitResult> => {
        const { seq, graph, nodeIds, workflow } = this.#factory.next();
        tally.submit(clock.now() - this.#deps.originMs);
        this.#live.submitted++;
        this.#live.inFlight++;
        const result = await user.submit({ graph, nodeIds, timeoutMs: this.#plan.promptTimeoutMs, signal });
        const record = await this.#settle(result, { level, concurrency, phase, seq, workflow });
        recordPrompt(recorder, record, this.#cachedOk);
        tally.settle(record, clock.now() - this.#deps.originMs);
        this.#live.inFlight--;
        this.#live.settled++;
        if (!countsAsOk(record.outcome, this.#cachedOk)) this.#live.errors++;
        await observer.onPromptSettled?.(record, { ...this.#live });
        return result;
      };
      await runClosedLoop(users, submitBudget, signal, submitOne);
      const gone = users.filter((u) => u.gaveUp).length;
      const where = `${phase === 'warmup' ? 'in the warm-up' : `at level ${level}`} (c=${concurrency})`;
      if (gone === users.length && lastGiveUp !== undefined) {
        this.#stoppedBy = socketsGivenUpError(this.#http.baseUrl, this.#plan.reconnectTimeoutMs ?? RECONNECT_WINDOW_MS, where, lastGiveUp);
      } else if (gone > 0) {
        warn(`${gone} of ${concurrency} WebSockets were given up ${where}: the level went on with fewer virtual users`);
      }
    } finally {
      for (const u of users) this.#reconnects += u.reconnects;
      await Promise.all(users.map((u) => u.close()));
    }
    const summary = tally.summary(recorder);
    const cached = cachedWarning(summary, this.#plan);
    if (cached !== undefined) observer.onWarning?.(cached);
    await observer.onLevelEnd?.(summary);
    return summary;
  }

  async #settle(
    result: SubmitResult,
    where: { level: number; concurrency: number; phase: Phase; seq: number; workflow: number | undefined },
  ): Promise<PromptRecord> {
    const tracker = result.tracker;
    const fetched =
      this.#plan.fetchOutputs && tracker.outcome !== undefined && countsAsOk(tracker.outcome, this.#cachedOk)
        ? await fetchOutputs(this.#http, this.#deps.clock, tracker.marks.nodes)
        : {};
    return buildPromptRecord(tracker, { runId: this.#deps.runId, target: 0, ...where, originMs: this.#deps.originMs, openLoop: false, ...fetched });
  }

  /**
   * Waits until the server's queue is empty (other clients' work included), within a limit. A
   * queue that cannot be read is retried; after DRAIN_READ_ATTEMPTS failures in a row the run
   * stops with COMFYLOAD_ERR_QUEUE_READ rather than start a level on a queue of unknown depth.
   */
  async #drainQueue(signal: AbortSignal): Promise<void> {
    const { clock } = this.#deps;
    const start = clock.now();
    let failures = 0;
    while (!signal.aborted && clock.now() - start < DRAIN_LIMIT_MS) {
      try {
        const info = await this.#http.queueInfo();
        failures = 0;
        if ((info.exec_info?.queue_remaining ?? 0) === 0) return;
      } catch (err) {
        if (++failures >= DRAIN_READ_ATTEMPTS) {
          throw new ComfyloadError(
            'COMFYLOAD_ERR_QUEUE_READ',
            `GET /prompt on ${this.#http.baseUrl} failed ${failures} times in a row while waiting for the queue to drain between levels (last: ${(err as Error).message}): the run stopped before the next level`,
            { cause: err },
          );
        }
      }
      await sleep(200, signal);
    }
    if (!signal.aborted)
      this.#deps.observer.onWarning?.(`the server queue did not drain within ${DRAIN_LIMIT_MS / 1000} s between levels (other clients are using it)`);
  }
}
