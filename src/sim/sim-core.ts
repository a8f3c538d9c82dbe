/**
 * The emulator's state in one place: options, folders, the simulated GPU, queue, history,
 * cache, executor, worker, sockets and ground truth. The HTTP routes and the ws server work on
 * it; `startSim` builds it and wires the servers.
 */
import { randomUUID } from 'node:crypto';
import type { NodeInfo, ObjectInfo } from '../comfy/http-types.js';
import type { SimNodeDef, ModelFolders } from './nodes/types.js';
import { NODE_REGISTRY } from './nodes/registry.js';
import { customPackNodes } from './nodes/registry-custom.js';
import type { NodeRegistry } from './nodes/types.js';
import { buildObjectInfo } from './nodes/object-info.js';
import { loadModelFolders } from './nodes/models.js';
import { RealClock } from './clock.js';
import type { SimClock } from './clock.js';
import { DataDir } from './data-dir.js';
import { installWsFaults, restartFaultAfterPrompt } from './fault-actions.js';
import { FaultPlan } from './faults.js';
import { GroundTruth } from './ground-truth.js';
import { HistoryStore } from './history-store.js';
import { OutputCache } from './output-cache.js';
import { getGpuProfile, ModelCatalog } from './profiles.js';
import { PromptExecutor } from './prompt-executor.js';
import { PromptQueue } from './prompt-queue.js';
import { PromptWorker } from './prompt-worker.js';
import { SeededRng } from './rng.js';
import { SimGpu } from './sim-gpu.js';
import type { ResolvedSimOptions } from './sim-options.js';
import { WsHub } from './ws-hub.js';

export class SimCore {
  readonly opts: ResolvedSimOptions;
  readonly clock: SimClock;
  readonly files: DataDir;
  readonly gpu: SimGpu;
  readonly catalog: ModelCatalog;
  readonly hub = new WsHub();
  readonly queue: PromptQueue;
  readonly history: HistoryStore;
  readonly cache: OutputCache;
  readonly executor: PromptExecutor;
  readonly worker: PromptWorker;
  readonly truth: GroundTruth;
  readonly faults: FaultPlan;
  readonly legacy: boolean;
  /** The server's `number` counter: +1 per POST /prompt, failed ones included. */
  promptCounter = 0;
  /** Set once listening; used for argv. */
  port = 0;
  /** Simulated restarts so far (`restart` fault). */
  restarts = 0;
  /** The listening port, set by `startSim`: a restart with downtime closes it for a while. */
  listener: { goDown(downMs: number): void } | undefined;
  readonly #modelFolders: Omit<ModelFolders, 'input'>;
  /** The built-in registry plus the custom packs of the options. */
  readonly #registry: NodeRegistry;

  constructor(opts: ResolvedSimOptions) {
    this.opts = opts;
    this.legacy = opts.protocol === 'legacy';
    this.#registry = { ...NODE_REGISTRY, ...customPackNodes(opts.customPacks, NODE_REGISTRY) };
    this.clock = opts.clock ?? new RealClock();
    this.files = new DataDir(opts.dataDir);
    this.gpu = new SimGpu(opts.gpuProfile ?? getGpuProfile(opts.gpu));
    this.catalog = ModelCatalog.load();
    this.#modelFolders = loadModelFolders();
    this.faults = new FaultPlan(opts.faults, opts.seed, () => this.worker.completedCount);
    this.truth = new GroundTruth(opts.timeScale, this.gpu.profile.id, opts.groundTruthPath, opts.groundTruthMax);
    this.gpu.onChange((snap, reason) => this.truth.sampleVram(snap, reason, this.runningPromptId(), this.clock.nowMs(), this.clock.epochMs()));
    this.queue = new PromptQueue(() => this.broadcastStatus());
    this.history = new HistoryStore(opts.historyMax);
    this.cache = new OutputCache(opts.cache);
    const rng = new SeededRng(opts.seed);
    this.executor = new PromptExecutor({
      hub: this.hub,
      gpu: this.gpu,
      cache: this.cache,
      catalog: this.catalog,
      files: this.files,
      clock: this.clock,
      rng,
      opts,
      truth: this.truth,
      nodeDef: (c) => this.nodeDef(c),
      nodeInfo: (c) => this.nodeInfo(c),
      faults: this.faults,
    });
    this.worker = new PromptWorker({
      queue: this.queue,
      history: this.history,
      hub: this.hub,
      executor: this.executor,
      gpu: this.gpu,
      clock: this.clock,
      truth: this.truth,
      timeScale: opts.timeScale,
      legacy: this.legacy,
      ...(this.faults.has('prompt-done') ? { afterPrompt: () => restartFaultAfterPrompt(this) } : {}),
    });
    installWsFaults(this);
  }

  /**
   * A process restart on the same port: pending prompts, history, cached outputs, loaded models,
   * the priority counter and every socket are gone. Called between prompts (nothing runs).
   * Ground truth marks the prompts that vanished as `lost`. With `downMs` the port is closed
   * (connections refused, open ones cut) for that long, as while a real process starts again.
   */
  restart(downMs = 0): void {
    this.restarts++;
    for (const e of [...this.queue.pending(), ...this.queue.running()]) {
      const t = this.truth.prompts.get(e.promptId);
      if (t !== undefined) t.outcome = 'lost';
    }
    this.queue.reset();
    this.history.clear();
    this.executor.reset();
    this.gpu.unloadAll();
    this.promptCounter = 0;
    this.hub.closeAll();
    this.hub.clientId = null;
    this.hub.lastNodeId = null;
    if (downMs > 0) this.listener?.goDown(downMs);
  }

  nodeDef(classType: string): SimNodeDef | undefined {
    return Object.hasOwn(this.#registry, classType) ? this.#registry[classType] : undefined;
  }

  /** Schema of a class for execution (outputs, output_node): enum lists do not matter here. */
  nodeInfo(classType: string): NodeInfo | undefined {
    return this.nodeDef(classType)?.info({ ...this.#modelFolders, input: [] });
  }

  /** Model folders plus the current input files (LoadImage's enum changes with uploads). */
  folders(): ModelFolders {
    return { ...this.#modelFolders, input: this.files.listInputs() };
  }

  objectInfo(): ObjectInfo {
    return buildObjectInfo(this.folders(), this.#registry);
  }

  /** `queue_updated()`: a status broadcast to every socket. */
  broadcastStatus(): void {
    this.hub.sendJson('status', { status: { exec_info: { queue_remaining: this.queue.remaining } } }, null);
  }

  runningPromptId(): string | null {
    return this.queue.running()[0]?.promptId ?? null;
  }

  /** A random sid for sockets that come without clientId. */
  static newSid(): string {
    return randomUUID().replace(/-/g, '');
  }
}
