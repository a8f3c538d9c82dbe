/**
 * Every node class the emulator knows, keyed by class name as in ComfyUI's NODE_CLASS_MAPPINGS.
 * Schemas follow ComfyUI 0.3.64; the split files group them by area.
 */
import type { NodeRegistry } from './types.js';
import { LOADER_NODES } from './registry-loaders.js';
import { SAMPLING_NODES } from './registry-sampling.js';
import { IMAGE_NODES } from './registry-image.js';
import { BENCH_NODES } from './registry-bench.js';

export const NODE_REGISTRY: NodeRegistry = {
  ...LOADER_NODES,
  ...SAMPLING_NODES,
  ...IMAGE_NODES,
  ...BENCH_NODES,
};
