/**
 * The open-loop engine's parts over one or more targets: a pool of sockets per target, a
 * queue-depth monitor per target, dispatch, and the running of an arrival schedule into
 * per-level (and per-target) tallies. `OpenLoopRun` (comfyload run --rate) and the capacity
 * search both drive it.
 *
 * Counting: every arrival is submitted to its level's tally and settles in exactly one outcome.
 * One that found `maxInFlight` outstanding, or that was still waiting for a send lane when the
 * run stopped, settles as `dropped` (never sent; a requests.csv row without a prompt id), so
 * `submitted = Σ outcomes` holds with drops included. Dropped arrivals count in the combined
 * level only: they never reached a target.
 *
 * A target whose every socket was given up ends the run: arrivals stop, what is in flight settles
 * (by look-ups on the dead target), and `stoppedBy` holds COMFYLOAD_ERR_WS_CLOSED.
 */
import { DecodeStats } from '../comfy/decode-stats.js';
import type { PromptTracker } from '../comfy/prompt-tracker.js';
import type { SystemStats } from '../comfy/http-types.js';
import { countsAsOk, isMeasurement, LevelTally, recordPrompt } from '../metrics/level-tally.js';
import type { QueueTimeline, QueueWindow } from '../metrics/queue-timeline.js';
import type { MetricRecorder } from '../metrics/recorder.js';
import type { LevelSummary, OpenLoopLevelReport, Phase, PromptRecord } from '../metrics/result-types.js';
import type { Histogram } from 'hdr-histogram-js';
import { msToRecordedUs, newHistogram, US_PER_MS } from '../metrics/hdr.js';
import { checkLittleLaw, RunningLinearFit } from '../metrics/statistics.js';
import { ArrivalSchedule, type ArrivalScheduleSpec } from './arrival-schedule.js';
import type { Clock } from './clock.js';
import { ComfyHttp } from './comfy-http.js';
import { Dispatcher, type DispatchPolicy } from './dispatch.js';
import { ComfyloadError, toComfyloadError } from '../comfy/errors.js';
import { OpenLoopScheduler, type ScheduledArrival } from './arrival-scheduler.js';
import { systemTimers, type Timers } from './clock.js';
import { PromptFactory } from './prompt-factory.js';
import { buildPromptRecord, type RecordContext } from './prompt-record.js';
import { fetchOutputs } from './output-fetch.js';
import { cachedWarning, templateMix, userOptions } from './closed-loop-run.js';
import { RECONNECT_WINDOW_MS, socketsGivenUpError } from './ws-session.js';
import { QueueDepthMonitor } from './queue-depth.js';
import { createRng } from './rng.js';
import type { LiveCounts, RunObserver } from './run-observer.js';
import type { LoadPlan } from './load-plan.js';
import { TargetPool } from './target-pool.js';

export interface OpenLoopEngineDeps {
  clock: Clock;
  recorder: MetricRecorder;
  observer: RunObserver;
  runId: string;
  originMs: number;
  timeline: QueueTimeline;
  timers?: Timers;
  /** Period of each target's GET /prompt, ms. @default 1000 */
  queuePollMs?: number;
}

/** One arrival schedule and the level of each of its stages. */
export interface ArrivalSegment {
  spec: ArrivalScheduleSpec;
  /** Level index and planned rate (per s) of each stage, in stage order. */
  stageLevels: { level: number; ratePerSec: number }[];
}

export interface SegmentOptions {
  maxInFlight: number;
  /** Aborting stops arrivals and cancels what is in flight (run stopped, or a trial decided). */
  signal: AbortSignal;
  /** Aborting stops arrivals only; what is in flight settles normally. */
  stopArrivals?: AbortSignal;
  /** Every settled record of the segment, dropped ones included. */
  onSettled?: (record: PromptRecord) => void;
  /** Every arrival as it fires, with its intended time in ms since the run start. */
  onArrival?: (intendedMs: number) => void;
  /**
   * Aborted when the caller itself ends the segment early (a capacity trial decided): a prompt
   * cancelled by that (interrupted, or never sent) settles as `cut`, not as a failure.
   */
  cut?: AbortSignal;
}

export interface SegmentResult {
  levels: LevelSummary[];
  /** Per (target, level), fleets only. */
  targetLevels: LevelSummary[];
  reports: OpenLoopLevelReport[];
  /** Σ server-side execution time of the segment's prompts (execMs where the server gave no timestamps), ms. */
  gpuMs: number;
}

interface LevelState {
  level: number;
  ratePerSec: number;
  tally: LevelTally;
  perTarget: LevelTally[];
  arrivals: number;
  dropped: number;
  firstIntendedMs: number;
  lastIntendedMs: number;
  /** How late the scheduler fired each arrival, µs (HDR: constant memory however many arrivals). */
  late: Histogram;
  /** Corrected queue wait (ms) against intended send (s) of ok prompts, fitted as they come (no per-arrival arrays). */
  waitFit: RunningLinearFit;
  uncorrectedSumMs: number;
  uncorrectedCount: number;
  /** The servers' queue depth from the level's first arrival on (its time average: Little's law). */
  depth?: QueueWindow;
}

/** One segment while it runs: its levels, which have started, and the GPU time its prompts took. */
interface SegmentRun {
  segment: ArrivalSegment;
  options: SegmentOptions;
  states: LevelState[];
  started: Set<number>;
  gpuMs: number;
}

export class OpenLoopEngine {
  readonly #plan: LoadPlan;
  readonly #d: OpenLoopEngineDeps;
  readonly #timers: Timers;
  readonly #factory: PromptFactory;
  readonly #rng: () => number;
  /** `--cache-mode allow`: a cache hit is a measurement and counts as ok. */
  readonly #cachedOk: boolean;
  readonly stats = new DecodeStats();
  readonly pools: TargetPool[];
  readonly #monitors: QueueDepthMonitor[];
  #dispatcher: Dispatcher;
  #live: LiveCounts = { level: 0, concurrency: 0, phase: 'warmup', submitted: 0, settled: 0, inFlight: 0, errors: 0 };
  #opened = false;
  /** Aborts once a target has lost every socket: arrivals stop. */
  readonly #targetLost = new AbortController();
  #stoppedBy: ComfyloadError | undefined;

  constructor(plan: LoadPlan, deps: OpenLoopEngineDeps, dispatch: DispatchPolicy) {
    if (plan.targets.length === 0)
      throw new ComfyloadError('COMFYLOAD_ERR_BAD_OPTION', 'No target to run against', { hint: 'Give --url, or omit it to use the built-in emulator.' });
    this.#plan = plan;
    this.#d = deps;
    this.#timers = deps.timers ?? systemTimers;
    this.#factory = new PromptFactory(plan.workflow, plan.seedPolicy, plan.seed, plan.promptTexts, plan.seedStreamStart, templateMix(plan));
    this.#cachedOk = plan.cacheMode === 'allow';
    // Arrival times draw from their own stream, so changing the seed policy leaves them alone.
    this.#rng = createRng((plan.seed ^ 0x5eed) >>> 0);
    const warn = (message: string): void => deps.observer.onWarning?.(message);
    const user = userOptions(plan);
    const windowMs = plan.reconnectTimeoutMs ?? RECONNECT_WINDOW_MS;
    this.pools = plan.targets.map(
      (t, i) =>
        new TargetPool(i, new ComfyHttp(t), deps.clock, this.stats, warn, {
          user,
          onAllGaveUp: (err) => this.#endRun(socketsGivenUpError(t.url, windowMs, `when the last socket to target ${i} was given up`, err)),
        }),
    );
    this.#monitors = this.pools.map(
      (pool) =>
        new QueueDepthMonitor({
          target: pool.index,
          http: pool.http,
          clock: deps.clock,
          timers: this.#timers,
          timeline: deps.timeline,
          originMs: deps.originMs,
          pollMs: deps.queuePollMs ?? 1000,
          ...(plan.wsHeartbeatMs !== undefined ? { heartbeatMs: plan.wsHeartbeatMs } : {}),
        }),
    );
    this.#dispatcher = new Dispatcher(dispatch, plan.targets.length);
  }

  get live(): Readonly<LiveCounts> {
    return { ...this.#live, steps: this.pools.flatMap((p) => p.users.flatMap((u) => u.steps)) };
  }

  get reconnects(): number {
    return this.pools.reduce((sum, p) => sum + p.reconnects, 0);
  }

  /** The error that ended the run early: every socket to a target was given up. */
  get stoppedBy(): ComfyloadError | undefined {
    return this.#stoppedBy;
  }

  /** Ends the run early (a target lost, an arrival that failed): arrivals stop, `stoppedBy` says why. */
  #endRun(err: ComfyloadError): void {
    if (this.#stoppedBy !== undefined) return;
    this.#stoppedBy = err;
    this.#targetLost.abort(err);
  }

  /** Checks every target answers like ComfyUI; returns each one's /system_stats. */
  async preflight(): Promise<SystemStats[]> {
    const all: SystemStats[] = [];
    for (const pool of this.pools) {
      const stats = await pool.http.systemStats();
      if (typeof stats !== 'object' || stats === null || !Array.isArray(stats.devices) || typeof stats.system !== 'object') {
        throw new ComfyloadError('COMFYLOAD_ERR_NOT_COMFYUI', `${pool.http.baseUrl}/system_stats is not ComfyUI's (no "system" and "devices")`, {
          hint: 'Check that --url points at a ComfyUI server.',
        });
      }
      all.push(stats);
    }
    if (!this.#factory.hasSeedInputs && this.#plan.seedPolicy !== 'fixed') {
      this.#d.observer.onWarning?.("the workflow has no seed/noise_seed input: identical prompts will be served from ComfyUI's cache and measure nothing");
    }
    return all;
  }

  async open(): Promise<void> {
    if (this.#opened) return;
    this.#opened = true;
    await Promise.all(this.pools.map((p) => p.open()));
    await Promise.all(this.#monitors.map((m) => m.start()));
  }

  async close(): Promise<void> {
    await Promise.all(this.#monitors.map((m) => m.stop()));
    for (const m of this.#monitors) {
      const warning = m.failedPollsWarning();
      if (warning !== undefined) this.#d.observer.onWarning?.(warning);
    }
    await Promise.all(this.pools.map((p) => p.close()));
  }

  /**
   * Closed loop, one prompt at a time on each target (all targets at once): the warm-up, and the
   * capacity search's probe of the service time.
   */
  async runSequential(
    promptsPerTarget: number,
    ref: { level: number; phase: Phase },
    signal: AbortSignal,
    onSettled?: (record: PromptRecord) => void,
  ): Promise<{ summary: LevelSummary; gpuMs: number }> {
    const { clock, observer, recorder, originMs } = this.#d;
    const tally = new LevelTally({ level: ref.level, concurrency: 1, phase: ref.phase, cachedCountsAsOk: this.#cachedOk });
    this.#live = {
      level: ref.level,
      concurrency: 1,
      phase: ref.phase,
      submitted: 0,
      settled: 0,
      inFlight: 0,
      errors: 0,
      plannedPrompts: promptsPerTarget * this.pools.length,
    };
    observer.onLevelStart?.({ level: ref.level, concurrency: 1, phase: ref.phase, plannedPrompts: promptsPerTarget * this.pools.length });
    let gpuMs = 0;
    await Promise.all(
      this.pools.map(async (pool) => {
        for (let i = 0; i < promptsPerTarget && !signal.aborted && this.#stoppedBy === undefined; i++) {
          const { seq, graph, nodeIds, workflow } = this.#factory.next();
          tally.submit(clock.now() - originMs);
          this.#begin();
          const result = await pool.submit({ graph, nodeIds, timeoutMs: this.#plan.promptTimeoutMs, signal });
          const record = result.sent
            ? await this.#sentRecord(result.tracker, pool.http, {
                runId: this.#d.runId,
                target: pool.index,
                level: ref.level,
                concurrency: 1,
                phase: ref.phase,
                seq,
                workflow,
                originMs,
                openLoop: false,
              })
            : droppedRecord(
                this.#d.runId,
                pool.index,
                ref.level,
                ref.phase,
                seq,
                clock.now() - originMs,
                result.why === 'no-socket' ? NO_SOCKET : 'not sent: run stopped',
                workflow,
              );
          gpuMs += gpuMsOf(record);
          recordPrompt(recorder, record, this.#cachedOk);
          tally.settle(record, clock.now() - originMs);
          await this.#end(record);
          onSettled?.(record);
        }
      }),
    );
    const summary = tally.summary(recorder);
    this.#warnCached(summary);
    await observer.onLevelEnd?.(summary);
    return { summary, gpuMs };
  }

  /** Runs one arrival schedule: resolves when its arrivals are over and every one has settled. */
  async runSegment(segment: ArrivalSegment, options: SegmentOptions): Promise<SegmentResult> {
    const { clock } = this.#d;
    const run: SegmentRun = { segment, options, states: this.#levelStates(segment), started: new Set(), gpuMs: 0 };
    const scheduler = new OpenLoopScheduler({
      clock,
      timers: this.#timers,
      schedule: new ArrivalSchedule(segment.spec, this.#rng),
      startMs: clock.now(),
      maxInFlight: options.maxInFlight,
      drop: (a) => this.#drop(run, a),
      launch: (a) => this.#launch(run, a),
    });
    const stop = AbortSignal.any([options.signal, options.stopArrivals, this.#targetLost.signal].filter((s): s is AbortSignal => s !== undefined));
    try {
      await scheduler.run(stop);
    } catch (err) {
      // A launch or drop that failed ends the run with its error; the levels keep what settled.
      this.#endRun(toComfyloadError(err));
    }
    return this.#finishSegment(run);
  }

  /** One level state per stage of the segment (and per target of a fleet). */
  #levelStates(segment: ArrivalSegment): LevelState[] {
    const fleet = this.pools.length > 1;
    return segment.stageLevels.map((s): LevelState => ({
      level: s.level,
      ratePerSec: s.ratePerSec,
      tally: new LevelTally({ level: s.level, concurrency: 0, phase: 'measure', ratePerSec: s.ratePerSec, cachedCountsAsOk: this.#cachedOk }),
      perTarget: fleet
        ? this.pools.map(
            (p) =>
              new LevelTally({ level: s.level, concurrency: 0, phase: 'measure', target: p.index, ratePerSec: s.ratePerSec, cachedCountsAsOk: this.#cachedOk }),
          )
        : [],
      arrivals: 0,
      dropped: 0,
      firstIntendedMs: Number.POSITIVE_INFINITY,
      lastIntendedMs: Number.NEGATIVE_INFINITY,
      late: newHistogram(),
      waitFit: new RunningLinearFit(),
      uncorrectedSumMs: 0,
      uncorrectedCount: 0,
    }));
  }

  /** Counts an arrival in its stage's level (starting the level at its first arrival). */
  #noteArrival(run: SegmentRun, a: ScheduledArrival): LevelState {
    const { originMs, observer } = this.#d;
    const st = run.states[Math.min(a.stage, run.states.length - 1)] as LevelState;
    if (!run.started.has(st.level)) {
      run.started.add(st.level);
      st.depth = this.#d.timeline.window(
        this.pools.map((p) => p.index),
        a.intendedAtMs - originMs,
      );
      this.#live = { level: st.level, concurrency: 0, phase: 'measure', submitted: 0, settled: 0, inFlight: this.#live.inFlight, errors: 0 };
      const planned = run.segment.spec.maxArrivals;
      observer.onLevelStart?.({ level: st.level, concurrency: 0, phase: 'measure', ...(planned !== undefined ? { plannedPrompts: planned } : {}) });
    }
    st.arrivals++;
    run.options.onArrival?.(a.intendedAtMs - originMs);
    st.firstIntendedMs = Math.min(st.firstIntendedMs, a.intendedAtMs - originMs);
    st.lastIntendedMs = Math.max(st.lastIntendedMs, a.intendedAtMs - originMs);
    st.late.recordValue(msToRecordedUs(a.lateMs));
    st.tally.submit(a.intendedAtMs - originMs);
    return st;
  }

  /** An arrival with no room (--max-in-flight): its own outcome, `dropped`; resolves when it is recorded. */
  #drop(run: SegmentRun, a: ScheduledArrival): Promise<void> {
    const st = this.#noteArrival(run, a);
    st.dropped++;
    this.#begin();
    const { seq, workflow } = this.#factory.next();
    const record = droppedRecord(
      this.#d.runId,
      0,
      st.level,
      'measure',
      seq,
      a.intendedAtMs - this.#d.originMs,
      `dropped: ${run.options.maxInFlight} prompts outstanding (--max-in-flight)`,
      workflow,
    );
    return this.#settle(run, st, record, undefined);
  }

  /** An arrival sent to the target the dispatch policy picks; resolves when it settled. */
  async #launch(run: SegmentRun, a: ScheduledArrival): Promise<void> {
    const { originMs, timeline } = this.#d;
    const st = this.#noteArrival(run, a);
    const target = this.#dispatcher.pick(
      this.pools.map((p) => ({ queueRemaining: timeline.latest(p.index)?.queueRemaining, unacknowledged: p.unacknowledged, outstanding: p.outstanding })),
    );
    const pool = this.pools[target] as TargetPool;
    const { seq, graph, nodeIds, workflow } = this.#factory.next();
    st.perTarget[target]?.submit(a.intendedAtMs - originMs);
    this.#begin();
    const result = await pool.submit({
      graph,
      nodeIds,
      intendedAtMs: a.intendedAtMs,
      timeoutMs: this.#plan.promptTimeoutMs,
      signal: run.options.signal,
    });
    const record = result.sent
      ? await this.#sentRecord(result.tracker, pool.http, {
          runId: this.#d.runId,
          target,
          level: st.level,
          concurrency: 0,
          phase: 'measure',
          seq,
          workflow,
          originMs,
          openLoop: true,
        })
      : droppedRecord(
          this.#d.runId,
          target,
          st.level,
          'measure',
          seq,
          a.intendedAtMs - originMs,
          result.why === 'no-socket' ? NO_SOCKET : 'not sent: the run stopped while it waited for a send lane',
          workflow,
        );
    if (!result.sent) st.dropped++;
    await this.#settle(run, st, record, target);
  }

  /** The record of a sent prompt, its outputs downloaded and checked first when the plan asks for it (--fetch-outputs). */
  async #sentRecord(tracker: PromptTracker, http: ComfyHttp, ctx: RecordContext): Promise<PromptRecord> {
    const outcome = tracker.outcome;
    const fetched =
      this.#plan.fetchOutputs && outcome !== undefined && countsAsOk(outcome, this.#cachedOk)
        ? await fetchOutputs(http, this.#d.clock, tracker.marks.nodes)
        : {};
    return buildPromptRecord(tracker, { ...ctx, ...fetched });
  }

  async #settle(run: SegmentRun, st: LevelState, settled: PromptRecord, target: number | undefined): Promise<void> {
    const { clock, recorder, originMs } = this.#d;
    const cut = run.options.cut?.aborted === true && (settled.outcome === 'interrupted' || settled.outcome === 'dropped');
    const record: PromptRecord = cut ? { ...settled, outcome: 'cut', outcomeDetail: 'cut: the capacity trial was decided before it finished' } : settled;
    run.gpuMs += gpuMsOf(record);
    recordPrompt(recorder, record, this.#cachedOk);
    const at = clock.now() - originMs;
    st.tally.settle(record, at);
    if (target !== undefined) st.perTarget[target]?.settle(record, at);
    if (isMeasurement(record, this.#cachedOk)) {
      const wait = record.timings.queueWaitMs;
      if (wait !== undefined && record.marks.intendedSendMs !== undefined) st.waitFit.add(record.marks.intendedSendMs / 1000, wait);
      const w = record.timings.completionUncorrectedMs;
      if (w !== undefined) {
        st.uncorrectedSumMs += w;
        st.uncorrectedCount++;
      }
    }
    await this.#end(record);
    run.options.onSettled?.(record);
  }

  /** The summaries of the levels the segment started, handed to the observer in order. */
  async #finishSegment(run: SegmentRun): Promise<SegmentResult> {
    const { recorder, observer } = this.#d;
    const levels: LevelSummary[] = [];
    const targetLevels: LevelSummary[] = [];
    const reports: OpenLoopLevelReport[] = [];
    for (const st of run.states) {
      if (!run.started.has(st.level)) continue;
      const summary = st.tally.summary(recorder);
      for (const t of st.perTarget) targetLevels.push(t.summary(recorder));
      const report = this.#report(st, summary);
      reports.push(report);
      // The level's line and levels.csv show the offered rate beside the planned one.
      summary.offeredPerSec = report.offeredPerSec;
      levels.push(summary);
      this.#warnCached(summary);
      await observer.onLevelEnd?.(summary);
    }
    return { levels, targetLevels, reports, gpuMs: run.gpuMs };
  }

  #report(st: LevelState, summary: LevelSummary): OpenLoopLevelReport {
    const span = st.lastIntendedMs - st.firstIntendedMs;
    const fit = st.waitFit.fit();
    const depth = st.depth?.average(summary.endedMs);
    const meanW = st.uncorrectedCount > 0 ? st.uncorrectedSumMs / st.uncorrectedCount : undefined;
    return {
      level: st.level,
      ratePerSec: st.ratePerSec,
      offeredPerSec: span > 0 ? ((st.arrivals - 1) * 1000) / span : 0,
      arrivals: st.arrivals,
      dropped: st.dropped,
      schedulerLateP99Ms: st.late.totalCount > 0 ? st.late.getValueAtPercentile(99) / US_PER_MS : 0,
      ...(depth !== undefined ? { meanQueueDepth: depth } : {}),
      ...(depth !== undefined && meanW !== undefined ? { littleLaw: checkLittleLaw(depth, summary.throughput.promptsPerSec, meanW) } : {}),
      ...(fit !== undefined ? { queueWaitSlopeMsPerSec: fit.slope, queueWaitSlopeR2: fit.r2 } : {}),
      ...(summary.metrics.completionMs !== undefined ? { completionP99Ms: summary.metrics.completionMs.p99 } : {}),
      ...(summary.metrics.completionUncorrectedMs !== undefined ? { completionUncorrectedP99Ms: summary.metrics.completionUncorrectedMs.p99 } : {}),
    };
  }

  #warnCached(summary: LevelSummary): void {
    const warning = cachedWarning(summary, this.#plan);
    if (warning !== undefined) this.#d.observer.onWarning?.(warning);
  }

  #begin(): void {
    this.#live.submitted++;
    this.#live.inFlight++;
  }

  async #end(record: PromptRecord): Promise<void> {
    this.#live.inFlight--;
    this.#live.settled++;
    if (!countsAsOk(record.outcome, this.#cachedOk)) this.#live.errors++;
    await this.#d.observer.onPromptSettled?.(record, { ...this.#live });
  }
}

const NO_SOCKET = 'not sent: every WebSocket to the target was given up';

/** Server-side execution time of one prompt (execMs when the server sent no timestamps), ms. */
export function gpuMsOf(record: PromptRecord): number {
  return record.timings.serverExecMs ?? record.timings.execMs ?? 0;
}

/** The row of an arrival that was never sent (`workflow`: the one it drew in a mix). */
export function droppedRecord(
  runId: string,
  target: number,
  level: number,
  phase: Phase,
  seq: number,
  intendedMs: number,
  detail: string,
  workflow?: number,
): PromptRecord {
  return {
    runId,
    target,
    level,
    concurrency: 0,
    phase,
    seq,
    ...(workflow !== undefined ? { workflow } : {}),
    promptId: '',
    clientId: '',
    marks: { intendedSendMs: intendedMs },
    timings: {},
    samplerStartsMs: [],
    stepIntervalsMs: [],
    outcome: 'dropped',
    outcomeDetail: detail,
    cachedNodeCount: 0,
    stepCount: 0,
    imagesOut: 0,
    source: 'ws',
    flags: [],
  };
}
