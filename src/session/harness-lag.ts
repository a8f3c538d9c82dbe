/**
 * The harness's own receive lag: the delay of Node's event loop while a run goes on. Every frame
 * is stamped when its handler runs, so a blocked loop would add its delay to the measured
 * latencies; its percentiles go into summary.json, and a warning when they are large enough to
 * matter (protocol reference §6.6: read promptly, measure the harness's own receive lag).
 */
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

/** Above this p99 (ms) the run warns that the harness itself may have delayed its marks. */
export const LAG_WARN_P99_MS = 20;

export class HarnessLag {
  readonly #histogram: IntervalHistogram = monitorEventLoopDelay({ resolution: 10 });

  start(): void {
    this.#histogram.enable();
  }

  /** Stops measuring; returns the figures for summary.json's environment and a warning, if any. */
  stop(): { environment: Record<string, string>; warning?: string } {
    this.#histogram.disable();
    const h = this.#histogram;
    if (h.count === 0) return { environment: {} };
    // The histogram is in ns and includes the sampling resolution (10 ms) in every value.
    const ms = (ns: number): number => Math.max(0, ns / 1e6 - 10);
    const p50 = ms(h.percentile(50));
    const p99 = ms(h.percentile(99));
    const max = ms(h.max);
    const environment = {
      harnessEventLoopDelayP50Ms: p50.toFixed(2),
      harnessEventLoopDelayP99Ms: p99.toFixed(2),
      harnessEventLoopDelayMaxMs: max.toFixed(2),
    };
    const warning =
      p99 > LAG_WARN_P99_MS
        ? `the harness's event loop was delayed by up to ${p99.toFixed(1)} ms (p99) during the run: marks may be late by as much; run the harness on a less loaded machine or with fewer virtual users per process`
        : undefined;
    return warning === undefined ? { environment } : { environment, warning };
  }
}
