/**
 * A run's result files and its console, as one observer of the engine: requests.csv and
 * histograms.hlog are appended as prompts settle and intervals close, levels.csv a row per level,
 * and at the end the .hgrm files and summary.json (written to a temp file, then renamed).
 * Everything measured is on disk as soon as it is known.
 */
import { renameSync } from 'node:fs';
import { join } from 'node:path';
import type { MetricRecorder } from '../metrics/recorder.js';
import type { LevelSummary, PromptRecord, RunSummary, ResultFile } from '../metrics/result-types.js';
import { ConsoleReporter } from '../reporters/console.js';
import { hgrmFiles, writeHgrm } from '../reporters/hgrm-writer.js';
import { HlogWriter } from '../reporters/hlog-writer.js';
import { LevelsCsvWriter } from '../reporters/levels-csv.js';
import { RequestsCsvWriter } from '../reporters/requests-csv.js';
import { writeSummaryJson } from '../reporters/summary-json.js';
import type { LevelStart, LiveCounts, RunObserver } from '../harness/run-observer.js';
import { FileSink } from './file-sink.js';
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
  readonly warnings: string[] = [];
  #levelStartMs = 0;

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
  }

  onLevelStart(start: LevelStart): void {
    this.#levelStartMs = this.#o.clock();
    void start;
  }

  async onPromptSettled(record: PromptRecord, live: LiveCounts): Promise<void> {
    const vramPeak = this.#o.vram?.promptPeak(record.target, record.marks.executionStartMs, record.marks.completedMs, record.phase === 'measure');
    if (vramPeak !== undefined) record.vramPeakBytes = vramPeak;
    await this.#requests.writePrompt(record);
    this.#o.console.progress(() => {
      const [p50, p95] = this.#o.recorder.valuesAtPercentiles({ level: live.level, phase: live.phase, metric: 'completionMs' }, [50, 95]);
      return {
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
      };
    });
  }

  async onLevelEnd(summary: LevelSummary): Promise<void> {
    await this.flushIntervals();
    // The engine's summary gains the level's VRAM figures here, before levels.csv and summary.json see it.
    const vram = this.#o.vram?.level(summary.startedMs, summary.endedMs);
    if (vram !== undefined) summary.vram = vram;
    if (summary.phase === 'measure') await this.#levels.writeLevel(summary);
    this.#o.console.levelEnd(summary);
  }

  onWarning(message: string): void {
    if (this.warnings.includes(message)) return;
    this.warnings.push(message);
    this.#o.console.warn(message);
  }

  async flushIntervals(): Promise<void> {
    await this.#hlog.writeIntervals(this.#o.recorder.takeIntervals());
  }

  /** Writes the closing files; returns the list of files of the results folder. */
  async finish(summary: Omit<RunSummary, 'files'>, extraFiles: readonly ResultFile[] = []): Promise<RunSummary> {
    clearInterval(this.#flushTimer);
    await this.flushIntervals();
    await this.#requests.close();
    await this.#levels.close();
    await this.#hlog.close();
    await this.#o.vram?.close();
    const files: ResultFile[] = [
      { kind: 'summary', path: 'summary.json' },
      { kind: 'levels', path: 'levels.csv' },
      { kind: 'requests', path: 'requests.csv' },
      { kind: 'hlog', path: 'histograms.hlog' },
      ...(this.#o.vram !== undefined ? [{ kind: 'vram' as const, path: 'vram.csv' }] : []),
      { kind: 'report', path: 'report.html' },
    ];
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
