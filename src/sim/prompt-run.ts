/**
 * One prompt's execution state and its messages: `add_message` (timestamped in the current
 * protocol, kept for history, owner-only unless broadcast), the ProgressBar hook (progress_state,
 * previews type 4 before / type 1 after `progress`), and the values and UI outputs so far.
 */
import type { HistoryStatusMessage } from '../comfy/http-types.js';
import type { NodeId, NodeOutput } from '../comfy/messages.js';
import type { SimClock } from './clock.js';
import type { FaultPlan } from './faults.js';
import type { PromptTruth } from './ground-truth.js';
import { SimInterrupt } from './node-context.js';
import { ProgressRegistry } from './progress-registry.js';
import type { QueueEntry } from './prompt-queue.js';
import { pyDumps } from './py-json.js';
import type { SimValue } from './sim-values.js';
import type { WsHub } from './ws-hub.js';

export interface UiEntry {
  output: NodeOutput;
  meta: { node_id: NodeId; display_node: NodeId; parent_node: null; real_node_id: NodeId };
}

export function uiEntry(id: NodeId, output: NodeOutput): UiEntry {
  return { output, meta: { node_id: id, display_node: id, parent_node: null, real_node_id: id } };
}

export class PromptRun {
  readonly entry: QueueEntry;
  /** `extra_data.client_id`: the only socket owner-only messages go to. */
  readonly owner: string | null;
  readonly truth: PromptTruth;
  readonly progress: ProgressRegistry;
  readonly values = new Map<NodeId, SimValue[]>();
  readonly ui = new Map<NodeId, UiEntry>();
  readonly executed: NodeId[] = [];
  readonly statusMessages: HistoryStatusMessage[] = [];
  /**
   * When the simulated GPU's last piece of work is due to end (clock ms): the next piece is timed
   * from it, not from when the host woke up, so host lateness does not pile up over a prompt.
   * Undefined before the first piece, and again after a fault's sleep (whose time must count).
   */
  workDueMs: number | undefined;
  readonly #hub: WsHub;
  readonly #clock: SimClock;
  readonly #current: boolean;
  readonly #interrupted: () => boolean;
  readonly #faults: FaultPlan | undefined;

  constructor(entry: QueueEntry, truth: PromptTruth, hub: WsHub, clock: SimClock, current: boolean, interrupted: () => boolean, faults?: FaultPlan) {
    this.entry = entry;
    this.owner = typeof entry.extraData.client_id === 'string' ? entry.extraData.client_id : null;
    this.truth = truth;
    this.#hub = hub;
    this.#clock = clock;
    this.#current = current;
    this.#interrupted = interrupted;
    this.#faults = faults?.has('progress') === true ? faults : undefined;
    const owner = this.owner;
    this.progress = new ProgressRegistry(entry.promptId, current ? (data) => hub.sendJson('progress_state', data, owner) : undefined);
  }

  get promptId(): string {
    return this.entry.promptId;
  }

  /** `add_message`: stamps (current protocol), keeps for history, sends to the owner or broadcasts. */
  addMessage(event: string, data: Record<string, unknown>, broadcast: boolean): void {
    const stamped = this.#current ? { ...data, timestamp: Math.floor(this.#clock.epochMs()) } : { ...data };
    this.statusMessages.push([event, stamped]);
    if (this.owner !== null || broadcast) this.#hub.sendJson(event, stamped, this.owner);
  }

  /** Owner-only message without history (executing, executed). */
  toOwner(event: string, data: Record<string, unknown>): void {
    if (this.owner !== null) this.#hub.sendJson(event, data, this.owner);
  }

  /** main.py's ProgressBar hook plus the progress registry's update handler. */
  progressHook(id: NodeId, value: number, max: number, preview?: Buffer): void {
    if (this.#interrupted()) throw new SimInterrupt();
    const hub = this.#hub;
    const withMeta = preview !== undefined && this.#current && hub.supports(this.owner, 'supports_preview_metadata');
    this.progress.update(id, value, max);
    if (withMeta) {
      const meta = Buffer.from(
        pyDumps({ node_id: id, prompt_id: this.promptId, display_node_id: id, parent_node_id: null, real_node_id: id, image_type: 'image/jpeg' }),
      );
      const len = Buffer.alloc(4);
      len.writeUInt32BE(meta.length, 0);
      hub.sendBinary(4, Buffer.concat([len, meta, preview]), this.owner);
    }
    const storm = this.#stormFactor(id);
    if (storm > 1) {
      // A node whose ProgressBar ticks `storm` times per step: the same work, many more messages.
      for (let k = 1; k < storm; k++)
        hub.sendJson('progress', { value: (value - 1) * storm + k, max: max * storm, prompt_id: this.promptId, node: id }, this.owner);
      hub.sendJson('progress', { value: value * storm, max: max * storm, prompt_id: this.promptId, node: id }, this.owner);
    } else hub.sendJson('progress', { value, max, prompt_id: this.promptId, node: id }, this.owner);
    if (preview !== undefined && !withMeta) hub.sendBinary(1, Buffer.concat([Buffer.from([0, 0, 0, 1]), preview]), this.owner);
    this.truth.steps.push({ nodeId: id, value, max, atMs: this.#clock.nowMs(), atEpochMs: this.#clock.epochMs() });
  }

  /** `progress-storm`: messages per real step for this node (1 without the fault). */
  #stormFactor(id: NodeId): number {
    if (this.#faults === undefined) return 1;
    const classType = this.entry.prompt[id]?.class_type ?? '';
    const f = this.#faults.at('progress', classType).find((s) => s.name === 'progress-storm');
    return f === undefined ? 1 : Math.max(1, Math.round(f.factor ?? 20));
  }
}
