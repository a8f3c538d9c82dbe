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
