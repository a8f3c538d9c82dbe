/**
 * The metric values of one settled prompt, from its marks: one definition for the Node engine
 * (requests.csv, the histograms) and the k6 scenarios (their Trends), so both engines measure
 * every metric the same way. Pure: no clock, no Node API (bundled into scenarios/).
 */
import type { PromptMarks } from '../comfy/marks.js';
import { derivePromptTimings } from '../comfy/prompt-timings.js';
import type { PromptMetricValues } from './result-types.js';

export interface PromptMetrics {
  timings: PromptMetricValues;
  /** Each sampler node's `executing` → its first `progress` (model to GPU, noise, sigmas). */
  samplerStartsMs: number[];
  /** Between consecutive `progress` events of one sampler node only. */
  stepIntervalsMs: number[];
  cachedNodeCount: number;
  stepCount: number;
}

/**
 * Per-prompt values. Open loop records the uncorrected twins (from the actual send) besides the
 * corrected ones (from the intended send); a closed loop sends when it intends, so only the latter.
 */
export function promptMetrics(marks: Readonly<PromptMarks>, openLoop: boolean, outputFetchMs?: number): PromptMetrics {
  const t = derivePromptTimings(marks);
  const timings: PromptMetricValues = {
    submitAckMs: t.submitAckMs,
    queueWaitMs: t.queueWaitMs,
    timeToFirstStepMs: t.timeToFirstStepMs,
    execMs: t.execMs,
    completionMs: t.completionMs,
    serverExecMs: t.serverExecMs,
    outputFetchMs,
  };
  if (openLoop) {
    timings.queueWaitUncorrectedMs = t.uncorrected.queueWaitMs;
    timings.timeToFirstStepUncorrectedMs = t.uncorrected.timeToFirstStepMs;
    timings.completionUncorrectedMs = t.uncorrected.completionMs;
  }
  return { timings, samplerStartsMs: t.samplerStartMs, stepIntervalsMs: t.stepIntervalMs, cachedNodeCount: t.cachedNodeCount, stepCount: t.stepCount };
}
