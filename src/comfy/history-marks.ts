/**
 * Reading a `/history/{id}` entry (protocol reference §1 "History entry") into the facts a
 * tracker needs when the socket missed them: outcome, server timestamps, cached nodes, outputs.
 * History is the fallback after a reconnect or a missed completion; the owner socket stays the
 * primary source. Entries come off the network, so nothing here trusts their shape or throws.
 */
import type { HistoryEntry } from './http-types.js';
import type { ErrorDetail, Outcome } from './marks.js';
import type { NodeId, NodeOutput } from './messages.js';

/** What a history entry says about a finished prompt. */
export interface HistoryFacts {
  outcome: Outcome;
  error?: ErrorDetail;
  /** `execution_start.timestamp` (server epoch ms). */
  serverStartTs?: number;
  /** Timestamp of the terminal message (`execution_success|error|interrupted`, server epoch ms). */
  serverEndTs?: number;
  /** Nodes from `execution_cached`; undefined when the entry has no such message. */
  cachedNodes?: NodeId[];
  outputs: Record<NodeId, NodeOutput>;
}

type Data = Record<string, unknown>;

function isObject(v: unknown): v is Data {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function timestampOf(data: Data): number | undefined {
  const ts = data.timestamp;
  return typeof ts === 'number' && Number.isFinite(ts) ? ts : undefined;
}

function stringOr(v: unknown, fallback: string): string {
  return typeof v === 'string' ? v : fallback;
}

/** Node ids of the graph stored in the entry (`prompt[2]`), or undefined when it is missing. */
function graphNodeIds(entry: HistoryEntry): string[] | undefined {
  const item: unknown = entry.prompt;
  if (!Array.isArray(item)) return undefined;
  const graph: unknown = item[2];
  return isObject(graph) ? Object.keys(graph) : undefined;
}

/**
 * Reads the outcome and server timings of a finished prompt from its history entry.
 * `status_str` is `"error"` for interrupts as well, so the messages decide: an
 * `execution_interrupted` message → `interrupted`; an `execution_error` → `error:<exception_type>`;
 * `"success"` → `ok`, or `cached` when `execution_cached` lists every node of the stored graph
 * (the same rule the tracker applies to a socket).
 */
export function readHistory(entry: HistoryEntry): HistoryFacts {
  const status: unknown = isObject(entry) ? entry.status : undefined;
  const statusStr = isObject(status) && typeof status.status_str === 'string' ? status.status_str : 'unknown';
  const messages: unknown = isObject(status) ? status.messages : undefined;
  const facts: HistoryFacts = { outcome: 'ok', outputs: {} };
  let terminal: Outcome | undefined;

  if (Array.isArray(messages)) {
    for (const m of messages) {
      if (!Array.isArray(m) || typeof m[0] !== 'string' || !isObject(m[1])) continue;
      const [type, data] = m as [string, Data];
      if (type === 'execution_start') {
        facts.serverStartTs ??= timestampOf(data);
      } else if (type === 'execution_cached') {
        const nodes = data.nodes;
        if (facts.cachedNodes === undefined && Array.isArray(nodes)) {
          facts.cachedNodes = nodes.filter((n): n is string => typeof n === 'string');
        }
      } else if (terminal !== undefined) {
        continue;
      } else if (type === 'execution_interrupted') {
        terminal = 'interrupted';
        facts.serverEndTs = timestampOf(data);
      } else if (type === 'execution_error') {
        const exceptionType = stringOr(data.exception_type, 'unknown');
        terminal = `error:${exceptionType}`;
        facts.serverEndTs = timestampOf(data);
        facts.error = {
          nodeId: stringOr(data.node_id, ''),
          nodeType: stringOr(data.node_type, ''),
          exceptionType,
          exceptionMessage: stringOr(data.exception_message, ''),
        };
      } else if (type === 'execution_success') {
        terminal = 'ok';
        facts.serverEndTs = timestampOf(data);
      }
    }
  }

  if (terminal === undefined) {
    terminal = statusStr === 'success' ? 'ok' : `error:${statusStr === 'error' ? 'unknown' : statusStr}`;
  }
  if (terminal === 'ok' && isFullyCached(facts.cachedNodes, graphNodeIds(entry))) terminal = 'cached';
  facts.outcome = terminal;
  if (isObject(entry) && isObject(entry.outputs)) facts.outputs = entry.outputs as Record<NodeId, NodeOutput>;
  return facts;
}

function isFullyCached(cached: NodeId[] | undefined, graph: string[] | undefined): boolean {
  if (cached === undefined || graph === undefined || graph.length === 0) return false;
  const set = new Set(cached);
  return graph.every((id) => set.has(id));
}
