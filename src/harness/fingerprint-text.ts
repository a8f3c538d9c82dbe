/**
 * The fingerprint as text: the `# key: value` lines heading every CSV and the .hlog, and
 * summary.json's flat `environment` map. A fleet gets a line per target, so every file names
 * every GPU of the run; an emulator run says which faults were injected.
 */
import type { RunEnvironment, ServerInventory, TargetFingerprint } from '../metrics/result-types.js';
import type { Fingerprint, FingerprintTarget, WorkflowModels } from './fingerprint.js';

const GIB = 2 ** 30;

/** `key: value` lines heading every CSV and the .hlog. */
export function fingerprintComments(fp: Fingerprint): string[] {
  const kinds = (Object.keys(fp.modelsByKind) as (keyof WorkflowModels)[]).filter((k) => fp.modelsByKind[k].length > 0);
  const fleet = fp.targets.length > 1;
  const device = (d: Fingerprint['devices'][number]): string =>
    `${fleet ? `t${d.target}` : ''}[${d.index}] ${d.name} ${(d.vramTotalBytes / GIB).toFixed(1)} GiB${d.type === 'cpu' ? ' system RAM' : ''}${d.allocator ? ` ${d.allocator}` : ''}`;
  return [
    `target: ${fp.targets.map((t) => t.label).join(' ')}`,
    `gpu: ${fp.gpu}; gpu_count: ${fp.gpuCount}`,
    `devices: ${fp.devices.map(device).join(', ') || 'none'}`,
    ...fp.targets.filter((t) => t.cpu).map((t) => `cpu: target ${t.index} runs on the CPU (--cpu): its device memory figures are the machine's RAM`),
    `ram_total: ${(fp.ramTotalBytes / GIB).toFixed(1)} GiB`,
    `comfyui_version: ${fp.comfyuiVersion}`,
    `pytorch_version: ${fp.pytorchVersion}`,
    `python_version: ${fp.pythonVersion.split(' ')[0] ?? ''}`,
    `server_argv: ${fp.serverArgv.join(' ')}`,
    ...(fleet ? fp.targets.map(targetLine) : []),
    ...(fp.emulator !== undefined ? [emulatorLine(fp.emulator)] : []),
    `harness_version: ${fp.harnessVersion}`,
    `workflow: ${fp.workflowPath} sha256=${fp.workflowSha256}`,
    `models: ${kinds.map((k) => `${k}=${fp.modelsByKind[k].join('+')}`).join('; ') || 'none'}`,
    `resolution: ${fp.resolution}; steps: ${fp.steps}; batch_size: ${fp.batchSize}; sampler: ${fp.sampler}; scheduler: ${fp.scheduler}`,
    `results: ${fp.gpuSlug}/${fp.modelConfigSlug}`,
    ...(fp.serverInventory !== undefined ? inventoryComments(fp.serverInventory) : []),
    ...Object.entries(fp.labels).map(([k, v]) => `label ${k}: ${v}`),
  ];
}

/** One fleet target in one line: where, what GPU and memory, which software and flags. */
function targetLine(t: FingerprintTarget): string {
  const registry = t.serverInventory !== undefined ? `; registry sha256=${t.serverInventory.nodeRegistrySha256.slice(0, 12)}` : '';
  return (
    `target ${t.index}: ${t.label}; gpu: ${t.gpu} x${t.gpuCount}${t.cpu ? ' (cpu)' : ''}; ram_total: ${(t.ramTotalBytes / GIB).toFixed(1)} GiB; ` +
    `comfyui ${t.comfyuiVersion}, pytorch ${t.pytorchVersion}; argv: ${t.serverArgv.join(' ')}${registry}`
  );
}

function emulatorLine(e: NonNullable<Fingerprint['emulator']>): string {
  return `emulator: gpu profile ${e.gpu}; time_scale: ${e.timeScale}; faults: ${e.faults.length > 0 ? e.faults.join(' ') : 'none'}`;
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

/** summary.json's `environment`: the flat strings, and the first target's server inventory typed. */
export function fingerprintEnvironment(fp: Fingerprint): RunEnvironment {
  return {
    gpu: fp.gpu,
    gpuCount: String(fp.gpuCount),
    gpuNames: fp.devices.map((d) => d.name).join(','),
    vramTotalBytes: fp.devices.map((d) => String(d.vramTotalBytes)).join(','),
    allocator: unique(fp.devices.map((d) => d.allocator).filter((a) => a !== '')).join(','),
    ramTotalBytes: fp.targets.map((t) => String(t.ramTotalBytes)).join(','),
    ...(fp.cpu ? { device: fp.targets.map((t) => (t.cpu ? 'cpu' : 'gpu')).join(',') } : {}),
    targetCount: String(fp.targets.length),
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
    ...(fp.emulator !== undefined
      ? { emulatorGpu: fp.emulator.gpu, emulatorTimeScale: String(fp.emulator.timeScale), emulatorFaults: fp.emulator.faults.join(' ') || 'none' }
      : {}),
    ...Object.fromEntries(Object.entries(fp.labels).map(([k, v]) => [`label.${k}`, v])),
    ...(fp.serverInventory !== undefined ? { serverInventory: fp.serverInventory } : {}),
  };
}

/** summary.json `targets[i].fingerprint`: the target's own figures, without its label and inventory. */
export function targetSummaryFingerprint(t: FingerprintTarget): TargetFingerprint {
  return {
    gpu: t.gpu,
    gpuCount: t.gpuCount,
    cpu: t.cpu,
    devices: t.devices.map((d) => ({ ...d })),
    ramTotalBytes: t.ramTotalBytes,
    comfyuiVersion: t.comfyuiVersion,
    pytorchVersion: t.pytorchVersion,
    pythonVersion: t.pythonVersion,
    serverArgv: [...t.serverArgv],
  };
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}
