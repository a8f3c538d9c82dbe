/**
 * One target's server inventory: made from its responses (the recorded `/features` of a live
 * 0.3.64, `/extensions` as ComfyUI lists a pack's WEB_DIRECTORY), with what could not be read
 * recorded and warned about, and read over HTTP from emulators with and without the endpoints.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ComfyHttp } from '../../src/harness/comfy-http.js';
import { inventoryComments } from '../../src/harness/fingerprint.js';
import { inventoryWarnings, readInventoryResponses, readServerInventory, serverInventory } from '../../src/harness/server-inventory.js';
import { startSim, type SimHandle, type SimOptions } from '../../src/sim/index.js';
import { root, serverObjectInfo } from '../comfy/helpers/object-info.js';

const realFeatures: unknown = JSON.parse(readFileSync(join(root, 'test/traces/real-features.json'), 'utf8'));
const objectInfo = serverObjectInfo();
const EXTENSIONS = [
  '/extensions/ComfyUI-Impact-Pack/impact-pack.js',
  '/extensions/ComfyUI-Impact-Pack/impact-sam-editor.js',
  '/extensions/rgthree-comfy/rgthree.js',
];

describe('serverInventory (one target)', () => {
  it('keeps the lists as the server gave them, beside the node packs and the registry hash', () => {
    const inv = serverInventory({ objectInfo, extensions: { ok: true, body: EXTENSIONS }, features: { ok: true, body: realFeatures } });
    expect(inv.extensions).toEqual(EXTENSIONS);
    expect(inv.features).toEqual({ supports_preview_metadata: true, max_upload_size: 104857600 });
    expect(inv.unread).toEqual([]);
    expect(inv.nodeClasses).toBe(Object.keys(objectInfo).length);
    expect(inv.nodePacks.map((p) => p.pack)).toEqual(['nodes', 'comfy_extras', 'bench_nodes']);
    expect(inv.nodeRegistrySha256).toMatch(/^[0-9a-f]{64}$/);
    expect(inventoryWarnings(inv, 'http://gpu-1:8188')).toEqual([]);
    expect(inventoryComments(inv)).toEqual([
      `node_packs: custom: bench_nodes 2; core: nodes 19, comfy_extras 4; registry: ${inv.nodeClasses} classes sha256=${inv.nodeRegistrySha256}`,
      'extensions: 3 scripts (ComfyUI-Impact-Pack 2, rgthree-comfy 1); features: supports_preview_metadata=true max_upload_size=104857600',
    ]);
  });

  it('records what it could not read, and says so in one warning per endpoint', () => {
    const inv = serverInventory({
      objectInfo,
      extensions: { ok: true, body: { not: 'a list' } },
      features: { ok: false, reason: 'answered 404' },
    });
    expect(inv.extensions).toBeNull();
    expect(inv.features).toBeNull();
    expect(inv.unread).toEqual([
      { endpoint: '/extensions', reason: 'not a list of script paths' },
      { endpoint: '/features', reason: 'answered 404' },
    ]);
    expect(inventoryWarnings(inv, 'http://gpu-1:8188')).toEqual([
      'could not read GET /extensions of http://gpu-1:8188 (not a list of script paths): the fingerprint lacks its frontend extension scripts',
      'could not read GET /features of http://gpu-1:8188 (answered 404): the fingerprint lacks its feature flags (ComfyUI before July 2025 has no /features)',
    ]);
    expect(inventoryComments(inv)[1]).toBe('extensions: not read (not a list of script paths); features: not read (answered 404)');
  });
});

describe('readServerInventory over HTTP', () => {
  const sims: SimHandle[] = [];
  const open = async (opts: Partial<SimOptions>): Promise<ComfyHttp> => {
    const sim = await startSim({ timeScale: 0.02, ...opts });
    sims.push(sim);
    return new ComfyHttp({ url: sim.url, headers: {} });
  };
  afterAll(async () => {
    await Promise.all(sims.map((s) => s.close()));
  });

  it('reads a current server: its custom packs, their scripts and its features', async () => {
    const http = await open({ customPacks: [{ name: 'ComfyUI-Impact-Pack', classes: ['ImpactSwitch', 'ImpactWildcardProcessor'] }] });
    const inv = await readServerInventory(http, await http.objectInfo());
    expect(inv.nodePacks.filter((p) => p.kind === 'custom')).toEqual([
      { pack: 'bench_nodes', kind: 'custom', classes: 2, modules: ['custom_nodes.bench_nodes'] },
      { pack: 'ComfyUI-Impact-Pack', kind: 'custom', classes: 2, modules: ['custom_nodes.ComfyUI-Impact-Pack'] },
    ]);
    expect(inv.extensions).toEqual(['/extensions/ComfyUI-Impact-Pack/ComfyUI-Impact-Pack.js']);
    expect(inv.features).toEqual(realFeatures);
    expect(inv.unread).toEqual([]);
  });

  it('reads an older server without /features, and a proxy hiding /extensions, without throwing', async () => {
    const http = await open({ protocol: 'legacy', faults: [{ name: 'http-404', target: '/extensions' }] });
    const responses = await readInventoryResponses(http, await http.objectInfo());
    expect(responses.extensions).toEqual({ ok: false, reason: 'answered 404' });
    expect(responses.features).toEqual({ ok: false, reason: 'answered 404' });
    expect(serverInventory(responses).unread.map((u) => u.endpoint)).toEqual(['/extensions', '/features']);
  });
});
