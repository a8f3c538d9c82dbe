/**
 * The emulator's model catalogue (`fixtures/sim/models.json`): which files each ComfyUI model
 * folder holds, their family (which drives simulated step cost) and their size (which drives
 * simulated load time and VRAM).
 *
 * Locating the file: the catalogue is found by walking up from this module's directory until a
 * `fixtures/sim/models.json` appears. That one rule serves every layout: the TypeScript source
 * (`src/sim/nodes/` → three levels up), the esbuild bundle (`dist/cli.js` → one level up) and the
 * npm package (`fixtures` ships beside `dist`). Callers with another layout pass a path.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ModelFolders } from './types.js';

export type ModelFamily = 'sd15' | 'sdxl' | 'flux' | 'upscale';
export type ModelKind = 'checkpoint' | 'unet' | 'clip' | 'vae' | 'lora' | 'upscale';
/** Catalogue folders: the model folders of ModelFolders (not `input`). */
export type ModelFolderName = Exclude<keyof ModelFolders, 'input'>;

export interface ModelEntry {
  folder: ModelFolderName;
  name: string;
  family: ModelFamily;
  kind: ModelKind;
  sizeBytes: number;
}

const CATALOG_RELATIVE = join('fixtures', 'sim', 'models.json');
const FOLDERS: readonly ModelFolderName[] = [
  'checkpoints',
  'loras',
  'vae',
  'unet',
  'diffusion_models',
  'clip',
  'text_encoders',
  'upscale_models',
  'embeddings',
];
const FAMILIES: readonly string[] = ['sd15', 'sdxl', 'flux', 'upscale'];
const KINDS: readonly string[] = ['checkpoint', 'unet', 'clip', 'vae', 'lora', 'upscale'];

/** Path of `fixtures/sim/models.json`, searched upward from `startDir` (default: this module's directory). */
export function findModelCatalog(startDir: string = dirname(fileURLToPath(import.meta.url))): string {
  let dir = resolve(startDir);
  for (;;) {
    const candidate = join(dir, CATALOG_RELATIVE);
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) {
      throw new Error(`Cannot find ${CATALOG_RELATIVE} in ${startDir} or any parent; pass the catalogue path explicitly.`);
    }
    dir = parent;
  }
}

function checkEntry(raw: unknown, index: number, path: string): ModelEntry {
  const where = `${path} entry ${index}`;
  if (typeof raw !== 'object' || raw === null) throw new Error(`${where}: expected an object, got ${JSON.stringify(raw)}`);
  const e = raw as Record<string, unknown>;
  if (typeof e.folder !== 'string' || !FOLDERS.includes(e.folder as ModelFolderName)) {
    throw new Error(`${where}: expected folder to be one of ${FOLDERS.join(', ')}, got ${JSON.stringify(e.folder)}`);
  }
  if (typeof e.name !== 'string' || e.name === '') throw new Error(`${where}: expected name to be a non-empty string`);
  if (typeof e.family !== 'string' || !FAMILIES.includes(e.family)) {
    throw new Error(`${where}: expected family to be one of ${FAMILIES.join(', ')}, got ${JSON.stringify(e.family)}`);
  }
  if (typeof e.kind !== 'string' || !KINDS.includes(e.kind)) {
    throw new Error(`${where}: expected kind to be one of ${KINDS.join(', ')}, got ${JSON.stringify(e.kind)}`);
  }
  if (typeof e.sizeBytes !== 'number' || !Number.isSafeInteger(e.sizeBytes) || e.sizeBytes <= 0) {
    throw new Error(`${where}: expected sizeBytes to be a positive integer, got ${JSON.stringify(e.sizeBytes)}`);
  }
  return { folder: e.folder as ModelFolderName, name: e.name, family: e.family as ModelFamily, kind: e.kind as ModelKind, sizeBytes: e.sizeBytes };
}

/** Reads and checks the catalogue; throws with the offending entry named. */
export function loadModelCatalog(path: string = findModelCatalog()): ModelEntry[] {
  const parsed: unknown = JSON.parse(readFileSync(path, 'utf8'));
  if (!Array.isArray(parsed)) throw new Error(`${path}: expected a JSON array of model entries`);
  return parsed.map((raw, i) => checkEntry(raw, i, path));
}

/** The emulator's folders: catalogue models plus the given input-folder files (LoadImage enums). */
export function loadModelFolders(inputFiles: string[] = [], catalog: ModelEntry[] = loadModelCatalog()): ModelFolders {
  const folders: ModelFolders = {
    checkpoints: [],
    loras: [],
    vae: [],
    unet: [],
    diffusion_models: [],
    clip: [],
    text_encoders: [],
    upscale_models: [],
    embeddings: [],
    input: [...inputFiles],
  };
  for (const entry of catalog) folders[entry.folder].push(entry.name);
  return folders;
}

/** Upstream maps the legacy folders onto their successors, so either name finds a file. */
const FOLDER_ALIASES: Partial<Record<string, ModelFolderName[]>> = {
  unet: ['unet', 'diffusion_models'],
  diffusion_models: ['unet', 'diffusion_models'],
  clip: ['clip', 'text_encoders'],
  text_encoders: ['clip', 'text_encoders'],
};

let defaultCatalog: ModelEntry[] | undefined;

/** Catalogue entry of a model file, or undefined when the folder has no such file. */
export function findModel(folder: string, name: string, catalog?: ModelEntry[]): ModelEntry | undefined {
  const entries = catalog ?? (defaultCatalog ??= loadModelCatalog());
  const folders: string[] = FOLDER_ALIASES[folder] ?? [folder];
  return entries.find((e) => e.name === name && folders.includes(e.folder));
}

/** Family of a model file (`sd15`, `sdxl`, `flux`, `upscale`), or undefined when unknown. */
export function modelFamilyOf(folder: string, name: string, catalog?: ModelEntry[]): ModelFamily | undefined {
  return findModel(folder, name, catalog)?.family;
}
