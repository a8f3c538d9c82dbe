/**
 * The emulator's data: GPU profiles, model-family cost figures and which model file belongs to
 * which family. GPU and family tables are bundled (JSON imports); the model catalogue
 * (`fixtures/sim/models.json`) is the node registry's, read through `nodes/models.ts`.
 */
import { findModel, loadModelCatalog } from './nodes/models.js';
import type { ModelEntry as CatalogEntry } from './nodes/models.js';
import gpusJson from '../../fixtures/sim/gpus.json' with { type: 'json' };
import familiesJson from '../../fixtures/sim/families.json' with { type: 'json' };

export interface GpuProfile {
  id: string;
  name: string;
  vramBytes: number;
  relativeSpeed: number;
  memoryBandwidthGBps: number;
  hostToDeviceGBps: number;
  diskReadGBps: number;
  cudaContextBytes: number;
  ramBytes: number;
  allocator: string;
  /** `cpu`: a ComfyUI started with `--cpu` (one `cpu` device reporting the machine's RAM); default a CUDA GPU. */
  device?: 'cuda' | 'cpu';
}

export type FamilyId = 'sd15' | 'sdxl' | 'flux' | 'upscale';

export interface FamilyProfile {
  unetBytes: number;
  textEncoderBytes: number;
  vaeBytes: number;
  refWidth: number;
  refHeight: number;
  stepMsRef: number;
  stepOverheadShare: number;
  stepExponent: number;
  cfgOneFactor: number;
  cfgGtOneFactor?: number;
  textEncodeMs: number;
  vaeDecodeMsPerMp: number;
  vaeEncodeMsPerMp: number;
  upscaleMsPerInputMp?: number;
  samplerSetupMs?: number;
  activationBytesPerMp: number;
  vaeDecodeBytesPerMp: number;
  latentChannels: number;
}

export interface ModelEntry {
  folder: string;
  name: string;
  family: FamilyId;
  kind?: string;
  sizeBytes?: number;
}

const GPUS = gpusJson as unknown as Record<string, Omit<GpuProfile, 'id'> | string>;
const FAMILIES = familiesJson as unknown as Record<string, FamilyProfile | string>;

export function gpuProfileIds(): string[] {
  return Object.keys(GPUS).filter((k) => !k.startsWith('_'));
}

export function getGpuProfile(id: string): GpuProfile {
  const p = GPUS[id];
  if (p === undefined || typeof p === 'string' || id.startsWith('_')) {
    throw new TypeError(`Expected \`gpu\` to be one of ${gpuProfileIds().join(', ')}, got \`${id}\` (string)`);
  }
  return { id, ...p };
}

const GPU_NUMBER_FIELDS = [
  'vramBytes',
  'relativeSpeed',
  'memoryBandwidthGBps',
  'hostToDeviceGBps',
  'diskReadGBps',
  'cudaContextBytes',
  'ramBytes',
] as const satisfies readonly (keyof GpuProfile)[];

/**
 * A GPU profile from a user's JSON (`sim --gpu-profile my-gpu.json`): the fields of a
 * fixtures/sim/gpus.json entry, where `"base": "<profile id>"` supplies any field left out (so
 * `{"base": "rtx-4090", "name": "RTX 4090 (power-limited)", "relativeSpeed": 0.9}` is a whole
 * profile). A file holding one `"<id>": {…}` entry, as gpus.json does, works too. Returns the
 * profile or a sentence saying what is wrong.
 */
export function gpuProfileFromJson(raw: unknown, fallbackId: string): GpuProfile | string {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return 'a JSON object with the fields of a fixtures/sim/gpus.json entry';
  let id = fallbackId;
  let entry = raw as Record<string, unknown>;
  const keys = Object.keys(entry).filter((k) => !k.startsWith('_'));
  const only = keys.length === 1 ? entry[keys[0]!] : undefined;
  if (typeof only === 'object' && only !== null && !Array.isArray(only) && !('name' in entry) && !('base' in entry)) {
    id = keys[0]!;
    entry = only as Record<string, unknown>;
  }
  if (typeof entry.id === 'string' && entry.id !== '') id = entry.id;
  let base: Partial<GpuProfile> = {};
  if (entry.base !== undefined) {
    if (typeof entry.base !== 'string' || !gpuProfileIds().includes(entry.base)) return `\`base\` one of ${gpuProfileIds().join(', ')}`;
    base = getGpuProfile(entry.base);
  }
  const merged: Record<string, unknown> = { ...base, ...entry, id };
  delete merged.base;
  const bad = GPU_NUMBER_FIELDS.filter((f) => typeof merged[f] !== 'number' || !Number.isFinite(merged[f]) || (merged[f] as number) <= 0);
  if (bad.length > 0) return `${bad.map((f) => `\`${f}\``).join(', ')} a number > 0 (or a \`base\` profile to take them from)`;
  if (typeof merged.name !== 'string' || merged.name.trim() === '') return 'a `name` (the GPU name /system_stats reports)';
  const allocator = typeof merged.allocator === 'string' ? merged.allocator : 'cudaMallocAsync';
  const profile: GpuProfile = { id, name: merged.name, allocator, ...Object.fromEntries(GPU_NUMBER_FIELDS.map((f) => [f, merged[f] as number])) } as GpuProfile;
  return profile;
}

export function getFamily(id: FamilyId): FamilyProfile {
  const f = FAMILIES[id];
  if (f === undefined || typeof f === 'string') throw new Error(`unknown model family ${id}`);
  return f;
}

/**
 * Model files → family and size, from the registry's catalogue (`nodes/models.ts`), falling back
 * to a guess from the name so an unknown file still simulates as something plausible.
 */
export class ModelCatalog {
  readonly #entries: CatalogEntry[];

  constructor(entries: CatalogEntry[]) {
    this.#entries = entries;
  }

  static load(): ModelCatalog {
    try {
      return new ModelCatalog(loadModelCatalog());
    } catch {
      return new ModelCatalog([]);
    }
  }

  lookup(folder: string, name: string): ModelEntry {
    const hit = findModel(folder, name, this.#entries) ?? this.#entries.find((e) => e.name === name);
    if (hit !== undefined) return hit;
    return { folder, name, family: guessFamily(folder, name) };
  }
}

export function guessFamily(folder: string, name: string): FamilyId {
  const n = name.toLowerCase();
  if (folder === 'upscale_models' || /esrgan|upscal|\bx[248]\b|[248]x/.test(n)) return 'upscale';
  if (n.includes('flux') || n.includes('t5xxl')) return 'flux';
  if (n.includes('xl') || n.includes('clip_g')) return 'sdxl';
  return 'sd15';
}
