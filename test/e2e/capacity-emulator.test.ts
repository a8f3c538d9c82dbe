/**
 * `comfyload capacity` end to end against an emulator with a known cost model: the max rate it
 * finds is the emulator's service rate (from ground truth) within 5%, and the search spends less
 * emulated GPU time than an 8-level grid sweep would. Both figures are printed.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CapacityResult } from '../../src/metrics/result-types.js';
import { startSim, type SimHandle } from '../../src/sim/index.js';
import { readCsv } from '../helpers/csv-read.js';
import { findRunDirs, runCli, type CliResult } from './run-cli.js';

describe('comfyload capacity against the emulator', () => {
  let sim: SimHandle;
  let root: string;
  let cli: CliResult;
  let dir: string;
  let result: CapacityResult;

  beforeAll(async () => {
    sim = await startSim({ timeScale: 0.025, seed: 11 });
    root = mkdtempSync(join(tmpdir(), 'comfyload-capacity-'));
    cli = await runCli([
      'capacity', '--url', sim.url, '--workflow', 'fixtures/workflows/sd15-txt2img.json',
      '--slo', 'completionMs.p95<1500', '--confidence', '0.9', '--arrival', 'constant',
      '--window-arrivals', '20', '--max-windows', '8', '--precision', '0.03', '--warmup', '1',
      '--results-dir', root, '--name', 'capacity-e2e',
    ], { timeoutMs: 110_000 });
    dir = findRunDirs(root)[0]!;
    result = JSON.parse(readFileSync(join(dir, 'capacity.json'), 'utf8')) as CapacityResult;
  }, 120_000);

  afterAll(async () => {
    await sim?.close();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('exits 0 and prints the minimum count, the max rate, the knee and both GPU-time figures', () => {
    for (const line of cli.stderr.split('\n')) if (/^(capacity:|  trial)/.test(line)) process.stderr.write(`${line}\n`);
    expect(cli.code, cli.stderr).toBe(0);
    expect(cli.stderr).toMatch(/minimum prompts per trial to claim completionMs\.p95<1500: 45/);
    expect(cli.stderr).toMatch(/capacity: max rate .* goodput .* knee/);
    expect(cli.stderr).toMatch(/GPU time spent by the search .* vs an 8-level grid sweep/);
  });

  it("finds the emulator's service rate (ground truth) within 5%", () => {
    let busy = 0;
    let n = 0;
    for (const t of sim.groundTruth.prompts.values()) {
      if (t.outcome !== 'success' || t.completedMs === undefined || t.executionStartMs === undefined) continue;
      busy += t.completedMs - t.executionStartMs;
      n++;
    }
    const mu = (n * 1000) / busy;
    process.stderr.write(`capacity: max rate ${result.maxRatePerSec?.toFixed(3)}/s vs true service rate ${mu.toFixed(3)}/s (${(((result.maxRatePerSec ?? 0) / mu - 1) * 100).toFixed(1)}%)\n`);
    expect(result.maxRatePerSec).not.toBeNull();
    expect(result.maxRatePerSec! / mu).toBeGreaterThan(0.95);
    expect(result.maxRatePerSec! / mu).toBeLessThan(1.05);
  });

  it('spends less GPU time than an 8-level grid sweep, and the GPU time is the sum over the prompts', () => {
    process.stderr.write(`capacity: GPU time of the search ${(result.gpuMs / 1000).toFixed(1)} s vs 8-level grid ${(result.gridGpuMs / 1000).toFixed(1)} s\n`);
    expect(result.gpuMs).toBeLessThan(result.gridGpuMs);
    let serverMs = 0;
    for (const t of sim.groundTruth.prompts.values()) if (t.completedMs !== undefined && t.executionStartMs !== undefined) serverMs += t.completedMs - t.executionStartMs;
    expect(result.gpuMs / serverMs).toBeGreaterThan(0.9);
    expect(result.gpuMs / serverMs).toBeLessThan(1.1);
  });

  it('keeps every trial: trials.csv, capacity.json and summary.json agree', () => {
    const trials = readCsv(readFileSync(join(dir, 'trials.csv'), 'utf8'));
    expect(trials.rows).toHaveLength(result.trials.length);
    expect(result.trials.some((t) => t.verdict === 'fail')).toBe(true);
    expect(result.trials.filter((t) => t.verdict === 'pass').every((t) => t.ok >= 45)).toBe(true);
    const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as { capacity: CapacityResult; settings: { mode: string } };
    expect(summary.settings.mode).toBe('capacity');
    expect(summary.capacity.maxRatePerSec).toBe(result.maxRatePerSec);
  });
});
