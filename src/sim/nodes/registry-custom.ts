/**
 * Extra custom node packs given to the emulator (`comfyload sim --custom-pack name:Class1,Class2`),
 * so tests can see a server that loads more than the bench nodes. Each class is a cheap IMAGE →
 * IMAGE node registered from `custom_nodes.<name>`, as ComfyUI's loader names a pack's module;
 * each pack also ships one frontend script, as a pack with a WEB_DIRECTORY does.
 */
import { v1Node } from './node-info-builders.js';
import type { NodeRegistry } from './types.js';

/** One extra pack: its folder name under `custom_nodes/` and the node classes it registers. */
export interface SimCustomPack {
  name: string;
  classes: string[];
}

/** Folder names ComfyUI loads as a module: no dots or slashes (the module path would change). */
export const CUSTOM_PACK_NAME = /^[A-Za-z0-9_-]+$/;

/** The registry entries of the packs; throws on a class that is already registered. */
export function customPackNodes(packs: readonly SimCustomPack[], registered: NodeRegistry): NodeRegistry {
  const out: NodeRegistry = {};
  for (const pack of packs) {
    for (const name of pack.classes) {
      if (Object.hasOwn(registered, name) || Object.hasOwn(out, name)) {
        throw new TypeError(`Expected \`customPacks[].classes\` to name new node classes, got \`${name}\` in ${pack.name} (already registered)`);
      }
      out[name] = {
        exec: 'image_op',
        info: () =>
          v1Node({
            name,
            description: `Pass-through image node of the emulated custom pack ${pack.name}.`,
            pythonModule: `custom_nodes.${pack.name}`,
            category: pack.name,
            required: { image: ['IMAGE'] },
            output: ['IMAGE'],
          }),
      };
    }
  }
  return out;
}

/** `/extensions` entries of the packs: `/extensions/<pack>/<file>`, as ComfyUI lists a WEB_DIRECTORY. */
export function customPackScripts(packs: readonly SimCustomPack[]): string[] {
  return packs.map((p) => `/extensions/${encodeURIComponent(p.name)}/${p.name}.js`);
}
