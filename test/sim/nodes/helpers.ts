/** Shared fixtures for the node-registry tests: the emulator's object_info and trace readers. */
import { readFileSync } from 'node:fs';
import type { ObjectInfo } from '../../../src/comfy/http-types.js';
import { buildObjectInfo } from '../../../src/sim/nodes/object-info.js';
import { loadModelFolders } from '../../../src/sim/nodes/models.js';

export const repoPath = (rel: string): URL => new URL(`../../../${rel}`, import.meta.url);

export function readJson<T = unknown>(rel: string): T {
  return JSON.parse(readFileSync(repoPath(rel), 'utf8')) as T;
}

/** The object_info the brief names as reference: catalogue models plus the two fixture PNGs. */
export function fixtureObjectInfo(): ObjectInfo {
  return buildObjectInfo(loadModelFolders(['example.png', 'mask.png']));
}
