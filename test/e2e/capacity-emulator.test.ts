/**
 * `comfyload capacity` end to end against an emulator with a known cost model: the max rate it
 * finds is the emulator's service rate (from ground truth) within 5%, and the search spends less
 * emulated GPU time than an 8-level grid sweep would. Both figures are printed.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CapacityResult, RunSummary } from '../../src/metrics/result-types.js';
import { startSim, type SimHandle } from '../../src/sim/index.js';
import { readCsv } from '../helpers/csv-read.js';
import { browserChecks, expectEveryChartDrawn, openReport } from './report-page.js';
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
    cli = await runCli(
      [
        'capacity',
        '--url',
        sim.url,
        '--workflow',
        'fixtures/workflows/sd15-txt2img.json',
        '--slo',
        'completionMs.p95<1500',
        '--confidence',
        '0.9',
        '--arrival',
        'constant',
        '--window-arrivals',
        '20',
        '--max-windows',
        '8',
        '--precision',
        '0.03',
        '--warmup',
        '1',
        '--vram-interval',
        '100ms',
        '--results-dir',
        root,
        '--name',
        'capacity-e2e',
      ],
      { timeoutMs: 110_000 },
    );
    dir = findRunDirs(root)[0]!;
    result = JSON.parse(readFileSync(join(dir, 'capacity.json'), 'utf8')) as CapacityResult;
  }, 120_000);

  afterAll(async () => {
    await sim?.close();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('exits 0 and prints the minimum count, the max rate, the knee and both GPU-time figures', () => {
    for (const line of cli.stderr.split('\n')) if (/^(capacity:| {2}trial)/.test(line)) process.stderr.write(`${line}\n`);
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
    process.stderr.write(
      `capacity: max rate ${result.maxRatePerSec?.toFixed(3)}/s vs true service rate ${mu.toFixed(3)}/s (${(((result.maxRatePerSec ?? 0) / mu - 1) * 100).toFixed(1)}%)\n`,
    );
    expect(result.maxRatePerSec).not.toBeNull();
    expect(result.maxRatePerSec! / mu).toBeGreaterThan(0.95);
    expect(result.maxRatePerSec! / mu).toBeLessThan(1.05);
  });

  it('spends less GPU time than an 8-level grid sweep, and the GPU time is the sum over the prompts', () => {
    process.stderr.write(`capacity: GPU time of the search ${(result.gpuMs / 1000).toFixed(1)} s vs 8-level grid ${(result.gridGpuMs / 1000).toFixed(1)} s\n`);
    expect(result.gpuMs).toBeLessThan(result.gridGpuMs);
    let serverMs = 0;
    for (const t of sim.groundTruth.prompts.values())
      if (t.completedMs !== undefined && t.executionStartMs !== undefined) serverMs += t.completedMs - t.executionStartMs;
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

  it("fingerprints the server like run: its node packs in summary.json and trials.csv's header", () => {
    const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as RunSummary;
    const inv = summary.environment.serverInventory!;
    expect(inv.nodePacks.filter((p) => p.kind === 'custom').map((p) => `${p.pack} ${p.classes}`)).toEqual(['bench_nodes 2']);
    expect(inv.unread).toEqual([]);
    const comments = readCsv(readFileSync(join(dir, 'trials.csv'), 'utf8')).comments.join('\n');
    expect(comments).toContain(`# node_packs: custom: bench_nodes 2; core: nodes `);
    expect(comments).toContain(`sha256=${inv.nodeRegistrySha256}`);
  });

  it('samples VRAM like run: vram.csv rows, summary.json vram, report.html listed', () => {
    const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as RunSummary;
    const rows = readCsv(readFileSync(join(dir, 'vram.csv'), 'utf8')).rows;
    expect(rows.length).toBeGreaterThan(10);
    expect(summary.vram!.samples).toBe(rows.length);
    expect(summary.vram!.intervalMs).toBe(100);
    expect(summary.files.map((f) => f.path)).toEqual(expect.arrayContaining(['vram.csv', 'report.html', 'queue.csv', 'trials.csv', 'capacity.json']));
  });

  it.skipIf(!browserChecks)(
    'report.html draws the trials, the SLOs against their thresholds, the search path, queue depth and VRAM in headless Chromium',
    async () => {
      const page = await openReport(dir, 'report-capacity');
      expectEveryChartDrawn(page);
      const byId = new Map(page.charts.map((c) => [c.id, c]));
      for (const id of ['capacity-throughput', 'capacity-slo', 'capacity-path']) expect(byId.get(id)!.lengths[0], id).toBe(result.trials.length);
      for (const id of ['queue', 'vram', 'prompts', 'latency-completionMs']) expect(byId.has(id), id).toBe(true);
      expect(page.text).toContain('Max rate meeting every SLO');
      expect(page.text).toContain('an 8-level grid sweep (estimate)');
      expect(page.text).toContain(`Estimate = ${result.gridRule}.`);
    },
  );

  it('comfyload report renders the capacity report again from the files alone', async () => {
    const written = readFileSync(join(dir, 'report.html'), 'utf8');
    rmSync(join(dir, 'report.html'));
    const again = await runCli(['report', dir]);
    expect(again.code, again.stderr).toBe(0);
    expect(readFileSync(join(dir, 'report.html'), 'utf8')).toBe(written);
  });
});
