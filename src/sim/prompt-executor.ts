/**
 * `execution.PromptExecutor.execute`: runs one prompt through the cache and the execution list,
 * emitting exactly the messages of protocol §3 in the real order — execution_start,
 * execution_cached, per node progress_state(running) → executing → … → executed →
 * progress_state(finished), then execution_success, or execution_error/execution_interrupted.
 * Routing follows §2.1: owner-only messages go nowhere without an owner; `progress`,
 * `progress_state` and previews are broadcast when there is none.
 */
import type { ApiWorkflow, HistoryStatusMessage, NodeInfo } from '../comfy/http-types.js';
import type { NodeId, NodeOutput } from '../comfy/messages.js';
import type { SimNodeDef } from './nodes/types.js';
import type { SimClock } from './clock.js';
import type { DataDir } from './data-dir.js';
import { ExecutionList } from './execution-list.js';
import type { GroundTruth, NodeTruth, PromptTruth } from './ground-truth.js';
import { zeroComponents } from './ground-truth.js';
import { previewJpeg } from './jpeg.js';
import type { CostComponent, NodeRunContext } from './node-context.js';
import { SimInterrupt, SimNodeError } from './node-context.js';
import { runNode } from './node-runners.js';
import type { OutputCache } from './output-cache.js';
import { isLink } from './output-cache.js';
import type { ModelCatalog } from './profiles.js';
import { ProgressRegistry } from './progress-registry.js';
import type { QueueEntry } from './prompt-queue.js';
import { pyDumps } from './py-json.js';
import type { SeededRng } from './rng.js';
import type { SimGpu } from './sim-gpu.js';
import { SimOomError } from './sim-gpu.js';
import type { ResolvedSimOptions } from './sim-options.js';
import type { SimValue } from './sim-values.js';
import { describeValue } from './sim-values.js';
import type { WsHub } from './ws-hub.js';
import { sha256 } from './data-dir.js';

const OOM_TIP = 'This error means you ran out of memory on your GPU.\n\nTIPS: If the workflow worked before you might have accidentally set the batch_size to a large number.';

export interface ExecutorDeps {
  hub: WsHub;
  gpu: SimGpu;
  cache: OutputCache;
  catalog: ModelCatalog;
  files: DataDir;
  clock: SimClock;
  rng: SeededRng;
  opts: ResolvedSimOptions;
  truth: GroundTruth;
  nodeDef: (classType: string) => SimNodeDef | undefined;
  nodeInfo: (classType: string) => NodeInfo | undefined;
}

export interface UiEntry {
  output: NodeOutput;
  meta: { node_id: NodeId; display_node: NodeId; parent_node: null; real_node_id: NodeId };
}

export interface ExecutionOutcome {
  success: boolean;
  interrupted: boolean;
  statusMessages: HistoryStatusMessage[];
  ui: Map<NodeId, UiEntry>;
}

interface Failure {
  nodeId: NodeId;
  error: unknown;
  currentInputs: Record<string, unknown[]> | unknown[];
}

/** Per-prompt state of one execution. */
interface Run {
  entry: QueueEntry;
  owner: string | null;
  truth: PromptTruth;
  progress: ProgressRegistry;
  values: Map<NodeId, SimValue[]>;
  ui: Map<NodeId, UiEntry>;
  executed: NodeId[];
  statusMessages: HistoryStatusMessage[];
}

export class PromptExecutor {
  readonly #d: ExecutorDeps;
  readonly #current: boolean;
  #interrupted = false;
  #nanCounter = 0;
  #objectState = new Map<string, string>();

  constructor(deps: ExecutorDeps) {
    this.#d = deps;
    this.#current = deps.opts.protocol === 'current';
  }

  /** `nodes.interrupt_processing()`: seen at the next node start or ProgressBar update. */
  interrupt(): void {
    this.#interrupted = true;
  }

  /** `e.reset()` of `free_memory`: drops every cached output and the files held in RAM. */
  reset(): void {
    this.#d.cache.clear();
    this.#d.gpu.releaseRam();
  }

  async execute(entry: QueueEntry, truth: PromptTruth): Promise<ExecutionOutcome> {
    const { hub, cache } = this.#d;
    this.#interrupted = false; // a stale interrupt from idle time is cleared here
    const owner = typeof entry.extraData.client_id === 'string' ? entry.extraData.client_id : null;
    hub.clientId = owner;
    const run: Run = {
      entry,
      owner,
      truth,
      progress: new ProgressRegistry(entry.promptId, this.#current ? (data) => hub.sendJson('progress_state', data, owner) : undefined),
      values: new Map(),
      ui: new Map(),
      executed: [],
      statusMessages: [],
    };
    truth.executionStartMs = this.#d.clock.nowMs();
    truth.executionStartEpochMs = this.#d.clock.epochMs();
    this.#addMessage(run, 'execution_start', { prompt_id: entry.promptId }, false);
    const prompt = entry.prompt;
    cache.setPrompt(prompt, (id) => this.#isChanged(prompt, id));
    const cachedNodes = Object.keys(prompt).filter((id) => cache.get(id) !== undefined);
    truth.cachedNodes = cachedNodes;
    this.#addMessage(run, 'execution_cached', { nodes: cachedNodes, prompt_id: entry.promptId }, false);
    const currentOutputs = Object.keys(prompt);
    const list = new ExecutionList(prompt, (id) => cache.get(id) !== undefined, (id) => this.#isOutputNode(prompt, id));
    for (const id of entry.outputs) list.addNode(id);
    let failure: Failure | undefined;
    while (!list.isEmpty) {
      const id = list.stage();
      if (id === undefined) {
        failure = { nodeId: Object.keys(prompt)[0] ?? '0', error: new SimNodeError('graph.DependencyCycleError', 'Dependency cycle detected', []), currentInputs: [] };
        break;
      }
      failure = await this.#executeNode(run, id);
      if (failure !== undefined) break;
      list.complete(id);
    }
    if (failure !== undefined) this.#handleError(run, failure, currentOutputs);
    else if (this.#current) this.#addMessage(run, 'execution_success', { prompt_id: entry.promptId }, false);
    hub.lastNodeId = null;
    const interrupted = failure?.error instanceof SimInterrupt;
    truth.outcome = failure === undefined ? 'success' : interrupted ? 'interrupted' : 'error';
    return { success: failure === undefined, interrupted, statusMessages: run.statusMessages, ui: run.ui };
  }

  async #executeNode(run: Run, id: NodeId): Promise<Failure | undefined> {
    const { hub, cache, clock } = this.#d;
    const node = run.entry.prompt[id];
    const classType = node?.class_type ?? '';
    const promptId = run.entry.promptId;
    const nodeTruth: NodeTruth = {
      nodeId: id,
      classType,
      cached: false,
      startMs: clock.nowMs(),
      startEpochMs: clock.epochMs(),
      serviceUnscaledMs: zeroComponents(),
      serviceScaledMs: zeroComponents(),
    };
    run.truth.nodes.push(nodeTruth);
    const hit = cache.get(id);
    if (hit !== undefined) {
      nodeTruth.cached = true;
      if (run.owner !== null && this.#current) {
        hub.sendJson('executed', { node: id, display_node: id, output: hit.ui ?? null, prompt_id: promptId }, run.owner);
      }
      if (hit.ui !== undefined) run.ui.set(id, uiEntry(id, hit.ui));
      run.progress.finish(id);
      run.values.set(id, hit.outputs);
      this.#endNode(nodeTruth);
      return undefined;
    }
    run.progress.start(id);
    const inputs = this.#resolveInputs(run, id);
    if (run.owner !== null) {
      hub.lastNodeId = id;
      hub.sendJson('executing', this.#current ? { node: id, display_node: id, prompt_id: promptId } : { node: id, prompt_id: promptId }, run.owner);
    }
    const def = this.#d.nodeDef(classType);
    const info = this.#d.nodeInfo(classType);
    let result;
    try {
      if (this.#interrupted) throw new SimInterrupt(); // before_node_execution
      if (def === undefined || info === undefined) throw new SimNodeError('KeyError', `'${classType}'`, []);
      result = await runNode(def.exec, this.#context(run, id, classType, info, inputs, nodeTruth));
    } catch (error) {
      this.#endNode(nodeTruth);
      return { nodeId: id, error, currentInputs: formatInputs(node?.inputs ?? {}, inputs) };
    }
    if (result.ui !== undefined) {
      run.ui.set(id, uiEntry(id, result.ui));
      run.truth.outputFiles.push(...((result.ui.images as { filename: string; subfolder: string; type: string }[] | undefined) ?? []));
      if (run.owner !== null) {
        const data = this.#current ? { node: id, display_node: id, output: result.ui, prompt_id: promptId } : { node: id, output: result.ui, prompt_id: promptId };
        hub.sendJson('executed', data, run.owner);
      }
    }
    if (def?.neverCached !== true) cache.set(id, { outputs: result.outputs, ...(result.ui !== undefined ? { ui: result.ui } : {}) });
    run.progress.finish(id);
    run.executed.push(id);
    run.values.set(id, result.outputs);
    this.#endNode(nodeTruth);
    return undefined;
  }

  #context(run: Run, id: NodeId, classType: string, info: NodeInfo, inputs: Record<string, unknown>, nodeTruth: NodeTruth): NodeRunContext {
    const d = this.#d;
    const self = this;
    const previewsOn = d.opts.previewMethod !== 'none';
    return {
      promptId: run.entry.promptId,
      nodeId: id,
      classType,
      info,
      inputs,
      prompt: run.entry.prompt,
      extraData: run.entry.extraData,
      gpu: d.gpu,
      gpuProfile: d.gpu.profile,
      catalog: d.catalog,
      files: d.files,
      rng: d.rng,
      samplerPreview: (seed, step, total) => (previewsOn ? previewJpeg(seed, step, total) : undefined),
      previewJpeg: (seed, step, total) => previewJpeg(seed, step, total),
      stepJitter: () => d.rng.jitter(d.opts.stepJitter),
      async work(component: CostComponent, unscaledMs: number, realSpentMs = 0): Promise<void> {
        const ms = Math.max(0, unscaledMs);
        const scaled = ms * d.opts.timeScale;
        nodeTruth.serviceUnscaledMs[component] += ms;
        nodeTruth.serviceScaledMs[component] += scaled;
        run.truth.serviceUnscaledMs[component] += ms;
        run.truth.serviceScaledMs[component] += scaled;
        await d.clock.sleep(scaled - realSpentMs);
      },
      progress(value: number, max: number, preview?: Buffer): void {
        self.#progress(run, id, value, max, preview);
      },
      nodeObjectState(key: string, init: () => string): string {
        const k = `${id}:${classType}:${key}`;
        let v = self.#objectState.get(k);
        if (v === undefined) {
          v = init();
          self.#objectState.set(k, v);
        }
        return v;
      },
    };
  }

  /** The ProgressBar hook of main.py plus the progress registry's update handler. */
  #progress(run: Run, id: NodeId, value: number, max: number, preview?: Buffer): void {
    if (this.#interrupted) throw new SimInterrupt();
    const { hub, clock } = this.#d;
    const promptId = run.entry.promptId;
    const withMeta = preview !== undefined && this.#current && hub.supports(run.owner, 'supports_preview_metadata');
    run.progress.update(id, value, max);
    if (withMeta) {
      const meta = Buffer.from(pyDumps({ node_id: id, prompt_id: promptId, display_node_id: id, parent_node_id: null, real_node_id: id, image_type: 'image/jpeg' }));
      const len = Buffer.alloc(4);
      len.writeUInt32BE(meta.length, 0);
      hub.sendBinary(4, Buffer.concat([len, meta, preview]), run.owner);
    }
    hub.sendJson('progress', { value, max, prompt_id: promptId, node: id }, run.owner);
    if (preview !== undefined && !withMeta) hub.sendBinary(1, Buffer.concat([Buffer.from([0, 0, 0, 1]), preview]), run.owner);
    run.truth.steps.push({ nodeId: id, value, max, atMs: clock.nowMs(), atEpochMs: clock.epochMs() });
  }

  #handleError(run: Run, f: Failure, currentOutputs: NodeId[]): void {
    const node = run.entry.prompt[f.nodeId];
    const base = { prompt_id: run.entry.promptId, node_id: f.nodeId, node_type: node?.class_type ?? '', executed: [...run.executed] };
    if (f.error instanceof SimInterrupt) {
      this.#addMessage(run, 'execution_interrupted', base, true);
      return;
    }
    let message: string;
    let type: string;
    let traceback: string[];
    if (f.error instanceof SimOomError) {
      message = `${f.error.message}\n${OOM_TIP}`;
      type = 'torch.OutOfMemoryError';
      traceback = [];
      this.#d.gpu.unloadAll(); // "Got an OOM, unloading all loaded models."
    } else if (f.error instanceof SimNodeError) {
      message = `${f.error.message}\n`;
      type = f.error.exceptionType;
      traceback = f.error.traceback;
    } else {
      message = `${f.error instanceof Error ? f.error.message : String(f.error)}\n`;
      type = 'Exception';
      traceback = [];
    }
    run.truth.exceptionType = type;
    this.#addMessage(
      run,
      'execution_error',
      { ...base, exception_message: message, exception_type: type, traceback, current_inputs: f.currentInputs, current_outputs: currentOutputs },
      false,
    );
  }

  /** `add_message`: stamps (current protocol), keeps for history, sends to the owner or broadcasts. */
  #addMessage(run: Run, event: string, data: Record<string, unknown>, broadcast: boolean): void {
    const stamped = this.#current ? { ...data, timestamp: Math.floor(this.#d.clock.epochMs()) } : { ...data };
    run.statusMessages.push([event, stamped]);
    if (run.owner !== null || broadcast) this.#d.hub.sendJson(event, stamped, run.owner);
  }

  #endNode(t: NodeTruth): void {
    t.endMs = this.#d.clock.nowMs();
    t.endEpochMs = this.#d.clock.epochMs();
  }

  #resolveInputs(run: Run, id: NodeId): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [name, v] of Object.entries(run.entry.prompt[id]?.inputs ?? {})) {
      if (!isLink(v)) {
        out[name] = v;
        continue;
      }
      // Cached upstream nodes never run: their outputs come straight from the cache.
      const from = String(v[0]);
      out[name] = (run.values.get(from) ?? this.#d.cache.get(from)?.outputs)?.[v[1]];
    }
    return out;
  }

  #isOutputNode(prompt: ApiWorkflow, id: NodeId): boolean {
    const cls = prompt[id]?.class_type;
    return cls !== undefined && this.#d.nodeInfo(cls)?.output_node === true;
  }

  /** IS_CHANGED: a fresh value for never-cached nodes, the file hash for image loaders. */
  #isChanged(prompt: ApiWorkflow, id: NodeId): string {
    const node = prompt[id];
    const def = node !== undefined ? this.#d.nodeDef(node.class_type) : undefined;
    if (def?.neverCached === true) return `nan:${this.#nanCounter++}`;
    if (def?.exec === 'load_image') {
      const name = node?.inputs.image;
      const bytes = typeof name === 'string' ? this.#d.files.readInput(name) : undefined;
      return bytes !== undefined ? sha256(bytes) : 'missing';
    }
    return '';
  }
}

function uiEntry(id: NodeId, output: NodeOutput): UiEntry {
  return { output, meta: { node_id: id, display_node: id, parent_node: null, real_node_id: id } };
}

/** `current_inputs`: a dict of lists, primitives kept, everything else `str()`. */
function formatInputs(raw: Record<string, unknown>, resolved: Record<string, unknown>): Record<string, unknown[]> {
  const out: Record<string, unknown[]> = {};
  for (const name of Object.keys(raw)) {
    const v = resolved[name];
    if (v === null || v === undefined) out[name] = [null];
    else if (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') out[name] = [v];
    else if (typeof v === 'object' && 'kind' in v) out[name] = [describeValue(v as SimValue)];
    else out[name] = [String(v)];
  }
  return out;
}
