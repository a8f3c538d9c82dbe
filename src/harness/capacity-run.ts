/**
 * `comfyload capacity`: finds the highest arrival rate that meets every SLO. Warm-up, then a
 * closed-loop probe (one prompt at a time per target) measures the service-time distribution.
 * An SLO the probe already misses with no queue at all is refused there (no trial). Otherwise the
 * queue model (capacity-model.ts), fed every service time measured so far, places the trials: one
 * just below its max rate, one above where failure is certain (capacity-search.ts `modelNext`);
 * SLOs the model cannot predict fall back to grow-and-bisect on verdicts. Each trial is an
 * open-loop run at one rate, judged window by window (capacity-search.ts); once decided, its
 * arrivals stop and what is still in flight is cancelled, so no GPU time goes to a decided trial.
 * Every trial's figures are kept, and so is the GPU time spent: Σ server-side execution time.
 */
import type { SystemStats } from '../comfy/http-types.js';
import type { QueueTimeline } from '../metrics/queue-timeline.js';
import type { CapacityResult, CapacitySession, CapacityTrial, LevelSummary, PromptRecord } from '../metrics/result-types.js';
import type { SloSpec } from '../metrics/slo.js';
import { countsAsOk, isMeasurement } from '../metrics/level-tally.js';
import { linearFit, minSamplesForPercentile } from '../metrics/statistics.js';
import { nearestRank as sortedNearestRank } from '../metrics/vram-stats.js';
import type { ArrivalProcess } from './arrival-schedule.js';
import type { EngineDeps } from './closed-loop-run.js';
import { runOutcome, type RunOutcome } from './run-outcome.js';
import { CapacitySearch, modelAnswer, TrialJudge, type SearchPhase, type SearchState, type TrialDecision, type TrialPoint } from './capacity-search.js';
import { modelled, QueueModel, serviceRatePerSec } from './capacity-model.js';
import { sloValueMs } from '../metrics/slo.js';
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
  /** --max-minutes: no trial starts once the search has run this long, ms (every session of a resumed search counted). */
  maxMs?: number;
  /**
   * The options the search was built from (JSON, secrets left out), saved in its checkpoint so
   * `capacity --resume` rebuilds the same plan (session/capacity-checkpoint.ts).
   */
  savedOptions?: unknown;
  /** `capacity --resume`: the interrupted search this one continues (its probe and decided trials are not rerun). */
  resume?: CapacityResume;
}

/** One session of a search (the first, and each `--resume`). */
export type CapacitySessionInfo = CapacitySession;

/** What a search needs to continue where a checkpoint left it: the probe's findings, every decided trial and the search state. */
export interface CapacitySearchCheckpoint {
  /** `running`: written after a trial; at the end `complete`, `stopped-early` (a budget) or `interrupted` (stopped, or the target lost). */
  status: 'running' | 'complete' | 'stopped-early' | 'interrupted';
  /** Decided trials in order (a trial the run stopped before its verdict is left out: a resume runs it again). */
  trials: CapacityTrial[];
  /** Every service time measured so far (probe, then each decided trial's measured prompts), ms: the queue model's input. */
  serviceMs: number[];
  /** The probe's completion minus service time (median), ms. */
  overheadMs: number;
  search: SearchState & { highestPassPerSec: number | null; lowestFailPerSec: number | null };
  /** GPU time spent so far (warm-ups, probe, every trial, a stopped one's too), ms. */
  gpuMs: number;
  /** Time the search ran so far, over its sessions, ms (--max-minutes counts it). */
  elapsedMs: number;
  probe: { summary: LevelSummary; percentiles: Record<string, number | null> };
  expectedMs: { min: number; max: number };
  stoppedEarly?: string;
  refused?: string;
}

/** A checkpoint read back for `--resume`, with this session's number and the sessions before it. */
export interface CapacityResume extends CapacitySearchCheckpoint {
  /** The results folder the search continues in. */
  dir: string;
  /** This session's number (the first resume is session 2). */
  session: number;
  sessions: CapacitySessionInfo[];
}

/** Lines the search prints as it goes (the expected duration, a refusal, an early stop). */
export type CapacityNote = (line: string) => void;

/** The search's outcome; `stoppedBy` when every socket to a target was given up (the search stopped there). */
export interface CapacityOutcome extends RunOutcome {
  result: CapacityResult;
  probe: LevelSummary;
}

/** Start of the verdict-only search (no modelled SLO), as a fraction of the probe's estimated service rate. */
const START_FRACTION = 0.8;
/** The `above` trial goes where the model puts the percentile this far over the threshold. */
const ABOVE_FACTOR = 1.3;

export class CapacityRun {
  readonly #plan: LoadPlan;
  readonly #cap: CapacityPlan;
  readonly #deps: EngineDeps & { timeline: QueueTimeline; timers?: Timers };
  readonly #timers: Timers;
  readonly engine: OpenLoopEngine;
  /** Hears the search's state after every decided trial and once at the end (the session writes capacity-checkpoint.json). */
  onCheckpoint: ((checkpoint: CapacitySearchCheckpoint) => void) | undefined;

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

  async run(signal: AbortSignal, onTrial?: (trial: CapacityTrial) => void, note: CapacityNote = () => {}): Promise<CapacityOutcome> {
    const cap = this.#cap;
    const resume = cap.resume;
    const { clock } = this.#deps;
    const startedMs = clock.now();
    let gpuMs = resume?.gpuMs ?? 0;
    let warmup: LevelSummary | null = null;
    const levels: LevelSummary[] = [];
    await this.engine.open();
    try {
      // A resumed session warms up again (the server may have unloaded the model meanwhile), but keeps the probe.
      if (this.#plan.warmupPrompts > 0) {
        const w = await this.engine.runSequential(this.#plan.warmupPrompts, { level: 0, phase: 'warmup' }, signal);
        warmup = w.summary;
        gpuMs += w.gpuMs;
      }
      let ctx: SearchContext;
      if (resume === undefined) {
        const probeRecords: PromptRecord[] = [];
        const p = await this.engine.runSequential(cap.probePrompts, { level: 0, phase: 'measure' }, signal, (record) => {
          if (isMeasurement(record, this.#plan.cacheMode === 'allow')) probeRecords.push(record);
        });
        gpuMs += p.gpuMs;
        levels.push(p.summary);
        const serviceMs = probeRecords.map(gpuMsOf).filter((ms) => ms > 0);
        const overheadMs = median(probeRecords.map((r) => (r.timings.completionMs ?? 0) - gpuMsOf(r)));
        const probe = { summary: p.summary, percentiles: this.#probePercentiles(probeRecords) };
        ctx = { probeRecords, probe, serviceMs, overheadMs, gpuMs, startedMs, priorElapsedMs: 0, trials: [], levels, note, onTrial };
        ctx.refused = this.#refusal(probeRecords);
      } else {
        const probe = resume.probe;
        ctx = {
          probeRecords: [],
          probe,
          serviceMs: [...resume.serviceMs],
          overheadMs: resume.overheadMs,
          gpuMs,
          startedMs,
          priorElapsedMs: resume.elapsedMs,
          trials: [...resume.trials],
          levels,
          note,
          onTrial,
          expectedMs: resume.expectedMs,
        };
      }
      if (ctx.refused === undefined && ctx.serviceMs.length > 0) await this.#search(ctx, signal);
      if (ctx.refused !== undefined) note(ctx.refused);
      const interrupted = signal.aborted || this.engine.stoppedBy !== undefined;
      // Nothing to continue from before the first decided trial (but a refusal is a finished search).
      if ((ctx.refused !== undefined && !interrupted) || ctx.trials.some(decided)) {
        this.#checkpoint(ctx, interrupted ? 'interrupted' : ctx.stoppedEarly !== undefined ? 'stopped-early' : 'complete');
      }
      const result = this.#result(ctx);
      return {
        result,
        probe: ctx.probe.summary,
        ...runOutcome({ warmup, levels, signal, stoppedBy: this.engine.stoppedBy, decodeStats: this.engine.stats, reconnects: this.engine.reconnects }),
      };
    } finally {
      await this.engine.close();
    }
  }

  /** Each SLO's percentile over the probe (nearest rank), null without a sample. */
  #probePercentiles(records: readonly PromptRecord[]): Record<string, number | null> {
    return Object.fromEntries(
      this.#cap.slos.map((s) => [
        s.text,
        nearestRank(
          records.map((r) => sloValueMs(s.metric, r)).filter((v): v is number => v !== undefined),
          s.percentile,
        ) ?? null,
      ]),
    );
  }

  /** The state a resumed search continues from (see CapacitySearchCheckpoint), to `onCheckpoint`. */
  #checkpoint(ctx: SearchContext, status: CapacitySearchCheckpoint['status']): void {
    if (this.onCheckpoint === undefined) return;
    const search = ctx.search;
    // A resumed session stopped before its search began (in the warm-up) keeps the saved state as it was.
    const saved = this.#cap.resume?.search;
    this.onCheckpoint({
      status,
      trials: ctx.trials.filter(decided),
      serviceMs: [...ctx.serviceMs],
      overheadMs: ctx.overheadMs,
      search:
        search !== undefined
          ? { ...search.state, highestPassPerSec: search.highestPass ?? null, lowestFailPerSec: search.lowestFail ?? null }
          : (saved ?? { startRatePerSec: 0, guided: false, highestPassPerSec: null, lowestFailPerSec: null }),
      gpuMs: ctx.gpuMs,
      elapsedMs: this.#elapsedMs(ctx),
      probe: ctx.probe,
      expectedMs: ctx.expectedMs ?? { min: 0, max: 0 },
      ...(ctx.stoppedEarly !== undefined ? { stoppedEarly: ctx.stoppedEarly } : {}),
      ...(ctx.refused !== undefined ? { refused: ctx.refused } : {}),
    });
  }

  /** How long the search has run, its earlier sessions included, ms. */
  #elapsedMs(ctx: SearchContext): number {
    return ctx.priorElapsedMs + this.#deps.clock.now() - ctx.startedMs;
  }

  /** Why no rate can meet the SLOs, from the probe (one prompt at a time: no queue), or undefined. */
  #refusal(records: readonly PromptRecord[]): string | undefined {
    if (records.length === 0) return 'capacity: refused: the probe measured no prompt (none ended ok); no trial run';
    for (const slo of this.#cap.slos) {
      const values = records.map((r) => sloValueMs(slo.metric, r)).filter((v): v is number => v !== undefined);
      const observed = nearestRank(values, slo.percentile);
      if (observed === undefined || observed < slo.thresholdMs) continue;
      const service = median(records.map(gpuMsOf));
      return (
        `capacity: refused: ${slo.text} cannot be met at any rate: one prompt at a time (no queue) the probe already measured ` +
        `${slo.metric.replace(/Ms$/, '')} p${slo.percentile} ${fmtMs(observed)} ≥ ${fmtMs(slo.thresholdMs)} over ${values.length} prompts ` +
        `(service time ${fmtMs(service)}); raise the threshold or use a faster server. No trial run.`
      );
    }
    return undefined;
  }

  /** The model of the queue from every service time measured so far, or undefined when no SLO is modelled. */
  #model(ctx: SearchContext): { ratePerSec: number; aboveRatePerSec: number; model: QueueModel } | undefined {
    const cap = this.#cap;
    if (!cap.slos.some(modelled)) return undefined;
    const model = new QueueModel({
      serviceMs: ctx.serviceMs,
      overheadMs: ctx.overheadMs,
      arrival: cap.arrival,
      burstiness: cap.burstiness,
      targets: this.#plan.targets.length,
    });
    const ratePerSec = model.maxRate(cap.slos) as number;
    const aboveRatePerSec = model.maxRate(cap.slos.map((s) => ({ ...s, thresholdMs: s.thresholdMs * ABOVE_FACTOR }))) as number;
    return { ratePerSec, aboveRatePerSec, model };
  }

  /** The trials: model-guided while the model has a next rate, then grow-and-bisect on verdicts (capacity-search.ts CapacitySearch). */
  async #search(ctx: SearchContext, signal: AbortSignal): Promise<void> {
    const cap = this.#cap;
    const resume = cap.resume;
    const options = { maxTrials: cap.maxTrials, precision: cap.precision };
    let search: CapacitySearch;
    if (resume === undefined) {
      const estimated = serviceRatePerSec({ serviceMs: ctx.serviceMs, overheadMs: 0, arrival: 'poisson', burstiness: 1, targets: this.#plan.targets.length });
      const first = this.#model(ctx);
      const startRate = first !== undefined && first.ratePerSec > 0 ? first.ratePerSec * (1 - cap.precision) : START_FRACTION * estimated;
      ctx.note(this.#expectedLine(ctx, startRate));
      search = new CapacitySearch({ ...options, startRatePerSec: startRate, guided: first !== undefined });
    } else {
      // The decided trials replayed into the search: the next rate is the one the uninterrupted search would have tried.
      search = CapacitySearch.replay(resume.search, resume.trials.map(point), options);
      ctx.note(this.#resumeLine(resume));
      for (const t of resume.trials) ctx.note(`kept ${t.explanation} (session ${t.session ?? 1})`);
    }
    ctx.search = search;
    for (;;) {
      if (signal.aborted || this.engine.stoppedBy !== undefined) return;
      if (ctx.trials.length >= cap.maxTrials) return this.#stopEarly(ctx, `--max-trials ${cap.maxTrials} reached`);
      const next = search.next(() => this.#model(ctx), ctx.trials.filter(decided).map(point));
      if (next === undefined) return;
      const elapsedMs = this.#elapsedMs(ctx);
      if (cap.maxMs !== undefined && elapsedMs + this.#trialMs(next.ratePerSec).min > cap.maxMs) {
        return this.#stopEarly(
          ctx,
          `--max-minutes ${(cap.maxMs / 60_000).toFixed(1)} would be passed by trial ${ctx.trials.length + 1} (${fmtMin(elapsedMs)} spent)`,
        );
      }
      const trial = await this.#trial(ctx.trials.length + 1, next.ratePerSec, next.phase, signal, ctx);
      ctx.gpuMs += trial.trial.gpuMs;
      if (trial.summary !== undefined) ctx.levels.push(trial.summary);
      ctx.trials.push(trial.trial);
      if (decided(trial.trial)) {
        search.record(next.ratePerSec, trial.trial.verdict === 'pass');
        // On disk before the trial's line is printed: a search killed from here on resumes after this trial.
        this.#checkpoint(ctx, 'running');
      }
      ctx.onTrial?.(trial.trial);
    }
  }

  /** The line a resumed search starts with. */
  #resumeLine(resume: CapacityResume): string {
    const n = resume.trials.length;
    const kept = n === 1 ? 'trial 1' : `trials 1–${n}`;
    return (
      `resuming the search in ${resume.dir} as session ${resume.session}: the probe and ${kept} are kept from its checkpoint, not rerun ` +
      `(GPU time so far ${fmtMin(resume.gpuMs)}); the next trial is trial ${n + 1}`
    );
  }

  #stopEarly(ctx: SearchContext, why: string): void {
    ctx.stoppedEarly = why;
    ctx.note(`capacity: stopped before the search was done: ${why}`);
  }

  /** A trial's shortest (decided at the minimum count) and longest (--max-windows) length at a rate, ms. */
  #trialMs(ratePerSec: number): { min: number; max: number; minPrompts: number; maxPrompts: number } {
    const cap = this.#cap;
    const windowMs = Math.max(1000, (cap.windowArrivals / ratePerSec) * 1000);
    const minPrompts = Math.ceil((windowMs * ratePerSec) / 1000) + Math.max(...Object.values(this.minSamples()));
    const maxPrompts = Math.ceil((cap.maxWindows * windowMs * ratePerSec) / 1000);
    return { min: Math.max(4 * windowMs, (minPrompts / ratePerSec) * 1000), max: cap.maxWindows * windowMs, minPrompts, maxPrompts };
  }

  /** The expected duration before the first trial: trials × prompts per trial / rate. */
  #expectedLine(ctx: SearchContext, ratePerSec: number): string {
    const t = this.#trialMs(ratePerSec);
    const guided = this.#cap.slos.some(modelled);
    const fewest = guided ? 2 : 3;
    const most = guided ? Math.min(5, this.#cap.maxTrials) : Math.min(8, this.#cap.maxTrials);
    ctx.expectedMs = { min: fewest * t.min, max: most * t.max };
    const budget = this.#cap.maxMs !== undefined ? `; --max-minutes ${(this.#cap.maxMs / 60_000).toFixed(1)} caps it` : '';
    return (
      `capacity: expected duration ${fmtMin(ctx.expectedMs.min)}–${fmtMin(ctx.expectedMs.max)}: ${fewest}–${most} trials of ${t.minPrompts}–${t.maxPrompts} prompts ` +
      `at ~${(ratePerSec * 60).toFixed(1)}/min (probe: service time ${fmtMs(median(ctx.serviceMs))} over ${ctx.serviceMs.length} prompts)${budget}`
    );
  }

  /** The search's result from its trials: the max rate, goodput, knee, GPU time vs a grid, and the rules applied. */
  #result(ctx: SearchContext): CapacityResult {
    const cap = this.#cap;
    const trials = ctx.trials;
    const refused = ctx.refused;
    const probe = ctx.probe.summary;
    const model = refused === undefined && ctx.serviceMs.length > 0 ? this.#model(ctx) : undefined;
    const answer = this.#answer(trials, model?.ratePerSec);
    // Goodput at the max rate: the max rate × the share of judged prompts meeting every SLO in the passing trial nearest it.
    const max = answer.ratePerSec;
    const goodputOf =
      max === null
        ? undefined
        : trials.filter((t) => t.verdict === 'pass' && t.judged > 0).sort((a, b) => Math.abs(a.ratePerSec - max) - Math.abs(b.ratePerSec - max))[0];
    const firstFail = trials
      .filter((t) => t.verdict === 'fail' && (answer.ratePerSec === null || t.ratePerSec > answer.ratePerSec))
      .sort((a, b) => a.ratePerSec - b.ratePerSec)[0];
    const knee = kneeOf(trials);
    const meanServiceMs = ctx.serviceMs.length > 0 ? ctx.serviceMs.reduce((a, b) => a + b, 0) / ctx.serviceMs.length : Number.NaN;
    const gridLevels = cap.gridLevels ?? 8;
    const perLevel = cap.windowArrivals * cap.maxWindows;
    const probeValues = ctx.probe.percentiles;
    return {
      slos: cap.slos.map((s) => s.text),
      confidence: cap.confidence,
      minSamples: this.minSamples(),
      arrival: cap.arrival,
      ...(cap.arrival === 'gamma' ? { burstiness: cap.burstiness } : {}),
      probe: {
        prompts: probe.ok,
        meanServiceMs,
        estimatedServiceRatePerSec: meanServiceMs > 0 ? (this.#plan.targets.length * 1000) / meanServiceMs : 0,
        percentiles: probeValues,
      },
      ...(refused !== undefined ? { refused } : {}),
      ...(ctx.stoppedEarly !== undefined ? { stoppedEarly: ctx.stoppedEarly } : {}),
      expectedMs: ctx.expectedMs ?? { min: 0, max: 0 },
      modelRatePerSec: model?.ratePerSec ?? null,
      maxRatePerSec: answer.ratePerSec,
      maxRatePerMin: answer.ratePerSec !== null ? answer.ratePerSec * 60 : null,
      maxRateRule: answer.rule,
      goodputPerSec: goodputOf !== undefined && max !== null ? (max * goodputOf.good) / goodputOf.judged : null,
      goodputTrial: goodputOf?.trial ?? null,
      kneePerSec: knee.perSec,
      kneeRule: knee.rule,
      firstFailRatePerSec: firstFail?.ratePerSec ?? null,
      precision: cap.precision,
      gpuMs: ctx.gpuMs,
      gridGpuMs: gridLevels * perLevel * meanServiceMs,
      gridRule: `${gridLevels} levels × ${perLevel} prompts (a trial's most: --window-arrivals × --max-windows) × mean service time ${meanServiceMs.toFixed(1)} ms`,
      rules: this.#rules(),
      ...(cap.resume !== undefined ? { sessions: this.#sessions(ctx, cap.resume) } : {}),
      trials,
    };
  }

  /** Every session of a resumed search: the earlier ones (their files moved to `session-<n>/`) and this one. */
  #sessions(ctx: SearchContext, resume: CapacityResume): CapacitySessionInfo[] {
    const mine = ctx.trials.filter((t) => t.session === resume.session).map((t) => t.trial);
    return [...resume.sessions, { session: resume.session, trials: mine, gpuMs: ctx.gpuMs - resume.gpuMs, files: '.' }];
  }

  /** The max rate and how it was found (see modelAnswer); null when no trial passed. */
  #answer(trials: readonly CapacityTrial[], modelRate: number | undefined): { ratePerSec: number | null; rule: string } {
    const passes = trials.filter((t) => t.verdict === 'pass').sort((a, b) => b.ratePerSec - a.ratePerSec);
    if (passes.length === 0) return { ratePerSec: null, rule: 'no trial passed' };
    const points = trials.filter(decided).map(point);
    const p = this.#cap.precision;
    if (modelRate !== undefined) {
      const answer = modelAnswer(modelRate, points, p);
      const backer = trials.filter((t) => t.verdict === 'pass' && t.ratePerSec >= answer * (1 - 3 * p)).sort((a, b) => b.ratePerSec - a.ratePerSec)[0];
      if (backer !== undefined) {
        const held = answer === modelRate ? '' : ` (held ${(p * 100).toFixed(1)}% under a failure certain at the confidence)`;
        const above = trials.filter((t) => t.verdict === 'pass' && t.ratePerSec > answer).map((t) => `trial ${t.trial}`);
        const under = trials.filter((t) => t.verdict === 'fail' && !t.confident && t.ratePerSec < answer).map((t) => `trial ${t.trial}`);
        const noisy =
          (above.length > 0
            ? `; ${above.join(' and ')} passed above it (a trial starts from an empty queue and sees less queueing than the steady state the SLO is about)`
            : '') +
          (under.length > 0
            ? `; ${under.join(' and ')} failed under it without certainty (near the answer a trial of a few hundred prompts decides on noise)`
            : '');
        return {
          ratePerSec: answer,
          rule: `queue model: where ${this.#cap.slos
            .filter(modelled)
            .map((s) => s.text)
            .join(
              ' and ',
            )} is met under ${this.#cap.arrival} arrivals, from the service times measured in the probe and every trial${held}; backed by trial ${backer.trial} (PASS at ${(backer.ratePerSec * 60).toFixed(1)}/min); every certain verdict agrees${noisy}`,
        };
      }
    }
    const best = passes[0] as CapacityTrial;
    return { ratePerSec: best.ratePerSec, rule: `the highest passing trial: trial ${best.trial} at ${(best.ratePerSec * 60).toFixed(1)}/min` };
  }

  #rules(): string[] {
    const cap = this.#cap;
    return [
      `search: the queue model (FIFO single server per target, fed the measured service times and the ${cap.arrival} arrival process) gives the max rate; one trial just below it (${(cap.precision * 100).toFixed(1)}% under) must pass, one above it (where the model puts the percentile ${ABOVE_FACTOR}× the threshold) should fail early (not run when a trial failed within 3 × precision under it); SLOs the model cannot predict grow ×1.25 from ${START_FRACTION} × the service rate and bisect to ${(cap.precision * 100).toFixed(1)}%`,
      `windows of max(1 s, ${cap.windowArrivals} arrivals); the first settles the queue and counts toward nothing; at most ${cap.maxWindows} windows per trial`,
      'pass: last 3 windows stable (throughput and mean completion within 10%, perf_analyzer) and every SLO claimed at the confidence (binomial early stopping); or, after the last window, every SLO met on what was seen (not certain)',
      'fail: an SLO missed at the confidence (binomial on the effective sample count: runs of slow prompts weigh as fewer independent samples), checked at every prompt (the trial ends at once); or saturated (at or above the measured service rate: completion rising 3 windows running while the backlog grows); or, after the last window, missed on what was seen (not certain)',
      'max rate: the model rate, held precision under the lowest failure certain at the confidence (a pass never raises it: a trial starts from an empty queue), backed by a pass within 3 × precision below it; without a model, the highest passing trial',
      'goodput: the max rate × the share of judged prompts that met every SLO in the passing trial nearest it (per trial: its rate × its share)',
      'counts: arrivals = ok + failed + cut; cut = cancelled by the search once the trial was decided (not failures); judged = measured after the settling window',
    ];
  }

  async #trial(
    trialNo: number,
    ratePerSec: number,
    phase: SearchPhase,
    signal: AbortSignal,
    ctx: SearchContext,
  ): Promise<{ trial: CapacityTrial; summary: LevelSummary | undefined }> {
    const { clock, originMs } = this.#deps;
    const cap = this.#cap;
    const level = trialNo;
    const windowMs = Math.max(1000, (cap.windowArrivals / ratePerSec) * 1000);
    const startRel = clock.now() - originMs;
    const modelledRate = cap.slos.some(modelled)
      ? serviceRatePerSec({ serviceMs: ctx.serviceMs, overheadMs: 0, arrival: cap.arrival, burstiness: 1, targets: this.#plan.targets.length })
      : 0;
    const rules = {
      slos: cap.slos,
      confidence: cap.confidence,
      maxWindows: cap.maxWindows,
      cachedCountsAsOk: this.#plan.cacheMode === 'allow',
      serviceRatePerSec: modelledRate,
    };
    const judge = new TrialJudge(rules, ratePerSec, windowMs, startRel, () => clock.now() - originMs);
    const inFlight = new Map<number, number>();
    const tally = { ok: 0, failed: 0, cut: 0, dropped: 0, settling: 0, gpuMs: 0 };
    const waitX: number[] = [];
    const waitY: number[] = [];
    let decision: TrialDecision | undefined;
    const stopArrivals = new AbortController();
    const cancel = new AbortController();
    const cut = new AbortController();
    const onRunAbort = (): void => cancel.abort(signal.reason);
    signal.addEventListener('abort', onRunAbort, { once: true });
    const decide = (d: TrialDecision): void => {
      if (decision !== undefined) return;
      decision = d;
      cut.abort('decided');
      stopArrivals.abort('decided');
      cancel.abort('decided');
    };
    const ages = (): number[] => {
      const now = clock.now() - originMs;
      const out: number[] = [];
      for (const [intended, count] of inFlight) if (intended >= startRel + windowMs) for (let i = 0; i < count; i++) out.push(now - intended);
      return out;
    };
    let timer: unknown;
    const windowOnClose = (): void => {
      const d = judge.closeWindow(ages());
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
        if (intended < startRel + windowMs) tally.settling++;
      }
      tally.gpuMs += gpuMsOf(record);
      if (record.outcome === 'cut') tally.cut++;
      else if (countsAsOk(record.outcome, rules.cachedCountsAsOk)) tally.ok++;
      else tally.failed++;
      if (record.outcome === 'dropped') tally.dropped++;
      if (decision !== undefined) return; // settled after the decision: not evidence
      judge.settled(record);
      if (isMeasurement(record, rules.cachedCountsAsOk)) {
        const g = gpuMsOf(record);
        if (g > 0) ctx.serviceMs.push(g);
        if (record.timings.queueWaitMs !== undefined && intended !== undefined) {
          waitX.push(intended / 1000);
          waitY.push(record.timings.queueWaitMs);
        }
      }
      const certain = judge.certainFailure(ages());
      if (certain !== undefined) decide(certain);
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
        cut: cut.signal,
        onSettled,
        onArrival: (intendedMs) => inFlight.set(intendedMs, (inFlight.get(intendedMs) ?? 0) + 1),
      },
    );
    this.#timers.clearTimeout(timer);
    signal.removeEventListener('abort', onRunAbort);
    // Stopped before its first arrival, a trial has no level (nothing was sent).
    const summary = result.levels[0] as LevelSummary | undefined;
    const durationMs = clock.now() - originMs - startRel;
    const d: Omit<TrialDecision, 'verdict'> & { verdict: CapacityTrial['verdict'] } = decision ?? {
      verdict: 'stopped',
      reason: 'stopped',
      because: 'the run was stopped before the trial was decided: no verdict (`capacity --resume` runs it again)',
      confident: false,
    };
    const fit = linearFit(waitX, waitY);
    const slos = judge.tallies().map((t) => ({ ...t, observedMs: t.observedMs !== null && Number.isFinite(t.observedMs) ? t.observedMs : null }));
    const { judged, good } = judge.judged;
    const trial: CapacityTrial = {
      trial: trialNo,
      level,
      session: cap.resume?.session ?? 1,
      ratePerSec,
      phase,
      verdict: d.verdict,
      reason: d.reason,
      confident: d.confident,
      explanation: explanationLine(trialNo, ratePerSec, d, slos, cap.slos),
      windows: judge.windows,
      windowMs,
      durationMs,
      arrivals: summary?.submitted ?? 0,
      ok: tally.ok,
      failed: tally.failed,
      cut: tally.cut,
      settling: tally.settling,
      judged,
      good,
      dropped: tally.dropped,
      throughputPerSec: judge.throughputPerSec,
      goodputPerSec: judge.goodputPerSec,
      slos,
      queueWaitSlopeMsPerSec: fit?.slope ?? null,
      gpuMs: tally.gpuMs,
    };
    return { trial, summary };
  }
}

interface SearchContext {
  /** The probe's records (empty in a resumed session: its figures come from the checkpoint). */
  probeRecords: PromptRecord[];
  probe: { summary: LevelSummary; percentiles: Record<string, number | null> };
  /** Every measured service time so far (probe, then each trial's measured prompts), ms. */
  serviceMs: number[];
  overheadMs: number;
  gpuMs: number;
  startedMs: number;
  /** Time the earlier sessions of a resumed search ran, ms. */
  priorElapsedMs: number;
  trials: CapacityTrial[];
  levels: LevelSummary[];
  note: CapacityNote;
  onTrial: ((trial: CapacityTrial) => void) | undefined;
  stoppedEarly?: string;
  refused?: string;
  expectedMs?: { min: number; max: number };
  search?: CapacitySearch;
}

/** A trial decided by its judge (not one the run stopped before its verdict). */
function decided(t: CapacityTrial): boolean {
  return t.verdict !== 'stopped';
}

function point(t: CapacityTrial): TrialPoint {
  return { ratePerSec: t.ratePerSec, passed: t.verdict === 'pass', confident: t.confident };
}

/** `trial 2 at 283.9/min: FAIL — <because> (completion p95 1.1 s < 2 s met)`: the same words everywhere. */
export function explanationLine(
  trialNo: number,
  ratePerSec: number,
  d: Omit<TrialDecision, 'verdict'> & { verdict: CapacityTrial['verdict'] },
  slos: CapacityTrial['slos'],
  specs: readonly SloSpec[],
): string {
  const figures = specs.map((spec) => {
    const t = slos.find((x) => x.slo === spec.text);
    const name = `${spec.metric.replace(/Ms$/, '')} p${spec.percentile}`;
    if (t === undefined || t.samples === 0) return `${name}: no sample`;
    if (t.observedMs === null) return `${name} > ${fmtMs(spec.thresholdMs)} missed`;
    return t.observedMs < spec.thresholdMs
      ? `${name} ${fmtMs(t.observedMs)} < ${fmtMs(spec.thresholdMs)} met`
      : `${name} ${fmtMs(t.observedMs)} ≥ ${fmtMs(spec.thresholdMs)} missed`;
  });
  return `trial ${trialNo} at ${(ratePerSec * 60).toFixed(1)}/min: ${d.verdict.toUpperCase()} — ${d.because} (${figures.join('; ')})`;
}

/**
 * The knee: where the throughput curve flattens. Of the trials that served less than 95% of their
 * rate (the flat part), the most any served; null when every trial kept up.
 */
function kneeOf(trials: readonly CapacityTrial[]): { perSec: number | null; rule: string } {
  const flat = trials.filter((t) => decided(t) && t.throughputPerSec > 0 && t.throughputPerSec < 0.95 * t.ratePerSec);
  if (flat.length === 0) return { perSec: null, rule: 'not reached: every trial served at least 95% of its rate (the throughput curve is still rising)' };
  const top = flat.sort((a, b) => b.throughputPerSec - a.throughputPerSec)[0] as CapacityTrial;
  return {
    perSec: top.throughputPerSec,
    rule: `the most served by a trial that fell behind its rate (served < 95% of offered): trial ${top.trial}, ${(top.throughputPerSec * 60).toFixed(1)}/min served of ${(top.ratePerSec * 60).toFixed(1)}/min offered`,
  };
}

/**
 * The lower median (the middle value; of two, the smaller), 0 when empty. Not metrics' `median`
 * (compare-stats, rank-tests): that one averages the two middle values of an even count and is NaN
 * when empty, which would move the probe's overhead and service figures.
 */
function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)] as number;
}

/** metrics' nearest rank (the same index for 0 < percentile ≤ 100) over unsorted values; undefined when there are none. */
function nearestRank(values: readonly number[], percentile: number): number | undefined {
  return values.length === 0
    ? undefined
    : sortedNearestRank(
        [...values].sort((a, b) => a - b),
        percentile,
      );
}

function fmtMs(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(ms >= 10_000 ? 1 : 2)} s` : `${ms.toFixed(0)} ms`;
}

function fmtMin(ms: number): string {
  return ms >= 60_000 ? `${(ms / 60_000).toFixed(1)} min` : `${(ms / 1000).toFixed(0)} s`;
}
