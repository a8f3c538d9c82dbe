/**
 * The GPU × model matrix end to end: three emulator GPU profiles × two model families (SD 1.5
 * and SDXL), one small run each, then `comfyload compare <root> --price …`. The emulator's
 * profiles rank the GPUs by speed (fixtures/sim/gpus.json relativeSpeed: h100 1.6 > rtx-4090 1.0
 * > l4 0.3); the matrix must order them the same way within each family, in throughput and in
 * step time, and price only the GPUs given a price. Also a custom --sim-gpu-profile file.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import gpus from '../../fixtures/sim/gpus.json' with { type: 'json' };
import type { MatrixResult } from '../../src/metrics/matrix-types.js';
import { readCsv } from '../helpers/csv-read.js';
import { runCli } from './run-cli.js';

const PROFILES = ['l4', 'rtx-4090', 'h100'] as const;
const FAMILIES = { sd15: 'fixtures/workflows/sd15-txt2img.json', sdxl: 'fixtures/workflows/sdxl-txt2img.json' } as const;
let root: string;
let matrix: MatrixResult;
let stderr: string;

describe('comfyload compare results/: the GPU × model matrix', () => {
  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'comfyload-matrix-'));
    for (const gpu of PROFILES) {
      for (const [family, workflow] of Object.entries(FAMILIES)) {
        const cli = await runCli(
          [
            'run',
            '--sim-gpu',
            gpu,
            '--workflow',
            workflow,
            '--sim-time-scale',
            '0.05',
            '--concurrency',
            '1',
            '--prompts',
            '5',
            '--warmup',
            '1',
            '--results-dir',
            join(root, 'results'),
            '--name',
            `${gpu}-${family}`,
            '--quiet',
          ],
          { timeoutMs: 60_000 },
        );
        expect(cli.code, cli.stderr).toBe(0);
      }
    }
    const cli = await runCli(['compare', 'results', '--price', 'rtx-4090=0.69/h,h100=2.49/h', '--out-dir', 'matrix', '--json'], { cwd: root });
    expect(cli.code, cli.stderr).toBe(0);
    matrix = JSON.parse(cli.stdout) as MatrixResult;
    stderr = cli.stderr;
  }, 200_000);

  afterAll(() => {
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('has one row per GPU × model configuration and orders the GPUs of each family as their profiles do', () => {
    expect(matrix.rows).toHaveLength(6);
    const profiles = Object.values(gpus).filter((g): g is Exclude<typeof g, string> => typeof g === 'object');
    const speed = (name: string): number => profiles.find((g) => g.name === name)!.relativeSpeed;
    for (const family of ['sd15', 'sdxl']) {
      const rows = matrix.rows.filter((r) => r.modelConfig.startsWith(family === 'sd15' ? 'v1-5' : 'sd-xl'));
      expect(rows).toHaveLength(3);
      const bySpeed = [...rows].sort((a, b) => speed(b.gpu) - speed(a.gpu)).map((r) => r.gpu);
      expect(rows.map((r) => r.gpu)).toEqual(bySpeed); // sorted by throughput, best first
      expect([...rows].sort((a, b) => a.stepSecPerIt! - b.stepSecPerIt!).map((r) => r.gpu)).toEqual(bySpeed);
    }
  });

  it('prices the GPUs given a price (cost per 1,000 images) and writes CSV, Markdown and HTML with bars', () => {
    const l4 = matrix.rows.filter((r) => r.gpu === 'NVIDIA L4');
    expect(l4.every((r) => r.costPer1000Images === null)).toBe(true);
    for (const r of matrix.rows.filter((x) => x.gpu !== 'NVIDIA L4')) {
      expect(r.costPer1000Images!).toBeCloseTo((r.pricePerHour! * 1000) / (r.imagesPerMin * 60), 9);
    }
    const csv = readCsv(readFileSync(join(root, 'matrix/matrix.csv'), 'utf8'));
    expect(csv.rows).toHaveLength(6);
    expect(readFileSync(join(root, 'matrix/matrix.md'), 'utf8')).toContain('| GPU | model config | runs |');
    const html = readFileSync(join(root, 'matrix/matrix.html'), 'utf8');
    expect(html.match(/class="bar-row"/g)!.length).toBeGreaterThanOrEqual(6 * 4);
    expect(stderr).toContain('comfyload compare (matrix): 6 configurations, sorted by throughput');
  });

  it('pools repeats of a configuration and shows their spread; a custom GPU profile file is a GPU of its own', async () => {
    const profile = join(root, 'my-gpu.json');
    writeFileSync(profile, JSON.stringify({ base: 'rtx-4090', name: 'My Power-Limited 4090', relativeSpeed: 0.8 }));
    for (const seed of ['1', '2']) {
      const cli = await runCli(
        [
          'run',
          '--sim-gpu-profile',
          profile,
          '--sim-time-scale',
          '0.05',
          '--concurrency',
          '1',
          '--prompts',
          '4',
          '--warmup',
          '1',
          '--seed',
          seed,
          '--results-dir',
          join(root, 'mine'),
          '--quiet',
        ],
        { timeoutMs: 60_000 },
      );
      expect(cli.code, cli.stderr).toBe(0);
    }
    const cli = await runCli(['compare', 'mine', '--out-dir', 'matrix-mine', '--json', '--quiet'], { cwd: root });
    expect(cli.code, cli.stderr).toBe(0);
    const mine = JSON.parse(cli.stdout) as MatrixResult;
    expect(mine.rows).toHaveLength(1);
    expect(mine.rows[0]).toMatchObject({ gpu: 'My Power-Limited 4090', runs: 2 });
    expect(mine.rows[0]!.promptsPerSecSpread).not.toBeNull();
  });
});
