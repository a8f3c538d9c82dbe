/**
 * The server inventory of one target (node packs, frontend extensions, feature flags) for its
 * fingerprint. `/object_info` comes from the workflow preflight, which has fetched it already;
 * `/extensions` and `/features` are read here, and a server without them (older ComfyUI, a proxy
 * that forwards only the API) still runs: what could not be read is recorded and warned about.
 * One target in, one inventory out, so a fleet fingerprints each of its targets the same way.
 */
import { ComfyloadError } from '../comfy/errors.js';
import type { ObjectInfo } from '../comfy/http-types.js';
import type { JsonValue, ServerInventory, UnreadEndpoint } from '../metrics/result-types.js';
import type { ComfyHttp } from './comfy-http.js';
import { nodePacks, nodeRegistrySha256 } from './node-registry.js';

/** One endpoint's answer: its JSON body, or why there is none. */
export type EndpointRead = { ok: true; body: unknown } | { ok: false; reason: string };

/** The responses of one target that its inventory is made from. */
export interface InventoryResponses {
  objectInfo: ObjectInfo;
  extensions: EndpointRead;
  features: EndpointRead;
}

/** Reads `/extensions` and `/features` of one target (never throws for them) beside its `/object_info`. */
export async function readInventoryResponses(http: ComfyHttp, objectInfo: ObjectInfo): Promise<InventoryResponses> {
  const [extensions, features] = await Promise.all([readEndpoint(http, '/extensions'), readEndpoint(http, '/features')]);
  return { objectInfo, extensions, features };
}

async function readEndpoint(http: ComfyHttp, path: string): Promise<EndpointRead> {
  try {
    return { ok: true, body: await http.getJson<unknown>(path) };
  } catch (err) {
    if (!(err instanceof ComfyloadError)) throw err;
    // `GET /features on http://host:8188 answered 404` → `answered 404`: the target is named once, by the caller.
    return { ok: false, reason: err.message.replace(`GET ${path} on ${http.baseUrl} `, '') };
  }
}

/** Reads one target's `/extensions` and `/features` and makes its inventory with the `/object_info` already fetched. */
export async function readServerInventory(http: ComfyHttp, objectInfo: ObjectInfo): Promise<ServerInventory> {
  return serverInventory(await readInventoryResponses(http, objectInfo));
}

/** The inventory of one target from its responses. */
export function serverInventory(responses: InventoryResponses): ServerInventory {
  const unread: UnreadEndpoint[] = [];
  const extensions = accept(responses.extensions, '/extensions', isStringList, 'not a list of script paths', unread);
  const features = accept(responses.features, '/features', isJsonObject, 'not a JSON object', unread);
  return {
    nodeClasses: Object.keys(responses.objectInfo).length,
    nodePacks: nodePacks(responses.objectInfo),
    nodeRegistrySha256: nodeRegistrySha256(responses.objectInfo),
    extensions,
    features,
    unread,
  };
}

function accept<T>(read: EndpointRead, endpoint: string, check: (v: unknown) => v is T, shapeError: string, unread: UnreadEndpoint[]): T | null {
  if (!read.ok) {
    unread.push({ endpoint, reason: read.reason });
    return null;
  }
  if (!check(read.body)) {
    unread.push({ endpoint, reason: shapeError });
    return null;
  }
  return read.body;
}

const MISSING: Readonly<Record<string, string>> = {
  '/extensions': 'its frontend extension scripts',
  '/features': 'its feature flags (ComfyUI before July 2025 has no /features)',
};

/** One warning per endpoint that could not be read, naming the target. */
export function inventoryWarnings(inventory: ServerInventory, target: string): string[] {
  return inventory.unread.map(
    (u) => `could not read GET ${u.endpoint} of ${target} (${u.reason}): the fingerprint lacks ${MISSING[u.endpoint] ?? 'what it lists'}`,
  );
}

function isStringList(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((x) => typeof x === 'string');
}

function isJsonObject(v: unknown): v is Record<string, JsonValue> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
