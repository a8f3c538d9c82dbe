/**
 * What a server's `/object_info` says about the code it runs: its node classes grouped into
 * packs by `python_module`, and one hash of the whole registry. "Have you tried disabling custom
 * nodes?" is the first question about a slowdown after an update, so the fingerprint names them.
 */
import { createHash } from 'node:crypto';
import type { ObjectInfo } from '../comfy/http-types.js';
import { canonicalJson } from '../comfy/workflow.js';
import type { NodePack, NodePackKind } from '../metrics/result-types.js';

/** The pack of a `python_module` value, as ComfyUI's loader names modules (`RELATIVE_PYTHON_MODULE`). */
export function packOf(pythonModule: unknown): { pack: string; kind: NodePackKind } {
  if (typeof pythonModule !== 'string' || pythonModule === '') return { pack: '(no python_module)', kind: 'unknown' };
  const [head = '', second] = pythonModule.split('.');
  if (pythonModule === 'nodes') return { pack: 'nodes', kind: 'core' };
  if (head === 'comfy_extras') return { pack: 'comfy_extras', kind: 'extras' };
  if (head === 'comfy_api_nodes') return { pack: 'comfy_api_nodes', kind: 'api' };
  // `custom_nodes.<folder>` for the pack's own module, `custom_nodes.<folder>.<sub>…` for a pack that registers from submodules.
  if (head === 'custom_nodes' && second !== undefined && second !== '') return { pack: second, kind: 'custom' };
  return { pack: head, kind: 'other' };
}

const KIND_ORDER: readonly NodePackKind[] = ['core', 'extras', 'api', 'custom', 'other', 'unknown'];

/** Node classes per pack: core, comfy_extras and API nodes first, then custom packs and others by name. */
export function nodePacks(objectInfo: ObjectInfo): NodePack[] {
  const byPack = new Map<string, { pack: string; kind: NodePackKind; classes: number; modules: Set<string> }>();
  for (const info of Object.values(objectInfo)) {
    const module: unknown = (info as { python_module?: unknown } | null)?.python_module;
    const { pack, kind } = packOf(module);
    const key = `${kind}\u0000${pack}`;
    const entry = byPack.get(key) ?? { pack, kind, classes: 0, modules: new Set<string>() };
    entry.classes++;
    if (typeof module === 'string' && module !== '') entry.modules.add(module);
    byPack.set(key, entry);
  }
  return [...byPack.values()]
    .sort((a, b) => KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind) || compareText(a.pack, b.pack))
    .map((e) => ({ pack: e.pack, kind: e.kind, classes: e.classes, modules: [...e.modules].sort(compareText) }));
}

/**
 * SHA-256 of the registry's canonical JSON (keys sorted at every depth, so the order the server
 * lists classes or keys in does not matter). The file lists of upload inputs (`image_upload`,
 * `audio_upload`… — LoadImage's input folder) are left out: every upload changes them, a run's
 * own included, and that is not a different server.
 */
export function nodeRegistrySha256(objectInfo: ObjectInfo): string {
  const stable: Record<string, unknown> = {};
  for (const [name, info] of Object.entries(objectInfo)) stable[name] = withoutUploadLists(info);
  return createHash('sha256').update(canonicalJson(stable)).digest('hex');
}

function withoutUploadLists(info: unknown): unknown {
  if (info === null || typeof info !== 'object') return info;
  const input = (info as { input?: unknown }).input;
  if (input === null || typeof input !== 'object') return info;
  const sections: Record<string, unknown> = {};
  for (const [section, specs] of Object.entries(input as Record<string, unknown>)) {
    if (specs === null || typeof specs !== 'object' || Array.isArray(specs)) {
      sections[section] = specs;
      continue;
    }
    sections[section] = Object.fromEntries(Object.entries(specs as Record<string, unknown>).map(([name, spec]) => [name, withoutUploadList(spec)]));
  }
  return { ...(info as Record<string, unknown>), input: sections };
}

/** `[[files…], {image_upload: true}]` → `[[], {…}]`; `["COMBO", {options: [files…], image_upload: true}]` → options `[]`. */
function withoutUploadList(spec: unknown): unknown {
  if (!Array.isArray(spec)) return spec;
  const options: unknown = spec[1];
  if (options === null || typeof options !== 'object' || Array.isArray(options)) return spec;
  const isUpload = Object.entries(options as Record<string, unknown>).some(([k, v]) => k.endsWith('_upload') && v === true);
  if (!isUpload) return spec;
  if (Array.isArray(spec[0])) return [[], ...spec.slice(1)];
  if (Array.isArray((options as { options?: unknown }).options)) return [spec[0], { ...(options as Record<string, unknown>), options: [] }, ...spec.slice(2)];
  return spec;
}

/** Case-insensitive, then code-point order: the same on every machine (no locale). */
function compareText(a: string, b: string): number {
  const [x, y] = [a.toLowerCase(), b.toLowerCase()];
  if (x !== y) return x < y ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}
