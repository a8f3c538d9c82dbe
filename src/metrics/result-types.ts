/**
 * The shapes of a run's results as they are written to the results folder: one `PromptRecord`
 * per row of requests.csv, one `LevelSummary` per row of levels.csv, and `RunSummary` as
 * summary.json. Later commands (`compare`, `merge`, `report`, the k6 output path) read these
 * files back, so every field is plain JSON and every time carries its unit in its name.
 * Type-only module.
 */
import type { MarkSource, Outcome } from '../comfy/marks.js';
import type { MetricName, PromptMetricName } from './metric-names.js';
import type { SwapKind } from './model-swaps.js';
import type { RunThresholdResult } from './run-thresholds.js';

/** Warm-up prompts are recorded and reported apart from the measured ones. */
export type Phase = 'warmup' | 'measure';

/** Lifecycle marks of one prompt, in ms since the run start (the recorder clock's origin). */
export interface RelativeMarks {
  intendedSendMs?: number;
  sentMs?: number;
  ackMs?: number;
  executionStartMs?: number;
  cachedMs?: number;
  firstStepMs?: number;
  completedMs?: number;
  outputFetchedMs?: number;
  /** Server epoch ms of `execution_start` (server clock, not relative). */
  serverStartTs?: number;
  /** Server epoch ms of the terminal event (server clock, not relative). */
  serverEndTs?: number;
}

/** Per-prompt metric values in ms; a metric absent here was not measurable for this prompt. */
export type PromptMetricValues = Partial<Record<PromptMetricName, number>>;

/**
 * Things worth a second look about one prompt:
 * `suspectCached`: finished ok with no sampler step (the server served it from its cache);
 * `fromHistory`: marks were recovered from `/history` after a socket loss;
 * `duplicateEvents`: the socket delivered some events twice;
 * `lateEvents`: the server's events went on after the harness gave up (timeout, lost);
 * `ackAfterStart`: the POST reply arrived after execution had started.
 */
export type PromptFlag = 'suspectCached' | 'fromHistory' | 'duplicateEvents' | 'lateEvents' | 'ackAfterStart';

/** One row of requests.csv: everything known about one submitted prompt. */
export interface PromptRecord {
  runId: string;
  /** Index into `RunSummary.targets`. */
  target: number;
  /** Index into `RunSummary.levels` (warm-up prompts carry the level they precede). */
  level: number;
  concurrency: number;
  phase: Phase;
  /** Submission order within the run, from 0. */
  seq: number;
  /** A mixed workload (`run --mix`): the workflow this prompt drew, index into `RunSummary.mix.workflows`. */
  workflow?: number;
  promptId: string;
  clientId: string;
  marks: RelativeMarks;
  timings: PromptMetricValues;
  /** Each sampler node's start (`executing` → first progress), in order, ms. */
  samplerStartsMs: number[];
  /** Sampler step intervals of this prompt (after each node's first step), in order, ms. */
  stepIntervalsMs: number[];
  outcome: Outcome;
  /** Human detail of a non-ok outcome (exception message, rejection reason), else ''. */
  outcomeDetail: string;
  cachedNodeCount: number;
  stepCount: number;
  /** Images returned by the output nodes (a batch of 4 counts 4). */
  imagesOut: number;
  source: MarkSource;
  flags: PromptFlag[];
  /**
   * Highest used VRAM (bytes, primary device) among the VRAM samples taken between this prompt's
   * `execution_start` and its completion; absent when no sample fell in that window.
   */
  vramPeakBytes?: number;
}

/** Distribution figures of one metric, all in ms except `count`. Read from an HDR histogram. */
export interface MetricSummary {
  count: number;
  min: number;
  mean: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  max: number;
  stddev: number;
}

/** Counts by outcome string (`ok`, `error:OOM`…); only outcomes that occurred appear. */
export type OutcomeCounts = Record<string, number>;

export interface Throughput {
  /** `ok` prompts per second of the level's duration. */
  promptsPerSec: number;
  /** Images out of `ok` prompts (batch size counted) per minute of the level's duration. */
  imagesPerMin: number;
  /** Sampler steps of `ok` prompts per second (steps × prompts / wall time, not step time). */
  samplerStepsPerSec: number;
}

/** One row of levels.csv and one entry of `RunSummary.levels` (all targets merged). */
export interface LevelSummary {
  level: number;
  concurrency: number;
  phase: Phase;
  /** First submission and last settlement, ms since the run start. */
  startedMs: number;
  endedMs: number;
  durationMs: number;
  submitted: number;
  /** `outcomes.ok`, repeated for readers that only want the headline. */
  ok: number;
  /**
   * Every settled prompt that does not count as ok (`cached` included: it did no GPU work —
   * except under `--cache-mode allow`, where a cache hit is what is measured and counts as ok).
   */
  notOk: number;
  outcomes: OutcomeCounts;
  /**
   * Prompts settled from `/history` (a socket drop, a quiet look-up): their outcomes count, but
   * their completion time is the look-up's, so their client-side latencies are not in `metrics`.
   */
  settledFromHistory: number;
  throughput: Throughput;
  /** Metrics with at least one sample. */
  metrics: Partial<Record<MetricName, MetricSummary>>;
  /** The .hlog tag of each metric's histogram for this level (target `all` merged: see tags). */
  histogramTags: Partial<Record<MetricName, string[]>>;
  /** VRAM figures of the samples taken between the level's first submission and last settlement. */
  vram?: VramFigures;
  /** Open loop: the arrival rate the level aimed at (a ramping stage's end rate), per s. */
  ratePerSec?: number;
  /** Open loop: arrivals (sent and dropped) per second of the level's arrival span. */
  offeredPerSec?: number;
  /** Present on a fleet's per-target summaries (`RunSummary.targetLevels`): the target index. */
  target?: number;
  /** Present on a mix's per-workflow summaries (`RunSummary.workflowLevels`): the workflow index. */
  workflow?: number;
}

/** Open loop, per level: arrivals, queue depth, Little's law and how queue wait grew. */
export interface OpenLoopLevelReport {
  level: number;
  /** Planned rate (a ramping stage's end rate), per s. */
  ratePerSec: number;
  /** Arrivals of the level (sent and dropped) per second of its arrival span. */
  offeredPerSec: number;
  arrivals: number;
  /** Arrivals that found `--max-in-flight` prompts outstanding and were not sent. */
  dropped: number;
  /** How late the scheduler fired arrivals (its own event-loop lag), ms; read from an HDR histogram (within 0.1 % + 1 µs). */
  schedulerLateP99Ms: number;
  /** Time-averaged server `queue_remaining` over the level, summed over targets. */
  meanQueueDepth?: number;
  /** Little's law: mean queue depth vs throughput × mean time in the server (POST sent → completion). */
  littleLaw?: { meanInSystem: number; predicted: number; ratio: number; holds: boolean; tolerance: number };
  /** Least-squares slope of corrected queue wait against intended send time: ms of wait added per s. */
  queueWaitSlopeMsPerSec?: number;
  queueWaitSlopeR2?: number;
  /** p99 of completion from the intended send (corrected) and from the actual send (uncorrected), ms. */
  completionP99Ms?: number;
  completionUncorrectedP99Ms?: number;
}

/**
 * What a device's memory figures are: `vram` of a GPU, or `system-ram` when the device is the CPU
 * (ComfyUI `--cpu` reports the machine's RAM as its device's total and free, and as torch's).
 */
export type MemoryKind = 'vram' | 'system-ram';

/** One device's memory in one `/system_stats` reading. Bytes. */
export interface VramDeviceReading {
  /** Position in the server's `devices` list (0 = primary). */
  device: number;
  name: string;
  /** Absent in samples read from files written before it was recorded (then `vram`). */
  memory?: MemoryKind;
  vramTotalBytes: number;
  /** `vram_total − vram_free`: counts torch's reserved-but-unused pool as free (nvidia-smi does not). */
  vramUsedBytes: number;
  /** `torch_vram_total`: what torch's caching allocator has reserved (0 on the CPU, where the server reports RAM instead). */
  torchReservedBytes: number;
  /** `torch_vram_total − torch_vram_free`: what live tensors hold (0 on the CPU). */
  torchActiveBytes: number;
}

/** One row group of vram.csv: a `/system_stats` poll and what the run was doing then. */
export interface VramSample {
  /** Index into `RunSummary.targets` of the server polled (absent in files of one target: 0). */
  target?: number;
  /** ms since the run start, midpoint of the poll's request and reply. */
  atMs: number;
  /** Round trip of the poll, ms. */
  pollMs: number;
  level: number;
  phase: Phase;
  concurrency: number;
  /** Prompts of this run submitted and not yet settled at the sample. */
  inFlight: number;
  ramTotalBytes: number;
  /** `ram_total − ram_free`. */
  ramUsedBytes: number;
  devices: VramDeviceReading[];
}

/** Used VRAM (primary device) over a set of samples, bytes. */
export interface VramFigures {
  samples: number;
  peakUsedBytes: number;
  meanUsedBytes: number;
  /** Nearest-rank 95th percentile of the samples. */
  p95UsedBytes: number;
  peakTorchReservedBytes: number;
  peakTorchActiveBytes: number;
  peakRamUsedBytes: number;
}

/** Linear fit of used VRAM after each measured prompt against the prompt's completion order. */
export interface VramDrift {
  /** Measured prompts that had a VRAM sample after their completion (the fitted points). */
  prompts: number;
  slopeMbPer100Prompts: number;
  /** Coefficient of determination of the fit (0..1). */
  r2: number;
  /** True when the rule in `rule` says memory keeps growing (the leak pattern). */
  flagged: boolean;
  rule: string;
}

/** How one target's memory was sampled and what it showed over the whole run. */
export interface TargetVram {
  target: number;
  /** `system-ram` when the target runs on the CPU: every figure is then the machine's RAM. */
  memory: MemoryKind;
  samples: number;
  skippedTicks: number;
  failedPolls: number;
  devices: { device: number; name: string; vramTotalBytes: number }[];
  overall: VramFigures | null;
  drift: VramDrift | null;
  /** Why no drift verdict was given (a CPU server's RAM is the whole machine's, not the server's). */
  driftSkipped?: string;
}

/**
 * summary.json `vram`: how VRAM was sampled and what it showed over the whole run. The top-level
 * figures are the first target's (a level's figures too); `targets` has every target's.
 */
export interface RunVram {
  intervalMs: number;
  /** Polls answered and recorded. */
  samples: number;
  /** Timer ticks skipped because the previous poll had not answered yet. */
  skippedTicks: number;
  failedPolls: number;
  /** What `vramUsedBytes` means (it is not nvidia-smi's figure). */
  usedDefinition: string;
  devices: { device: number; name: string; vramTotalBytes: number }[];
  /** Every sample of the run (warm-up included); null without samples. */
  overall: VramFigures | null;
  drift: VramDrift | null;
  /** The first target's memory kind (`system-ram` on a CPU server). */
  memory?: MemoryKind;
  driftSkipped?: string;
  /** Every target, in target order (absent in files written before fleets were sampled per target). */
  targets?: TargetVram[];
}

/** One device of a target's `/system_stats`, as the fingerprint records it. */
export interface DeviceInfo {
  /** Position in `/system_stats` `devices` (0 = the device ComfyUI runs on). */
  index: number;
  /** GPU name without the `cuda:0` prefix and allocator suffix, or `cpu`. */
  name: string;
  /** `cuda`, `cpu`, `mps`, `xpu`… as the server reports it. */
  type: string;
  /** The allocator named in the device string (`cudaMallocAsync`, `native`), or ''. */
  allocator: string;
  /** Device memory as the server reports it; for a `cpu` device this is the machine's RAM. */
  vramTotalBytes: number;
}

/** What one target is: its devices, memory, software and flags (from its `/system_stats`). */
export interface TargetFingerprint {
  /** GPU name(s) of this target (distinct ones joined by ` + `), or `cpu`. */
  gpu: string;
  /** GPU devices (cpu entries not counted). */
  gpuCount: number;
  /**
   * True when ComfyUI runs on the CPU (`--cpu`): its device is `cpu` and every "VRAM" figure of
   * `/system_stats` is the machine's RAM.
   */
  cpu: boolean;
  devices: DeviceInfo[];
  ramTotalBytes: number;
  comfyuiVersion: string;
  pytorchVersion: string;
  pythonVersion: string;
  /** Server command line (`--lowvram`, `--cache-*`, `--cpu`…). */
  serverArgv: string[];
}

export interface TargetInfo {
  index: number;
  kind: 'emulator' | 'server';
  /** Base URL, credentials stripped. */
  url: string;
  /** This target's devices, versions and flags; absent in files written before fleets were fingerprinted. */
  fingerprint?: TargetFingerprint;
  /** This target's node packs, extensions and feature flags; absent when not read. */
  inventory?: ServerInventory;
}

/** How the histograms in histograms.hlog were recorded, so a reader can interpret them. */
export interface HistogramSettings {
  file: string;
  /** Recorded values are integer microseconds. */
  valueUnit: 'us';
  /** Divide recorded values by this for ms (also the Interval_Max divisor in the log). */
  msRatio: 1000;
  lowestDiscernibleValue: number;
  highestTrackableValue: number;
  significantDigits: number;
  /** Documented in src/metrics/histogram-key.ts, e.g. `completionMs@t0-L3-c4-measure` (L3, numbered from 1). */
  tagScheme: string;
}

export type ResultFileKind =
  'summary' | 'levels' | 'requests' | 'hlog' | 'hgrm' | 'vram' | 'report' | 'queue' | 'targets' | 'trials' | 'capacity' | 'workflows' | 'swaps';

export interface ResultFile {
  kind: ResultFileKind;
  /** Relative to the results folder. */
  path: string;
}

/** Plain-JSON copy of the run's settings (never headers or credentials). */
export interface RunSettings {
  mode: 'closed-loop' | 'open-loop' | 'capacity';
  /** Open loop: the arrival model (absent in closed loop). */
  openLoop?: {
    arrival: string;
    burstiness?: number;
    ratesPerSec?: number[];
    startRatePerSec?: number;
    stages?: { ratePerSec: number; durationMs: number }[];
    maxInFlight: number;
    dispatch: string;
  };
  /** The (first) workflow; a mix lists all of them in `mix`. */
  workflowPath: string;
  /** `run --mix`: every workflow with its weight, and the order prompts take. */
  mix?: { workflows: { name: string; path: string; weight: number }[]; order: string };
  levels: { concurrency: number }[];
  promptsPerLevel?: number;
  durationMs?: number;
  warmupPrompts: number;
  seedPolicy: string;
  seed: number;
  /** `defeat`, `allow` (cache hits are measurements) or `audit`; absent in older files (`defeat`). */
  cacheMode?: string;
  maxErrorRate: number;
  fetchOutputs: boolean;
  promptTimeoutMs: number;
  labels: Record<string, string>;
}

/** The measured levels added up (the warm-up is apart, in `RunSummary.warmup`). */
export interface RunTotals {
  submitted: number;
  ok: number;
  notOk: number;
  outcomes: OutcomeCounts;
  settledFromHistory: number;
}

/** A JSON value as a server sent it. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/**
 * Where a node class comes from, by its `python_module`: `core` = `nodes` (nodes.py), `extras` =
 * `comfy_extras.*`, `api` = `comfy_api_nodes.*` (the paid API nodes), `custom` =
 * `custom_nodes.<pack>…`, `other` = any other module, `unknown` = no `python_module` (servers
 * before mid-2024 did not send it).
 */
export type NodePackKind = 'core' | 'extras' | 'api' | 'custom' | 'other' | 'unknown';

/** The node classes of one pack in `/object_info`. */
export interface NodePack {
  /** `nodes`, `comfy_extras`, `comfy_api_nodes`, the custom pack's folder (`ComfyUI-Impact-Pack`) or the other module's first part. */
  pack: string;
  kind: NodePackKind;
  /** Node classes registered from it. */
  classes: number;
  /** The distinct `python_module` values of those classes, sorted. */
  modules: string[];
}

/** One server endpoint the inventory could not read, and why (`GET /features answered 404`). */
export interface UnreadEndpoint {
  endpoint: string;
  reason: string;
}

/**
 * What else runs inside one ComfyUI server: its node packs (from `/object_info`), its frontend
 * extension scripts (`/extensions`) and its feature flags (`/features`). Custom node packs patch
 * samplers, attention and model loading, so two servers differing here are different servers.
 */
export interface ServerInventory {
  /** Node classes in `/object_info`. */
  nodeClasses: number;
  /** Core first, then comfy_extras, API nodes, custom packs (by name), other modules. */
  nodePacks: NodePack[];
  /**
   * SHA-256 of the canonical JSON (keys sorted) of the whole `/object_info`, except the file
   * lists of upload inputs (LoadImage's input folder), which change with every upload, ours
   * included. A changed node signature, a new model file or another pack changes it.
   */
  nodeRegistrySha256: string;
  /** `/extensions` as the server listed it; null when it could not be read. */
  extensions: string[] | null;
  /** `/features` as the server gave it; null when it could not be read (servers before 2025-07). */
  features: Record<string, JsonValue> | null;
  /** Endpoints that could not be read (empty when all were). */
  unread: UnreadEndpoint[];
}

/**
 * summary.json's `environment`: flat `key: value` strings (GPU, versions, argv, workflow hash,
 * labels…) and, from this version on, `serverInventory`, typed. Older files have only strings.
 */
export interface RunEnvironment {
  [key: string]: string | ServerInventory | undefined;
  /** The first target's inventory; absent in files written before it was recorded. */
  serverInventory?: ServerInventory;
}

/** summary.json. Bump `schemaVersion` on any change a reader must know about. */
export interface RunSummary {
  /**
   * 3. In memory every `level` is the index (0 = L1); summary.json numbers them from 1 (`levels[0].level`
   * is 1, the warm-up 0: src/metrics/level-number.ts). Versions 1 and 2 (the index in the file,
   * keyed objects; 1: levels keyed by index, environment all strings) are read as 3.
   */
  schemaVersion: 3;
  harness: { name: 'comfyload'; version: string };
  runId: string;
  name: string;
  /** ISO 8601 UTC. */
  startedAt: string;
  endedAt: string;
  /** Epoch ms of the run start (the origin of every relative ms in the results). */
  startTimeEpochMs: number;
  durationMs: number;
  settings: RunSettings;
  targets: TargetInfo[];
  /** Measured levels in level order (`levels[0]` is L1); a partial run may lack the last ones. */
  levels: LevelSummary[];
  /** Warm-up prompts, all together; null when none ran. Never in `totals` or the error-rate gate. */
  warmup: LevelSummary | null;
  /** The measured levels only. */
  totals: RunTotals;
  /** True when the run stopped early (interrupt, fatal error); `partialReason` says why. */
  partial: boolean;
  partialReason?: string;
  histograms: HistogramSettings;
  files: ResultFile[];
  /** Environment fingerprint, filled by the fingerprint step. */
  environment: RunEnvironment;
  /** VRAM sampling and its figures; absent when the sampler did not run. */
  vram?: RunVram;
  /** Warnings shown during the run (cached prompts, reconnects, VRAM drift…). */
  warnings?: string[];
  /** Open loop: per level arrivals, drops, queue depth, Little's law and queue-wait slope. */
  openLoop?: OpenLoopLevelReport[];
  /** Fleets (several targets): each target's levels, by target index, each in level order (`targetLevels[0][0]`: target 0's L1). */
  targetLevels?: LevelSummary[][];
  /** A mixed workload: its workflows, their shares and the model swaps between them. */
  mix?: RunMix;
  /** A mixed workload: each workflow's levels, by workflow (`mix.workflows` order), each in level order (workflows.csv holds the same). */
  workflowLevels?: LevelSummary[][];
  /** `comfyload capacity`: the search's outcome (capacity.json holds the same). */
  capacity?: CapacityResult;
  /** Which engine sent the load (absent in folders written before engines were recorded: node). */
  engine?: 'node' | 'k6';
  /** The k6 engine's facts: k6's version and exit code, the sizing, k6's threshold verdicts. */
  k6?: RunK6;
  /** `run --threshold`: each rule's verdict, figure and confidence (k6's own verdict where k6 judged it). */
  thresholds?: RunThresholdResult[];
  /** `comfyload merge`: the folders this one was merged from, and how. */
  merge?: MergeInfo;
}

/** summary.json `k6`. */
export interface RunK6 {
  /** k6's version (`0.49.0`), from `k6 version` or, after import-k6, from k6's User-Agent. */
  version: string;
  binary: string;
  /** k6's exit code (99: a threshold failed); null after import-k6 or when k6 was killed. */
  exitCode: number | null;
  /** `--execution-segment` of this k6 process ('' for the whole test). */
  executionSegment: string;
  /** The completion time the level slots were sized from, and how it was obtained. */
  expectedCompletionMs: number;
  sizing: string;
  /** k6's own verdict per threshold (`metric` is the k6 sub-metric, `expression` k6's). */
  thresholds: { metric: string; expression: string; ok: boolean }[];
  /** Arrivals k6 dropped (no free VU): counted as `dropped` prompts. */
  droppedIterations: number;
  /** Prompts submitted that k6 cut before they settled (counted as `lost`). */
  unsettled: number;
  /** The bundled scenario k6 ran. */
  script: string;
}

/** summary.json `merge`. */
export interface MergeInfo {
  inputs: { dir: string; runId: string; engine: 'node' | 'k6'; executionSegment: string; startedAt: string }[];
  /** How the inputs were combined, in words. */
  rules: string[];
  /** k6 execution segments that make up the merged k6 test(s); where they do not cover 0:1 the result is a part of the plan. */
  segmentCoverage?: string;
}

/** One trial of a capacity search at one arrival rate. */
export interface CapacityTrial {
  /** 1-based, the same number in the console, trials.csv, capacity.json and the report (and the level in requests.csv). */
  trial: number;
  /** Level index of the trial (= trial; the probe is index 0); files number it from 1 (`levelNumber`: trial 1 is level 2 in levels.csv, trials.csv, capacity.json). */
  level: number;
  /** The session that ran it: 1, then 2 for the first `capacity --resume`… (absent in folders written before resume existed). */
  session?: number;
  ratePerSec: number;
  phase: 'grow' | 'shrink' | 'bisect' | 'below' | 'above';
  /** `stopped`: the run (Ctrl-C, a fault, a budget) ended the trial before its judge decided; no evidence either way, and `capacity --resume` runs it again. */
  verdict: 'pass' | 'fail' | 'stopped';
  /** `stable`, `slo-met-unstable`, `slo-failed:<slo>`, `saturated`, `unstable`, `stopped`. */
  reason: string;
  /** Decided at the confidence (binomial): a certain pass or failure; else decided by a trend or on what was seen. */
  confident: boolean;
  /** The verdict in one line: `trial 2 at 283.9/min: FAIL — <rule and figures> (<each SLO's observed percentile>)`. */
  explanation: string;
  windows: number;
  windowMs: number;
  durationMs: number;
  /** Every arrival of the trial = ok + failed + cut. */
  arrivals: number;
  ok: number;
  /** Ended in any other outcome than ok (errors, timeouts, drops by --max-in-flight): failures of the server or the plan. */
  failed: number;
  /** Cancelled by the search itself once the trial was decided (not failures). */
  cut: number;
  /** Of the arrivals, those of the first (settling) window: counted above, never evidence. */
  settling: number;
  /** Measured prompts judged against the SLOs (after the settling window, cut ones excluded). */
  judged: number;
  /** Of the judged, ok and meeting every SLO. */
  good: number;
  dropped: number;
  throughputPerSec: number;
  /** ratePerSec × good / judged: never above the rate. */
  goodputPerSec: number;
  slos: { slo: string; samples: number; over: number; observedMs: number | null; required: number; verdict: 'pass' | 'fail' | 'undecided' }[];
  queueWaitSlopeMsPerSec: number | null;
  /** Σ server-side execution time of the trial's prompts, ms. */
  gpuMs: number;
}

export interface CapacityResult {
  slos: string[];
  confidence: number;
  /** Early-stopping minimum count per SLO (no sample over the threshold). */
  minSamples: Record<string, number>;
  arrival: string;
  burstiness?: number;
  /** Probe: closed loop, one prompt at a time per target. */
  probe: { prompts: number; meanServiceMs: number; estimatedServiceRatePerSec: number; percentiles: Record<string, number | null> };
  /** Set when the search refused to start (the probe shows no rate can meet an SLO): why, in one line. */
  refused?: string;
  /** Set when the search stopped before it was done (--max-minutes, --max-trials): why. */
  stoppedEarly?: string;
  /** Expected duration range printed before the first trial, ms. */
  expectedMs: { min: number; max: number };
  /** The queue model's max rate (from every measured service time), per s; null when no SLO is modelled. */
  modelRatePerSec: number | null;
  /** Highest rate meeting every SLO (null when none), per s and per min; `maxRateRule` says how it was found. */
  maxRatePerSec: number | null;
  maxRatePerMin: number | null;
  maxRateRule: string;
  /** Goodput at the max rate: max rate × good / judged of `goodputTrial` (the passing trial nearest the max rate): ≤ the max rate. */
  goodputPerSec: number | null;
  goodputTrial: number | null;
  /** The knee of the throughput curve: the most any trial served once served fell below offered; `kneeRule` says how. */
  kneePerSec: number | null;
  kneeRule: string;
  /** Lowest failing rate above the max rate. */
  firstFailRatePerSec: number | null;
  precision: number;
  /** GPU time the search spent (probe and warm-up included), and what an 8-level grid would. */
  gpuMs: number;
  gridGpuMs: number;
  gridRule: string;
  rules: string[];
  /** A resumed search (`capacity --resume`): every session, its trials, GPU time and files; absent for a search of one session. */
  sessions?: CapacitySession[];
  trials: CapacityTrial[];
}

/** One session of a capacity search: the first, and each `--resume` that continued it. */
export interface CapacitySession {
  /** 1 for the search's first session, 2 for the first resume… */
  session: number;
  /** Its decided trials, by number. */
  trials: number[];
  /** GPU time it spent (its warm-up, the probe in session 1, its trials, a trial stopped unfinished), ms. */
  gpuMs: number;
  /** Where its requests.csv, levels.csv, histograms… are, relative to the results folder: `session-1/`; `.` for the last. */
  files: string;
}

/** One workflow of a mixed workload, with what the run gave it. */
export interface MixWorkflowResult {
  /** Position in --workflow order: `w<index>` in histogram tags, `workflow` of PromptRecord. */
  index: number;
  /** The file name without `.json`: requests.csv's `workflow` column, `--mix a=75%` names. */
  name: string;
  path: string;
  /** SHA-256 of the graph that was sent (canonical JSON, after preflight). */
  sha256: string;
  /** Model files the workflow names: a prompt whose models differ from the one before it on its server is a swap. */
  models: string[];
  weight: number;
  /** weight / Σ weights. */
  plannedShare: number;
  /** Measured prompts that drew this workflow / all measured prompts (dropped arrivals included). */
  share: number;
  /** This workflow's measured prompts added up over the levels. */
  totals: RunTotals;
}

/** summary.json `mix`. */
export interface RunMix {
  workflows: MixWorkflowResult[];
  /** `random`, `alternate` or `batched:N`. */
  order: string;
  swaps: RunSwaps;
}

/** summary.json `mix.swaps` (swaps.csv holds the kinds). */
export interface RunSwaps {
  /** How swaps were found and costed, in words. */
  rule: string;
  /** Every prompt that ran after a prompt of another model on its server (warm-up included). */
  swapCount: number;
  /** Of those, the measured-phase prompts. */
  measuredSwapCount: number;
  /** Prompts that ran (execution started) and so took part in the order. */
  executedPrompts: number;
  /** Prompts that were the first of their model on their server (cold starts: not swaps). */
  coldCount: number;
  /** Per `A→B`, named by workflow (workflows that share their models are one name joined by `/`). */
  kinds: SwapKind[];
}
