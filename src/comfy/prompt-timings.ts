/**
 * The phase breakdown of one prompt, derived from its marks: submit RTT → queue wait → time to
 * first step (each sampler's start) → step intervals → completion.
 *
 * Clocks. Client marks (`intendedSendMs`, `sentMs`, `ackMs`, `executionStartMs`, node and step
 * receipts, `completedMs`) share the caller's monotonic clock; `serverStartTs`/`serverEndTs` are
 * server epoch ms. A metric only ever subtracts two marks of the same clock: `serverExecMs` is the
 * only server-clock metric, and server timestamps are never converted into client time (clock
 * offset and skew are unknown). A prompt completed from `/history` (`source: 'history'`) keeps
 * only the receipts the socket did deliver; when its `completedMs` is the history reply
 * (`completedByLookup`) — seconds after the completion, up to the quiet period — execMs and
 * completionMs are undefined rather than that late; marks the socket missed stay undefined
 * rather than estimated from server timestamps.
 *
 * Missing marks give `undefined`, never NaN. A negative difference is kept as it is, not clamped:
 * with marks taken in causal order it cannot happen, so a negative value exposes a harness bug
 * instead of hiding it at zero.
 */
import type { PromptMarks } from './marks.js';
import type { NodeId } from './messages.js';

/** Durations in milliseconds; undefined when a needed mark is missing. */
export interface PromptTimings {
  /** ackMs − sentMs: POST /prompt round trip (includes server-side validation). */
  submitAckMs?: number;
  /** executionStartMs − start, start = intendedSendMs ?? sentMs (coordinated-omission corrected). */
  queueWaitMs?: number;
  /** First progress receipt − start (queue wait + model load + encode). */
  timeToFirstStepMs?: number;
  /**
   * Per sampler node, in order of its first step: its `executing` → its first `progress` (model
   * moved to the GPU, noise and sigmas made, the first step). Absent for a node whose `executing`
   * the socket did not deliver (a reconnect's replay carries no receive time of the start).
   */
  samplerStartMs: number[];
  /** Gaps between consecutive progress events of one node: a node's first step is in samplerStartMs, not here. */
  stepIntervalMs: number[];
  /** completedMs − executionStartMs. */
  execMs?: number;
  /** completedMs − start. */
  completionMs?: number;
  /** serverEndTs − serverStartTs (server clock; needs both timestamps). */
  serverExecMs?: number;
  cachedNodeCount: number;
  stepCount: number;
  /** The same three latencies measured from `sentMs` (what a closed-loop tool would report). */
  uncorrected: {
    queueWaitMs?: number;
    timeToFirstStepMs?: number;
    completionMs?: number;
  };
}

function diff(end: number | undefined, start: number | undefined): number | undefined {
  if (end === undefined || start === undefined) return undefined;
  const d = end - start;
  return Number.isFinite(d) ? d : undefined;
}

/**
 * Sampler starts and step intervals per node, in arrival order. Steps are already attributed to a
 * node by the tracker (progress without `node` belongs to the node whose `executing` came last).
 */
function samplerTimings(marks: PromptMarks): { samplerStartMs: number[]; stepIntervalMs: number[] } {
  const samplerStartMs: number[] = [];
  const stepIntervalMs: number[] = [];
  const previous = new Map<NodeId | null, number>();
  for (const step of marks.steps) {
    const prev = previous.get(step.node);
    if (prev !== undefined) {
      const gap = diff(step.atMs, prev);
      if (gap !== undefined) stepIntervalMs.push(gap);
    } else if (step.node !== null) {
      const start = diff(step.atMs, marks.nodes[step.node]?.startMs);
      if (start !== undefined) samplerStartMs.push(start);
    }
    previous.set(step.node, step.atMs);
  }
  return { samplerStartMs, stepIntervalMs };
}

/** Derives the phase timings of one prompt from its marks. Pure; never NaN. */
export function derivePromptTimings(marks: PromptMarks): PromptTimings {
  const start = marks.intendedSendMs ?? marks.sentMs;
  const firstStepMs = marks.steps[0]?.atMs;
  const completedMs = marks.completedByLookup === true ? undefined : marks.completedMs;
  return {
    submitAckMs: diff(marks.ackMs, marks.sentMs),
    queueWaitMs: diff(marks.executionStartMs, start),
    timeToFirstStepMs: diff(firstStepMs, start),
    ...samplerTimings(marks),
    execMs: diff(completedMs, marks.executionStartMs),
    completionMs: diff(completedMs, start),
    serverExecMs: diff(marks.serverEndTs, marks.serverStartTs),
    cachedNodeCount: marks.cachedNodes.length,
    stepCount: marks.steps.length,
    uncorrected: {
      queueWaitMs: diff(marks.executionStartMs, marks.sentMs),
      timeToFirstStepMs: diff(firstStepMs, marks.sentMs),
      completionMs: diff(completedMs, marks.sentMs),
    },
  };
}
