/**
 * One measuring session: every command that measures (`run`, `capacity`, each `--matrix`
 * combination) and the programmatic API go through `measure(plan, io)`, so a check added here
 * holds for all of them. In order: the built-in emulator when the plan has no target; then per
 * plan (one per --matrix combination) the workflow preflight (/object_info, UI conversion,
 * `--set`, uploads, cache audit), the engine's check of every target (the fingerprint), the
 * results folder and its files, the VRAM and lag monitors, the engine's run under the stop
 * signal, and — whatever happened, so a run cut short keeps what it measured — summary.json,
 * report.html and the exit code by the run's gates.
 */
import { randomUUID } from 'node:crypto';
import { describeThrown, toComfyloadError, type ComfyloadError } from '../comfy/errors.js';
import { systemClock, type Clock } from '../harness/clock.js';
import { fingerprintComments, fingerprintEnvironment, type Fingerprint } from '../harness/fingerprint.js';
import type { RunObserver } from '../harness/run-observer.js';
import { QueueTimeline } from '../metrics/queue-timeline.js';
import { MetricRecorder } from '../metrics/recorder.js';
import type { CapacityTrial, ResultFile, RunEnvironment, RunK6, RunSummary } from '../metrics/result-types.js';
import { ConsoleReporter } from '../reporters/console.js';
import { rateUnitFor } from '../reporters/console-format.js';
import { formatCapacitySummary } from '../reporters/open-loop-files.js';
import type { EmbeddedEmulator } from '../sim/embedded-emulator.js';
import { finishCapacity } from './capacity-results.js';
import { continueCapacityFolder } from './capacity-resume.js';
import { createEngine, type Engine, type ModeOutcome } from './engines.js';
import { HarnessLag, smallestStepMedianMs } from './harness-lag.js';
import { describeCombination, expandMatrix } from './matrix.js';
import { finishOpenLoop, QueueFile } from './open-loop-results.js';
import { describePlan } from './plan-description.js';
import { modeOf, type RunPlan } from './plan.js';
import { preflightEnvironment, preflightWorkflow, type PreparedRun } from './preflight.js';
import { ResultFiles } from './result-files.js';
import { writeReport } from './results-folder.js';
import { planSettings, runResultsDir, summaryBase } from './summary.js';
import { startTargets } from './targets.js';
import { mixResultsFor, type MixResults } from './mix-results.js';
import { ObserverRelay } from './observer-relay.js';
import { judgeRun, printThresholds, withK6Verdicts } from './run-thresholds.js';
import { fingerprintTargets } from './target-fingerprints.js';
import { VramMonitor } from './vram-monitor.js';
import { VramTimeline } from './vram-timeline.js';

/** Where the session writes human output (stderr in the CLI). */
export interface SessionLog {
  write(text: string): unknown;
}

export interface SessionIO {
  /** Relative results folders resolve from here. */
  cwd: string;
  /** Human output: what runs, a line per level, warnings, where the results are. Absent: silent. */
  log?: SessionLog;
  /** Redraw a live progress line (a TTY). */
  live?: boolean;
  /** The terminal's width now, for the live line. */
  columns?: () => number | undefined;
  /** Aborting stops the run: nothing new is sent, this run's prompts are cancelled, partial results written. */
  signal?: AbortSignal;
  /** Hears every event as it happens (the API's progress callbacks), after the result files did. */
  observer?: RunObserver;
  /** A capacity trial was decided. */
  onTrial?: (trial: CapacityTrial) => void;
  /** The clock every mark is taken with (tests inject one). */
  clock?: Clock;
  /** Where threshold verdicts go when `log` is silenced (--quiet): the run's answer is always said. */
  verdictLog?: SessionLog;
  /** The environment the k6 engine is found by (K6_BIN, PATH) and inherits. */
  env?: NodeJS.ProcessEnv;
}

export interface MeasuredRun {
  /** The results folder (absolute). */
  resultsDir: string;
  summary: RunSummary;
  /** 0 done; 1 a gate failed (error rate, no rate met the SLOs); 3 the target ended the run; 130 stopped; 70 a bug. */
  exitCode: number;
  /** The error that ended the run after its (partial) results were written: a target lost, a failure. */
  error?: ComfyloadError;
}

export interface MeasureResult extends MeasuredRun {
  /** Every run of the session, one per --matrix combination (one without --matrix). */
  runs: MeasuredRun[];
}

const silent: SessionLog = { write: () => true };

/** What summary.json says until the run ends and replaces it. */
const INTERRUPTED_REASON =
  'the run did not finish (killed, or a second Ctrl-C): this summary.json was written while it ran and holds the levels finished by then; requests.csv and histograms.hlog hold every prompt that settled';

/** An open-loop plan's planned rate per level, per s (a ramp: each stage's end rate); undefined for a closed loop. */
function openLoopRates(plan: RunPlan): number[] | undefined {
  const open = plan.openLoop;
  if (open === undefined || plan.capacity !== undefined) return undefined;
  return open.ratesPerSec ?? open.stages?.map((s) => s.ratePerSec);
}

/**
 * Runs a plan (every --matrix combination in turn, on the same targets) and writes its results.
 * Throws, before anything is sent, when the plan cannot run (bad workflow, unreachable target);
 * once results exist, problems are returned in `error` with the results.
 */
export async function measure(plan: RunPlan, io: SessionIO): Promise<MeasureResult> {
  const log = io.log ?? silent;
  const targets = await startTargets(plan, log);
  try {
    const plans = expandMatrix(targets.plan);
    const runs: MeasuredRun[] = [];
    for (const [index, one] of plans.entries()) {
      if (one.matrix !== undefined) log.write(`comfyload: matrix ${index + 1} of ${plans.length}: ${describeCombination(one.matrix)}\n`);
      const run = await new MeasuringSession(one, io, targets.emulator).run();
      runs.push(run);
      // Stopped, or the target gone: the combinations left would measure nothing.
      if (run.exitCode === 130 || run.error !== undefined) break;
    }
    const last = runs[runs.length - 1] as MeasuredRun;
    return { ...last, exitCode: Math.max(...runs.map((r) => r.exitCode)), runs };
  } finally {
    await targets.close();
  }
}

/** One plan measured into one results folder. */
class MeasuringSession {
  readonly #io: SessionIO;
  readonly #log: SessionLog;
  readonly #clock: Clock;
  readonly #emulator: EmbeddedEmulator | undefined;
  #plan: RunPlan;

  constructor(plan: RunPlan, io: SessionIO, emulator: EmbeddedEmulator | undefined) {
    this.#plan = plan;
    this.#io = io;
    this.#log = io.log ?? silent;
    this.#clock = io.clock ?? systemClock;
    this.#emulator = emulator;
  }

  async run(): Promise<MeasuredRun> {
    const clock = this.#clock;
    // Workflow preflight before any prompt: a bad workflow ends here (exit 2), nothing sent.
    const ready = await preflightWorkflow(this.#plan, clock, this.#log);
    const plan = ready.plan;
    this.#plan = plan;
    const mode = modeOf(plan);
    const runId = randomUUID();
    const startTimeEpochMs = clock.epochMs();
    const originMs = clock.now();
    const recorder = new MetricRecorder({ clock: () => clock.now() });
    const timeline = new QueueTimeline();
    // Stops the run from inside the session: an observer that failed, the built-in emulator failing.
    const stop = new AbortController();
    this.#emulator?.onFailure((err) => stop.abort(err));
    const relay = new ObserverRelay(stop);
    const engine = createEngine(plan, { clock, recorder, observer: relay, runId, originMs, timeline }, this.#io.env);
    // Nothing is written until every target answered like ComfyUI.
    const stats = await engine.preflight();
    const { fingerprint, perWorkflow } = await fingerprintTargets(plan, stats, ready.prepared.objectInfo, (m) => relay.onWarning(m));
    // `capacity --resume` continues in the search's own folder, once the target's fingerprint matches (its earlier files move to session-<n>/).
    const dir = plan.capacity?.resume?.dir ?? runResultsDir(this.#io.cwd, plan, fingerprint, startTimeEpochMs);
    for (const w of continueCapacityFolder(plan, fingerprint, startTimeEpochMs)) this.#log.write(`comfyload: warning: ${w}\n`);
    const header = fingerprintComments(fingerprint);
    // A capacity search's levels are its closed-loop probe (level 0) and at most maxTrials trials;
    // level n is trial n (the one numbering of trials).
    const levelCount = mode === 'capacity' ? (plan.capacity?.maxTrials ?? 0) : plan.levels.length;
    const levelRates = openLoopRates(plan);
    const consoleReporter = this.#consoleReporter(levelCount, levelRates, mode === 'capacity');
    const vram = new VramTimeline({
      dir,
      intervalMs: plan.vramIntervalMs ?? 250,
      headerComments: header,
      targets: plan.targets.length,
      systemRam: fingerprint.cpu,
    });
    const files = new ResultFiles({
      dir,
      vram,
      recorder,
      startTimeEpochMs,
      clockOriginMs: originMs,
      headerComments: header,
      console: consoleReporter,
      clock: () => clock.now(),
      levelCount,
      live: () => engine.live,
      ...(levelRates !== undefined ? { levelRates } : {}),
      ...(plan.mix !== undefined ? { workflowNames: plan.mix.workflows.map((w) => w.name) } : {}),
    });
    const mixResults = mixResultsFor(plan, perWorkflow, {
      recorder,
      clock: () => clock.now(),
      originMs,
      dir,
      headerComments: header,
      warn: (m) => files.onWarning(m),
    });
    relay.connect(files, this.#io.observer, mixResults !== undefined ? [mixResults] : []);
    const queue = mode === 'closed-loop' ? undefined : new QueueFile(timeline, dir, header);
    for (const line of this.#intro(engine, fingerprint, dir)) this.#log.write(`${line}\n`);

    engine.prepare?.({
      dir,
      fingerprint,
      headerComments: header,
      environment: this.#environment(fingerprint, ready, undefined, {}),
      startTimeEpochMs,
      log: (text) => this.#log.write(text),
    });
    // A folder left by a killed run (a second Ctrl-C) still has a summary.json, partial, with the levels finished so far.
    files.writeStartSummary(this.#startSummary(runId, startTimeEpochMs, fingerprint, ready, engine));
    // k6 polls VRAM itself; the Node engines have the session's monitor on a connection of its own per target.
    const monitor =
      engine.vramSource?.(vram) ?? new VramMonitor({ targets: plan.targets, vram, clock: () => clock.now(), originMs, context: () => engine.live });
    monitor.start();
    const lag = new HarnessLag();
    lag.start();
    let outcome: ModeOutcome | undefined;
    let failure: unknown;
    const signal = this.#io.signal !== undefined ? AbortSignal.any([this.#io.signal, stop.signal]) : stop.signal;
    try {
      outcome = await engine.run(
        signal,
        (trial) => this.#onTrial(trial),
        (line) => this.#log.write(`comfyload: ${line}\n`),
      );
    } catch (err) {
      failure = err;
    }
    // Stopped from inside (see `stop`): the run ends with that error, and its results say why they are partial.
    const stoppedBy = stop.signal.aborted ? (stop.signal.reason as ComfyloadError) : undefined;
    if (stoppedBy !== undefined && outcome !== undefined) outcome = { ...outcome, partial: true, partialReason: stoppedBy.message, stoppedBy };
    files.stopLive();
    const lagFigures = lag.stop(smallestStepMedianMs(outcome?.levels ?? []));
    if (lagFigures.warning !== undefined) files.onWarning(lagFigures.warning);
    const vramSummary = await monitor.stop((m) => files.onWarning(m));
    // k6's own part of the outcome (its version, exit code, threshold verdicts), when k6 ran.
    const k6 = (outcome as { k6?: RunK6 } | undefined)?.k6;
    const base: Omit<RunSummary, 'files'> = {
      ...summaryBase({
        plan,
        runId,
        startTimeEpochMs,
        endEpochMs: clock.epochMs(),
        settings: planSettings(plan),
        levels: outcome?.levels ?? [],
        warmup: outcome?.warmup ?? null,
        outcome,
        failure,
        environment: this.#environment(fingerprint, ready, outcome, lagFigures.environment),
        fingerprint,
      }),
      vram: vramSummary,
      engine: engine.engine,
      ...(k6 !== undefined ? { k6 } : {}),
      ...(plan.thresholds !== undefined ? { thresholds: withK6Verdicts(judgeRun(plan.thresholds, recorder, outcome?.levels ?? []), plan.thresholds, k6) } : {}),
    };
    const summary = await this.#writeResults({ files, base, dir, header, queue, outcome, consoleReporter, mixResults });
    return this.#verdict(dir, summary, outcome, failure);
  }

  /** The closing files (the mode's own, summary.json, report.html) and the closing lines. */
  async #writeResults(r: {
    files: ResultFiles;
    base: Omit<RunSummary, 'files'>;
    dir: string;
    header: string[];
    queue: QueueFile | undefined;
    outcome: ModeOutcome | undefined;
    consoleReporter: ConsoleReporter;
    mixResults: MixResults | undefined;
  }): Promise<RunSummary> {
    const { files, base, dir, header, queue, outcome, consoleReporter, mixResults } = r;
    const plan = this.#plan;
    const extra: ResultFile[] = queue !== undefined ? [await queue.close()] : [];
    if (outcome?.mode === 'open-loop') extra.push(...(await finishOpenLoop(plan, outcome, base, dir, header, this.#log)));
    if (outcome?.mode === 'capacity') extra.push(...(await finishCapacity(outcome, base, dir, header)));
    const mix = await mixResults?.finish(base);
    extra.push(...(mix?.files ?? []));
    const summary = await files.finish(base, extra);
    try {
      await writeReport(dir);
    } catch (err) {
      this.#log.write(`comfyload: warning: report.html not written: ${(err as Error).message}\n`);
    }
    consoleReporter.finish();
    for (const line of mix?.lines ?? []) this.#log.write(`${line}\n`);
    if (outcome?.mode === 'capacity') {
      const trueRate = await this.#emulator?.serviceRatePerSec().catch((err: unknown) => {
        this.#log.write(`comfyload: the emulator's true service rate is unknown: ${describeThrown(err)}\n`);
        return undefined;
      });
      for (const line of formatCapacitySummary(outcome.result, trueRate)) this.#log.write(`${line}\n`);
    }
    this.#log.write(`comfyload: results in ${dir}\n`);
    return summary;
  }

  /** The session's console: the live line on a TTY (open loop: levels named by rate), a line per level. */
  #consoleReporter(levelCount: number, levelRates: readonly number[] | undefined, capacity: boolean): ConsoleReporter {
    const clock = this.#clock;
    return new ConsoleReporter({
      sink: this.#log,
      isTTY: this.#io.live === true,
      clock: () => clock.now(),
      levelCount,
      ...(this.#io.columns !== undefined ? { columns: this.#io.columns } : {}),
      ...(levelRates !== undefined ? { rateUnit: rateUnitFor(levelRates) } : {}),
      ...(capacity ? { levelName: (level: number) => (level === 0 ? 'probe' : `trial ${level}`) } : {}),
    });
  }

  /** summary.json as it stands until the run ends (see ResultFiles.writeStartSummary). */
  #startSummary(runId: string, startTimeEpochMs: number, fingerprint: Fingerprint, ready: PreparedRun, engine: Engine): Omit<RunSummary, 'files'> {
    const plan = this.#plan;
    return {
      ...summaryBase({
        plan,
        runId,
        startTimeEpochMs,
        endEpochMs: startTimeEpochMs,
        settings: planSettings(plan),
        levels: [],
        warmup: null,
        outcome: { partial: true, partialReason: INTERRUPTED_REASON },
        failure: undefined,
        environment: this.#environment(fingerprint, ready, undefined, {}),
        fingerprint,
      }),
      engine: engine.engine,
    };
  }

  #intro(engine: Engine, fingerprint: Fingerprint, dir: string): string[] {
    const plan = this.#plan;
    const cap = plan.capacity;
    if (cap === undefined) return [`comfyload: ${describePlan(plan)} on ${fingerprint.gpu}; results in ${dir}`];
    const minimum = Object.entries(engine.minSamples?.() ?? {}).map(([slo, n]) => `${slo}: ${n}`);
    return [
      `comfyload: capacity search for ${cap.slos.map((s) => s.text).join(' and ')} (${cap.arrival} arrivals, ${(cap.confidence * 100).toFixed(0)}% confidence) on ${fingerprint.gpu}; results in ${dir}`,
      `comfyload: minimum prompts per trial to claim ${minimum.join(', ')}`,
    ];
  }

  #onTrial(t: CapacityTrial): void {
    this.#log.write(`comfyload: ${t.explanation}; ${t.ok} ok + ${t.failed} failed + ${t.cut} cut = ${t.arrivals} arrivals (${t.phase})\n`);
    this.#io.onTrial?.(t);
  }

  #environment(fingerprint: Fingerprint, ready: PreparedRun, outcome: ModeOutcome | undefined, lag: Record<string, string>): RunEnvironment {
    return {
      ...fingerprintEnvironment(fingerprint),
      target: this.#plan.targetKind,
      ...preflightEnvironment(ready),
      ...lag,
      ...(outcome !== undefined ? { reconnects: String(outcome.reconnects), malformedMessages: String(outcome.decodeStats.snapshot().malformed) } : {}),
    };
  }

  /** The exit code by the run's gates; the error that ended it, if any. */
  #verdict(dir: string, summary: RunSummary, outcome: ModeOutcome | undefined, failure: unknown): MeasuredRun {
    const done = { resultsDir: dir, summary };
    if (failure !== undefined) {
      const error = toComfyloadError(failure);
      return { ...done, exitCode: error.exitCode, error };
    }
    // The target ended the run (every socket lost): its code (3), after the partial results.
    if (outcome?.stoppedBy !== undefined) return { ...done, exitCode: outcome.stoppedBy.exitCode, error: outcome.stoppedBy };
    if (summary.partial) return { ...done, exitCode: 130 };
    // Verdicts print even with --quiet: they are the run's answer.
    if (printThresholds(summary.thresholds, this.#io.verdictLog ?? this.#log)) return { ...done, exitCode: 1 };
    // Measured prompts only: the warm-up is reported apart (summary.warmup) and never gates.
    const capacity = outcome?.mode === 'capacity' ? outcome.result : undefined;
    // Capacity: cut prompts (cancelled by the search itself) are no errors; the gate counts the trials' failed ones.
    const totals =
      capacity === undefined
        ? summary.totals
        : { notOk: capacity.trials.reduce((a, t) => a + t.failed, 0), submitted: capacity.trials.reduce((a, t) => a + t.ok + t.failed, 0) };
    if (capacity !== undefined && capacity.maxRatePerSec === null) return { ...done, exitCode: 1 };
    const errorRate = totals.submitted > 0 ? totals.notOk / totals.submitted : 0;
    if (errorRate > this.#plan.maxErrorRate) {
      this.#log.write(
        `comfyload: error rate ${(errorRate * 100).toFixed(1)}% (${totals.notOk} of ${totals.submitted} measured prompts) is above --max-error-rate ${(this.#plan.maxErrorRate * 100).toFixed(1)}%\n`,
      );
      return { ...done, exitCode: 1 };
    }
    return { ...done, exitCode: 0 };
  }
}
