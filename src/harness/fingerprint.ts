/**
 * The environment fingerprint: what exactly was measured. It names the results folder
 * (`<gpu>/<model-config>`) and heads every result file, so numbers from different GPUs, models,
 * versions or server flags are never mixed up.
 */
import { canonicalJson } from '../comfy/workflow.js';
import type { ApiWorkflow, SystemStats } from '../comfy/http-types.js';
import { createHash } from 'node:crypto';

export interface Fingerprint {
  gpu: string;
  gpuCount: number;
  /** Per device: name and total memory in bytes. */
  devices: { name: string; type: string; vramTotalBytes: number }[];
  comfyuiVersion: string;
  pytorchVersion: string;
  pythonVersion: string;
  /** Server command line (`--lowvram`, `--cache-*`, `--preview-method`…). */
  serverArgv: string[];
  harnessVersion: string;
  workflowPath: string;
  /** SHA-256 of the workflow's canonical JSON (sorted keys). */
  workflowSha256: string;
  models: string[];
  resolution: string;
  steps: string;
  batchSize: number;
  sampler: string;
  scheduler: string;
  /** Folder-safe names derived from the above, overridable with labels `gpu=` / `model-config=`. */
  gpuSlug: string;
  modelConfigSlug: string;
  labels: Record<string, string>;
}

const MODEL_INPUTS = ['ckpt_name', 'unet_name', 'lora_name', 'vae_name', 'clip_name', 'clip_name1', 'clip_name2', 'model_name'];

export function buildFingerprint(stats: SystemStats, workflow: ApiWorkflow, workflowPath: string, harnessVersion: string, labels: Record<string, string>): Fingerprint {
  const devices = stats.devices.map((d) => ({ name: gpuName(d.name), type: d.type, vramTotalBytes: d.vram_total }));
  const gpu = devices[0]?.name ?? 'unknown';
  const nodes = Object.values(workflow);
  const literal = (input: string): unknown[] => nodes.map((n) => n.inputs[input]).filter((v) => v !== undefined && !Array.isArray(v));
  const models = unique(MODEL_INPUTS.flatMap((input) => literal(input).map(String)));
  const widths = literal('width');
  const heights = literal('height');
  const latent = nodes.find((n) => /Latent/.test(n.class_type) && n.inputs.width !== undefined);
  const resolution = latent ? `${String(latent.inputs.width)}x${String(latent.inputs.height)}` : widths.length > 0 ? `${String(widths[0])}x${String(heights[0])}` : 'n/a';
  const steps = unique(literal('steps').map(String)).join('+') || 'n/a';
  const batchValues = literal('batch_size').map(Number).filter(Number.isFinite);
  const batchSize = batchValues.length > 0 ? Math.max(...batchValues) : 1;
  const sampler = unique(literal('sampler_name').map(String)).join('+') || 'n/a';
  const scheduler = unique(literal('scheduler').map(String)).join('+') || 'n/a';
  const modelStem = models[0]?.replace(/\.(safetensors|ckpt|pt|pth|bin|gguf)$/i, '') ?? 'no-model';
  return {
    gpu,
    gpuCount: devices.length,
    devices,
    comfyuiVersion: stats.system.comfyui_version ?? 'unknown',
    pytorchVersion: stats.system.pytorch_version,
    pythonVersion: stats.system.python_version,
    serverArgv: stats.system.argv ?? [],
    harnessVersion,
    workflowPath,
    workflowSha256: createHash('sha256').update(canonicalJson(workflow)).digest('hex'),
    models,
    resolution,
    steps,
    batchSize,
    sampler,
    scheduler,
    gpuSlug: slug(labels['gpu'] ?? gpu),
    modelConfigSlug: slug(labels['model-config'] ?? `${modelStem}-${resolution}-${steps}steps-b${batchSize}`),
    labels,
  };
}

/** `cuda:0 NVIDIA GeForce RTX 4090 : cudaMallocAsync` → `NVIDIA GeForce RTX 4090`. */
export function gpuName(deviceName: string): string {
  return deviceName.replace(/^\S+:\d+\s+/, '').replace(/\s+:\s+\S+$/, '').trim() || deviceName;
}

export function slug(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9.]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 80) || 'unknown';
}

/** `key: value` lines heading every CSV and the .hlog. */
export function fingerprintComments(fp: Fingerprint, target: string): string[] {
  return [
    `target: ${target}`,
    `gpu: ${fp.devices.map((d) => `${d.name} (${(d.vramTotalBytes / 2 ** 30).toFixed(1)} GiB)`).join(', ') || 'unknown'}`,
    `comfyui_version: ${fp.comfyuiVersion}`,
    `pytorch_version: ${fp.pytorchVersion}`,
    `python_version: ${fp.pythonVersion.split(' ')[0] ?? ''}`,
    `server_argv: ${fp.serverArgv.join(' ')}`,
    `harness_version: ${fp.harnessVersion}`,
    `workflow: ${fp.workflowPath} sha256=${fp.workflowSha256}`,
    `models: ${fp.models.join(', ') || 'none'}`,
    `resolution: ${fp.resolution}; steps: ${fp.steps}; batch_size: ${fp.batchSize}; sampler: ${fp.sampler}; scheduler: ${fp.scheduler}`,
    ...Object.entries(fp.labels).map(([k, v]) => `label ${k}: ${v}`),
  ];
}

/** The flat `environment` map of summary.json. */
export function fingerprintEnvironment(fp: Fingerprint): Record<string, string> {
  return {
    gpu: fp.gpu,
    gpuCount: String(fp.gpuCount),
    vramTotalBytes: fp.devices.map((d) => String(d.vramTotalBytes)).join(','),
    comfyuiVersion: fp.comfyuiVersion,
    pytorchVersion: fp.pytorchVersion,
    pythonVersion: fp.pythonVersion,
    serverArgv: fp.serverArgv.join(' '),
    harnessVersion: fp.harnessVersion,
    workflowPath: fp.workflowPath,
    workflowSha256: fp.workflowSha256,
    models: fp.models.join(','),
    resolution: fp.resolution,
    steps: fp.steps,
    batchSize: String(fp.batchSize),
    sampler: fp.sampler,
    scheduler: fp.scheduler,
    gpuSlug: fp.gpuSlug,
    modelConfigSlug: fp.modelConfigSlug,
    ...Object.fromEntries(Object.entries(fp.labels).map(([k, v]) => [`label.${k}`, v])),
  };
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}
