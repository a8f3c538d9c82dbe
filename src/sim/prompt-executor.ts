/**
 * `execution.PromptExecutor.execute`: runs one prompt through the cache and the execution list,
 * emitting exactly the messages of protocol §3 in the real order — execution_start,
 * execution_cached, per node progress_state(running) → executing → … → executed →
 * progress_state(finished), then execution_success, or execution_error/execution_interrupted.
 * Routing follows §2.1: owner-only messages go nowhere without an owner; `progress`,
 * `progress_state` and previews are broadcast when there is none.
 */
import type { ApiWorkflow, HistoryStatusMessage, NodeInfo } from '../comfy/http-types.js';
import type { NodeId } from '../comfy/messages.js';
import type { SimNodeDef } from './nodes/types.js';
import type { SimClock } from './clock.js';
import type { DataDir } from './data-dir.js';
import { sha256 } from './data-dir.js';
import { errorReport, formatInputs } from './execution-errors.js';
import type { Failure } from './execution-errors.js';
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
import { PromptRun, uiEntry } from './prompt-run.js';
import type { UiEntry } from './prompt-run.js';
import type { QueueEntry } from './prompt-queue.js';
import type { SeededRng } from './rng.js';
import type { SimGpu } from './sim-gpu.js';
import { SimOomError } from './sim-gpu.js';
import type { FaultPlan } from './faults.js';
import type { ResolvedSimOptions } from './sim-options.js';
import type { WsHub } from './ws-hub.js';

/** The GPU's compute, which `slowdown` stretches (an upgrade that made kernels slower); loads and saves are not. */
const GPU_COMPUTE: ReadonlySet<CostComponent> = new Set<CostComponent>(['textEncode', 'samplerSetup', 'steps', 'decode', 'encode', 'upscale']);

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
  faults?: FaultPlan;
}

export interface ExecutionOutcome {
  success: boolean;
  interrupted: boolean;
  statusMessages: HistoryStatusMessage[];
  ui: Map<NodeId, UiEntry>;
}

export class PromptExecutor {
  readonly #d: ExecutorDeps;
  readonly #current: boolean;
  #interrupted = false;
  /** Nodes held by a `stuck` fault, released by an interrupt. */
  #onInterrupt: (() => void)[] = [];
  #nanCounter = 0;
  #objectState = new Map<string, string>();

  constructor(deps: ExecutorDeps) {
    this.#d = deps;
    this.#current = deps.opts.protocol === 'current';
  }

  /** `nodes.interrupt_processing()`: seen at the next node start or ProgressBar update. */
  interrupt(): void {
    this.#interrupted = true;
    for (const wake of this.#onInterrupt.splice(0)) wake();
  }

  /** `e.reset()` of `free_memory`: drops every cached output and the files held in RAM. */
  reset(): void {
    this.#d.cache.clear();
    this.#d.gpu.releaseRam();
  }

  async execute(entry: QueueEntry, truth: PromptTruth): Promise<ExecutionOutcome> {
    const { hub, cache, clock } = this.#d;
    this.#interrupted = false; // a stale interrupt from idle time is cleared here
    const run = new PromptRun(entry, truth, hub, clock, this.#current, () => this.#interrupted, this.#d.faults);
    hub.clientId = run.owner;
    truth.executionStartMs = clock.nowMs();
    truth.executionStartEpochMs = clock.epochMs();
    run.addMessage('execution_start', { prompt_id: entry.promptId }, false);
    const prompt = entry.prompt;
    cache.setPrompt(prompt, (id) => this.#isChanged(prompt, id));
    const cachedNodes = Object.keys(prompt).filter((id) => cache.get(id) !== undefined);
    truth.cachedNodes = cachedNodes;
    run.addMessage('execution_cached', { nodes: cachedNodes, prompt_id: entry.promptId }, false);
    const currentOutputs = Object.keys(prompt);
    const list = new ExecutionList(
      prompt,
      (id) => cache.get(id) !== undefined,
      (id) => this.#isOutputNode(prompt, id),
    );
    for (const id of entry.outputs) list.addNode(id);
    let failure: Failure | undefined;
    while (!list.isEmpty) {
      const id = list.stage();
      if (id === undefined) {
        failure = {
          nodeId: Object.keys(prompt)[0] ?? '0',
          error: new SimNodeError('graph.DependencyCycleError', 'Dependency cycle detected', []),
          currentInputs: [],
        };
        break;
      }
      failure = await this.#executeNode(run, id);
      if (failure !== undefined) break;
      list.complete(id);
    }
    if (failure !== undefined) {
      const report = errorReport(failure, entry.promptId, prompt[failure.nodeId]?.class_type ?? '', run.executed, currentOutputs);
      if (report.oom) this.#d.gpu.unloadAll(); // "Got an OOM, unloading all loaded models."
      if (report.exceptionType !== undefined) truth.exceptionType = report.exceptionType;
      run.addMessage(report.event, report.data, report.broadcast);
    } else if (this.#current) {
      run.addMessage('execution_success', { prompt_id: entry.promptId }, false);
    }
    hub.lastNodeId = null;
    const interrupted = failure?.error instanceof SimInterrupt;
    truth.outcome = failure === undefined ? 'success' : interrupted ? 'interrupted' : 'error';
    return { success: failure === undefined, interrupted, statusMessages: run.statusMessages, ui: run.ui };
  }

  async #executeNode(run: PromptRun, id: NodeId): Promise<Failure | undefined> {
    const { hub, cache, clock } = this.#d;
    const node = run.entry.prompt[id];
    const classType = node?.class_type ?? '';
    const promptId = run.promptId;
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
      // A cached output node: its earlier UI output again, no executing, no cost.
      nodeTruth.cached = true;
      if (this.#current) run.toOwner('executed', { node: id, display_node: id, output: hit.ui ?? null, prompt_id: promptId });
      if (hit.ui !== undefined) run.ui.set(id, uiEntry(id, hit.ui));
      run.progress.finish(id);
      run.values.set(id, hit.outputs);
      this.#endNode(nodeTruth);
      return undefined;
    }
    run.progress.start(id);
    const inputs = this.#resolveInputs(run, id);
    if (run.owner !== null) hub.lastNodeId = id;
    run.toOwner('executing', this.#current ? { node: id, display_node: id, prompt_id: promptId } : { node: id, prompt_id: promptId });
    const def = this.#d.nodeDef(classType);
    const info = this.#d.nodeInfo(classType);
    let result;
    try {
      if (this.#interrupted) throw new SimInterrupt(); // before_node_execution
      if (this.#d.faults?.has('node-start') === true) {
        await this.#nodeStartFaults(classType);
        run.workDueMs = undefined; // a stall's time is the fault's, not to be made up
      }
      if (def === undefined || info === undefined) throw new SimNodeError('KeyError', `'${classType}'`, []);
      result = await runNode(def.exec, this.#context(run, id, classType, info, inputs, nodeTruth));
    } catch (error) {
      this.#endNode(nodeTruth);
      return { nodeId: id, error, currentInputs: formatInputs(node?.inputs ?? {}, inputs) };
    }
    if (result.ui !== undefined) {
      run.ui.set(id, uiEntry(id, result.ui));
      run.truth.outputFiles.push(...((result.ui.images as { filename: string; subfolder: string; type: string }[] | undefined) ?? []));
      run.toOwner(
        'executed',
        this.#current ? { node: id, display_node: id, output: result.ui, prompt_id: promptId } : { node: id, output: result.ui, prompt_id: promptId },
      );
    }
    if (def?.neverCached !== true) cache.set(id, { outputs: result.outputs, ...(result.ui !== undefined ? { ui: result.ui } : {}) });
    run.progress.finish(id);
    run.executed.push(id);
    run.values.set(id, result.outputs);
    this.#endNode(nodeTruth);
    return undefined;
  }

  /** Faults at node start: stall (silence, then on), stuck (until interrupted), oom. */
  async #nodeStartFaults(classType: string): Promise<void> {
    const faults = this.#d.faults?.at('node-start', classType) ?? [];
    for (const f of faults) {
      if (f.name === 'stall') await this.#d.clock.sleep((f.ms ?? 2000) * this.#d.opts.timeScale);
      if (f.name === 'stuck') {
        await new Promise<void>((resolve) => this.#onInterrupt.push(resolve));
        throw new SimInterrupt();
      }
      if (f.name === 'oom') {
        const gpu = this.#d.gpu;
        throw new SimOomError(gpu.oomText(gpu.availableBytes + 1), gpu.availableBytes + 1);
      }
    }
    if (this.#interrupted) throw new SimInterrupt();
  }

  #context(run: PromptRun, id: NodeId, classType: string, info: NodeInfo, inputs: Record<string, unknown>, nodeTruth: NodeTruth): NodeRunContext {
    const d = this.#d;
    const objectState = this.#objectState;
    const previewsOn = d.opts.previewMethod !== 'none';
    return {
      promptId: run.promptId,
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
        const ms = Math.max(0, unscaledMs) * (GPU_COMPUTE.has(component) ? d.opts.slowdown : 1);
        const scaled = ms * d.opts.timeScale;
        nodeTruth.serviceUnscaledMs[component] += ms;
        nodeTruth.serviceScaledMs[component] += scaled;
        run.truth.serviceUnscaledMs[component] += ms;
        run.truth.serviceScaledMs[component] += scaled;
        // The GPU keeps its own timeline: each piece ends `scaled` after the previous one was due,
        // so a late timer wake-up (1–2 ms each on a loaded host, over ~25 pieces a prompt: +40–75%
        // at time scale 0.05) is made up by the next sleep instead of adding to the service time.
        const now = d.clock.nowMs();
        const due = (run.workDueMs ?? now - realSpentMs) + scaled;
        run.workDueMs = due;
        await d.clock.sleep(due - now);
      },
      progress: (value, max, preview) => run.progressHook(id, value, max, preview),
      nodeObjectState(key: string, init: () => string): string {
        const k = `${id}:${classType}:${key}`;
        let v = objectState.get(k);
        if (v === undefined) {
          v = init();
          objectState.set(k, v);
        }
        return v;
      },
    };
  }

  #endNode(t: NodeTruth): void {
    t.endMs = this.#d.clock.nowMs();
    t.endEpochMs = this.#d.clock.epochMs();
  }

  #resolveInputs(run: PromptRun, id: NodeId): Record<string, unknown> {
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
