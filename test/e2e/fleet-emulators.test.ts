/**
 * A fleet: two emulators with different GPU profiles behind `--url` twice, loaded above their
 * combined service rate with least-queue dispatch. While arrivals last both GPUs stay busy, so
 * the combined throughput is the sum of the two service rates (each from its own ground truth),
 * and the results split per target (targets.csv, summary.json targetLevels, requests.csv).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
    expect(tl['0']!['0']!.ok + tl['1']!['0']!.ok).toBe(run.summary.levels['0']!.ok);
    expect(tl['0']!['0']!.metrics.stepIntervalMs!.p50).toBeLessThan(tl['1']!['0']!.metrics.stepIntervalMs!.p50);
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
    expect(page.text).toContain(`target 1 (${slow.url})`);
  });
});
