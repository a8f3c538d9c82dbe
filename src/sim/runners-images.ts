/**
 * Runners of the cheap and the file-touching exec kinds: latents, image ops, LoadImage,
 * SaveImage/PreviewImage (real PNG files), and the two test nodes of the traces,
 * BenchFakeSampler and BenchFail.
 */
import * as cost from './cost-model.js';
import type { NodeRunContext, NodeRunResult } from './node-context.js';
import { SimNodeError, executionTraceback } from './node-context.js';
import { cappedSize, encodePng, readPngSize, renderPixels } from './png.js';
import { pyDumps } from './py-json.js';
import { sha256 } from './data-dir.js';
import type { SimValue } from './sim-values.js';
import { byOutputTypes, literalSignature, num, str, valueOf } from './runner-inputs.js';

const MIB = 1024 * 1024;

export async function runEmptyLatent(ctx: NodeRunContext): Promise<NodeRunResult> {
  const width = num(ctx, 'width', 512);
  const height = num(ctx, 'height', 512);
  const batch = num(ctx, ['batch_size', 'amount'], 1);
  await ctx.work('other', cost.lightOpMs(width / 8, height / 8, batch));
  const latent: SimValue = { kind: 'LATENT', width, height, batch, seed: `latent:${width}x${height}x${batch}` };
  return { outputs: byOutputTypes(ctx, { LATENT: latent }) };
}

/** Scale, crop, empty image, latent upscale…: dimensions from literals, else pass-through. */
export async function runImageOp(ctx: NodeRunContext): Promise<NodeRunResult> {
  const image = valueOf(ctx, 'IMAGE');
  const latent = valueOf(ctx, 'LATENT');
  const src = image ?? latent;
  let width = num(ctx, 'width', 0);
  let height = num(ctx, 'height', 0);
  const scaleBy = num(ctx, 'scale_by', 0);
  if (src !== undefined) {
    if (width > 0 && height === 0) height = Math.round((src.height * width) / src.width);
    else if (height > 0 && width === 0) width = Math.round((src.width * height) / src.height);
    else if (width === 0 && height === 0) {
      const k = scaleBy > 0 ? scaleBy : 1;
      width = Math.round(src.width * k);
      height = Math.round(src.height * k);
    }
  }
  if (width <= 0) width = 512;
  if (height <= 0) height = 512;
  const batch = num(ctx, ['batch_size', 'amount'], src?.batch ?? 1);
  await ctx.work('other', cost.lightOpMs(width, height, batch));
  const seed = `${src?.seed ?? 'op'}|${ctx.classType}|${literalSignature(ctx)}`;
  const colorInput = ctx.inputs.color;
  const color = typeof colorInput === 'number' ? colorInput : image?.color;
  const produced: Partial<Record<string, SimValue>> = {
    IMAGE: { kind: 'IMAGE', width, height, batch, seed, ...(color !== undefined ? { color } : {}) },
    LATENT: { kind: 'LATENT', width, height, batch, seed },
    MASK: { kind: 'MASK', width, height, batch },
    INT: { kind: 'OTHER', type: 'INT', value: width },
  };
  return { outputs: byOutputTypes(ctx, produced) };
}

export async function runLoadImage(ctx: NodeRunContext): Promise<NodeRunResult> {
  const name = str(ctx, 'image', '');
  const bytes = ctx.files.readInput(name);
  if (bytes === undefined) {
    throw new SimNodeError(
      'FileNotFoundError',
      `[Errno 2] No such file or directory: '${ctx.files.dir('input')}/${name}'`,
      executionTraceback(['  File "/opt/ComfyUI/nodes.py", line 1668, in load_image\n    img = node_helpers.pillow(Image.open, image_path)\n']),
    );
  }
  const size = readPngSize(bytes) ?? { width: 512, height: 512 };
  await ctx.work('other', cost.lightOpMs(size.width, size.height, 1) + (bytes.length / 1e9) * 1000);
  const seed = `file:${sha256(bytes)}`;
  return {
    outputs: byOutputTypes(ctx, {
      IMAGE: { kind: 'IMAGE', ...size, batch: 1, seed },
      MASK: { kind: 'MASK', ...size, batch: 1 },
    }),
  };
}

/** SaveImage (output/, `prefix_00001_.png`) and PreviewImage (temp/, `ComfyUI_temp_xxxxx_00001_.png`). */
export async function runSaveImage(ctx: NodeRunContext, type: 'output' | 'temp'): Promise<NodeRunResult> {
  const images = valueOf(ctx, 'IMAGE') ?? { kind: 'IMAGE' as const, width: 64, height: 64, batch: 1, seed: 'none' };
  let prefix = str(ctx, 'filename_prefix', 'ComfyUI');
  if (type === 'temp') {
    const suffix = ctx.nodeObjectState('temp_prefix', () => `_temp_${ctx.rng.letters(5)}`);
    prefix = `ComfyUI${suffix}`;
  }
  const started = performance.now();
  const place = ctx.files.nextCounter(type, prefix);
  const text: Record<string, string> = { prompt: pyDumps(ctx.prompt) };
  const pnginfo = ctx.extraData.extra_pnginfo;
  if (pnginfo !== undefined && typeof pnginfo === 'object') for (const [k, v] of Object.entries(pnginfo)) text[k] = pyDumps(v);
  const { width, height } = cappedSize(images.width, images.height);
  const files: { filename: string; subfolder: string; type: string }[] = [];
  let counter = place.counter;
  for (let b = 0; b < images.batch; b++) {
    const filename = `${place.filename.replace(/%batch_num%/g, String(b))}_${String(counter).padStart(5, '0')}_.png`;
    const png = encodePng(width, height, renderPixels(width, height, images.seed, b, images.color), text);
    ctx.files.write(`${place.folder}/${filename}`, png);
    files.push({ filename, subfolder: place.subfolder, type });
    counter++;
  }
  // The real writes took CPU time already: sleep only what the cost model says beyond it.
  await ctx.work('save', cost.saveMs(images.width, images.height, images.batch), performance.now() - started);
  return { outputs: [], ui: { images: files } };
}

/**
 * BenchFakeSampler: makes and holds its `vram_mb` ballast (the setup before the first step, see
 * cost.fakeSamplerSetupMs), then sleeps step_ms per step with a progress each, optional previews.
 */
export async function runFakeSampler(ctx: NodeRunContext): Promise<NodeRunResult> {
  const steps = num(ctx, 'steps', 20);
  const stepMs = num(ctx, 'step_ms', 50);
  const seed = num(ctx, 'seed', 0);
  const size = num(ctx, 'size', 64);
  const batch = num(ctx, 'batch_size', 1);
  const every = num(ctx, 'preview_every', 0);
  const ballastMiB = num(ctx, 'vram_mb', 0);
  const reservedBefore = ctx.gpu.snapshot().torchReservedBytes;
  const release = ctx.gpu.allocate(ballastMiB * MIB, [], `BenchFakeSampler ${ctx.nodeId}`);
  try {
    const newMiB = (ctx.gpu.snapshot().torchReservedBytes - reservedBefore) / MIB;
    await ctx.work('samplerSetup', cost.fakeSamplerSetupMs(ballastMiB, newMiB));
    for (let i = 1; i <= steps; i++) {
      await ctx.work('steps', stepMs);
      ctx.progress(i, steps, every > 0 && i % every === 0 ? ctx.previewJpeg(seed, i, steps) : undefined);
    }
  } finally {
    release();
  }
  const image: SimValue = { kind: 'IMAGE', width: size, height: size, batch, seed: `bench:${seed}` };
  return { outputs: byOutputTypes(ctx, { IMAGE: image }) };
}

/** BenchFail: waits delay_ms, then raises RuntimeError(message). */
export async function runFail(ctx: NodeRunContext): Promise<NodeRunResult> {
  await ctx.work('other', num(ctx, 'delay_ms', 0));
  throw new SimNodeError(
    'RuntimeError',
    str(ctx, 'message', 'BenchFail: deliberate failure'),
    executionTraceback(['  File "/opt/ComfyUI/custom_nodes/bench_nodes.py", line 131, in fail\n    raise RuntimeError(message)\n']),
  );
}
