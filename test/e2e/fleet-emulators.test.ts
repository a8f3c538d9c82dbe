/**
 * A fleet: two emulators with different GPU profiles behind `--url` twice, loaded above their
 * combined service rate with least-queue dispatch. While arrivals last both GPUs stay busy, so
 * the combined throughput is the sum of the two service rates (each from its own ground truth),
 * and the results split per target (targets.csv, summary.json targetLevels, requests.csv).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import gpus from '../../fixtures/sim/gpus.json' with { type: 'json' };
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type SimHandle } from '../../src/sim/index.js';
import { readCsv } from '../helpers/csv-read.js';
import { browserChecks, expectEveryChartDrawn, openReport } from './report-page.js';
import { findRunDirs, readRun, runCli, type CliResult, type RunFiles } from './run-cli.js';

const TIME_SCALE = 0.05;

function busyRate(sim: SimHandle): number {
  let busy = 0;
  let n = 0;
  for (const t of sim.groundTruth.prompts.values()) {
    if (t.completedMs === undefined || t.executionStartMs === undefined) continue;
    busy += t.completedMs - t.executionStartMs;
    n++;
  }
  return (n * 1000) / busy;
}

describe('a fleet of two emulators (rtx-4090 + l4), least-queue dispatch', () => {
  let fast: SimHandle;
  let slow: SimHandle;
  let root: string;
  let cli: CliResult;
  let run: RunFiles;

  beforeAll(async () => {
    fast = await startSim({ timeScale: TIME_SCALE, gpu: 'rtx-4090', seed: 1 });
    slow = await startSim({ timeScale: TIME_SCALE, gpu: 'l4', seed: 2 });
    root = mkdtempSync(join(tmpdir(), 'comfyload-fleet-'));
    cli = await runCli([
      'run',
      '--url',
      fast.url,
      '--url',
      slow.url,
      '--workflow',
      'fixtures/workflows/sd15-txt2img.json',
      '--rate',
      '22/s',
      '--arrival',
      'constant',
      '--prompts',
      '200',
      '--warmup',
      '1',
      '--dispatch',
      'least-queue',
      '--results-dir',
      root,
      '--name',
      'fleet-e2e',
    ]);
    run = readRun(findRunDirs(root)[0]!);
  }, 120_000);

  afterAll(async () => {
    await fast?.close();
    await slow?.close();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('exits 0 with both targets in the summary', () => {
    expect(cli.code, cli.stderr).toBe(0);
    expect(run.summary.targets.map((t) => t.url)).toEqual([fast.url, slow.url]);
  });

  it('names the fleet for both GPUs: folder rtx-4090+l4, every target fingerprinted in summary.json and in every file header', () => {
    expect(relative(root, run.dir).split(sep)[0]).toBe('rtx-4090+l4');
    const [t0, t1] = run.summary.targets;
    expect(t0!.fingerprint).toMatchObject({ gpu: gpus['rtx-4090'].name, gpuCount: 1, cpu: false, devices: [{ vramTotalBytes: gpus['rtx-4090'].vramBytes }] });
    expect(t1!.fingerprint).toMatchObject({ gpu: gpus.l4.name, gpuCount: 1, cpu: false, devices: [{ vramTotalBytes: gpus.l4.vramBytes }] });
    expect(t1!.fingerprint!.serverArgv.join(' ')).toContain(`--port ${slow.port}`);
    expect(t1!.inventory!.nodeRegistrySha256).toMatch(/^[0-9a-f]{64}$/);
    expect(run.summary.environment).toMatchObject({ gpu: `${gpus['rtx-4090'].name} + ${gpus.l4.name}`, gpuCount: '2', targetCount: '2' });
    for (const file of ['levels.csv', 'requests.csv', 'vram.csv', 'targets.csv', 'queue.csv']) {
      const text = readFileSync(join(run.dir, file), 'utf8');
      expect(text, file).toContain(`# target 1: ${slow.url}; gpu: ${gpus.l4.name} x1`);
      expect(text, file).toContain(`# target 0: ${fast.url}; gpu: ${gpus['rtx-4090'].name} x1`);
    }
  });

  it("samples VRAM on each target: vram.csv rows per target with that GPU's VRAM, per-target figures in summary.json", () => {
    const rows = readCsv(readFileSync(join(run.dir, 'vram.csv'), 'utf8')).rows;
    for (const [t, profile] of [
      [0, gpus['rtx-4090']],
      [1, gpus.l4],
    ] as const) {
      const mine = rows.filter((r) => r.target === String(t));
      expect(mine.length, `target ${t}`).toBeGreaterThan(3);
      expect(new Set(mine.map((r) => r.vramTotalBytes))).toEqual(new Set([String(profile.vramBytes)]));
      expect(mine[0]!.deviceName).toContain(profile.name);
    }
    const vram = run.summary.vram!;
    expect(vram.targets!.map((v) => [v.target, v.devices[0]!.vramTotalBytes, v.samples > 3])).toEqual([
      [0, gpus['rtx-4090'].vramBytes, true],
      [1, gpus.l4.vramBytes, true],
    ]);
    // A prompt's VRAM peak is read on the target that ran it: an L4 prompt's peak is the L4's VRAM, never the 4090's.
    const l4Peaks = run.requests.rows.filter((r) => r.target === '1' && r.vramPeakBytes !== '').map((r) => Number(r.vramPeakBytes));
    const l4Used = new Set(rows.filter((r) => r.target === '1').map((r) => Number(r.vramUsedBytes)));
    const fastUsed = new Set(rows.filter((r) => r.target === '0').map((r) => Number(r.vramUsedBytes)));
    expect(
      [...l4Used].filter((u) => fastUsed.has(u)),
      'the two GPUs report different used VRAM (their CUDA contexts differ)',
    ).toEqual([]);
    expect(l4Peaks.length).toBeGreaterThan(0);
    for (const p of l4Peaks) expect(l4Used.has(p)).toBe(true);
  });

  it('while arrivals last, combined throughput ≈ the sum of the two service rates (within 10%)', () => {
    const measured = run.requests.rows.filter((r) => r.phase === 'measure');
    const lastIntended = Math.max(...measured.map((r) => Number(r.intendedSendMs)));
    const firstIntended = Math.min(...measured.map((r) => Number(r.intendedSendMs)));
    const start = firstIntended + 1000; // both queues filled
    const done = measured.filter((r) => r.outcome === 'ok' && Number(r.completedMs) > start && Number(r.completedMs) <= lastIntended).length;
    const combined = (done * 1000) / (lastIntended - start);
    const sum = busyRate(fast) + busyRate(slow);
    process.stderr.write(
      `fleet: combined ${combined.toFixed(2)}/s vs Σ service rates ${sum.toFixed(2)}/s (4090 ${busyRate(fast).toFixed(2)}, l4 ${busyRate(slow).toFixed(2)})\n`,
    );
    expect(combined / sum).toBeGreaterThan(0.9);
    expect(combined / sum).toBeLessThan(1.1);
  });

  it('splits results per target: each served its own prompts, the faster one more, counts adding up', () => {
    const measured = run.requests.rows.filter((r) => r.phase === 'measure');
    const byTarget = [0, 1].map((t) => measured.filter((r) => r.target === String(t)));
    for (const [t, sim] of [fast, slow].entries()) {
      const ids = new Set(run.requests.rows.filter((r) => r.target === String(t)).map((r) => r.promptId));
      expect(new Set(sim.groundTruth.prompts.keys())).toEqual(ids);
    }
    // Least-queue evens out queue lengths, so the faster GPU takes the larger share (not all of its speed-up:
    // the prompts still queued at the end are split evenly).
    expect(byTarget[0]!.length).toBeGreaterThan(1.5 * byTarget[1]!.length);
    const targets = readCsv(readFileSync(join(run.dir, 'targets.csv'), 'utf8'));
    expect(targets.rows.map((r) => r.target)).toEqual(['0', '1']);
    expect(targets.rows.reduce((a, r) => a + Number(r.ok), 0)).toBe(Number(run.levels.rows[0]!.ok));
    const tl = run.summary.targetLevels!;
    expect(tl[0]![0]!.ok + tl[1]![0]!.ok).toBe(run.summary.levels[0]!.ok);
    expect(tl[0]![0]!.metrics.stepIntervalMs!.p50).toBeLessThan(tl[1]![0]!.metrics.stepIntervalMs!.p50);
    // summary.json holds them as arrays by target (jq '.targetLevels[1][0]' is target 1's L1), levels numbered from 1.
    const file = JSON.parse(readFileSync(join(run.dir, 'summary.json'), 'utf8')) as { targetLevels: { target: number; level: number }[][] };
    expect(file.targetLevels).toHaveLength(2);
    file.targetLevels.forEach((ls, t) => expect(ls.map((l) => [l.target, l.level])).toEqual(run.summary.levels.map((l) => [t, l.level + 1])));
  });

  it.skipIf(!browserChecks)("report.html draws each target's throughput and latency and both queues in headless Chromium", async () => {
    const page = await openReport(run.dir, 'report-fleet');
    expectEveryChartDrawn(page);
    const byId = new Map(page.charts.map((c) => [c.id, c]));
    // x and one series per target.
    expect(byId.get('targets-throughput')!.lengths).toHaveLength(3);
    expect(byId.get('targets-latency')!.lengths).toHaveLength(3);
    // x, two targets, and their total.
    expect(byId.get('queue')!.lengths).toHaveLength(4);
    // One VRAM chart per target.
    expect(byId.get('vram-t1')!.title).toContain(`target 1`);
    expect(page.text).toContain(`target 1 (${slow.url})`);
  });
});
