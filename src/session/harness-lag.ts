/**
 * The harness's own receive lag: the delay of Node's event loop while a run goes on. Every frame
 * is stamped when its handler runs, so a blocked loop would add its delay to the measured
 * latencies; its percentiles go into summary.json, and a warning when they are large enough to
 * matter (protocol reference §6.6: read promptly, measure the harness's own receive lag).
 *
 * "Large enough" is relative to what is measured: a step interval is one loop turn away from
 * being late by the loop's delay, so the run warns when the delay's p99 exceeds LAG_WARN_FRACTION
 * of the median step interval it measured (never below LAG_WARN_FLOOR_MS: the monitor's own
 * resolution), and above LAG_WARN_P99_MS when it measured no step.
 */
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

/** With no step interval measured: above this p99 (ms) the run warns. */
export const LAG_WARN_P99_MS = 20;
/** Warn when the loop delay's p99 exceeds this fraction of the median step interval. */
export const LAG_WARN_FRACTION = 0.1;
/** Never warn below this p99 (ms): the delay monitor's figures are not finer than that. */
export const LAG_WARN_FLOOR_MS = 1;

/** The p99 (ms) above which a run warns, given the median step interval it measured (ms), if any. */
export function lagThresholdMs(stepMedianMs: number | undefined): number {
  if (stepMedianMs === undefined || !(stepMedianMs > 0)) return LAG_WARN_P99_MS;
  return Math.max(LAG_WARN_FLOOR_MS, LAG_WARN_FRACTION * stepMedianMs);
}

/** The warning for a loop delay p99 (ms), or undefined when it is below the threshold. */
export function lagWarning(p99Ms: number, stepMedianMs: number | undefined): string | undefined {
  const threshold = lagThresholdMs(stepMedianMs);
  if (!(p99Ms > threshold)) return undefined;
  const relative =
    stepMedianMs !== undefined && stepMedianMs > 0
      ? `${((p99Ms / stepMedianMs) * 100).toFixed(0)} % of the median step interval (${stepMedianMs.toFixed(1)} ms; warns above ${(LAG_WARN_FRACTION * 100).toFixed(0)} %)`
      : `no step interval measured; warns above ${LAG_WARN_P99_MS} ms`;
  return `the harness's event loop was delayed by up to ${p99Ms.toFixed(1)} ms (p99) during the run, ${relative}: step intervals and other marks may be late by as much; run the harness on a less loaded machine or with fewer virtual users per process`;
}

export class HarnessLag {
  readonly #histogram: IntervalHistogram = monitorEventLoopDelay({ resolution: 10 });

  start(): void {
    this.#histogram.enable();
  }

  /**
   * Stops measuring; returns the figures for summary.json's environment and a warning, if any.
   * `stepMedianMs`: the median step interval the run measured (the smallest of its levels').
   */
  stop(stepMedianMs?: number): { environment: Record<string, string>; warning?: string } {
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
    const warning = lagWarning(p99, stepMedianMs);
    return warning === undefined ? { environment } : { environment, warning };
  }
}

/** The smallest median step interval among levels that measured one (ms), or undefined. */
export function smallestStepMedianMs(levels: readonly { metrics: { stepIntervalMs?: { p50: number; count: number } } }[]): number | undefined {
  let least: number | undefined;
  for (const l of levels) {
    const s = l.metrics.stepIntervalMs;
    if (s !== undefined && s.count > 0 && (least === undefined || s.p50 < least)) least = s.p50;
  }
  return least;
}
