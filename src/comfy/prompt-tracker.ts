/**
 * The lifecycle of one prompt (protocol reference §3), built from messages already routed to it
 * and from the harness's own HTTP marks. Pure: every method is given its receive time.
 *
 * Rules that hold whatever order events arrive in:
 * - the POST reply may come after execution events (§3 "clock events"), so nothing waits on it;
 * - the first terminal event (`execution_success|error|interrupted`, a rejection, a timeout, a
 *   loss) decides the outcome; later ones are counted as duplicates: exactly one outcome;
 * - completion is `executing{node:null}`; on servers without `execution_success` it alone means
 *   `ok` unless an error or interrupt came first;
 * - once complete, every further message counts as a duplicate and changes nothing — or, when
 *   the harness gave up on the prompt (timeout, lost), as a late event: the server went on.
 */
import type { HistoryEntry, PromptErrorResponse, PromptResponse } from './http-types.js';
import type { NodeMark, Outcome, PromptMarks, StepMark } from './marks.js';
import type { KnownServerMessage, NodeId } from './messages.js';
import { readHistory } from './history-marks.js';
import { describeRejection } from './rejection.js';

/** Construction options of a {@link PromptTracker}. */
export interface PromptTrackerInit {
  /** Chosen by the client before the POST (§1 "prompt_id"). */
  promptId: string;
  /** The socket's clientId, sent as `client_id`. */
  clientId: string;
  /**
   * Node ids of the submitted graph. With them "fully cached" means every node was listed in
   * `execution_cached`; without them, a run with cached nodes, no `executing` and no step.
   */
  nodeIds?: readonly NodeId[];
}

/**
 * What one message did to the tracker; a string so that the hot path allocates nothing.
 * `step`: a progress step was recorded (the last of `marks.steps`). `completed`: the prompt is done.
 * `late`: it came after the harness gave up on the prompt (ignored, counted in `marks.lateEvents`).
 */
export type TrackEffect = 'recorded' | 'step' | 'completed' | 'duplicate' | 'late' | 'ignored';

/** Tracks one prompt from submission to its single outcome. */
export class PromptTracker {
  #marks: PromptMarks;
  #nodeIds: ReadonlySet<NodeId> | undefined;
  #done = false;
  /** Set when the harness gave up (timeout, lost): what still arrives is late, not duplicated. */
  #gaveUp = false;
  /** Receipt of the first terminal event, the completion time when `executing null` never comes. */
  #terminalMs: number | undefined;
  /** The node whose `executing` came last: owner of progress frames that name no node. */
  #currentNode: NodeId | null = null;
  #executedAny = false;

  constructor(init: PromptTrackerInit) {
    this.#marks = {
      promptId: init.promptId,
      clientId: init.clientId,
      cachedNodes: [],
      // No prototype: node ids come off the network, and "__proto__" must stay an ordinary key.
      nodes: Object.create(null) as Record<NodeId, NodeMark>,
      steps: [],
      previews: 0,
      source: 'ws',
      duplicates: 0,
      lateEvents: 0,
    };
    this.#nodeIds = init.nodeIds ? new Set(init.nodeIds) : undefined;
  }

  get promptId(): string {
    return this.#marks.promptId;
  }

  get clientId(): string {
    return this.#marks.clientId;
  }

  /** The marks so far; a live view, not a copy: read, never write. */
  get marks(): Readonly<PromptMarks> {
    return this.#marks;
  }

  /** True once the prompt completed, was rejected, timed out, was lost or was filled from history. */
  get done(): boolean {
    return this.#done;
  }

  get outcome(): Outcome | undefined {
    return this.#marks.outcome;
  }

  /** True between `execution_start` (or a first `executing`) and completion. */
  get running(): boolean {
    return !this.#done && (this.#marks.executionStartMs !== undefined || this.#executedAny);
  }

  /**
   * The POST was written at `atMs`. `intendedAtMs` is when the arrival plan wanted it sent
   * (open loop); it defaults to `atMs` (closed loop). A second call is ignored.
   */
  markSent(atMs: number, intendedAtMs?: number): void {
    if (this.#marks.sentMs !== undefined) return;
    this.#marks.sentMs = atMs;
    this.#marks.intendedSendMs = intendedAtMs ?? atMs;
  }

  /**
   * The POST reply (200) arrived at `atMs`. Order-independent: execution events may already be
   * recorded. When a server older than 2025-07-14 ignored our `prompt_id` and chose its own, the
   * tracker adopts the server's id (its events carry that one); re-key the router with
   * `SessionRouter.markAck`, which calls this.
   */
  markAck(atMs: number, resp: PromptResponse): void {
    if (this.#marks.ackMs !== undefined) return;
    this.#marks.ackMs = atMs;
    if (typeof resp.number === 'number') this.#marks.number = resp.number;
    if (typeof resp.prompt_id === 'string' && resp.prompt_id !== '') this.#marks.promptId = resp.prompt_id;
  }

  /**
   * The POST was refused (HTTP `status`, usually 400). Outcome `rejected:<error.type>`; the
   * pre-2025-04-09 string form (`error: "no prompt"`) becomes a slug (`rejected:no_prompt`); a
   * body that is not ComfyUI's JSON (plain-text 500, proxy page) becomes `rejected:http_<status>`.
   */
  markRejected(atMs: number, status: number, body: PromptErrorResponse | string): void {
    if (this.#done) return;
    const { errorType, message } = describeRejection(status, body);
    this.#marks.ackMs ??= atMs;
    this.#marks.rejection = { status, errorType, message };
    this.#finish(`rejected:${errorType}`);
  }

  /**
   * The harness gave up waiting at `atMs`. If the socket already brought a terminal event the
   * outcome stays (only `executing null` was missed) and completion is that event's receipt;
   * otherwise the outcome is `timeout`. Returns false when the prompt was already done.
   */
  markTimeout(atMs: number): boolean {
    return this.#giveUp('timeout', atMs);
  }

  /** Like {@link markTimeout} for a prompt the server no longer knows (socket and history both silent). */
  markLost(atMs: number): boolean {
    return this.#giveUp('lost', atMs);
  }

  /** A preview frame for this prompt arrived. Returns false when it came after completion. */
  onPreview(atMs: number): boolean {
    void atMs; // Previews are only counted; the receive time is part of the uniform call shape.
    if (this.#done) {
      this.#afterDone();
      return false;
    }
    this.#marks.previews += 1;
    return true;
  }

  /** Applies one message already routed to this prompt, received at `atMs`. */
  onMessage(msg: KnownServerMessage, atMs: number): TrackEffect {
    // progress_state is cumulative state, re-sent with every step; it carries nothing new.
    if (msg.type === 'progress_state') return 'ignored';
    if (this.#done) return this.#afterDone();
    switch (msg.type) {
      case 'execution_start': {
        if (this.#marks.executionStartMs !== undefined) return this.#duplicate();
        this.#marks.executionStartMs = atMs;
        if (typeof msg.data.timestamp === 'number') this.#marks.serverStartTs = msg.data.timestamp;
        return 'recorded';
      }
      case 'execution_cached': {
        if (this.#marks.cachedMs !== undefined) return this.#duplicate();
        this.#marks.cachedMs = atMs;
        this.#marks.cachedNodes = msg.data.nodes.slice();
        return 'recorded';
      }
      case 'executing':
        return msg.data.node === null ? this.#complete(atMs) : this.#executing(msg.data.node, msg.data.prompt_id, atMs);
      case 'progress':
        return this.#progress(msg.data.node, msg.data.value, msg.data.max, atMs);
      case 'executed': {
        const mark = this.#node(msg.data.node);
        if (mark.executedMs !== undefined) return this.#duplicate();
        mark.executedMs = atMs;
        mark.output = msg.data.output ?? null;
        return 'recorded';
      }
      case 'execution_success':
        return this.#terminal(this.#isFullyCached() ? 'cached' : 'ok', msg.data.timestamp, atMs);
      case 'execution_error': {
        const d = msg.data;
        const effect = this.#terminal(`error:${d.exception_type}`, d.timestamp, atMs);
        if (effect === 'recorded') {
          this.#marks.error = {
            nodeId: typeof d.node_id === 'string' ? d.node_id : '',
            nodeType: typeof d.node_type === 'string' ? d.node_type : '',
            exceptionType: d.exception_type,
            exceptionMessage: typeof d.exception_message === 'string' ? d.exception_message : '',
          };
        }
        return effect;
      }
      case 'execution_interrupted':
        return this.#terminal('interrupted', msg.data.timestamp, atMs);
      default:
        return 'ignored';
    }
  }

  /**
   * Completes the marks from the prompt's `/history/{id}` entry, read at `atMs` (after a
   * reconnect or a missed completion). Socket marks win: an outcome or timestamp already
   * recorded stays. History timestamps are server clock and only fill `serverStartTs` /
   * `serverEndTs` (so `serverExecMs` is the server's own); they are never converted to client
   * time. `completedMs` becomes the receipt of the terminal event if the socket saw one, else
   * `atMs` with `completedByLookup`: when the client learned of the completion, which may be
   * seconds after it, so no latency is derived from it.
   * Sets `source: 'history'`. Returns false (and changes nothing) when the prompt was already done.
   */
  applyHistory(entry: HistoryEntry, atMs: number): boolean {
    if (this.#done) return false;
    const facts = readHistory(entry);
    const m = this.#marks;
    m.serverStartTs ??= facts.serverStartTs;
    m.serverEndTs ??= facts.serverEndTs;
    if (m.cachedMs === undefined && facts.cachedNodes !== undefined) m.cachedNodes = facts.cachedNodes.slice();
    for (const [nodeId, output] of Object.entries(facts.outputs)) {
      const mark = this.#node(nodeId);
      if (mark.output === undefined) mark.output = output;
    }
    if (m.outcome === undefined) {
      m.outcome = facts.outcome;
      if (facts.error !== undefined) m.error = facts.error;
    }
    m.completedMs = this.#terminalMs ?? atMs;
    if (this.#terminalMs === undefined) m.completedByLookup = true;
    m.source = 'history';
    this.#done = true;
    return true;
  }

  #executing(node: NodeId, promptId: string | undefined, atMs: number): TrackEffect {
    this.#currentNode = node;
    const mark = this.#node(node);
    if (mark.startMs !== undefined) return this.#duplicate();
    // A reconnect replays the running node without prompt_id (§2 handshake): its receive time is
    // the reconnect, not the node's start, so it only sets the node that owns later progress.
    if (promptId === undefined) return 'recorded';
    mark.startMs = atMs;
    this.#executedAny = true;
    return 'recorded';
  }

  #progress(node: NodeId | null | undefined, value: number, max: number, atMs: number): TrackEffect {
    const owner = typeof node === 'string' ? node : this.#currentNode;
    const steps = this.#marks.steps;
    const last = steps[steps.length - 1];
    if (last !== undefined && last.node === owner && last.value === value && last.max === max) {
      return this.#duplicate();
    }
    const step: StepMark = { node: owner, value, max, atMs };
    steps.push(step);
    return 'step';
  }

  #terminal(outcome: Outcome, serverTs: number | undefined, atMs: number): TrackEffect {
    if (this.#marks.outcome !== undefined) return this.#duplicate();
    this.#marks.outcome = outcome;
    this.#terminalMs = atMs;
    if (typeof serverTs === 'number') this.#marks.serverEndTs = serverTs;
    return 'recorded';
  }

  #complete(atMs: number): TrackEffect {
    // Legacy servers (before 2024-07-21) send no execution_success: completion alone means success.
    this.#marks.outcome ??= this.#isFullyCached() ? 'cached' : 'ok';
    this.#marks.completedMs = atMs;
    this.#done = true;
    return 'completed';
  }

  #giveUp(outcome: 'timeout' | 'lost', atMs: number): boolean {
    if (this.#done) return false;
    void atMs; // The give-up time is the caller's; completion is only ever a server-signalled time.
    if (this.#marks.outcome !== undefined && this.#terminalMs !== undefined) {
      this.#marks.completedMs = this.#terminalMs;
    }
    this.#finish(outcome);
    this.#gaveUp = true;
    return true;
  }

  /** A message for a prompt already done: late when the harness gave up on it, else a duplicate. */
  #afterDone(): TrackEffect {
    if (!this.#gaveUp) return this.#duplicate();
    this.#marks.lateEvents += 1;
    return 'late';
  }

  #finish(outcome: Outcome): void {
    this.#marks.outcome ??= outcome;
    this.#done = true;
  }

  #duplicate(): TrackEffect {
    this.#marks.duplicates += 1;
    return 'duplicate';
  }

  #node(id: NodeId): NodeMark {
    let mark = this.#marks.nodes[id];
    if (mark === undefined) {
      mark = {};
      this.#marks.nodes[id] = mark;
    }
    return mark;
  }

  #isFullyCached(): boolean {
    const m = this.#marks;
    if (this.#executedAny || m.steps.length > 0) return false;
    if (this.#nodeIds === undefined || this.#nodeIds.size === 0) return m.cachedNodes.length > 0;
    const cached = new Set(m.cachedNodes);
    for (const id of this.#nodeIds) if (!cached.has(id)) return false;
    return true;
  }
}
