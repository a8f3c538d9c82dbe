/**
 * The session's one observer of the engine: it hands every event to the result files first (what
 * is measured is on disk before anyone hears of it), then to the API's observer.
 */
import { ComfyloadError, describeThrown } from '../comfy/errors.js';
import type { LevelStart, LiveCounts, RunObserver } from '../harness/run-observer.js';
import type { LevelSummary, PromptRecord } from '../metrics/result-types.js';

/**
 * Holds the warnings of the target check until the result files exist, then hands events on. An
 * observer that throws (a result file that cannot be written, an API callback's bug) is never
 * called again and stops the run: `stop` aborts with the error (RESULTS_WRITE as the file sink
 * raised it, anything else as OBSERVER_FAILED), so what is in flight settles and the results so
 * far are written, partial — the error is never lost, nor an unhandled rejection.
 */
export class ObserverRelay implements RunObserver {
  readonly #early: string[] = [];
  readonly #stop: AbortController;
  #to: RunObserver[] = [];
  #api: RunObserver | undefined;

  constructor(stop: AbortController) {
    this.#stop = stop;
  }

  /** `files` first (what is measured is on disk before anyone hears of it), then `others`, then the API's observer. */
  connect(files: RunObserver, api: RunObserver | undefined, others: readonly RunObserver[] = []): void {
    this.#to = [files, ...others, ...(api !== undefined ? [api] : [])];
    this.#api = api;
    for (const message of this.#early.splice(0)) this.onWarning(message);
  }

  onLevelStart(start: LevelStart): void {
    for (const o of this.#to) void this.#guard(o, 'onLevelStart', () => o.onLevelStart?.(start));
  }

  async onPromptSettled(record: PromptRecord, live: LiveCounts): Promise<void> {
    for (const o of this.#to) await this.#guard(o, 'onPromptSettled', () => o.onPromptSettled?.(record, live));
  }

  async onLevelEnd(summary: LevelSummary): Promise<void> {
    for (const o of this.#to) await this.#guard(o, 'onLevelEnd', () => o.onLevelEnd?.(summary));
    const warning = warmupWarning(summary);
    if (warning !== undefined) this.onWarning(warning);
  }

  onWarning(message: string): void {
    if (this.#to.length === 0) this.#early.push(message);
    for (const o of this.#to) void this.#guard(o, 'onWarning', () => o.onWarning?.(message));
  }

  async #guard(o: RunObserver, method: string, call: () => unknown): Promise<void> {
    try {
      await call();
    } catch (err) {
      this.#to = this.#to.filter((x) => x !== o);
      const error =
        o !== this.#api && err instanceof ComfyloadError
          ? err
          : new ComfyloadError(
              o === this.#api ? 'COMFYLOAD_ERR_OBSERVER_FAILED' : 'COMFYLOAD_ERR_RESULTS_WRITE',
              `${o === this.#api ? "the API observer's" : 'the result files'} ${method} threw: ${describeThrown(err)}; the run stopped there`,
              { cause: err },
            );
      if (!this.#stop.signal.aborted) this.#stop.abort(error);
    }
  }
}

/** A warm-up in which no prompt finished ok measured nothing and loaded nothing: the first measured prompts paid for it. */
export function warmupWarning(summary: LevelSummary): string | undefined {
  if (summary.phase !== 'warmup' || summary.submitted === 0 || summary.ok > 0) return undefined;
  const outcomes = Object.entries(summary.outcomes)
    .map(([outcome, count]) => `${outcome} × ${count}`)
    .join(', ');
  return `no warm-up prompt finished ok (${outcomes}): the model was never loaded, so the first measured prompts paid for loading it (the warm-up is not counted in the totals or the error rate)`;
}
