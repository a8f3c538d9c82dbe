/**
 * Read-only information routes: /system_stats (integer bytes, the simulated GPU's VRAM as
 * ComfyUI computes it), /features, /object_info, /embeddings, /models, /extensions,
 * /view_metadata, and a stub index page.
 */
import type { HttpRouter } from './http-router.js';
import { sendEmpty, sendJson, sendBytes, sendNotFound } from './http-util.js';
import { findModel } from './nodes/models.js';
import { customPackScripts } from './nodes/registry-custom.js';
import { pyFloat } from './py-json.js';
import type { SimCore } from './sim-core.js';
import { simArgv } from './sim-options.js';

/** `folder_paths.folder_names_and_paths` keys of 0.3.64, in their order. */
const MODEL_FOLDER_TYPES = [
  'checkpoints',
  'configs',
  'loras',
  'vae',
  'text_encoders',
  'diffusion_models',
  'clip_vision',
  'style_models',
  'embeddings',
  'diffusers',
  'vae_approx',
  'controlnet',
  'gligen',
  'upscale_models',
  'latent_upscale_models',
  'custom_nodes',
  'hypernetworks',
  'photomaker',
  'classifiers',
  'model_patches',
  'audio_encoders',
];

/** RAM the Python process and OS use besides model files. */
const RAM_BASELINE_BYTES = 6_200_000_000;

export function systemStats(sim: SimCore): unknown {
  const p = sim.gpu.profile;
  const snap = sim.gpu.snapshot();
  const cpu = p.device === 'cpu';
  // On the CPU the weights "on the device" are the ones already in RAM: counted once.
  const ramHeld = cpu ? Math.max(sim.gpu.ramModelBytes, snap.torchActiveBytes) : sim.gpu.ramModelBytes;
  const ramFree = Math.max(0, p.ramBytes - RAM_BASELINE_BYTES - ramHeld);
  const system: Record<string, unknown> = sim.legacy
    ? {
        os: 'posix',
        ram_total: p.ramBytes,
        ram_free: ramFree,
        python_version: '3.11.9 (main, Apr 19 2024, 16:48:06) [GCC 11.2.0]',
        embedded_python: false,
      }
    : {
        os: 'posix',
        ram_total: p.ramBytes,
        ram_free: ramFree,
        comfyui_version: sim.opts.comfyuiVersion,
        required_frontend_version: '1.27.10',
        installed_templates_version: '0.1.95',
        required_templates_version: '0.1.95',
        python_version: '3.12.3 (main, Aug 14 2025, 17:47:21) [GCC 13.3.0]',
        pytorch_version: cpu ? '2.8.0+cpu' : '2.8.0+cu128',
        embedded_python: false,
        argv: simArgv(sim.opts, sim.port, sim.files.root),
      };
  // ComfyUI's --cpu: one `cpu` device, and psutil's RAM figures reported as its total, free and torch's, all four.
  const device = cpu
    ? { name: 'cpu', type: 'cpu', index: null, vram_total: p.ramBytes, vram_free: ramFree, torch_vram_total: p.ramBytes, torch_vram_free: ramFree }
    : undefined;
  return {
    system,
    devices: [
      device ?? {
        name: `cuda:0 ${p.name} : ${p.allocator}`,
        type: 'cuda',
        index: 0,
        vram_total: snap.vramTotalBytes,
        vram_free: snap.vramFreeBytes,
        torch_vram_total: snap.torchReservedBytes,
        torch_vram_free: snap.torchReservedBytes - snap.torchActiveBytes,
      },
    ],
  };
}

function modelFiles(sim: SimCore, folder: string): string[] | undefined {
  if (!MODEL_FOLDER_TYPES.includes(folder)) return undefined;
  const f = sim.folders();
  switch (folder) {
    case 'checkpoints':
    case 'loras':
    case 'vae':
    case 'embeddings':
    case 'upscale_models':
      return [...f[folder]].sort();
    case 'text_encoders':
      return [...new Set([...f.clip, ...f.text_encoders])].sort();
    case 'diffusion_models':
      return [...new Set([...f.unet, ...f.diffusion_models])].sort();
    default:
      return [];
  }
}

export function addInfoRoutes(router: HttpRouter, sim: SimCore): void {
  router.add('GET', '/', ({ res }) =>
    sendBytes(res, 200, Buffer.from('<!doctype html><title>ComfyUI</title><p>comfyload ComfyUI emulator</p>\n'), { 'Content-Type': 'text/html' }),
  );
  router.add('GET', '/system_stats', ({ res }) => sendJson(res, 200, systemStats(sim)));
  if (!sim.legacy) {
    router.add('GET', '/features', ({ res }) =>
      sendJson(res, 200, { supports_preview_metadata: true, max_upload_size: pyFloat(sim.opts.maxUploadSizeMb * 1024 * 1024) }),
    );
  }
  router.add('GET', '/object_info', ({ res }) => sendJson(res, 200, sim.objectInfo()));
  router.add('GET', '/object_info/{node_class}', ({ res, params }) => {
    const cls = params.node_class ?? '';
    const def = sim.nodeDef(cls);
    sendJson(res, 200, def === undefined ? {} : { [cls]: def.info(sim.folders()) });
  });
  router.add('GET', '/embeddings', ({ res }) =>
    sendJson(
      res,
      200,
      sim.folders().embeddings.map((n) => n.replace(/\.[^.]+$/, '')),
    ),
  );
  router.add('GET', '/models', ({ res }) => sendJson(res, 200, MODEL_FOLDER_TYPES));
  router.add('GET', '/models/{folder}', ({ res, params }) => {
    const files = modelFiles(sim, params.folder ?? '');
    if (files === undefined) sendEmpty(res, 404);
    else sendJson(res, 200, files);
  });
  // 0.3.64's frontend package bundles the core extensions, so only custom packs' scripts are listed.
  const scripts = customPackScripts(sim.opts.customPacks);
  router.add('GET', '/extensions', ({ res }) => sendJson(res, 200, scripts));
  router.add('GET', '/extensions/{pack}/{file}', ({ res, url }) => {
    if (!scripts.includes(url.pathname.replace(/^\/api/, ''))) return sendNotFound(res);
    sendBytes(res, 200, Buffer.from("// comfyload emulator: a custom pack's frontend script\n"), { 'Content-Type': 'text/javascript' });
  });
  router.add('GET', '/view_metadata/{folder_name}', ({ res, params, url }) => {
    const filename = url.searchParams.get('filename');
    if (filename === null || !filename.endsWith('.safetensors')) return sendEmpty(res, 404);
    // Emulated files carry no safetensors header metadata: `{}` like a file saved without any.
    if (findModel(params.folder_name ?? '', filename) === undefined) return sendEmpty(res, 404);
    sendJson(res, 200, {});
  });
}
