/**
 * Runners of the GPU-heavy exec kinds: model loaders, text encoding, sampling, VAE and model
 * upscaling. Costs come from cost-model.ts; VRAM from SimGpu (which may throw an OOM).
 */
import type { FamilyId } from './profiles.js';
import { getFamily } from './profiles.js';
import * as cost from './cost-model.js';
import type { NodeRunContext, NodeRunResult } from './node-context.js';
import { SimOomError } from './sim-gpu.js';
import type { SimModelRef, SimValue } from './sim-values.js';
import { byOutputTypes, literalSignature, modelNames, num, str, valueOf } from './runner-inputs.js';

const LORA_DEFAULT_BYTES = 150_000_000;

type Component = 'unet' | 'clip' | 'vae' | 'upscale' | 'lora';

function folderFor(exec: string): string {
  switch (exec) {
    case 'load_unet':
      return 'diffusion_models';
    case 'load_clip':
      return 'text_encoders';
    case 'load_vae':
      return 'vae';
    case 'load_lora':
      return 'loras';
    case 'load_upscale_model':
      return 'upscale_models';
    default:
      return 'checkpoints';
  }
}

function componentBytes(family: FamilyId, component: Component, sizeBytes: number | undefined): number {
  const f = getFamily(family);
  if (component === 'unet') return sizeBytes ?? f.unetBytes;
  if (component === 'clip') return sizeBytes ?? f.textEncoderBytes;
  if (component === 'vae') return sizeBytes ?? f.vaeBytes;
  if (component === 'lora') return sizeBytes ?? LORA_DEFAULT_BYTES;
  return sizeBytes ?? f.unetBytes;
}

function ref(file: string, family: FamilyId, component: Component, bytes: number): SimModelRef {
  return { file, family, key: `${file}#${component}`, bytes, loras: [] };
}

/** Reads the file(s) into RAM (disk time on first read) and hands out model references. */
export async function runLoader(ctx: NodeRunContext, exec: string): Promise<NodeRunResult> {
  const folder = folderFor(exec);
  const names = modelNames(ctx);
  const entries = names.map((n) => ctx.catalog.lookup(folder, n));
  const first = entries[0] ?? { folder, name: 'unknown.safetensors', family: 'sd15' as FamilyId };
  const family = first.family;
  let diskBytes = 0;
  const produced: Partial<Record<string, SimValue>> = {};
  if (exec === 'load_checkpoint') {
    const unet = componentBytes(family, 'unet', undefined);
    const clip = componentBytes(family, 'clip', undefined);
    const vae = componentBytes(family, 'vae', undefined);
    if (ctx.gpu.holdInRam(first.name, first.sizeBytes ?? unet + clip + vae)) diskBytes += first.sizeBytes ?? unet + clip + vae;
    produced.MODEL = { kind: 'MODEL', ...ref(first.name, family, 'unet', unet) };
    produced.CLIP = { kind: 'CLIP', ...ref(first.name, family, 'clip', clip) };
    produced.VAE = { kind: 'VAE', ...ref(first.name, family, 'vae', vae) };
  } else if (exec === 'load_lora') {
    const lora = first.name;
    const bytes = componentBytes(family, 'lora', first.sizeBytes);
    if (ctx.gpu.holdInRam(lora, bytes)) diskBytes += bytes;
    const model = valueOf(ctx, 'MODEL');
    const clip = valueOf(ctx, 'CLIP');
    const strength = num(ctx, ['strength_model', 'strength'], 1);
    if (model !== undefined) produced.MODEL = { ...model, loras: [...model.loras, `${lora}@${strength}`] };
    if (clip !== undefined) produced.CLIP = { ...clip, loras: [...clip.loras, `${lora}@${num(ctx, 'strength_clip', 1)}`] };
  } else {
    const component: Component = exec === 'load_unet' ? 'unet' : exec === 'load_clip' ? 'clip' : exec === 'load_vae' ? 'vae' : 'upscale';
    let bytes = 0;
    for (const e of entries.length > 0 ? entries : [first]) {
      const b = componentBytes(e.family, component, e.sizeBytes);
      bytes += b;
      if (ctx.gpu.holdInRam(e.name, b)) diskBytes += b;
    }
    const r = ref(entries.map((e) => e.name).join('+') || first.name, family, component, bytes);
    if (component === 'unet') produced.MODEL = { kind: 'MODEL', ...r };
    else if (component === 'clip') produced.CLIP = { kind: 'CLIP', ...r };
    else if (component === 'vae') produced.VAE = { kind: 'VAE', ...r };
    else produced.UPSCALE_MODEL = { kind: 'UPSCALE_MODEL', ...r, scale: /(^|[^0-9])(2x|x2)/i.test(first.name) ? 2 : 4 };
  }
  await ctx.work('modelLoad', cost.diskLoadMs(diskBytes, ctx.gpuProfile));
  return { outputs: byOutputTypes(ctx, produced) };
}

/** Moves weights to the GPU if needed and charges the upload (and LoRA patching) time. */
async function ensureOnGpu(ctx: NodeRunContext, m: SimModelRef, reserveBytes: number): Promise<{ offloadedBytes: number }> {
  const patch = m.loras.join(',');
  const r = ctx.gpu.load(m.key, m.bytes, [], reserveBytes, patch);
  let ms = cost.uploadMs(r.uploadedBytes, ctx.gpuProfile);
  if (r.repatched && patch !== '') ms += 60 + cost.uploadMs(m.loras.length * LORA_DEFAULT_BYTES, ctx.gpuProfile);
  await ctx.work('modelLoad', ms);
  return { offloadedBytes: r.offloadedBytes };
}

export async function runTextEncode(ctx: NodeRunContext): Promise<NodeRunResult> {
  const clip = valueOf(ctx, 'CLIP');
  const family = clip?.family;
  if (clip !== undefined) await ensureOnGpu(ctx, clip, 0);
  await ctx.work('textEncode', family !== undefined ? cost.textEncodeMs(getFamily(family), ctx.gpuProfile) : 1);
  return { outputs: byOutputTypes(ctx, { CONDITIONING: { kind: 'CONDITIONING', family, text: str(ctx, 'text', '') } }) };
}

/** Steps that actually run: KSamplerAdvanced's window, else `steps` shortened by denoise < 1 (§3.1). */
export function samplerSteps(ctx: NodeRunContext): number {
  const steps = Math.max(0, Math.floor(num(ctx, 'steps', 20)));
  if ('start_at_step' in ctx.inputs || 'end_at_step' in ctx.inputs) {
    const start = num(ctx, 'start_at_step', 0);
    const end = Math.min(num(ctx, 'end_at_step', 10000), steps);
    return Math.max(0, Math.floor(end - start));
  }
  const denoise = num(ctx, 'denoise', 1);
  if (denoise >= 0.9999) return steps;
  if (denoise <= 0) return 0;
  return Math.max(1, Math.floor(steps * denoise));
}

export async function runSampler(ctx: NodeRunContext): Promise<NodeRunResult> {
  const model = valueOf(ctx, 'MODEL');
  const latent = valueOf(ctx, 'LATENT') ?? { kind: 'LATENT' as const, width: 512, height: 512, batch: 1, seed: '0' };
  const family = getFamily(model?.family ?? 'sd15');
  const seed = num(ctx, ['seed', 'noise_seed'], 0);
  const cfg = num(ctx, 'cfg', 8);
  const run = samplerSteps(ctx);
  const actBytes = cost.activationBytes(family, latent.width, latent.height, latent.batch);
  let offloaded = 0;
  if (model !== undefined) offloaded = (await ensureOnGpu(ctx, model, actBytes)).offloadedBytes;
  await ctx.work('samplerSetup', cost.samplerSetupMs(family, ctx.gpuProfile));
  const release = ctx.gpu.allocate(actBytes, model !== undefined ? [model.key] : [], `activations ${ctx.nodeId}`);
  try {
    const base = cost.stepMs(family, ctx.gpuProfile, { width: latent.width, height: latent.height, batch: latent.batch, cfg });
    const extra = cost.offloadPerStepMs(offloaded, ctx.gpuProfile);
    for (let i = 1; i <= run; i++) {
      await ctx.work('steps', base * ctx.stepJitter() + extra);
      ctx.progress(i, run, ctx.samplerPreview(seed, i, run));
    }
  } finally {
    release();
  }
  const out: SimValue = { ...latent, seed: `${latent.seed}|${seed}|${literalSignature(ctx)}` };
  return { outputs: byOutputTypes(ctx, { LATENT: out }) };
}

export async function runVaeDecode(ctx: NodeRunContext): Promise<NodeRunResult> {
  const latent = valueOf(ctx, 'LATENT') ?? { kind: 'LATENT' as const, width: 512, height: 512, batch: 1, seed: '0' };
  const vae = valueOf(ctx, 'VAE');
  const family = getFamily(vae?.family ?? 'sd15');
  if (vae !== undefined) await ensureOnGpu(ctx, vae, 0);
  const need = cost.vaeDecodeBytes(family, latent.width, latent.height, latent.batch);
  let ms = cost.vaeDecodeMs(family, ctx.gpuProfile, latent.width, latent.height, latent.batch);
  const release = allocateOrTile(ctx, need, vae?.key, () => (ms *= 1.6));
  try {
    await ctx.work('decode', ms);
  } finally {
    release();
  }
  const image: SimValue = { kind: 'IMAGE', width: latent.width, height: latent.height, batch: latent.batch, seed: latent.seed };
  return { outputs: byOutputTypes(ctx, { IMAGE: image }) };
}

export async function runVaeEncode(ctx: NodeRunContext): Promise<NodeRunResult> {
  const image = valueOf(ctx, 'IMAGE') ?? { kind: 'IMAGE' as const, width: 512, height: 512, batch: 1, seed: '0' };
  const vae = valueOf(ctx, 'VAE');
  const family = getFamily(vae?.family ?? 'sd15');
  if (vae !== undefined) await ensureOnGpu(ctx, vae, 0);
  let ms = cost.vaeEncodeMs(family, ctx.gpuProfile, image.width, image.height, image.batch);
  const release = allocateOrTile(ctx, cost.vaeDecodeBytes(family, image.width, image.height, image.batch) / 2, vae?.key, () => (ms *= 1.6));
  try {
    await ctx.work('encode', ms);
  } finally {
    release();
  }
  const latent: SimValue = { kind: 'LATENT', width: image.width, height: image.height, batch: image.batch, seed: image.seed };
  return { outputs: byOutputTypes(ctx, { LATENT: latent }) };
}

export async function runUpscaleWithModel(ctx: NodeRunContext): Promise<NodeRunResult> {
  const model = valueOf(ctx, 'UPSCALE_MODEL');
  const image = valueOf(ctx, 'IMAGE') ?? { kind: 'IMAGE' as const, width: 512, height: 512, batch: 1, seed: '0' };
  const scale = model?.scale ?? 4;
  if (model !== undefined) await ensureOnGpu(ctx, model, 0);
  let ms = cost.upscaleMs(getFamily('upscale'), ctx.gpuProfile, image.width, image.height, image.batch);
  const need = cost.activationBytes(getFamily('upscale'), image.width * scale, image.height * scale, image.batch);
  const release = allocateOrTile(ctx, need, model?.key, () => (ms *= 1.4));
  try {
    await ctx.work('upscale', ms);
  } finally {
    release();
  }
  const out: SimValue = { ...image, width: image.width * scale, height: image.height * scale, seed: `${image.seed}|x${scale}` };
  return { outputs: byOutputTypes(ctx, { IMAGE: out }) };
}

/** ComfyUI retries VAE work tiled after an OOM: slower, a quarter of the memory. */
function allocateOrTile(ctx: NodeRunContext, bytes: number, keepKey: string | undefined, onTiled: () => void): () => void {
  const keep = keepKey !== undefined ? [keepKey] : [];
  try {
    return ctx.gpu.allocate(bytes, keep, `work ${ctx.nodeId}`);
  } catch (e) {
    if (!(e instanceof SimOomError)) throw e;
    onTiled();
    return ctx.gpu.allocate(Math.ceil(bytes / 4), keep, `tiled ${ctx.nodeId}`);
  }
}
