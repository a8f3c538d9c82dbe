/**
 * `GET /object_info`: every registered node's schema with its enum lists filled from the model
 * folders. Built fresh per call because the input folder changes with uploads, as upstream
 * rescans folders on every request.
 */
import type { ObjectInfo } from '../../comfy/http-types.js';
import type { ModelFolders, NodeRegistry } from './types.js';
import { NODE_REGISTRY } from './registry.js';

export function buildObjectInfo(folders: ModelFolders, registry: NodeRegistry = NODE_REGISTRY): ObjectInfo {
  const info: ObjectInfo = {};
  for (const [name, def] of Object.entries(registry)) info[name] = def.info(folders);
  return info;
}
