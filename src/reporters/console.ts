/**
 * `ConsoleReporter`: human output on stderr. On a TTY, one progress line rewritten in place with
 * `\r` (the session redraws it on a timer) and a line per finished level. On a non-TTY (CI logs,
 * pipes), no progress and no control characters or colour: only a line per level. The summary
 * table at the end is the CLI's, on stdout (see formatRunSummaryText).
 */
import type { LevelSummary } from '../metrics/result-types.js';
import { formatLevelLine, formatProgressLine, type ProgressState, type RateUnit } from './console-format.js';

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
  /** Open loop: the unit of the run's rates (`L1/3 rate 120/min`). */
  rateUnit?: RateUnit;
  /** The terminal's width now: a longer live line is cut to it (a wrapped line cannot be redrawn with `\r`). */
  columns?: () => number | undefined;
  /** A level's own name instead of `L2/4` (capacity: `probe`, `trial 1`…). */
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
  readonly #rateUnit: RateUnit | undefined;
  readonly #columns: (() => number | undefined) | undefined;
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
    this.#rateUnit = options.rateUnit;
    this.#columns = options.columns;
    this.#levelName = options.levelName;
  }

  /** True when a live line is drawn (a TTY). */
  get isLive(): boolean {
    return this.#isTTY;
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
    const given = typeof state === 'function' ? state() : state;
    const name = given.phase === 'warmup' ? undefined : this.#levelName?.(given.level);
    const full = formatProgressLine(name !== undefined ? { ...given, name } : given);
    const columns = this.#columns?.();
    const line = columns !== undefined && columns > 1 && full.length > columns - 1 ? `${full.slice(0, columns - 2)}…` : full;
    // Pad over the previous line instead of an erase sequence: the same bytes work on any terminal.
    const padding = ' '.repeat(Math.max(0, this.#shownLength - line.length));
    this.#sink.write(`\r${line}${padding}`);
    this.#shownLength = line.length;
  }

  /** Prints the finished level's line (replacing the progress line on a TTY). */
  levelEnd(summary: LevelSummary): void {
    this.#clearProgress();
    const name = summary.phase === 'warmup' ? undefined : this.#levelName?.(summary.level);
    const line = formatLevelLine(summary, this.#levelCount, this.#rateUnit, name);
    this.#sink.write(`${this.#isTTY && summary.notOk > 0 ? `${RED}${line}${RESET}` : line}\n`);
    this.#lastDrawMs = Number.NEGATIVE_INFINITY;
  }

  /** A warning on its own line (not throttled). */
  warn(message: string): void {
    this.#clearProgress();
    this.#sink.write(`warning: ${message}\n`);
  }

  /** The run is over: the live line goes. */
  finish(): void {
    this.#clearProgress();
  }

  #clearProgress(): void {
    if (this.#shownLength === 0) return;
    this.#sink.write(`\r${' '.repeat(this.#shownLength)}\r`);
    this.#shownLength = 0;
  }
}
