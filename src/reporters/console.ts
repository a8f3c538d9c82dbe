/**
 * `ConsoleReporter`: human output on stderr. On a TTY, one progress line rewritten in place with
 * `\r` (throttled), a line per finished level and the summary table at the end. On a non-TTY
 * (CI logs, pipes), no progress and no control characters or colour: only a line per level.
 */
import type { LevelSummary } from '../metrics/result-types.js';
import { formatLevelLine, formatProgressLine, formatSummaryTable, type ProgressState } from './console-format.js';

/** A stream-like sink (`process.stderr` fits). */
export interface ConsoleSink {
  write(chunk: string): unknown;
}

export interface ConsoleReporterOptions {
  sink: ConsoleSink;
  isTTY: boolean;
  /** Monotonic ms, for throttling. */
  clock: () => number;
  /**
   * Minimum time between two progress redraws, ms.
   * @default 250
   */
  throttleMs?: number;
  /** Number of measured levels, for `L2/4` labels. */
  levelCount: number;
  /** A level line's own label instead of `L2/4` (capacity: `probe`, `trial 1`…). */
  levelName?: (level: number) => string | undefined;
}

const RED = '\u001b[31m';
const RESET = '\u001b[0m';

export class ConsoleReporter {
  readonly #sink: ConsoleSink;
  readonly #isTTY: boolean;
  readonly #clock: () => number;
  readonly #throttleMs: number;
  readonly #levelCount: number;
  readonly #levelName: ((level: number) => string | undefined) | undefined;
  #lastDrawMs = Number.NEGATIVE_INFINITY;
  /** Length of the progress line on screen, 0 when none is. */
  #shownLength = 0;

  constructor(options: ConsoleReporterOptions) {
    this.#sink = options.sink;
    this.#isTTY = options.isTTY;
    this.#clock = options.clock;
    this.#throttleMs = options.throttleMs ?? 250;
    this.#levelCount = options.levelCount;
    this.#levelName = options.levelName;
  }

  /**
   * Redraws the progress line if the throttle allows (TTY only). Pass a function to skip
   * computing the state (percentiles so far) when no redraw happens; `force` ignores the throttle.
   */
  progress(state: ProgressState | (() => ProgressState), force = false): void {
    if (!this.#isTTY) return;
    const nowMs = this.#clock();
    if (!force && nowMs - this.#lastDrawMs < this.#throttleMs) return;
    this.#lastDrawMs = nowMs;
    const line = formatProgressLine(typeof state === 'function' ? state() : state);
    // Pad over the previous line instead of an erase sequence: the same bytes work on any terminal.
    const padding = ' '.repeat(Math.max(0, this.#shownLength - line.length));
    this.#sink.write(`\r${line}${padding}`);
    this.#shownLength = line.length;
  }

  /** Prints the finished level's line (replacing the progress line on a TTY). */
  levelEnd(summary: LevelSummary): void {
    this.#clearProgress();
    const line = formatLevelLine(summary, this.#levelCount, summary.phase === 'warmup' ? undefined : this.#levelName?.(summary.level));
    this.#sink.write(`${this.#isTTY && summary.notOk > 0 ? `${RED}${line}${RESET}` : line}\n`);
    this.#lastDrawMs = Number.NEGATIVE_INFINITY;
  }

  /** A warning on its own line (not throttled). */
  warn(message: string): void {
    this.#clearProgress();
    this.#sink.write(`warning: ${message}\n`);
  }

  /** The summary table at the end of the run (TTY only: a non-TTY already has a line per level). */
  finish(levels: readonly LevelSummary[]): void {
    this.#clearProgress();
    if (this.#isTTY && levels.length > 0) this.#sink.write(`\n${formatSummaryTable(levels)}`);
  }

  #clearProgress(): void {
    if (this.#shownLength === 0) return;
    this.#sink.write(`\r${' '.repeat(this.#shownLength)}\r`);
    this.#shownLength = 0;
  }
}
