/**
 * Turns a settled tracker into the row written to requests.csv and recorded in the histograms.
 * Client marks become ms since the run start; server timestamps stay server epoch ms.
 */
import type { Outcome, PromptMarks } from '../comfy/marks.js';
import type { NodeOutput } from '../comfy/messages.js';
import { promptMetrics } from '../metrics/prompt-metrics.js';
import type { Phase, PromptFlag, PromptRecord, RelativeMarks } from '../metrics/result-types.js';

/** What a record is built from: a settled `PromptTracker`, or marks that crossed a process boundary (k6). */
export interface SettledPrompt {
  readonly marks: Readonly<PromptMarks>;
  readonly outcome: Outcome | undefined;
}

export interface RecordContext {
  runId: string;
  target: number;
  level: number;
  concurrency: number;
  phase: Phase;
  seq: number;
  /** A mixed workload: the workflow the prompt drew (undefined without --mix). */
  workflow?: number | undefined;
  /** Clock reading of the run start. */
  originMs: number;
  /** Open loop reports both corrected and uncorrected latencies; closed loop only the former. */
  openLoop: boolean;
  outputFetchMs?: number;
  outputFetchedAtMs?: number;
  /** The downloaded outputs were missing or not images (`--fetch-outputs`): the prompt ends `error:InvalidOutput`. */
  outputProblem?: string;
  extraFlags?: PromptFlag[];
  outcomeDetail?: string;
}

export function buildPromptRecord(tracker: SettledPrompt, ctx: RecordContext): PromptRecord {
  const m = tracker.marks;
  const t = promptMetrics(m, ctx.openLoop, ctx.outputFetchMs);
  const rel = (abs: number | undefined): number | undefined => (abs === undefined ? undefined : abs - ctx.originMs);
  const firstStep = m.steps[0]?.atMs;
  const marks: RelativeMarks = {
    intendedSendMs: rel(m.intendedSendMs),
    sentMs: rel(m.sentMs),
    ackMs: rel(m.ackMs),
    executionStartMs: rel(m.executionStartMs),
    cachedMs: rel(m.cachedMs),
    firstStepMs: rel(firstStep),
    completedMs: rel(m.completedMs),
    outputFetchedMs: rel(ctx.outputFetchedAtMs),
    serverStartTs: m.serverStartTs,
    serverEndTs: m.serverEndTs,
  };
  const outcome = ctx.outputProblem !== undefined ? 'error:InvalidOutput' : (tracker.outcome ?? 'lost');
  const flags: PromptFlag[] = [...(ctx.extraFlags ?? [])];
  if (outcome === 'cached' || (outcome === 'ok' && t.stepCount === 0 && t.cachedNodeCount > 0)) flags.push('suspectCached');
  if (m.source === 'history') flags.push('fromHistory');
  if (m.duplicates > 0) flags.push('duplicateEvents');
  if (m.lateEvents > 0) flags.push('lateEvents');
  if (m.ackMs !== undefined && m.executionStartMs !== undefined && m.executionStartMs < m.ackMs) flags.push('ackAfterStart');
  return {
    runId: ctx.runId,
    target: ctx.target,
    level: ctx.level,
    concurrency: ctx.concurrency,
    phase: ctx.phase,
    seq: ctx.seq,
    ...(ctx.workflow !== undefined ? { workflow: ctx.workflow } : {}),
    promptId: m.promptId,
    clientId: m.clientId,
    marks,
    timings: t.timings,
    samplerStartsMs: t.samplerStartsMs,
    stepIntervalsMs: t.stepIntervalsMs,
    outcome,
    outcomeDetail: ctx.outputProblem ?? ctx.outcomeDetail ?? describeOutcome(tracker),
    cachedNodeCount: t.cachedNodeCount,
    stepCount: t.stepCount,
    imagesOut: countImages(Object.values(m.nodes).map((n) => n.output)),
    source: m.source,
    flags,
  };
}

function describeOutcome(tracker: SettledPrompt): string {
  const m = tracker.marks;
  if (m.error) return `${m.error.nodeType} (node ${m.error.nodeId}): ${m.error.exceptionMessage.trim()}`;
  if (m.rejection) return `HTTP ${m.rejection.status}: ${m.rejection.message}`;
  return '';
}

/**
 * Images the prompt produced; a batch of 4 counts 4. Saved images (`type: output`) count when
 * there are any, so a graph with both SaveImage and PreviewImage is not counted twice.
 */
export function countImages(outputs: readonly (NodeOutput | null | undefined)[]): number {
  let saved = 0;
  let all = 0;
  for (const out of outputs) {
    for (const image of out?.images ?? []) {
      all++;
      if (image.type === 'output') saved++;
    }
  }
  return saved > 0 ? saved : all;
}
