/**
 * The environment fingerprint: what exactly was measured. It names the results folder
 * (`<gpu>/<model-config>`) and heads every result file, so numbers from different GPUs, models,
 * versions or server flags are never mixed up. Public GPU tables vary by a third on one GPU
 * because of software, so versions and the server's flags are part of it.
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from '../comfy/workflow.js';
import type { ApiWorkflow, SystemStats } from '../comfy/http-types.js';
import type { RunEnvironment, ServerInventory } from '../metrics/result-types.js';
import { workflowFacts, type WorkflowModels } from '../comfy/workflow-facts.js';

export type { WorkflowModels } from '../comfy/workflow-facts.js';

export interface FingerprintDevice {
  /** Position in `/system_stats` `devices` (0 = the device ComfyUI runs on). */
  index: number;
  /** GPU name without the `cuda:0` prefix and allocator suffix, or `cpu`. */
  name: string;
  type: string;
  /** The allocator named in the device string (`cudaMallocAsync`, `native`), or ''. */
  allocator: string;
  vramTotalBytes: number;
}

export interface Fingerprint {
  /** GPU name(s): one name, or distinct names joined by ` + `. */
  gpu: string;
  /** GPU devices (cpu entries not counted). */
  gpuCount: number;
  devices: FingerprintDevice[];
  ramTotalBytes: number;
  comfyuiVersion: string;
  pytorchVersion: string;
  pythonVersion: string;
  /** Server command line (`--lowvram`, `--cache-*`, `--preview-method`…). */
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
  /** Node packs, frontend extensions and feature flags of the server; absent when not read (validate without a server). */
  serverInventory?: ServerInventory;
}

const MODEL_EXTENSION = /\.(safetensors|ckpt|pt|pth|bin|gguf|sft)$/i;

export function buildFingerprint(
  stats: SystemStats,
  workflow: ApiWorkflow,
  workflowPath: string,
  harnessVersion: string,
  labels: Record<string, string>,
  serverInventory?: ServerInventory,
): Fingerprint {
  const devices = stats.devices.map((d, index) => parseDevice(d.name, d.type, d.vram_total, index));
  const gpus = devices.filter((d) => d.type !== 'cpu');
  const names = unique((gpus.length > 0 ? gpus : devices).map((d) => d.name));
  const gpu = names.join(' + ') || 'unknown';
  const facts = workflowFacts(workflow);
  const { models, modelsByKind, batchSize } = facts;
  const resolution = facts.resolution ?? 'none';
  const steps = facts.steps ?? 'none';
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
  const countPart = gpus.length > 1 ? `${gpus.length}x-` : '';
  return {
    gpu,
    gpuCount: gpus.length,
    devices,
    ramTotalBytes: typeof stats.system.ram_total === 'number' ? stats.system.ram_total : 0,
    comfyuiVersion: stats.system.comfyui_version ?? 'unknown',
    // Servers before mid-2024 (and the legacy emulator) send no pytorch_version.
    pytorchVersion: (stats.system.pytorch_version as string | undefined) ?? 'unknown',
    pythonVersion: stats.system.python_version,
    serverArgv: stats.system.argv ?? [],
    harnessVersion,
    workflowPath,
    workflowSha256: createHash('sha256').update(canonicalJson(workflow)).digest('hex'),
    models,
    modelsByKind,
    resolution,
    steps,
    batchSize,
    sampler: facts.sampler ?? 'none',
    scheduler: facts.scheduler ?? 'none',
    gpuSlug: slug(labels['gpu'] ?? `${countPart}${gpu}`),
    modelConfigSlug: slug(labels['model-config'] ?? `${configParts.join('-')}${matrixPart(labels['matrix'])}`),
    labels,
    ...(serverInventory !== undefined ? { serverInventory } : {}),
  };
}

function parseDevice(raw: string, type: string, vramTotal: number, index: number): FingerprintDevice {
  const allocator = /\s:\s(\S+)$/.exec(raw)?.[1] ?? '';
  return { index, name: gpuName(raw), type, allocator, vramTotalBytes: vramTotal };
}

/** Inputs the model-config name already spells out (resolution, steps, batch). */
const NAMED_IN_CONFIG = new Set(['width', 'height', 'steps', 'batch_size']);

/**
 * A `--matrix` combination's other axes (`cfg=7,sampler_name=dpmpp_2m` → `-cfg7-sampler_namedpmpp_2m`),
 * so every combination is a model configuration of its own, not only a run of its own.
 */
function matrixPart(combination: string | undefined): string {
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

const GIB = 2 ** 30;

/** `key: value` lines heading every CSV and the .hlog. */
export function fingerprintComments(fp: Fingerprint, target: string): string[] {
  const kinds = (Object.keys(fp.modelsByKind) as (keyof WorkflowModels)[]).filter((k) => fp.modelsByKind[k].length > 0);
  return [
    `target: ${target}`,
    `gpu: ${fp.gpu}; gpu_count: ${fp.gpuCount}`,
    `devices: ${fp.devices.map((d) => `[${d.index}] ${d.name} ${(d.vramTotalBytes / GIB).toFixed(1)} GiB${d.allocator ? ` ${d.allocator}` : ''}`).join(', ') || 'none'}`,
    `ram_total: ${(fp.ramTotalBytes / GIB).toFixed(1)} GiB`,
    `comfyui_version: ${fp.comfyuiVersion}`,
    `pytorch_version: ${fp.pytorchVersion}`,
    `python_version: ${fp.pythonVersion.split(' ')[0] ?? ''}`,
    `server_argv: ${fp.serverArgv.join(' ')}`,
    `harness_version: ${fp.harnessVersion}`,
    `workflow: ${fp.workflowPath} sha256=${fp.workflowSha256}`,
    `models: ${kinds.map((k) => `${k}=${fp.modelsByKind[k].join('+')}`).join('; ') || 'none'}`,
    `resolution: ${fp.resolution}; steps: ${fp.steps}; batch_size: ${fp.batchSize}; sampler: ${fp.sampler}; scheduler: ${fp.scheduler}`,
    `results: ${fp.gpuSlug}/${fp.modelConfigSlug}`,
    ...(fp.serverInventory !== undefined ? inventoryComments(fp.serverInventory) : []),
    ...Object.entries(fp.labels).map(([k, v]) => `label ${k}: ${v}`),
  ];
}

/**
 * Two compact lines: the node packs (custom ones first: they are what differs between servers)
 * with the registry hash, then the frontend extensions by folder and the feature flags.
 */
export function inventoryComments(inv: ServerInventory): string[] {
  const list = (kinds: (k: string) => boolean): string =>
    inv.nodePacks
      .filter((p) => kinds(p.kind))
      .map((p) => `${p.pack} ${p.classes}`)
      .join(', ') || 'none';
  const unread = (endpoint: string): string => `not read (${inv.unread.find((u) => u.endpoint === endpoint)?.reason ?? 'unknown'})`;
  const folders = new Map<string, number>();
  for (const path of inv.extensions ?? []) {
    const folder = /^\/extensions\/([^/]+)\//.exec(path)?.[1] ?? path.split('/').filter((x) => x !== '')[0] ?? path;
    folders.set(folder, (folders.get(folder) ?? 0) + 1);
  }
  const extensions =
    inv.extensions === null
      ? unread('/extensions')
      : `${inv.extensions.length} script${inv.extensions.length === 1 ? '' : 's'}${folders.size > 0 ? ` (${[...folders].map(([f, n]) => `${f} ${n}`).join(', ')})` : ''}`;
  const features =
    inv.features === null
      ? unread('/features')
      : Object.entries(inv.features)
          .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
          .join(' ') || 'none';
  return [
    `node_packs: custom: ${list((k) => k === 'custom')}; core: ${list((k) => k !== 'custom')}; registry: ${inv.nodeClasses} classes sha256=${inv.nodeRegistrySha256}`,
    `extensions: ${extensions}; features: ${features}`,
  ];
}

/** summary.json's `environment`: the flat strings, and the server inventory typed. */
export function fingerprintEnvironment(fp: Fingerprint): RunEnvironment {
  return {
    gpu: fp.gpu,
    gpuCount: String(fp.gpuCount),
    gpuNames: fp.devices.map((d) => d.name).join(','),
    vramTotalBytes: fp.devices.map((d) => String(d.vramTotalBytes)).join(','),
    allocator: unique(fp.devices.map((d) => d.allocator).filter((a) => a !== '')).join(','),
    ramTotalBytes: String(fp.ramTotalBytes),
    comfyuiVersion: fp.comfyuiVersion,
    pytorchVersion: fp.pytorchVersion,
    pythonVersion: fp.pythonVersion,
    serverArgv: fp.serverArgv.join(' '),
    harnessVersion: fp.harnessVersion,
    workflowPath: fp.workflowPath,
    workflowSha256: fp.workflowSha256,
    models: fp.models.join(','),
    modelsCheckpoint: fp.modelsByKind.checkpoint.join(','),
    modelsUnet: fp.modelsByKind.unet.join(','),
    modelsLora: fp.modelsByKind.lora.join(','),
    modelsVae: fp.modelsByKind.vae.join(','),
    modelsClip: fp.modelsByKind.clip.join(','),
    resolution: fp.resolution,
    steps: fp.steps,
    batchSize: String(fp.batchSize),
    sampler: fp.sampler,
    scheduler: fp.scheduler,
    gpuSlug: fp.gpuSlug,
    modelConfigSlug: fp.modelConfigSlug,
    ...Object.fromEntries(Object.entries(fp.labels).map(([k, v]) => [`label.${k}`, v])),
    ...(fp.serverInventory !== undefined ? { serverInventory: fp.serverInventory } : {}),
  };
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}
