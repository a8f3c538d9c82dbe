/**
 * The workflow features end to end, the built CLI against the in-process emulator: every fixture
 * runs; UI-format files are converted; --set is typed by /object_info; --matrix makes one results
 * folder per combination; input images and masks are uploaded with ComfyUI's naming rules and the
 * graph rewritten to the returned names; --prompt-file rotates the positive text; the cache audit
 * sees the cache of a default server and its absence under --cache-none, and fails a workflow
 * whose "varied" prompts are not varied. What the server received is read from its /history.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiWorkflow, HistoryResponse } from '../../src/comfy/http-types.js';
import { startSim, type SimHandle } from '../../src/sim/index.js';
import { findRunDirs, readRun, root, runCli } from './run-cli.js';

const FIXTURES = ['sd15-txt2img', 'sdxl-txt2img', 'flux-dev-txt2img', 'sd15-img2img', 'sd15-inpaint', 'sd15-upscale', 'sd15-lora', 'bench-fake-sampler'];
const FAST = ['--concurrency', '1', '--warmup', '0'];

let scratch: string;
beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'comfyload-wf-'));
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

async function history(sim: SimHandle): Promise<ApiWorkflow[]> {
  const all = (await (await fetch(`${sim.url}/history`)).json()) as HistoryResponse;
  return Object.values(all).map((e) => e.prompt[2]);
}

function fresh(name: string): string {
  return join(scratch, name);
}

describe('every fixture runs end to end on the emulator', () => {
  let sim: SimHandle;
  beforeAll(async () => {
    sim = await startSim({ timeScale: 0.01 });
  });
  afterAll(async () => sim?.close());

  it.each(FIXTURES)('%s', async (name) => {
    const results = fresh(`fixture-${name}`);
    const cli = await runCli(['run', '--url', sim.url, '--workflow', `fixtures/workflows/${name}.json`, ...FAST, '--prompts', '2', '--results-dir', results]);
    expect(cli.code, cli.stderr).toBe(0);
    const [dir] = findRunDirs(results);
    const run = readRun(dir!);
    expect(run.summary.totals.submitted).toBe(2);
    expect(run.requests.rows.map((r) => r.outcome)).toEqual(['ok', 'ok']);
    // Model family and defaults label the results: the folder is the model configuration.
    const fixture = JSON.parse(readFileSync(join(root, 'fixtures/workflows', `${name}.json`), 'utf8')) as ApiWorkflow;
    const steps = Object.values(fixture).find((n) => typeof n.inputs.steps === 'number')?.inputs.steps;
    expect(dir).toContain(`${String(steps)}steps`);
    // Images the fixture names and the server lacks are uploaded from fixtures/workflows/input/.
    if (name === 'sd15-img2img') expect(run.summary.environment.inputUploads).toMatch(/^example\.png→example\.png image 7871B/);
    if (name === 'sd15-inpaint') expect(run.summary.environment.inputUploads).toMatch(/^mask\.png→mask\.png mask 140B/);
  });

  it('runs a UI-format file after converting it with /object_info', async () => {
    const results = fresh('ui');
    const cli = await runCli([
      'run',
      '--url',
      sim.url,
      '--workflow',
      'fixtures/workflows/ui/sd15-txt2img-extras.ui.json',
      ...FAST,
      '--prompts',
      '2',
      '--results-dir',
      results,
    ]);
    expect(cli.code, cli.stderr).toBe(0);
    expect(cli.stderr).toContain('is in the UI format: converted to the API format');
    const run = readRun(findRunDirs(results)[0]!);
    expect(run.summary.environment.workflowFormat).toContain('ui');
    const sent = (await history(sim)).at(-1)!;
    expect(sent['3']!.inputs.steps).toBe(12);
    expect(sent['8']!.inputs.vae).toEqual(['4', 2]);
  });

  it('types --set values by /object_info, by node id, class and title', async () => {
    const results = fresh('set');
    const cli = await runCli([
      'run',
      '--url',
      sim.url,
      '--workflow',
      'fixtures/workflows/sd15-txt2img.json',
      ...FAST,
      '--prompts',
      '1',
      '--results-dir',
      results,
      '--set',
      '3.inputs.cfg=6.5',
      '--set',
      'KSampler.steps=7',
      '--set',
      'title:Positive.text=a red fox',
      '--set',
      'EmptyLatentImage.width=640',
    ]);
    expect(cli.code, cli.stderr).toBe(0);
    const sent = (await history(sim)).at(-1)!;
    expect(sent['3']!.inputs).toMatchObject({ cfg: 6.5, steps: 7 });
    expect(sent['6']!.inputs.text).toBe('a red fox');
    expect(sent['5']!.inputs.width).toBe(640);
  });

  it('--matrix runs each combination as its own model configuration and results folder', async () => {
    const results = fresh('matrix');
    const cli = await runCli([
      'run',
      '--url',
      sim.url,
      '--workflow',
      'fixtures/workflows/sd15-txt2img.json',
      ...FAST,
      '--prompts',
      '1',
      '--results-dir',
      results,
      '--matrix',
      'batch_size=1,2',
      '--matrix',
      'steps=4,6',
    ]);
    expect(cli.code, cli.stderr).toBe(0);
    const dirs = findRunDirs(results);
    expect(dirs).toHaveLength(4);
    const configs = dirs.map((d) => readRun(d)).map((r) => [r.summary.settings.labels.matrix, r.dir.split('/').at(-2)]);
    expect(configs.sort()).toEqual([
      ['batch_size=1,steps=4', 'v1-5-pruned-emaonly-512x512-4steps-b1'],
      ['batch_size=1,steps=6', 'v1-5-pruned-emaonly-512x512-6steps-b1'],
      ['batch_size=2,steps=4', 'v1-5-pruned-emaonly-512x512-4steps-b2'],
      ['batch_size=2,steps=6', 'v1-5-pruned-emaonly-512x512-6steps-b2'],
    ]);
  });

  it('--matrix over an input the folder name does not spell out (cfg) still gives each combination its own model configuration', async () => {
    const results = fresh('matrix-cfg');
    const cli = await runCli([
      'run',
      '--url',
      sim.url,
      '--workflow',
      'fixtures/workflows/sd15-txt2img.json',
      ...FAST,
      '--prompts',
      '1',
      '--results-dir',
      results,
      '--matrix',
      'cfg=6,8',
    ]);
    expect(cli.code, cli.stderr).toBe(0);
    const configs = findRunDirs(results)
      .map((d) => d.split('/').at(-2))
      .sort();
    expect(configs).toEqual(['v1-5-pruned-emaonly-512x512-20steps-b1-cfg6', 'v1-5-pruned-emaonly-512x512-20steps-b1-cfg8']);
  });

  it('--prompt-file rotates the positive text through the prompts', async () => {
    const results = fresh('prompt-file');
    const file = join(scratch, 'prompts.txt');
    writeFileSync(file, 'a red fox\n\na lighthouse at dusk\na bowl of ramen\n');
    const before = (await history(sim)).length;
    const cli = await runCli([
      'run',
      '--url',
      sim.url,
      '--workflow',
      'fixtures/workflows/flux-dev-txt2img.json',
      ...FAST,
      '--prompts',
      '4',
      '--results-dir',
      results,
      '--prompt-file',
      file,
    ]);
    expect(cli.code, cli.stderr).toBe(0);
    const sent = (await history(sim)).slice(before);
    const texts = sent.map((g) => Object.values(g).find((n) => n.class_type === 'CLIPTextEncode' && n._meta?.title === 'Positive')?.inputs.text);
    expect(texts).toEqual(['a red fox', 'a lighthouse at dusk', 'a bowl of ramen', 'a red fox']);
  });
});

describe("input uploads with ComfyUI's naming rules", () => {
  let sim: SimHandle;
  beforeAll(async () => {
    sim = await startSim({ timeScale: 0.01 });
    // A different file already named example.png: the fixture's must become "example (1).png".
    const form = new FormData();
    form.set('image', new Blob([new Uint8Array([1, 2, 3])]), 'example.png');
    expect((await fetch(`${sim.url}/upload/image`, { method: 'POST', body: form })).status).toBe(200);
  });
  afterAll(async () => sim?.close());

  it('an --input whose name the server has for another file comes back as "name (1).png", once, and the graph uses that name', async () => {
    for (const round of [1, 2]) {
      const results = fresh(`upload-${round}`);
      const input = join(root, 'fixtures/workflows/input/example.png');
      const cli = await runCli([
        'run',
        '--url',
        sim.url,
        '--workflow',
        'fixtures/workflows/sd15-img2img.json',
        ...FAST,
        '--prompts',
        '2',
        '--results-dir',
        results,
        '--input',
        input,
      ]);
      expect(cli.code, cli.stderr).toBe(0);
      expect(cli.stderr).toMatch(
        /uploaded .*fixtures\/workflows\/input\/example\.png → example \(1\)\.png \(image via \/upload\/image, 7871 bytes in [\d.]+ ms\) for node 10/,
      );
      expect(readRun(findRunDirs(results)[0]!).summary.environment.inputUploads).toMatch(/^example\.png→example \(1\)\.png image 7871B [\d.]+ms$/);
    }
    // Same bytes the second time: the server kept one file and returned the same name.
    expect(sim.state!.files.listInputs()).toEqual(['example (1).png', 'example.png']);
    expect(new Set((await history(sim)).map((g) => g['10']!.inputs.image))).toEqual(new Set(['example (1).png']));
  });

  it('--input and --input-mask go through /upload/image and, for an alpha mask, /upload/mask (original_ref) into LoadImage and LoadImageMask', async () => {
    const photo = join(scratch, 'photo.png');
    const mask = join(scratch, 'hole.png');
    writeFileSync(photo, readFileSync(join(root, 'fixtures/workflows/input/example.png')));
    writeFileSync(mask, readFileSync(join(root, 'fixtures/workflows/input/mask.png')));
    const results = fresh('upload-mask');
    const before = (await history(sim)).length;
    const cli = await runCli([
      'run',
      '--url',
      sim.url,
      '--workflow',
      'fixtures/workflows/sd15-inpaint.json',
      ...FAST,
      '--prompts',
      '1',
      '--results-dir',
      results,
      '--input',
      photo,
      '--input-mask',
      `12=${mask}`,
      '--set',
      '12.channel=alpha',
    ]);
    expect(cli.code, cli.stderr).toBe(0);
    expect(cli.stderr).toContain('→ photo.png (image via /upload/image,');
    expect(cli.stderr).toContain('→ hole.png (mask via /upload/mask,');
    const [sent] = (await history(sim)).slice(before);
    expect(sent!['10']!.inputs.image).toBe('photo.png');
    expect(sent!['12']!.inputs.image).toBe('hole.png');
    // /upload/mask saved the referenced original under the mask's name (ComfyUI's mask editor flow).
    expect(readFileSync(join(sim.state!.files.dir('input'), 'hole.png'))).toEqual(readFileSync(photo));
  });

  it('an --input for a workflow without a LoadImage is exit 2 before any upload or prompt', async () => {
    const counter = sim.state!.promptCounter;
    const cli = await runCli([
      'run',
      '--url',
      sim.url,
      '--workflow',
      'fixtures/workflows/sd15-txt2img.json',
      ...FAST,
      '--prompts',
      '1',
      '--results-dir',
      fresh('no-loader'),
      '--input',
      join(root, 'fixtures/workflows/input/example.png'),
    ]);
    expect(cli.code).toBe(2);
    expect(cli.stderr).toContain('the workflow has no LoadImage node to take it');
    expect(sim.state!.promptCounter).toBe(counter);
  });
});

describe('--cache-mode audit', () => {
  const audit = (sim: SimHandle, workflow: string, name: string) =>
    runCli(['run', '--url', sim.url, '--workflow', workflow, ...FAST, '--prompts', '1', '--results-dir', fresh(name), '--cache-mode', 'audit']);

  it('on a default server: identical prompts are served from cache, varied ones are not; passes with the speed-up', async () => {
    const sim = await startSim({ timeScale: 0.02 });
    try {
      const cli = await audit(sim, 'fixtures/workflows/sd15-txt2img.json', 'audit-classic');
      expect(cli.code, cli.stderr).toBe(0);
      expect(cli.stderr).toMatch(
        /cache audit passed: varied prompts defeat the cache; identical prompts [\d.]+ ms median \(3 of 3 fully cached\), varied [\d.]+ ms \(0 of 3 served from cache\)/,
      );
      const env = readRun(findRunDirs(fresh('audit-classic'))[0]!).summary.environment;
      expect(env.cacheAudit).toBe('passed');
      expect(Number(env.cacheAuditSpeedup)).toBeGreaterThan(3);
    } finally {
      await sim.close();
    }
  });

  it('on a --cache-none server: no speed-up, and the audit says caching is off', async () => {
    const sim = await startSim({ timeScale: 0.02, cache: 'none' });
    try {
      const cli = await audit(sim, 'fixtures/workflows/sd15-txt2img.json', 'audit-none');
      expect(cli.code, cli.stderr).toBe(0);
      expect(cli.stderr).toContain('did not serve identical prompts from cache');
      const speedup = Number(readRun(findRunDirs(fresh('audit-none'))[0]!).summary.environment.cacheAuditSpeedup);
      expect(speedup).toBeGreaterThan(0.6);
      expect(speedup).toBeLessThan(1.6);
    } finally {
      await sim.close();
    }
  });

  it('fails (exit 1) when the "varied" prompts were served from cache: a graph with nothing to vary', async () => {
    const sim = await startSim({ timeScale: 0.02 });
    const file = join(scratch, 'no-seed.json');
    writeFileSync(
      file,
      JSON.stringify({
        '1': { class_type: 'EmptyImage', inputs: { width: 64, height: 64, batch_size: 1, color: 0 } },
        '2': { class_type: 'SaveImage', inputs: { images: ['1', 0], filename_prefix: 'noseed' } },
      }),
    );
    try {
      const cli = await audit(sim, file, 'audit-fail');
      expect(cli.code, cli.stderr).toBe(1);
      expect(cli.stderr).toContain('Cache audit FAILED: the varied prompts are identical to the template');
      expect(cli.stderr).toContain('code: COMFYLOAD_ERR_CACHE_AUDIT_FAILED');
    } finally {
      await sim.close();
    }
  });
});
