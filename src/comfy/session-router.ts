/**
 * One per socket (one clientId): decodes frames and hands each to the tracker of its prompt.
 *
 * Routing (protocol reference §2.1, §3): by `data.prompt_id`; `progress` and `executing` without
 * one (older servers, a reconnect's replay) and type-1 previews (no ids at all) go to the prompt
 * running on this socket, the one that got `execution_start` and has not completed; type-4
 * previews by `metadata.prompt_id`. Ids not tracked here are counted as `foreign`, frames with no
 * id and nothing of ours running as `unattributed`; neither is ever fatal. `status` only updates
 * the global queue depth, which never decides anything about a prompt.
 */
import { decodeBinary, decodeTextFrame, TextProblem } from './decoder.js';
import { DecodeStats } from './decode-stats.js';
import type { PromptResponse } from './http-types.js';
import type { StepMark } from './marks.js';
import type { FeatureFlagsData, KnownServerMessage } from './messages.js';
import type { PromptTracker, TrackEffect } from './prompt-tracker.js';

/** Construction options of a {@link SessionRouter}. Hooks run synchronously inside `onText`/`onBinary`. */
export interface SessionRouterOptions {
  /** The socket's clientId (`?clientId=`). */
  clientId: string;
  /** Counters shared across the sockets of a run; a private instance when omitted. */
  stats?: DecodeStats;
  /** A tracked prompt completed (`executing null`). It is still tracked: call `untrack` when finished with it. */
  onPromptDone?: (tracker: PromptTracker) => void;
  /** A progress step was recorded; `step` is the object stored in `tracker.marks.steps`. */
  onStep?: (tracker: PromptTracker, step: StepMark) => void;
  /** A preview frame was counted for a tracked prompt. */
  onPreview?: (tracker: PromptTracker) => void;
}

/** Routes one socket's frames to the trackers of its prompts. */
export class SessionRouter {
  readonly clientId: string;
  readonly stats: DecodeStats;
  #trackers = new Map<string, PromptTracker>();
  /** Prompt id running on this socket (ours or foreign); undefined when idle or unknown. */
  #runningId: string | undefined;
  #foreign = 0;
  #unattributed = 0;
  #queueRemaining: number | undefined;
  #queueRemainingAtMs: number | undefined;
  #sessionId: string | undefined;
  #serverFeatures: FeatureFlagsData | undefined;
  #onPromptDone: ((tracker: PromptTracker) => void) | undefined;
  #onStep: ((tracker: PromptTracker, step: StepMark) => void) | undefined;
  #onPreview: ((tracker: PromptTracker) => void) | undefined;

  constructor(options: SessionRouterOptions) {
    this.clientId = options.clientId;
    this.stats = options.stats ?? new DecodeStats();
    this.#onPromptDone = options.onPromptDone;
    this.#onStep = options.onStep;
    this.#onPreview = options.onPreview;
  }

  /** Registers a prompt. Call it BEFORE sending the POST: its events can precede the reply. */
  track(tracker: PromptTracker): void {
    this.#trackers.set(tracker.promptId, tracker);
  }

  /** Forgets a prompt; later frames for it count as foreign. */
  untrack(promptId: string): void {
    this.#trackers.delete(promptId);
    if (this.#runningId === promptId) this.#runningId = undefined;
  }

  /** The tracker of `promptId`, if tracked here. */
  get(promptId: string): PromptTracker | undefined {
    return this.#trackers.get(promptId);
  }

  /** Number of prompts tracked. */
  get size(): number {
    return this.#trackers.size;
  }

  /**
   * Records the POST reply on the tracker and, if the server chose another id than ours (servers
   * before 2025-07-14 ignore `prompt_id`), re-keys it so later events find it. Events that came
   * under the server's id before the reply were already counted as foreign.
   */
  markAck(promptId: string, atMs: number, resp: PromptResponse): PromptTracker | undefined {
    const tracker = this.#trackers.get(promptId);
    if (tracker === undefined) return undefined;
    tracker.markAck(atMs, resp);
    if (tracker.promptId !== promptId) {
      this.#trackers.delete(promptId);
      this.#trackers.set(tracker.promptId, tracker);
    }
    return tracker;
  }

  /** Messages for prompt ids not tracked here. */
  get foreign(): number {
    return this.#foreign;
  }

  /** Frames without a prompt id that arrived while nothing of ours was known to run. */
  get unattributed(): number {
    return this.#unattributed;
  }

  /** Last `status.exec_info.queue_remaining` (pending + running, whole server). */
  get queueRemaining(): number | undefined {
    return this.#queueRemaining;
  }

  /** Receive time of {@link queueRemaining}. */
  get queueRemainingAtMs(): number | undefined {
    return this.#queueRemainingAtMs;
  }

  /** `sid` from the handshake `status` (equals the clientId we asked for). */
  get sessionId(): string | undefined {
    return this.#sessionId;
  }

  /** The server's `feature_flags` reply, if it sent one. */
  get serverFeatures(): FeatureFlagsData | undefined {
    return this.#serverFeatures;
  }

  /** Id of the prompt running on this socket, as far as its messages tell. */
  get runningPromptId(): string | undefined {
    return this.#runningId;
  }

  /** Handles one text frame received at `atMs`. Never throws on any input (hooks aside). */
  onText(raw: string, atMs: number): void {
    const decoded = decodeTextFrame(raw);
    if (decoded instanceof TextProblem) {
      this.stats.countProblem(decoded.decoded);
      return;
    }
    this.stats.countMessage(decoded.type);
    this.#route(decoded, atMs);
  }

  /** Handles one binary frame received at `atMs`. Never throws on any input (hooks aside). */
  onBinary(bytes: Uint8Array, atMs: number): void {
    const frame = decodeBinary(bytes);
    this.stats.countBinary(frame);
    let tracker: PromptTracker | undefined;
    if (frame.kind === 'preview') {
      tracker = this.#runningTracker();
    } else if (frame.kind === 'preview_with_metadata') {
      tracker = this.#trackers.get(frame.metadata.prompt_id);
      if (tracker === undefined) this.#foreign += 1;
    } else {
      return; // TEXT frames are broadcasts, unknown frames only counted.
    }
    if (tracker !== undefined && tracker.onPreview(atMs)) this.#onPreview?.(tracker);
  }

  #route(msg: KnownServerMessage, atMs: number): void {
    switch (msg.type) {
      case 'status':
        this.#queueRemaining = msg.data.status.exec_info.queue_remaining;
        this.#queueRemainingAtMs = atMs;
        if (typeof msg.data.sid === 'string') this.#sessionId = msg.data.sid;
        return;
      case 'feature_flags':
        this.#serverFeatures = msg.data;
        return;
      case 'progress_state':
      case 'logs':
      case 'display_component':
        return; // Nothing a tracker records (progress_state repeats what progress says).
      case 'execution_start':
        this.#runningId = msg.data.prompt_id;
        this.#deliver(this.#byId(msg.data.prompt_id), msg, atMs);
        return;
      case 'executing': {
        const id = msg.data.prompt_id;
        if (id === undefined) {
          this.#deliver(this.#runningTracker(), msg, atMs);
          return;
        }
        // A first executing also marks the prompt running when its execution_start was missed.
        if (msg.data.node !== null && this.#runningId === undefined) this.#runningId = id;
        this.#deliver(this.#byId(id), msg, atMs);
        if (msg.data.node === null && this.#runningId === id) this.#runningId = undefined;
        return;
      }
      case 'progress': {
        const id = msg.data.prompt_id;
        this.#deliver(typeof id === 'string' ? this.#byId(id) : this.#runningTracker(), msg, atMs);
        return;
      }
      default:
        this.#deliver(this.#byId(msg.data.prompt_id), msg, atMs);
    }
  }

  #byId(promptId: string): PromptTracker | undefined {
    const tracker = this.#trackers.get(promptId);
    if (tracker === undefined) this.#foreign += 1;
    return tracker;
  }

  /** The tracker of the prompt running here; counts the frame as foreign/unattributed when none. */
  #runningTracker(): PromptTracker | undefined {
    if (this.#runningId === undefined) {
      this.#unattributed += 1;
      return undefined;
    }
    return this.#byId(this.#runningId);
  }

  #deliver(tracker: PromptTracker | undefined, msg: KnownServerMessage, atMs: number): void {
    if (tracker === undefined) return;
    const effect: TrackEffect = tracker.onMessage(msg, atMs);
    if (effect === 'step') {
      const steps = tracker.marks.steps;
      const step = steps[steps.length - 1];
      if (step !== undefined) this.#onStep?.(tracker, step);
    } else if (effect === 'completed') {
      if (this.#runningId === tracker.promptId) this.#runningId = undefined;
      this.#onPromptDone?.(tracker);
    }
  }
}
