/**
 * Bad and edge requests get the real server's answers: aiohttp's plain-text 500 for non-JSON
 * bodies, /view's path rules, 413 over the body cap, 403 for a foreign Origin (HTTP and ws),
 * `{}` for unknown history ids and classes, validation 400s shaped like the recorded ones, and
 * the upload naming rules.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import WebSocket from 'ws';
import { startSim } from '../../src/sim/index.js';
import type { SimHandle } from '../../src/sim/index.js';
import { encodePng, renderPixels } from '../../src/sim/png.js';
import { Recorder, getJson, loadTraceJson, postJson, skeleton } from './sim-test-helpers.js';

let sim: SimHandle;
beforeAll(async () => {
  sim = await startSim({ timeScale: 0.01, maxUploadSizeMb: 0.05 });
});
afterAll(async () => {
  await sim.close();
});

const FAKE = (seed: number, steps = 2): Record<string, unknown> => ({
  '1': { class_type: 'BenchFakeSampler', inputs: { steps, step_ms: 10, seed, vram_mb: 16 } },
  '2': { class_type: 'SaveImage', inputs: { images: ['1', 0], filename_prefix: 'bench' } },
});

async function upload(path: string, fields: Record<string, string>, file?: { name: string; bytes: Buffer }): Promise<{ status: number; json: unknown }> {
  const form = new FormData();
  if (file !== undefined) form.append('image', new Blob([file.bytes], { type: 'image/png' }), file.name);
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  const res = await fetch(`${sim.url}${path}`, { method: 'POST', body: form });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text) as unknown;
  } catch {
    json = undefined;
  }
  return { status: res.status, json };
}

describe('plain-text 500 for bodies that are not JSON', () => {
  for (const path of ['/prompt', '/queue', '/history', '/free']) {
    test(path, async () => {
      const r = await postJson(sim.url, path, 'not json{');
      expect(r.status).toBe(500);
      expect(r.text).toBe('500 Internal Server Error\n\nServer got itself in trouble');
      expect(r.headers.get('content-type')).toMatch(/^text\/plain/);
    });
  }
  test('/history?max_items=abc', async () => {
    expect((await getJson(sim.url, '/history?max_items=abc')).status).toBe(500);
  });
});

describe('/view path rules', () => {
  test('400, 403, 404 as upstream; served files carry Content-Disposition', async () => {
    const status = async (q: string): Promise<number> => (await fetch(`${sim.url}/view?${q}`)).status;
    expect(await status('filename=../secret.png')).toBe(400);
    expect(await status('filename=%2Fetc%2Fpasswd')).toBe(400);
    expect(await status('filename=')).toBe(400);
    expect(await status('filename=a.png&type=models')).toBe(400);
    expect(await status('filename=a.png&subfolder=../../etc')).toBe(403);
    expect(await status('filename=a.png&subfolder=%2Fetc')).toBe(403);
    expect(await status('filename=missing.png')).toBe(404);
    expect(await status('nothing=1')).toBe(404);
    const rec = await Recorder.open(sim.url);
    const id = randomUUID();
    await postJson(sim.url, '/prompt', { prompt: FAKE(11), client_id: rec.clientId, prompt_id: id });
    const done = await rec.waitFor((m) => m.type === 'executed');
    rec.close();
    const file = ((done.data as { output: { images: { filename: string }[] } }).output.images[0] as { filename: string }).filename;
    const res = await fetch(`${sim.url}/view?filename=${encodeURIComponent(`${file} [output]`)}&type=temp`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toBe(`filename="${file}"`);
    expect(res.headers.get('content-type')).toBe('image/png');
    expect(
      Buffer.from(await res.arrayBuffer())
        .subarray(1, 4)
        .toString(),
    ).toBe('PNG');
  });
});

test('413 over --max-upload-size, for JSON bodies too', async () => {
  const big = JSON.stringify({ prompt: FAKE(1), pad: 'x'.repeat(60_000) });
  const r = await postJson(sim.url, '/prompt', big);
  expect(r.status).toBe(413);
  const u = await upload('/upload/image', {}, { name: 'big.png', bytes: Buffer.alloc(60_000, 1) });
  expect(u.status).toBe(413);
});

describe('Origin check on a loopback Host', () => {
  test('HTTP: foreign Origin 403 with empty body; matching Origin or none passes', async () => {
    const foreign = await fetch(`${sim.url}/prompt`, { headers: { Origin: 'http://evil.example' } });
    expect(foreign.status).toBe(403);
    expect(await foreign.text()).toBe('');
    const same = await fetch(`${sim.url}/prompt`, { headers: { Origin: sim.url } });
    expect(same.status).toBe(200);
  });

  test('ws upgrade: foreign Origin refused with 403', async () => {
    const ws = new WebSocket(`${sim.url.replace('http', 'ws')}/ws?clientId=x`, { headers: { Origin: 'http://evil.example' } });
    const status = await new Promise<number>((resolve) => {
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('open', () => resolve(101));
      ws.on('error', () => undefined);
    });
    expect(status).toBe(403);
    ws.terminate();
    const ok = await Recorder.open(sim.url, { headers: { Origin: sim.url } });
    ok.close();
  });
});

describe('unknowns answer {} with 200', () => {
  test('/history/{unknown}, /object_info/Unknown, /api alias', async () => {
    expect(await getJson(sim.url, `/history/${randomUUID()}`)).toMatchObject({ status: 200, json: {} });
    expect(await getJson(sim.url, '/object_info/NoSuchNode')).toMatchObject({ status: 200, json: {} });
    expect(await getJson(sim.url, '/api/object_info/NoSuchNode')).toMatchObject({ status: 200, json: {} });
    const real = loadTraceJson('real-object_info-BenchFakeSampler.json');
    expect((await getJson(sim.url, '/object_info/BenchFakeSampler')).json).toEqual(real);
    expect((await getJson(sim.url, '/models/nope')).status).toBe(404);
    expect((await getJson(sim.url, '/models/checkpoints')).json).toContain('v1-5-pruned-emaonly.safetensors');
  });
});

describe('POST /prompt', () => {
  test('validation error: 400 shaped like the recorded one, nothing queued, counter still rises', async () => {
    const before = ((await postJson(sim.url, '/prompt', { prompt: FAKE(1) })).json as { number: number }).number;
    const bad = structuredClone(FAKE(1)) as Record<string, { inputs: Record<string, unknown> }>;
    delete (bad['1'] as { inputs: Record<string, unknown> }).inputs.step_ms;
    (bad['1'] as { inputs: Record<string, unknown> }).inputs.steps = 0;
    const r = await postJson(sim.url, '/prompt', { prompt: bad });
    expect(r.status).toBe(400);
    // Upstream keeps a node's errors in set order; compare them sorted by type.
    const sortErrors = (body: unknown): unknown => {
      const b = structuredClone(body) as { node_errors: Record<string, { errors: { type: string }[] }> };
      for (const n of Object.values(b.node_errors)) n.errors.sort((x, y) => x.type.localeCompare(y.type));
      return b;
    };
    expect(skeleton(sortErrors(r.json))).toEqual(skeleton(sortErrors(loadTraceJson('real-prompt-400.json'))));
    const after = ((await postJson(sim.url, '/prompt', { prompt: FAKE(2) })).json as { number: number }).number;
    expect(after).toBe(before + 2);
    const none = await postJson(sim.url, '/prompt', { client_id: 'x' });
    expect(none.json).toEqual({ error: { type: 'no_prompt', message: 'No prompt provided', details: 'No prompt provided', extra_info: {} }, node_errors: {} });
  });

  test('prompt_id must be a canonical lowercase UUID (current protocol); number sent = float', async () => {
    const upper = await postJson(sim.url, '/prompt', { prompt: FAKE(3), prompt_id: randomUUID().toUpperCase() });
    expect(upper.status).toBe(400);
    expect((upper.json as { error: { type: string } }).error.type).toBe('invalid_prompt_id');
    const id = randomUUID();
    const ok = await postJson(sim.url, '/prompt', { prompt: FAKE(4), prompt_id: id, number: 5 });
    expect(ok.text).toBe(`{"prompt_id": "${id}", "number": 5.0, "node_errors": {}}`);
  });
});

describe('uploads', () => {
  const png = encodePng(8, 8, renderPixels(8, 8, 1));
  const other = encodePng(8, 8, renderPixels(8, 8, 2));

  test('same bytes → the existing name, different bytes → name (1).png, overwrite keeps the name', async () => {
    expect((await upload('/upload/image', {}, { name: 'up.png', bytes: png })).json).toEqual({ name: 'up.png', subfolder: '', type: 'input' });
    expect((await upload('/upload/image', {}, { name: 'up.png', bytes: png })).json).toEqual({ name: 'up.png', subfolder: '', type: 'input' });
    expect((await upload('/upload/image', {}, { name: 'up.png', bytes: other })).json).toEqual({ name: 'up (1).png', subfolder: '', type: 'input' });
    expect((await upload('/upload/image', { overwrite: 'true' }, { name: 'up.png', bytes: other })).json).toEqual({
      name: 'up.png',
      subfolder: '',
      type: 'input',
    });
    expect((await upload('/upload/image', { subfolder: 'a/b', type: 'temp' }, { name: 'x.png', bytes: png })).json).toEqual({
      name: 'x.png',
      subfolder: 'a/b',
      type: 'temp',
    });
    expect((await upload('/upload/image', { subfolder: '../../x' }, { name: 'x.png', bytes: png })).status).toBe(400);
    expect((await upload('/upload/image', { type: 'models' }, { name: 'x.png', bytes: png })).status).toBe(500);
    expect((await upload('/upload/image', {})).status).toBe(400);
    const objectInfo = (await getJson(sim.url, '/object_info/LoadImage')).json as { LoadImage: { input: { required: { image: [string[]] } } } };
    expect(objectInfo.LoadImage.input.required.image[0]).toContain('up (1).png');
  });

  test('mask: type is the form field (default input), never "mask"', async () => {
    await upload('/upload/image', {}, { name: 'orig.png', bytes: png });
    const r = await upload(
      '/upload/mask',
      { original_ref: JSON.stringify({ filename: 'orig.png', type: 'input' }) },
      { name: 'clipspace-mask.png', bytes: other },
    );
    expect(r).toEqual({ status: 200, json: { name: 'clipspace-mask.png', subfolder: '', type: 'input' } });
    const missing = await upload('/upload/mask', { original_ref: JSON.stringify({ filename: 'nope.png' }) }, { name: 'm2.png', bytes: other });
    expect(missing.status).toBe(200);
  });
});

test('/system_stats and /features have the real shapes', async () => {
  const stats = (await getJson(sim.url, '/system_stats')).json as { system: Record<string, unknown>; devices: Record<string, unknown>[] };
  const real = loadTraceJson('real-system_stats.json') as { system: Record<string, unknown>; devices: Record<string, unknown>[] };
  expect(Object.keys(stats.system)).toEqual(Object.keys(real.system));
  expect(Object.keys(stats.devices[0] as object)).toEqual(Object.keys(real.devices[0] as object));
  const d = stats.devices[0] as Record<string, number | string>;
  expect(d.name).toBe('cuda:0 NVIDIA GeForce RTX 4090 : cudaMallocAsync');
  expect(Number.isInteger(d.vram_total) && Number.isInteger(d.vram_free)).toBe(true);
  expect(stats.system.argv).toEqual(expect.arrayContaining(['main.py', '--listen', '127.0.0.1', '--port', String(sim.port), '--max-upload-size']));
  const features = await fetch(`${sim.url}/features`);
  expect(await features.text()).toBe(`{"supports_preview_metadata": true, "max_upload_size": ${0.05 * 1024 * 1024}}`);
});
