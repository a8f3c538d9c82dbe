/**
 * A run's result files and its console, as one observer of the engine: requests.csv and
 * histograms.hlog are appended as prompts settle and intervals close, levels.csv a row per level,
 * and at the end the .hgrm files and summary.json (written to a temp file, then renamed).
 * Everything measured is on disk as soon as it is known.
 */
import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MetricRecorder } from '../metrics/recorder.js';
import type { LevelSummary, PromptRecord, RunSummary, ResultFile } from '../metrics/result-types.js';
import { ConsoleReporter } from '../reporters/console.js';
import { hgrmFiles, writeHgrm } from '../reporters/hgrm-writer.js';
import { HlogWriter } from '../reporters/hlog-writer.js';
import { LevelsCsvWriter } from '../reporters/levels-csv.js';
import { RequestsCsvWriter } from '../reporters/requests-csv.js';
import { levelsInOrder, renderSummaryJson, runTotals, writeSummaryJson } from '../reporters/summary-json.js';
import type { LevelStart, LiveCounts, RunObserver } from '../harness/run-observer.js';
import { FileSink } from './file-sink.js';
import { systemTimers, type Timers } from '../harness/clock.js';
import { rateUnitFor } from '../reporters/console-format.js';
import type { VramTimeline } from './vram-timeline.js';

export interface ResultFilesOptions {
  dir: string;
  recorder: MetricRecorder;
  startTimeEpochMs: number;
  /** The recorder clock's reading at the run start. */
  clockOriginMs: number;
  headerComments: string[];
  console: ConsoleReporter;
  clock: () => number;
  levelCount: number;
  /** VRAM samples of the run: per-prompt and per-level peaks come from them. */
  vram?: VramTimeline;
  /** A mixed workload's workflow names, by index (requests.csv's `workflow` column). */
  workflowNames?: readonly string[];
  /** What the engine is doing now: the live line is redrawn from it on a timer (a TTY only). */
  live?: () => Readonly<LiveCounts>;
  /** Open loop: each level's planned rate, per s, by level index (the live line's `rate 120/min`). */
  levelRates?: readonly number[];
  /** Timer seam of the live line. */
  timers?: Timers;
  /** @default 250 (4 redraws a second) */
  liveEveryMs?: number;
}

export class ResultFiles implements RunObserver {
  readonly #o: ResultFilesOptions;
  readonly #requests: RequestsCsvWriter;
  readonly #requestsSink: FileSink;
  readonly #levels: LevelsCsvWriter;
  readonly #levelsSink: FileSink;
  readonly #hlog: HlogWriter;
  readonly #hlogSink: FileSink;
  readonly #flushTimer: NodeJS.Timeout;
  readonly #liveTimer: unknown;
  readonly warnings: string[] = [];
  #levelStartMs = 0;
  #levelRunning = false;
  /** The summary written at the start, rewritten as levels end, until the real one replaces it. */
  #interim: Omit<RunSummary, 'files'> | undefined;
  readonly #finished: LevelSummary[] = [];

  constructor(options: ResultFilesOptions) {
    this.#o = options;
    this.#requestsSink = new FileSink(join(options.dir, 'requests.csv'));
    this.#requests = new RequestsCsvWriter({
      sink: this.#requestsSink,
      headerComments: options.headerComments,
      ...(options.workflowNames !== undefined ? { workflowNames: options.workflowNames } : {}),
    });
    this.#levelsSink = new FileSink(join(options.dir, 'levels.csv'));
    this.#levels = new LevelsCsvWriter({ sink: this.#levelsSink, headerComments: options.headerComments });
    this.#hlogSink = new FileSink(join(options.dir, 'histograms.hlog'));
    this.#hlog = new HlogWriter({
      sink: this.#hlogSink,
      startTimeEpochMs: options.startTimeEpochMs,
      clockOriginMs: options.clockOriginMs,
      headerComments: options.headerComments,
    });
    // Interval histograms reach the log every few seconds, so a killed run keeps them.
    this.#flushTimer = setInterval(() => void this.flushIntervals(), 5000);
    this.#flushTimer.unref();
    const live = options.live;
    const timers = options.timers ?? systemTimers;
    // Redrawn on a timer, not only when a prompt settles: with 10 s prompts the clock and the steps still move.
    this.#liveTimer = live !== undefined && options.console.isLive ? timers.setInterval(() => this.#drawLive(live()), options.liveEveryMs ?? 250) : undefined;
  }

  onLevelStart(start: LevelStart): void {
    this.#levelStartMs = this.#o.clock();
    this.#levelRunning = true;
    void start;
  }

  #drawLive(live: Readonly<LiveCounts>): void {
    if (!this.#levelRunning) return;
    const [p50, p95] = this.#o.recorder.valuesAtPercentiles({ level: live.level, phase: live.phase, metric: 'completionMs' }, [50, 95]);
    const ratePerSec = live.phase === 'measure' ? this.#o.levelRates?.[live.level] : undefined;
    this.#o.console.progress(
      {
        level: live.level,
        levelCount: this.#o.levelCount,
        concurrency: live.concurrency,
        phase: live.phase,
        settled: live.settled,
        ...(live.plannedPrompts !== undefined ? { plannedPrompts: live.plannedPrompts } : {}),
        inFlight: live.inFlight,
        errors: live.errors,
        ...(p50 !== undefined && !Number.isNaN(p50) ? { completionP50Ms: p50, completionP95Ms: p95 } : {}),
        elapsedMs: this.#o.clock() - this.#levelStartMs,
        steps: live.steps ?? [],
        ...(ratePerSec !== undefined ? { rate: { perSec: ratePerSec, unit: rateUnitFor(this.#o.levelRates ?? []) } } : {}),
      },
      true,
    );
  }

  async onPromptSettled(record: PromptRecord): Promise<void> {
    const vramPeak = this.#o.vram?.promptPeak(record.target, record.marks.executionStartMs, record.marks.completedMs, record.phase === 'measure');
    if (vramPeak !== undefined) record.vramPeakBytes = vramPeak;
    await this.#requests.writePrompt(record);
  }

  async onLevelEnd(summary: LevelSummary): Promise<void> {
    await this.flushIntervals();
    // The engine's summary gains the level's VRAM figures here, before levels.csv and summary.json see it.
    const vram = this.#o.vram?.level(summary.startedMs, summary.endedMs);
    if (vram !== undefined) summary.vram = vram;
    if (summary.phase === 'measure') await this.#levels.writeLevel(summary);
    if (summary.phase === 'measure') this.#finished.push(summary);
    this.#writeInterim();
    this.#levelRunning = false;
    this.#o.console.levelEnd(summary);
  }

  onWarning(message: string): void {
    if (this.warnings.includes(message)) return;
    this.warnings.push(message);
    this.#o.console.warn(message);
  }

  /**
   * summary.json before the run ends, so a folder left by a killed run (a second Ctrl-C, a crash)
   * is still a results folder `report`, `compare` and `plan` can read: marked partial, with the
   * levels finished so far; `finish` replaces it with the real one.
   */
  writeStartSummary(base: Omit<RunSummary, 'files'>): void {
    this.#interim = base;
    this.#writeInterim();
  }

  #writeInterim(): void {
    const base = this.#interim;
    if (base === undefined) return;
    const levels = levelsInOrder(this.#finished);
    const interim: RunSummary = { ...base, levels, totals: runTotals(levels), files: this.#standardFiles(), warnings: [...this.warnings] };
    writeFileSync(join(this.#o.dir, 'summary.json.tmp'), renderSummaryJson(interim));
    renameSync(join(this.#o.dir, 'summary.json.tmp'), join(this.#o.dir, 'summary.json'));
  }

  #standardFiles(): ResultFile[] {
    return [
      { kind: 'summary', path: 'summary.json' },
      { kind: 'levels', path: 'levels.csv' },
      { kind: 'requests', path: 'requests.csv' },
      { kind: 'hlog', path: 'histograms.hlog' },
      ...(this.#o.vram !== undefined ? [{ kind: 'vram' as const, path: 'vram.csv' }] : []),
      { kind: 'report', path: 'report.html' },
    ];
  }

  /** No more redraws of the live line (the run is over, or its end is being written). */
  stopLive(): void {
    if (this.#liveTimer !== undefined) (this.#o.timers ?? systemTimers).clearInterval(this.#liveTimer);
    this.#levelRunning = false;
  }

  async flushIntervals(): Promise<void> {
    await this.#hlog.writeIntervals(this.#o.recorder.takeIntervals());
  }

  /** Writes the closing files; returns the list of files of the results folder. */
  async finish(summary: Omit<RunSummary, 'files'>, extraFiles: readonly ResultFile[] = []): Promise<RunSummary> {
    clearInterval(this.#flushTimer);
    this.stopLive();
    await this.flushIntervals();
    await this.#requests.close();
    await this.#levels.close();
    await this.#hlog.close();
    await this.#o.vram?.close();
    this.#interim = undefined;
    const files = this.#standardFiles();
    files.push(...extraFiles);
    for (const file of hgrmFiles(this.#o.recorder)) {
      await writeHgrm(new FileSink(join(this.#o.dir, file.fileName)), file.histogram);
      files.push({ kind: 'hgrm', path: file.fileName });
    }
    const full: RunSummary = { ...summary, files, warnings: [...this.warnings] };
    const sink = new FileSink(join(this.#o.dir, 'summary.json.tmp'));
    await writeSummaryJson(sink, full);
    renameSync(join(this.#o.dir, 'summary.json.tmp'), join(this.#o.dir, 'summary.json'));
    return full;
  }
}
