/**
 * The decisions of a capacity search, pure: which rate to try next (`RateSearch`) and when a
 * trial at one rate has passed or failed (`TrialJudge`).
 *
 * Search (MLPerf LoadGen's FindPeakPerformance): start from a rate estimated by a closed-loop
 * probe, grow it geometrically until a trial fails (or shrink it until one passes), then bisect
 * between the highest pass and the lowest fail until they are within `precision` of each other.
 *
 * Trial rules, checked at the end of every window (a window holds ~`windowArrivals` arrivals;
 * its rates divide by the time it really lasted, read from the clock, since timers run late
 * under load):
 * - the first window is settling time: its arrivals count toward nothing;
 * - SLO evidence: every later arrival is one sample per SLO, over the threshold when its value
 *   is, or when it did not end `ok` (dropped, error, timeout); a prompt still in flight whose age
 *   since its intended send already exceeds a completion threshold counts as over too; an `ok`
 *   prompt settled from `/history` is no sample (its latencies are the look-up's, not measured);
 * - fail at once when an SLO is violated with confidence (binomial, see statistics.ts, on the samples'
 *   effective count: a queue's slow prompts come in runs, so n of them weigh as n / design effect
 *   independent ones; the same weighing for a pass claim);
 * - fail as `saturated` when the queue is growing: mean completion time rose in each of the
 *   last 3 windows and the prompts in flight grew by more than half a window's arrivals (≥ 5);
 * - pass when the last 3 windows are stable (throughput and mean completion time within
 *   `stability`, perf_analyzer's rule) and every SLO is claimed with confidence (early stopping:
 *   at least the binomial minimum count of samples);
 * - after `maxWindows`, decide on what was seen: pass (`slo-met-unstable`) when every SLO's
 *   observed percentile meets its threshold (a mean completion still rising is said, not failed:
 *   a queue near μ fills for longer than a trial), else fail (`slo-failed`, not certain).
 */
import { countsAsOk, isMeasurement } from '../metrics/level-tally.js';
import type { PromptRecord } from '../metrics/result-types.js';
import { sloValueMs, type SloSpec } from '../metrics/slo.js';
import { correlatedPercentileVerdict, isStable, linearFit, minSamplesForPercentile, type PercentileVerdict } from '../metrics/statistics.js';

export interface RateSearchOptions {
  startRatePerSec: number;
  /** Factor between growth (or shrink) steps. @default 1.25 */
  growth?: number;
  /** Stop when (lowest fail − highest pass) / lowest fail ≤ this. @default 0.03 */
  precision?: number;
  maxTrials: number;
}

/** `below` / `above`: just under / over the queue model's max rate; the rest on verdicts alone. */
export type SearchPhase = 'grow' | 'shrink' | 'bisect' | 'below' | 'above';

export class RateSearch {
  readonly #o: Required<RateSearchOptions>;
  #pass: number | undefined;
  #fail: number | undefined;
  #trials = 0;

  constructor(options: RateSearchOptions) {
    this.#o = { growth: 1.25, precision: 0.03, ...options };
    if (!(this.#o.startRatePerSec > 0)) throw new RangeError(`Expected a start rate > 0, got \`${this.#o.startRatePerSec}\``);
  }

  get highestPass(): number | undefined {
    return this.#pass;
  }

  get lowestFail(): number | undefined {
    return this.#fail;
  }

  /** The next rate to try, or undefined when the search is done. */
  next(): { ratePerSec: number; phase: SearchPhase } | undefined {
    if (this.#trials >= this.#o.maxTrials) return undefined;
    const pass = this.#pass;
    const fail = this.#fail;
    if (pass === undefined && fail === undefined) return { ratePerSec: this.#o.startRatePerSec, phase: 'grow' };
    if (fail === undefined) return { ratePerSec: (pass as number) * this.#o.growth, phase: 'grow' };
    if (pass === undefined) {
      const rate = fail / this.#o.growth;
      return rate > this.#o.startRatePerSec / 1000 ? { ratePerSec: rate, phase: 'shrink' } : undefined;
    }
    if ((fail - pass) / fail <= this.#o.precision) return undefined;
    return { ratePerSec: (pass + fail) / 2, phase: 'bisect' };
  }

  record(ratePerSec: number, passed: boolean): void {
    this.#trials++;
    if (passed) this.#pass = Math.max(this.#pass ?? 0, ratePerSec);
    else this.#fail = Math.min(this.#fail ?? Number.POSITIVE_INFINITY, ratePerSec);
  }
}

export interface TrialRules {
  slos: readonly SloSpec[];
  confidence: number;
  /** Relative tolerance of the stability rule. @default 0.1 */
  stability?: number;
  maxWindows: number;
  /** `--cache-mode allow`: a cache hit counts as ok. */
  cachedCountsAsOk?: boolean;
  /**
   * The service rate measured so far (per s): below it a growing backlog is the queue filling
   * toward its steady state (near μ that takes longer than a trial), not saturation, so `saturated`
   * applies only at or above it. @default 0 (always)
   */
  serviceRatePerSec?: number;
}

export interface TrialDecision {
  verdict: 'pass' | 'fail';
  /** `stable`, `slo-met-unstable`, `slo-failed:<slo>`, `saturated`, `unstable` (a code for scripts). */
  reason: string;
  /** The rule that decided and its figures, in words: the middle of the trial's one-line verdict. */
  because: string;
  /** Decided at the confidence (binomial): `stable` passes and `slo-failed` fails; the trend rules are not. */
  confident: boolean;
}

export interface SloTally {
  slo: string;
  samples: number;
  over: number;
  observedMs: number | null;
  required: number;
  verdict: PercentileVerdict;
  /** Over-threshold prompts come in runs: the samples' design effect (1: as independent), and the independent samples they are worth. */
  designEffect: number;
  effectiveSamples: number;
  effectiveOver: number;
}

interface SloState {
  spec: SloSpec;
  samples: number;
  over: number;
  values: number[];
  /** 1 for each sample over the threshold, 0 under, in the order they settled (for the design effect). */
  overs: number[];
}

interface WindowStats {
  ok: number;
  /** ok prompts whose completion was measured (not settled from /history), and their completion times. */
  measured: number;
  completionSumMs: number;
}

export class TrialJudge {
  readonly #rules: Required<TrialRules>;
  readonly #ratePerSec: number;
  readonly #windowMs: number;
  /** Intended times (ms since the run start) before which arrivals only settle the system. */
  readonly #measureFromMs: number;
  readonly #slos: SloState[];
  readonly #throughputs: number[] = [];
  readonly #latencies: number[] = [];
  readonly #inFlightAtClose: number[] = [];
  readonly #closes: number[] = [];
  readonly #clock: () => number;
  readonly #startMs: number;
  #lastCloseMs: number;
  #firstCloseMs: number | undefined;
  #current: WindowStats = { ok: 0, measured: 0, completionSumMs: 0 };
  #windows = 0;
  #ok = 0;
  #notOk = 0;
  #good = 0;
  #judged = 0;

  /**
   * `startMs`: the trial's start and `clock`: the time now, both ms since the run start. Windows
   * are planned `windowMs` long; their figures use the time they really lasted.
   */
  constructor(rules: TrialRules, ratePerSec: number, windowMs: number, startMs: number, clock: () => number) {
    this.#rules = { stability: 0.1, cachedCountsAsOk: false, serviceRatePerSec: 0, ...rules };
    this.#ratePerSec = ratePerSec;
    this.#windowMs = windowMs;
    this.#clock = clock;
    this.#startMs = startMs;
    this.#lastCloseMs = startMs;
    this.#measureFromMs = startMs + windowMs;
    this.#slos = rules.slos.map((spec) => ({ spec, samples: 0, over: 0, values: [], overs: [] }));
  }

  get windows(): number {
    return this.#windows;
  }

  /** Measured (post-settling) prompts that ended ok / not ok, and ok ones meeting every SLO. */
  get counts(): { ok: number; notOk: number; good: number } {
    return { ok: this.#ok, notOk: this.#notOk, good: this.#good };
  }

  /** From the trial's start to the last window's close, as measured, ms. */
  get elapsedMs(): number {
    return this.#lastCloseMs - this.#startMs;
  }

  /** The windows after the settling one, from the first close to the last, as measured, ms. */
  get measuredMs(): number {
    return this.#firstCloseMs === undefined ? 0 : this.#lastCloseMs - this.#firstCloseMs;
  }

  /**
   * Goodput: the trial's rate × the share of its judged prompts (measured, after the settling
   * window) that ended ok and met every SLO. It can never exceed the rate, and a reader checks it
   * from trials.csv as `ratePerSec × good / judged`.
   */
  get goodputPerSec(): number {
    return this.#judged > 0 ? (this.#ratePerSec * this.#good) / this.#judged : 0;
  }

  /** Measured prompts judged against the SLOs (each one sample per SLO), and those meeting every SLO. */
  get judged(): { judged: number; good: number } {
    return { judged: this.#judged, good: this.#good };
  }

  /** ok completions per s over the windows after the first (by completion time: the served rate). */
  get throughputPerSec(): number {
    const measured = this.#throughputs.slice(1);
    return measured.length > 0 ? measured.reduce((a, b) => a + b, 0) / measured.length : 0;
  }

  /** A settled prompt of the trial (dropped ones included). */
  settled(record: PromptRecord): void {
    const ok = countsAsOk(record.outcome, this.#rules.cachedCountsAsOk);
    const measured = isMeasurement(record, this.#rules.cachedCountsAsOk);
    if (ok) this.#current.ok++;
    if (measured && record.timings.completionMs !== undefined) {
      this.#current.measured++;
      this.#current.completionSumMs += record.timings.completionMs;
    }
    const intended = record.marks.intendedSendMs;
    if (intended === undefined || intended < this.#measureFromMs) return;
    if (ok) this.#ok++;
    else this.#notOk++;
    if (ok && !measured) return; // settled from /history: counted, but no SLO sample
    let good = ok;
    this.#judged++;
    for (const s of this.#slos) {
      const value = ok ? sloValueMs(s.spec.metric, record) : undefined;
      s.samples++;
      const over = value === undefined || value >= s.spec.thresholdMs;
      s.overs.push(over ? 1 : 0);
      if (over) {
        s.over++;
        good = false;
      }
      if (value !== undefined) s.values.push(value);
    }
    if (good) this.#good++;
  }

  /**
   * Closes a window. `inFlightAgesMs`: age since the intended send of every measured prompt
   * still in flight. Returns the decision, or undefined to go on.
   */
  closeWindow(inFlightAgesMs: readonly number[]): TrialDecision | undefined {
    const nowMs = this.#clock();
    const lastedMs = nowMs - this.#lastCloseMs;
    this.#lastCloseMs = nowMs;
    this.#windows++;
    if (this.#windows === 1) this.#firstCloseMs = nowMs;
    const w = this.#current;
    this.#current = { ok: 0, measured: 0, completionSumMs: 0 };
    this.#throughputs.push(lastedMs > 0 ? (w.ok * 1000) / lastedMs : 0);
    this.#latencies.push(w.measured > 0 ? w.completionSumMs / w.measured : Number.POSITIVE_INFINITY);
    this.#inFlightAtClose.push(inFlightAgesMs.length);
    this.#closes.push(nowMs);
    const tallies = this.tallies(inFlightAgesMs);
    const failed = tallies.find((t) => t.verdict === 'fail');
    if (failed !== undefined) return this.#sloFailed(failed);
    if (this.#windows < 1 + 3) return undefined;
    const growth = this.#ratePerSec >= this.#rules.serviceRatePerSec ? this.#growing() : undefined;
    if (growth !== undefined) {
      const perMin = growth.lastedMs > 0 ? (growth.backlog * 60_000) / growth.lastedMs : 0;
      const because = `backlog grew +${growth.backlog} prompts (+${perMin.toFixed(1)}/min) over the last 3 windows while mean completion rose in each`;
      return { verdict: 'fail', reason: 'saturated', because, confident: false };
    }
    const tol = this.#rules.stability;
    if (isStable(this.#throughputs, 3, tol) && isStable(this.#latencies, 3, tol) && tallies.every((t) => t.verdict === 'pass')) {
      const because = `last 3 windows stable within ${(tol * 100).toFixed(0)}% and every SLO claimed at ${confidenceText(this.#rules.confidence)} confidence`;
      return { verdict: 'pass', reason: 'stable', because, confident: true };
    }
    if (this.#windows >= this.#rules.maxWindows) return this.#lastWindow(tallies);
    return undefined;
  }

  /**
   * The trial's failure when an SLO's evidence already makes it certain (binomial bound), else
   * undefined. Asked at every prompt, so its error is spent many times: it tests at 5 × less risk
   * than `confidence` (0.9 → 0.98) to keep false certain failures as rare as at a window close.
   */
  certainFailure(inFlightAgesMs: readonly number[] = []): TrialDecision | undefined {
    const strict = 1 - (1 - this.#rules.confidence) / 5;
    for (const s of this.#slos) {
      const late = s.spec.metric === 'completionMs' ? inFlightAgesMs.filter((age) => age >= s.spec.thresholdMs).length : 0;
      if (correlatedPercentileVerdict(s.spec.percentile, strict, withLate(s.overs, late)).verdict === 'fail') {
        return this.#sloFailed(this.tallies(inFlightAgesMs).find((t) => t.slo === s.spec.text) as SloTally);
      }
    }
    return undefined;
  }

  #sloFailed(t: SloTally): TrialDecision {
    const share = t.samples > 0 ? ((t.over / t.samples) * 100).toFixed(0) : '0';
    const runs =
      t.designEffect > 1 ? `, in runs (design effect ${t.designEffect.toFixed(1)}: worth ${t.effectiveOver} of ${t.effectiveSamples} independent samples)` : '';
    const because = `${t.slo} missed at ${confidenceText(this.#rules.confidence)} confidence: ${t.over} of ${t.samples} prompts over (${share}%)${runs}`;
    return { verdict: 'fail', reason: `slo-failed:${t.slo}`, because, confident: true };
  }

  /** After the last window: decided on what was seen. */
  #lastWindow(tallies: SloTally[]): TrialDecision {
    const thresholdOf = (slo: string): number => this.#slos.find((s) => s.spec.text === slo)!.spec.thresholdMs;
    const missed = tallies.find((t) => t.observedMs === null || !(t.observedMs < thresholdOf(t.slo)));
    const windows = `after ${this.#windows} windows`;
    if (missed !== undefined) {
      const because = `${missed.slo} missed on what was seen ${windows} (${missed.over} of ${missed.samples} over), not yet certain`;
      return { verdict: 'fail', reason: `slo-failed:${missed.slo}`, because, confident: false };
    }
    // A queue near μ fills toward its steady state for longer than a trial (relaxation ~ 1/(1−ρ)² services): a rising
    // mean completion with every SLO met is that, not a failure; a growing backlog fails as `saturated` above.
    const trend = this.#trendingUp() ? `, mean completion still rising by more than ${(TREND_FACTOR * this.#rules.stability * 100).toFixed(0)}%` : '';
    const because = `every SLO met on what was seen ${windows}${trend}, not claimed at ${confidenceText(this.#rules.confidence)} confidence`;
    return { verdict: 'pass', reason: 'slo-met-unstable', because, confident: false };
  }

  /** Each SLO's evidence so far (in-flight prompts past a completion threshold counted over). */
  tallies(inFlightAgesMs: readonly number[] = []): SloTally[] {
    return this.#slos.map((s) => {
      const lateInFlight = s.spec.metric === 'completionMs' ? inFlightAgesMs.filter((age) => age >= s.spec.thresholdMs).length : 0;
      const samples = s.samples + lateInFlight;
      const over = s.over + lateInFlight;
      const v = correlatedPercentileVerdict(s.spec.percentile, this.#rules.confidence, withLate(s.overs, lateInFlight));
      return {
        slo: s.spec.text,
        samples,
        over,
        observedMs: observedPercentile(s, lateInFlight),
        required: minSamplesForPercentile(s.spec.percentile, this.#rules.confidence, over),
        verdict: v.verdict,
        designEffect: v.designEffect,
        effectiveSamples: v.effectiveSamples,
        effectiveOver: v.effectiveOver,
      };
    });
  }

  /** Mean completion time rose in each of the last 3 windows while the backlog grew: by how much, and over how long. */
  #growing(): { backlog: number; lastedMs: number } | undefined {
    const l = this.#latencies.slice(-4);
    const f = this.#inFlightAtClose;
    const rising = l.length === 4 && l[1]! > l[0]! && l[2]! > l[1]! && l[3]! > l[2]!;
    const backlog = (f[f.length - 1] ?? 0) - (f[f.length - 4] ?? 0);
    const windowArrivals = (this.#ratePerSec * this.#windowMs) / 1000;
    // A queue below μ fluctuates by a few prompts window to window (Poisson arrivals): only a backlog growing by half a
    // window's arrivals over 3 windows (arrivals ≥ 1.17 × completions) is read as saturation.
    if (!(rising && backlog > Math.max(5, 0.5 * windowArrivals))) return undefined;
    const c = this.#closes;
    return { backlog, lastedMs: (c[c.length - 1] ?? 0) - (c[c.length - 4] ?? 0) };
  }

  /**
   * Over the measured windows, mean completion time rose by more than 3 × `stability` of its mean
   * (window means of a stable queue near its max rate swing by ±10–20%: a smaller trend is noise).
   */
  #trendingUp(): boolean {
    const ys = this.#latencies.slice(1).filter(Number.isFinite);
    const fit = linearFit(
      ys.map((_, i) => i),
      ys,
    );
    if (fit === undefined) return false;
    const mean = ys.reduce((a, b) => a + b, 0) / ys.length;
    return fit.slope * (ys.length - 1) > TREND_FACTOR * this.#rules.stability * mean;
  }
}

/** The settled samples' over-threshold marks, then `late` prompts still in flight past the threshold (over, last in order). */
function withLate(overs: readonly number[], late: number): readonly number[] {
  return late === 0 ? overs : [...overs, ...new Array<number>(late).fill(1)];
}

/** How many times `stability` the mean completion must rise over a trial to be said to be still rising. */
const TREND_FACTOR = 3;

function confidenceText(confidence: number): string {
  return `${(confidence * 100).toFixed(confidence * 100 === Math.round(confidence * 100) ? 0 : 1)}%`;
}

/** Nearest-rank percentile of the values seen, with late in-flight prompts as +∞. */
function observedPercentile(s: SloState, lateInFlight: number): number | null {
  const values = [...s.values].sort((a, b) => a - b);
  const missing = s.samples - s.values.length + lateInFlight; // not-ok and late prompts rank above all
  const n = values.length + missing;
  if (n === 0) return null;
  const rank = Math.ceil((s.spec.percentile / 100) * n);
  return rank <= values.length ? (values[rank - 1] as number) : Number.POSITIVE_INFINITY;
}

/** A decided trial, as the model-guided search reads it. */
export interface TrialPoint {
  ratePerSec: number;
  passed: boolean;
  /** Decided at the confidence (a binomial claim), not by a trend rule or on what was seen. */
  confident: boolean;
}

/**
 * The model's max rate, held at least `precision` below a failure certain at the confidence (a max
 * rate equal to a rate that failed for certain would contradict that trial). A pass never raises
 * it, certain or not: a trial starts from an empty queue, so its first windows see less queueing
 * than the steady state the SLO is about (a trial at 1.07× the true max rate passed "at 90%
 * confidence" after 90 arrivals in 4 s); a pass backs the answer from below (`answerBacked`).
 * Near the answer a trial of a few hundred prompts decides on noise (a p95 of an M/D/1 queue at
 * 0.8 μ from 200 prompts has a spread of ±35%), so there the model, fed every service time
 * measured, interpolates.
 */
export function modelAnswer(modelRatePerSec: number, trials: readonly TrialPoint[], precision: number): number {
  const hi = Math.min(Number.POSITIVE_INFINITY, ...trials.filter((t) => !t.passed && t.confident).map((t) => t.ratePerSec));
  return Math.min(modelRatePerSec, hi * (1 - precision));
}

/** Whether a trial passed within 3 × precision below the answer: the model's answer is then backed by a measured pass. */
export function answerBacked(answer: number, trials: readonly TrialPoint[], precision: number): boolean {
  return trials.some((t) => t.passed && t.ratePerSec >= answer * (1 - 3 * precision));
}

/**
 * The next trial of the model-guided search, or undefined when done (or the model gave up):
 * first one just below the answer (`below`, one more precision step lower after each miss), which
 * backs it with a measured pass; then one above it (`above`, at `aboveRatePerSec`: where the model
 * puts the percentile well over the threshold, so the failure is certain early and cheap) unless a
 * trial above the answer already ran or one failed within 3 × precision under it (the answer is
 * bounded from above by that failure already).
 */
export function modelNext(
  model: { ratePerSec: number; aboveRatePerSec: number },
  trials: readonly TrialPoint[],
  precision: number,
): { ratePerSec: number; phase: SearchPhase } | undefined {
  const answer = modelAnswer(model.ratePerSec, trials, precision);
  if (!(answer > 0)) return undefined;
  const floor = answer * (1 - 3 * precision);
  if (!answerBacked(answer, trials, precision)) {
    const misses = trials.filter((t) => !t.passed && t.ratePerSec >= floor && t.ratePerSec <= answer).length;
    const rate = answer * (1 - precision * (1 + misses));
    return rate >= floor ? { ratePerSec: rate, phase: 'below' } : undefined;
  }
  // Bounded from above already: a trial above the answer, or a failure at or just under it (within the backing band).
  if (trials.some((t) => t.ratePerSec > answer * (1 + precision / 2) || (!t.passed && t.ratePerSec >= floor))) return undefined;
  return { ratePerSec: Math.max(model.aboveRatePerSec, answer * (1 + 2 * precision)), phase: 'above' };
}

/** What the next trial is, given the queue model's rates now (undefined: no SLO is modelled). */
export type ModelRates = { ratePerSec: number; aboveRatePerSec: number };

/** The search's own state across trials: what a checkpoint saves and `--resume` restores. */
export interface SearchState {
  /** The verdict-only search's first rate (from the probe). */
  startRatePerSec: number;
  /** Still placing trials with the queue model (false once it had no next rate: verdicts alone from then on). */
  guided: boolean;
}

/**
 * The decisions across trials, pure: model-guided (`modelNext`) while the model has a next rate,
 * then grow-and-bisect on verdicts (`RateSearch`, fed every decided trial). `replay` rebuilds it
 * from a checkpoint's trials, so a resumed search tries exactly the rate the uninterrupted one would.
 */
export class CapacitySearch {
  readonly #fallback: RateSearch;
  readonly #precision: number;
  readonly #startRatePerSec: number;
  #guided: boolean;

  constructor(o: { startRatePerSec: number; maxTrials: number; precision: number; guided: boolean }) {
    this.#fallback = new RateSearch({ startRatePerSec: o.startRatePerSec, maxTrials: o.maxTrials, precision: o.precision });
    this.#precision = o.precision;
    this.#startRatePerSec = o.startRatePerSec;
    this.#guided = o.guided;
  }

  /** The search after `trials` (decided ones, in order) from its saved state. */
  static replay(state: SearchState, trials: readonly TrialPoint[], o: { maxTrials: number; precision: number }): CapacitySearch {
    const search = new CapacitySearch({ ...o, ...state });
    for (const t of trials) search.record(t.ratePerSec, t.passed);
    return search;
  }

  get state(): SearchState {
    return { startRatePerSec: this.#startRatePerSec, guided: this.#guided };
  }

  get highestPass(): number | undefined {
    return this.#fallback.highestPass;
  }

  get lowestFail(): number | undefined {
    return this.#fallback.lowestFail;
  }

  /**
   * The next trial after `trials`, or undefined when the search is done. `model` is asked only
   * while the search is guided (building it simulates the queue).
   */
  next(model: () => ModelRates | undefined, trials: readonly TrialPoint[]): { ratePerSec: number; phase: SearchPhase } | undefined {
    const m = this.#guided ? model() : undefined;
    const next = m !== undefined ? modelNext(m, trials, this.#precision) : undefined;
    if (next !== undefined) return next;
    if (m !== undefined && answerBacked(modelAnswer(m.ratePerSec, trials, this.#precision), trials, this.#precision)) return undefined;
    this.#guided = false;
    return this.#fallback.next();
  }

  /** A decided trial (not one the run stopped before its verdict). */
  record(ratePerSec: number, passed: boolean): void {
    this.#fallback.record(ratePerSec, passed);
  }
}
