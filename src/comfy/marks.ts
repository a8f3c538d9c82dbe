/**
 * What the protocol core records about one prompt: the marks of its lifecycle.
 * Times are milliseconds on the caller's monotonic clock (`performance.now()` in the Node engine,
 * the message event `timestamp` in k6). Server timestamps are server epoch milliseconds.
 * Type-only module.
 */
import type { NodeId, NodeOutput } from './messages.js';

/**
 * Every submitted prompt ends in exactly one outcome.
 * `error:<exception_type>` and `rejected:<error type>` carry their kind after the colon.
 */
/** `cut`: cancelled by the harness itself when a capacity trial was decided (not a failure of the server). */
export type Outcome = 'ok' | 'cached' | 'interrupted' | 'timeout' | 'lost' | 'dropped' | 'cut' | `error:${string}` | `rejected:${string}`;

export interface StepMark {
  node: NodeId | null;
  value: number;
  max: number;
  atMs: number;
}

export interface NodeMark {
  /** Receipt time of `executing{node}` (undefined for cached nodes). */
  startMs?: number;
  /** Receipt time of `executed{node}` (output nodes only). */
  executedMs?: number;
  output?: NodeOutput | null;
}

/** Where a mark came from: the owner socket, or `/history/{id}` after a reconnect. */
export type MarkSource = 'ws' | 'history';

export interface ErrorDetail {
  nodeId: NodeId;
  nodeType: string;
  exceptionType: string;
  exceptionMessage: string;
}

export interface PromptMarks {
  promptId: string;
  clientId: string;
  /** Open-loop: when the arrival plan wanted the POST sent. Closed loop: equal to sentMs. */
  intendedSendMs?: number;
  /** POST /prompt written. */
  sentMs?: number;
  /** POST /prompt reply received (may come after execution events). */
  ackMs?: number;
  /** Server-assigned (or client-sent) priority number from the reply. */
  number?: number;
  /** Receipt of `execution_start`. */
  executionStartMs?: number;
  /** `execution_start.timestamp` (server epoch ms). */
  serverStartTs?: number;
  /** Receipt of `execution_cached`. */
  cachedMs?: number;
  cachedNodes: NodeId[];
  nodes: Record<NodeId, NodeMark>;
  steps: StepMark[];
  /** Receipt of `executing{node:null}` (or the terminal event when no completion follows). */
  completedMs?: number;
  /**
   * True when `completedMs` is when a `/history` look-up answered, not a socket receipt: the
   * client learned of the completion then, so no latency is derived from it.
   */
  completedByLookup?: boolean;
  /** Server timestamp of `execution_success|error|interrupted`. */
  serverEndTs?: number;
  outcome?: Outcome;
  error?: ErrorDetail;
  /** Set when the prompt was rejected by a 400. */
  rejection?: { status: number; errorType: string; message: string };
  /** Preview frames received for this prompt. */
  previews: number;
  /** Which marks came from `/history` instead of the socket. */
  source: MarkSource;
  /** Duplicate messages seen for this prompt (ignored after the first). */
  duplicates: number;
  /**
   * Messages that arrived after the harness gave up on the prompt (timeout, lost): the server
   * went on with it. Ignored like duplicates, but not duplicates: each was sent once.
   */
  lateEvents: number;
}
