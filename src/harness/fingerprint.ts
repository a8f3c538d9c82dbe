/**
 * The environment fingerprint: what exactly was measured. It names the results folder
 * (`<gpu>/<model-config>`) and heads every result file, so numbers from different GPUs, models,
 * versions or server flags are never mixed up. Public GPU tables vary by a third on one GPU
 * because of software, so versions and the server's flags are part of it.
 *
 * Every target is fingerprinted (a fleet of a 4090 and an L4 is named and described as both), a
 * server started with `--cpu` is marked as such (its "VRAM" is the machine's RAM), and the built-in
 * emulator's settings, faults included, are part of it: a faulty run must say it was one.
 * The text forms (CSV comment lines, summary.json's flat environment) are in fingerprint-text.ts.
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from '../comfy/workflow.js';
import type { ApiWorkflow, SystemStats } from '../comfy/http-types.js';
import type { DeviceInfo, ServerInventory, TargetFingerprint } from '../metrics/result-types.js';
import { workflowFacts, type WorkflowModels } from '../comfy/workflow-facts.js';

export type { WorkflowModels } from '../comfy/workflow-facts.js';
export { fingerprintComments, fingerprintEnvironment, inventoryComments, targetSummaryFingerprint } from './fingerprint-text.js';

/** A device of one target; `target` is its target's index. */
export interface FingerprintDevice extends DeviceInfo {
  target: number;
}

/** One target as the fingerprint holds it: what its /system_stats says, its inventory and how it is named. */
export interface FingerprintTarget extends TargetFingerprint {
  index: number;
  /** `emulator` or the target's URL, as the result files name it. */
  label: string;
  serverInventory?: ServerInventory;
}

/** The built-in emulator's settings, when it was the target. */
export interface EmulatorSettings {
  /** GPU profile id (`rtx-4090`, `cpu`…). */
  gpu: string;
  timeScale: number;
  /** Injected faults as `--sim-fault` spells them (`ws-drop:every=50`); empty when none. */
  faults: string[];
}

/** One target's answers, as the session read them. */
export interface TargetReading {
  stats: SystemStats;
  label: string;
  inventory?: ServerInventory;
}

export interface FingerprintInput {
  /** Every target, in target order (at least one). */
  targets: TargetReading[];
  workflow: ApiWorkflow;
  workflowPath: string;
  harnessVersion: string;
  labels: Record<string, string>;
  emulator?: EmulatorSettings;
}

export interface Fingerprint {
  /** GPU name(s) of every target: one name, or distinct names joined by ` + `. */
  gpu: string;
  /** GPU devices of every target (cpu entries not counted). */
  gpuCount: number;
  /** Every device of every target. */
  devices: FingerprintDevice[];
  /** Each target on its own, in target order. */
  targets: FingerprintTarget[];
  /** True when some target runs on the CPU (`--cpu`). */
  cpu: boolean;
  /** The first target's RAM (each target's is in `targets`). */
  ramTotalBytes: number;
  /** Versions: one value, or the distinct values of the targets joined by ` + `. */
  comfyuiVersion: string;
  pytorchVersion: string;
  pythonVersion: string;
  /** The first target's command line (each target's is in `targets`). */
  serverArgv: string[];
  harnessVersion: string;
  workflowPath: string;
  /** SHA-256 of the workflow's canonical JSON (sorted keys). */
  workflowSha256: string;
  /** Every model file, all kinds together, in kind order. */
  models: string[];
  modelsByKind: WorkflowModels;
  /** `WxH` of the sampler's latent, or `none` when the graph does not say. */
  resolution: string;
  /** Literal steps (distinct ones joined by `+`), or `none`. */
  steps: string;
  batchSize: number;
  sampler: string;
  scheduler: string;
  /** Folder-safe names derived from the above, overridable with labels `gpu=` / `model-config=`. */
  gpuSlug: string;
  modelConfigSlug: string;
  labels: Record<string, string>;
  /** The first target's node packs, frontend extensions and feature flags; absent when not read. */
  serverInventory?: ServerInventory;
  emulator?: EmulatorSettings;
}

const MODEL_EXTENSION = /\.(safetensors|ckpt|pt|pth|bin|gguf|sft)$/i;

export function buildFingerprint(input: FingerprintInput): Fingerprint {
  const { workflow, labels } = input;
  const targets = input.targets.map((t, index) => targetFingerprint(t, index));
  const first = targets[0];
  if (first === undefined) throw new TypeError('buildFingerprint needs at least one target');
  const devices = targets.flatMap((t) => t.devices.map((d) => ({ ...d, target: t.index })));
  const facts = workflowFacts(workflow);
  const { models, modelsByKind, batchSize } = facts;
  const main = modelsByKind.checkpoint[0] ?? modelsByKind.unet[0] ?? models[0];
  const modelStem = main?.replace(MODEL_EXTENSION, '') ?? 'no-model';
  const loraPart = modelsByKind.lora.length > 0 ? `-lora${modelsByKind.lora.length}` : '';
  // What the graph does not say is left out of the name, never spelled as a placeholder.
  const configParts = [
    `${modelStem}${loraPart}`,
    ...(facts.resolution !== undefined ? [facts.resolution] : []),
    ...(facts.steps !== undefined ? [`${facts.steps}steps`] : []),
    `b${batchSize}`,
  ];
  const joined = (pick: (t: FingerprintTarget) => string): string => unique(targets.map(pick)).join(' + ');
  return {
    gpu: joined((t) => t.gpu),
    gpuCount: targets.reduce((n, t) => n + t.gpuCount, 0),
    devices,
    targets,
    cpu: targets.some((t) => t.cpu),
    ramTotalBytes: first.ramTotalBytes,
    comfyuiVersion: joined((t) => t.comfyuiVersion),
    pytorchVersion: joined((t) => t.pytorchVersion),
    pythonVersion: joined((t) => t.pythonVersion),
    serverArgv: first.serverArgv,
    harnessVersion: input.harnessVersion,
    workflowPath: input.workflowPath,
    workflowSha256: createHash('sha256').update(canonicalJson(workflow)).digest('hex'),
    models,
    modelsByKind,
    resolution: facts.resolution ?? 'none',
    steps: facts.steps ?? 'none',
    batchSize,
    sampler: facts.sampler ?? 'none',
    scheduler: facts.scheduler ?? 'none',
    gpuSlug: labels['gpu'] !== undefined ? slug(labels['gpu']) : gpuSlugOf(targets),
    modelConfigSlug: slug(labels['model-config'] ?? `${configParts.join('-')}${matrixPart(labels['matrix'])}`),
    labels,
    ...(first.serverInventory !== undefined ? { serverInventory: first.serverInventory } : {}),
    ...(input.emulator !== undefined ? { emulator: { ...input.emulator, faults: [...input.emulator.faults] } } : {}),
  };
}

/** One target's fingerprint from its `/system_stats`. */
export function targetFingerprint(reading: TargetReading, index: number): FingerprintTarget {
  const { stats } = reading;
  const devices = stats.devices.map((d, i) => parseDevice(d.name, d.type, d.vram_total, i));
  const gpus = devices.filter((d) => d.type !== 'cpu');
  return {
    index,
    label: reading.label,
    gpu: unique((gpus.length > 0 ? gpus : devices).map((d) => d.name)).join(' + ') || 'unknown',
    gpuCount: gpus.length,
    // ComfyUI's first device is the one it runs on; with --cpu it is the only one, named `cpu`.
    cpu: devices[0]?.type === 'cpu',
    devices,
    ramTotalBytes: typeof stats.system.ram_total === 'number' ? stats.system.ram_total : 0,
    comfyuiVersion: stats.system.comfyui_version ?? 'unknown',
    // Servers before mid-2024 (and the legacy emulator) send no pytorch_version.
    pytorchVersion: (stats.system.pytorch_version as string | undefined) ?? 'unknown',
    pythonVersion: stats.system.python_version,
    serverArgv: stats.system.argv ?? [],
    ...(reading.inventory !== undefined ? { serverInventory: reading.inventory } : {}),
  };
}

/**
 * The `<gpu>` folder: one target keeps its full GPU name (`nvidia-geforce-rtx-4090`, `2x-…` for a
 * two-GPU server, `cpu`); a fleet is named for what it is, by short names, alike ones counted —
 * `2x-rtx-4090` for two 4090 servers, `rtx-4090+l4` for a 4090 and an L4.
 */
function gpuSlugOf(targets: readonly FingerprintTarget[]): string {
  if (targets.length === 1) {
    const t = targets[0] as FingerprintTarget;
    return slug(`${t.gpuCount > 1 ? `${t.gpuCount}x-` : ''}${t.gpu}`);
  }
  const counts = new Map<string, number>();
  for (const t of targets) {
    const names = t.devices.filter((d) => d.type !== 'cpu').map((d) => d.name);
    for (const name of names.length > 0 ? names : ['cpu']) counts.set(shortGpuName(name), (counts.get(shortGpuName(name)) ?? 0) + 1);
  }
  const parts = [...counts].map(([name, n]) => slug(`${n > 1 ? `${n}x-` : ''}${name}`));
  return parts.join('+').slice(0, 80);
}

/** `NVIDIA GeForce RTX 4090` → `RTX 4090`, `NVIDIA L4` → `L4`, `AMD Radeon RX 7900 XTX` → `RX 7900 XTX`. */
export function shortGpuName(name: string): string {
  const short = name
    .replace(/^(nvidia|amd|intel(\(r\))?)\s+/i, '')
    .replace(/^(geforce|radeon)\s+/i, '')
    .trim();
  return short === '' ? name : short;
}

function parseDevice(raw: string, type: string, vramTotal: number, index: number): DeviceInfo {
  const allocator = /\s:\s(\S+)$/.exec(raw)?.[1] ?? '';
  return { index, name: gpuName(raw), type, allocator, vramTotalBytes: vramTotal };
}

/** Inputs the model-config name already spells out (resolution, steps, batch). */
const NAMED_IN_CONFIG = new Set(['width', 'height', 'steps', 'batch_size']);

/**
 * A `--matrix` combination's other axes (`cfg=7,sampler_name=dpmpp_2m` → `-cfg7-sampler_namedpmpp_2m`),
 * so every combination is a model configuration of its own, not only a run of its own.
 */
export function matrixPart(combination: string | undefined): string {
  if (combination === undefined) return '';
  const parts = combination
    .split(',')
    .map((kv) => kv.split('='))
    .filter(([key]) => key !== undefined && !NAMED_IN_CONFIG.has(key.slice(key.lastIndexOf('.') + 1)))
    .map(([key, value]) => `${key!.slice(key!.lastIndexOf('.') + 1)}${value ?? ''}`);
  return parts.length > 0 ? `-${parts.join('-')}` : '';
}

/** `cuda:0 NVIDIA GeForce RTX 4090 : cudaMallocAsync` → `NVIDIA GeForce RTX 4090`. */
export function gpuName(deviceName: string): string {
  return (
    deviceName
      .replace(/^\S+:\d+\s+/, '')
      .replace(/\s+:\s+\S+$/, '')
      .trim() || deviceName
  );
}

export function slug(text: string): string {
  return (
    text
      .toLowerCase()
      .replace(/[^a-z0-9.]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 80) || 'unknown'
  );
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}
