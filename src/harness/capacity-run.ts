/**
 * `comfyload capacity`: finds the highest arrival rate that meets every SLO. Warm-up, then a
 * closed-loop probe (one prompt at a time per target) estimates the service rate (Σ over targets
 * of 1 / mean server-side execution time); the search starts at 80% of it. Each trial is an
 * open-loop run at one rate, judged window by window (capacity-search.ts); once decided, its
 * arrivals stop and what is still in flight is cancelled, so no GPU time goes to a decided trial.
 * Every trial's figures are kept, and so is the GPU time spent: Σ server-side execution time.
 */
import type { SystemStats } from '../comfy/http-types.js';
import type { QueueTimeline } from '../metrics/queue-timeline.js';
import type { CapacityResult, CapacityTrial, LevelSummary, PromptRecord } from '../metrics/result-types.js';
import type { SloSpec } from '../metrics/slo.js';
import { isMeasurement } from '../metrics/level-tally.js';
import { linearFit, minSamplesForPercentile } from '../metrics/statistics.js';
import type { ArrivalProcess } from './arrival-schedule.js';
import type { EngineDeps } from './closed-loop-run.js';
import { runOutcome, type RunOutcome } from './run-outcome.js';
import { RateSearch, TrialJudge, type SearchPhase, type TrialDecision } from './capacity-search.js';
import { OpenLoopEngine, gpuMsOf } from './open-loop-engine.js';
import { systemTimers, type Timers } from './clock.js';
import type { LiveCounts } from './run-observer.js';
import type { LoadPlan } from './load-plan.js';
import type { DispatchPolicy } from './dispatch.js';

export interface CapacityPlan {
  slos: SloSpec[];
  confidence: number;
  arrival: ArrivalProcess;
  burstiness: number;
  maxInFlight: number;
  dispatch: DispatchPolicy;
  /** Prompts per target of the closed-loop probe. */
  probePrompts: number;
  /** Arrivals a stability window holds (its length is this / rate, at least 1 s). */
  windowArrivals: number;
  maxWindows: number;
  maxTrials: number;
  precision: number;
  /** Grid sweep the search is compared with. @default 8 */
  gridLevels?: number;
}

/** The search's outcome; `stoppedBy` when every socket to a target was given up (the search stopped there). */
export interface CapacityOutcome extends RunOutcome {
  result: CapacityResult;
  probe: LevelSummary;
}

/** Start of the search, as a fraction of the probe's estimated service rate. */
const START_FRACTION = 0.8;

export class CapacityRun {
  readonly #plan: LoadPlan;
  readonly #cap: CapacityPlan;
  readonly #deps: EngineDeps & { timeline: QueueTimeline; timers?: Timers };
  readonly #timers: Timers;
  readonly engine: OpenLoopEngine;

  constructor(plan: LoadPlan, capacity: CapacityPlan, deps: EngineDeps & { timeline: QueueTimeline; timers?: Timers }) {
    this.#plan = plan;
    this.#cap = capacity;
    this.#deps = deps;
    this.#timers = deps.timers ?? systemTimers;
    this.engine = new OpenLoopEngine(plan, deps, capacity.dispatch);
  }

  get live(): Readonly<LiveCounts> {
    return this.engine.live;
  }

  async preflight(): Promise<SystemStats> {
    return (await this.engine.preflight())[0] as SystemStats;
  }

  /** The minimum samples to claim each SLO (none over its threshold). */
  minSamples(): Record<string, number> {
    return Object.fromEntries(this.#cap.slos.map((s) => [s.text, minSamplesForPercentile(s.percentile, this.#cap.confidence)]));
  }

  async run(signal: AbortSignal, onTrial?: (trial: CapacityTrial) => void): Promise<CapacityOutcome> {
    const cap = this.#cap;
    let gpuMs = 0;
    let warmup: LevelSummary | null = null;
    const levels: LevelSummary[] = [];
    const trials: CapacityTrial[] = [];
    await this.engine.open();
    let probe: LevelSummary;
    let serviceMs: number;
    try {
      if (this.#plan.warmupPrompts > 0) {
        const w = await this.engine.runSequential(this.#plan.warmupPrompts, { level: 0, phase: 'warmup' }, signal);
        warmup = w.summary;
        gpuMs += w.gpuMs;
      }
      const perTarget = new Map<number, number[]>();
      const p = await this.engine.runSequential(cap.probePrompts, { level: 0, phase: 'measure' }, signal, (record) => {
        if (record.outcome !== 'ok') return;
        const list = perTarget.get(record.target) ?? [];
        list.push(gpuMsOf(record));
        perTarget.set(record.target, list);
      });
      probe = p.summary;
      gpuMs += p.gpuMs;
      levels.push(probe);
      // One worker per ComfyUI: a target serves 1 / (mean service time) prompts per second.
      let estimated = 0;
      for (const list of perTarget.values()) estimated += (list.length / list.reduce((a, b) => a + b, 0)) * 1000;
      serviceMs = perTarget.size > 0 ? [...perTarget.values()].flat().reduce((a, b) => a + b, 0) / [...perTarget.values()].flat().length : Number.NaN;
      const search = new RateSearch({ startRatePerSec: estimated > 0 ? START_FRACTION * estimated : 0.1, maxTrials: cap.maxTrials, precision: cap.precision });
      // A target whose every socket was given up ends the search: later trials would only measure its absence.
      for (let next = search.next(); next !== undefined && !signal.aborted && this.engine.stoppedBy === undefined; next = search.next()) {
        const trial = await this.#trial(trials.length, next.ratePerSec, next.phase, signal);
        gpuMs += trial.trial.gpuMs;
        levels.push(trial.summary);
        trials.push(trial.trial);
        onTrial?.(trial.trial);
        if (!signal.aborted && this.engine.stoppedBy === undefined) search.record(next.ratePerSec, trial.trial.verdict === 'pass');
      }
      const result = this.#result(trials, probe, estimated, serviceMs, gpuMs, search.lowestFail);
      return {
        result,
        probe,
        ...runOutcome({ warmup, levels, signal, stoppedBy: this.engine.stoppedBy, decodeStats: this.engine.stats, reconnects: this.engine.reconnects }),
      };
    } finally {
      await this.engine.close();
    }
  }

  /** The search's result from its trials: the max rate, goodput, knee, GPU time vs a grid, and the rules applied. */
  #result(trials: CapacityTrial[], probe: LevelSummary, estimated: number, serviceMs: number, gpuMs: number, lowestFail: number | undefined): CapacityResult {
    const cap = this.#cap;
    const best = trials.filter((t) => t.verdict === 'pass').sort((a, b) => b.ratePerSec - a.ratePerSec)[0];
    const saturated = trials.filter((t) => t.verdict === 'fail' && (t.reason === 'saturated' || t.reason === 'unstable'));
    const passedOk = trials
      .filter((t) => t.verdict === 'pass')
      .map((t) => t.arrivals)
      .sort((a, b) => a - b);
    const evidence = passedOk.length > 0 ? (passedOk[Math.floor((passedOk.length - 1) / 2)] as number) : Math.max(...Object.values(this.minSamples()));
    const gridLevels = cap.gridLevels ?? 8;
    const result: CapacityResult = {
      slos: cap.slos.map((s) => s.text),
      confidence: cap.confidence,
      minSamples: this.minSamples(),
      arrival: cap.arrival,
      ...(cap.arrival === 'gamma' ? { burstiness: cap.burstiness } : {}),
      probe: { prompts: probe.ok, meanServiceMs: serviceMs, estimatedServiceRatePerSec: estimated },
      maxRatePerSec: best?.ratePerSec ?? null,
      maxRatePerMin: best !== undefined ? best.ratePerSec * 60 : null,
      goodputPerSec: best?.goodputPerSec ?? null,
      kneePerSec: saturated.length > 0 ? Math.max(...saturated.map((t) => t.throughputPerSec)) : null,
      firstFailRatePerSec: lowestFail ?? null,
      precision: cap.precision,
      gpuMs,
      gridGpuMs: gridLevels * evidence * serviceMs,
      gridRule: `${gridLevels} levels × ${evidence} prompts (the median passing trial's arrivals) × mean service time ${serviceMs.toFixed(1)} ms`,
      rules: [
        `search: start at ${START_FRACTION} × the probe's service rate, grow ×1.25 until a trial fails (shrink ÷1.25 until one passes), then bisect to ${(cap.precision * 100).toFixed(1)}%`,
        `windows of max(1 s, ${cap.windowArrivals} arrivals); the first settles the queue and counts toward nothing; at most ${cap.maxWindows} windows per trial`,
        'pass: last 3 windows stable (throughput and mean completion within 10%, perf_analyzer) and every SLO claimed at the confidence (binomial early stopping)',
        'fail: an SLO violated at the confidence; or saturated (completion rising 3 windows running while the backlog grows); or unstable after the last window',
        'samples: every measured arrival, over the threshold when not ok (dropped, error, timeout); in-flight prompts older than a completion threshold count as over',
      ],
      trials,
    };
    return result;
  }

  async #trial(index: number, ratePerSec: number, phase: SearchPhase, signal: AbortSignal): Promise<{ trial: CapacityTrial; summary: LevelSummary }> {
    const { clock, originMs } = this.#deps;
    const cap = this.#cap;
    const level = index + 1;
    const windowMs = Math.max(1000, (cap.windowArrivals / ratePerSec) * 1000);
    const startRel = clock.now() - originMs;
    const rules = { slos: cap.slos, confidence: cap.confidence, maxWindows: cap.maxWindows, cachedCountsAsOk: this.#plan.cacheMode === 'allow' };
    const judge = new TrialJudge(rules, ratePerSec, windowMs, startRel, () => clock.now() - originMs);
    const inFlight = new Map<number, number>();
    const waitX: number[] = [];
    const waitY: number[] = [];
    let gpuMs = 0;
    let decision: TrialDecision | undefined;
    const stopArrivals = new AbortController();
    const cancel = new AbortController();
    const onRunAbort = (): void => cancel.abort(signal.reason);
    signal.addEventListener('abort', onRunAbort, { once: true });
    const decide = (d: TrialDecision): void => {
      decision ??= d;
      stopArrivals.abort('decided');
      cancel.abort('decided');
    };
    let timer: unknown;
    const windowOnClose = (): void => {
      const now = clock.now() - originMs;
      const ages: number[] = [];
      for (const [intended, count] of inFlight) if (intended >= startRel + windowMs) for (let i = 0; i < count; i++) ages.push(now - intended);
      const d = judge.closeWindow(ages);
      if (d !== undefined) decide(d);
      else timer = this.#timers.setTimeout(windowOnClose, windowMs);
    };
    timer = this.#timers.setTimeout(windowOnClose, windowMs);
    const onSettled = (record: PromptRecord): void => {
      const intended = record.marks.intendedSendMs;
      if (intended !== undefined) {
        const c = (inFlight.get(intended) ?? 1) - 1;
        if (c <= 0) inFlight.delete(intended);
        else inFlight.set(intended, c);
      }
      gpuMs += gpuMsOf(record);
      if (decision !== undefined) return; // cancelled after the decision: not evidence
      judge.settled(record);
      if (isMeasurement(record, rules.cachedCountsAsOk) && record.timings.queueWaitMs !== undefined && intended !== undefined) {
        waitX.push(intended / 1000);
        waitY.push(record.timings.queueWaitMs);
      }
    };
    const result = await this.engine.runSegment(
      {
        spec: { process: cap.arrival, burstiness: cap.burstiness, startRatePerSec: ratePerSec, stages: [{ ratePerSec, durationMs: Number.POSITIVE_INFINITY }] },
        stageLevels: [{ level, ratePerSec }],
      },
      {
        maxInFlight: cap.maxInFlight,
        signal: cancel.signal,
        stopArrivals: stopArrivals.signal,
        onSettled,
        onArrival: (intendedMs) => inFlight.set(intendedMs, (inFlight.get(intendedMs) ?? 0) + 1),
      },
    );
    this.#timers.clearTimeout(timer);
    signal.removeEventListener('abort', onRunAbort);
    const summary = result.levels[0] as LevelSummary;
    const durationMs = clock.now() - originMs - startRel;
    const trial = this.#trialFigures({ index, level, ratePerSec, phase, windowMs, durationMs, judge, summary, waitX, waitY, gpuMs, decision });
    return { trial, summary };
  }

  /** A decided trial's figures, from its judge and level summary. */
  #trialFigures(t: {
    index: number;
    level: number;
    ratePerSec: number;
    phase: SearchPhase;
    windowMs: number;
    /** The trial's measured length, its arrivals and settling included, ms. */
    durationMs: number;
    judge: TrialJudge;
    summary: LevelSummary;
    waitX: number[];
    waitY: number[];
    gpuMs: number;
    decision: TrialDecision | undefined;
  }): CapacityTrial {
    const { index, level, ratePerSec, phase, windowMs, durationMs, judge, summary, waitX, waitY, gpuMs, decision } = t;
    const counts = judge.counts;
    const fit = linearFit(waitX, waitY);
    const d = decision ?? { verdict: 'fail' as const, reason: 'stopped' };
    return {
      index,
      level,
      ratePerSec,
      phase,
      verdict: d.verdict,
      reason: d.reason,
      windows: judge.windows,
      windowMs,
      durationMs,
      arrivals: summary.submitted,
      dropped: summary.outcomes['dropped'] ?? 0,
      ok: counts.ok,
      notOk: counts.notOk,
      throughputPerSec: judge.throughputPerSec,
      goodputPerSec: judge.goodputPerSec,
      slos: judge.tallies().map((t) => ({ ...t, observedMs: t.observedMs !== null && Number.isFinite(t.observedMs) ? t.observedMs : null })),
      queueWaitSlopeMsPerSec: fit?.slope ?? null,
      gpuMs,
    };
  }
}
