/**
 * A server's `/object_info` for the pure workflow tests: the emulator's schemas (classic and V3
 * node shapes, both enum forms) with its model catalogue, and the given input files.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ApiWorkflow, ObjectInfo } from '../../../src/comfy/http-types.js';
import { packageInfo } from '../../../src/session/package-info.js';
import { loadModelFolders } from '../../../src/sim/nodes/models.js';
import { buildObjectInfo } from '../../../src/sim/nodes/object-info.js';

export const root = packageInfo().root;

export function serverObjectInfo(inputFiles: string[] = ['example.png', 'mask.png']): ObjectInfo {
  return buildObjectInfo({ ...loadModelFolders(), input: inputFiles });
}

export function fixture(name: string): ApiWorkflow {
  return JSON.parse(readFileSync(join(root, 'fixtures/workflows', name), 'utf8')) as ApiWorkflow;
}

export function uiFixture(name: string): unknown {
  return JSON.parse(readFileSync(join(root, 'fixtures/workflows/ui', name), 'utf8')) as unknown;
}

export const API_FIXTURES = [
  'sd15-txt2img.json',
  'sdxl-txt2img.json',
  'flux-dev-txt2img.json',
  'sd15-img2img.json',
  'sd15-inpaint.json',
  'sd15-upscale.json',
  'sd15-lora.json',
  'bench-fake-sampler.json',
];
