/**
 * Two runs on the built-in emulator (no --url) with different GPU profiles land in different
 * `<gpu>` folders, and summary.json and every CSV header say which GPU, VRAM and software ran.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import gpus from '../../fixtures/sim/gpus.json' with { type: 'json' };
import { readCsv } from '../helpers/csv-read.js';
import { findRunDirs, readRun, runCli, type RunFiles } from './run-cli.js';

const PROFILES = { 'rtx-4090': 'nvidia-geforce-rtx-4090', h100: 'nvidia-h100-80gb-hbm3' } as const;
let resultsRoot: string;
const runs = new Map<string, RunFiles>();

beforeAll(async () => {
  resultsRoot = mkdtempSync(join(tmpdir(), 'comfyload-fp-'));
  for (const gpu of Object.keys(PROFILES)) {
    const before = new Set(findRunDirs(resultsRoot));
    const cli = await runCli([
      'run',
      '--sim-gpu',
      gpu,
      '--sim-time-scale',
      '0.05',
      '--concurrency',
      '1',
      '--prompts',
      '2',
      '--warmup',
      '0',
      '--results-dir',
      resultsRoot,
      '--label',
      'host=ci',
      '--quiet',
    ]);
    expect(cli.code, cli.stderr).toBe(0);
    const dir = findRunDirs(resultsRoot).find((d) => !before.has(d))!;
    runs.set(gpu, readRun(dir));
  }
}, 120_000);

afterAll(() => {
  if (resultsRoot) rmSync(resultsRoot, { recursive: true, force: true });
});

describe.each(Object.entries(PROFILES))('emulator profile %s', (profile, slug) => {
  const expected = gpus[profile as keyof typeof PROFILES];

  it(`lands in results/${slug}/<model-config>/`, () => {
    const run = runs.get(profile)!;
    const parts = relative(resultsRoot, run.dir).split(sep);
    expect(parts[0]).toBe(slug);
    expect(parts[1]).toBe('v1-5-pruned-emaonly-512x512-20steps-b1');
    expect(run.summary.environment.gpuSlug).toBe(slug);
  });

  it('has the GPU, its VRAM, the versions, the server argv and the workflow hash in summary.json', () => {
    const env = runs.get(profile)!.summary.environment;
    expect(env).toMatchObject({
      gpu: expected.name,
      gpuCount: '1',
      vramTotalBytes: String(expected.vramBytes),
      ramTotalBytes: String(expected.ramBytes),
      allocator: expected.allocator,
      comfyuiVersion: '0.3.64',
      modelsCheckpoint: 'v1-5-pruned-emaonly.safetensors',
      resolution: '512x512',
      steps: '20',
      batchSize: '1',
      sampler: 'euler',
      'label.host': 'ci',
    });
    expect(env.pytorchVersion).toMatch(/^\d+\.\d+/);
    expect(env.pythonVersion).toMatch(/^3\.\d+/);
    expect(env.serverArgv).toMatch(/^main\.py /);
    expect(env.workflowSha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('heads every CSV with the same fingerprint', () => {
    const run = runs.get(profile)!;
    for (const file of ['levels.csv', 'requests.csv', 'vram.csv']) {
      const comments = readCsv(readFileSync(join(run.dir, file), 'utf8')).comments.join('\n');
      expect(comments, file).toContain(`# gpu: ${expected.name}; gpu_count: 1`);
      expect(comments, file).toContain(`${(expected.vramBytes / 2 ** 30).toFixed(1)} GiB`);
      expect(comments, file).toContain('# comfyui_version: 0.3.64');
      expect(comments, file).toContain(`sha256=${run.summary.environment.workflowSha256}`);
      expect(comments, file).toContain(`# results: ${slug}/`);
    }
  });
});

it('the two profiles differ in GPU and VRAM but run the same workflow', () => {
  const [a, b] = [runs.get('rtx-4090')!.summary.environment, runs.get('h100')!.summary.environment];
  expect(a.gpuSlug).not.toBe(b.gpuSlug);
  expect(a.vramTotalBytes).not.toBe(b.vramTotalBytes);
  expect(a.workflowSha256).toBe(b.workflowSha256);
  expect(a.modelConfigSlug).toBe(b.modelConfigSlug);
});

it('--label gpu= and model-config= override the results path', async () => {
  const root = mkdtempSync(join(tmpdir(), 'comfyload-fp-label-'));
  try {
    const cli = await runCli([
      'run',
      '--sim-time-scale',
      '0.05',
      '--concurrency',
      '1',
      '--prompts',
      '1',
      '--warmup',
      '0',
      '--results-dir',
      root,
      '--label',
      'gpu=Lab Box 3',
      '--label',
      'model-config=sd15-base',
      '--quiet',
    ]);
    expect(cli.code, cli.stderr).toBe(0);
    const [dir] = findRunDirs(root);
    expect(relative(root, dir!).split(sep).slice(0, 2)).toEqual(['lab-box-3', 'sd15-base']);
    expect(readRun(dir!).summary.environment.gpu).toBe('NVIDIA GeForce RTX 4090');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
