/**
 * `comfyload run --rate` end to end against an emulator in this process, held against its ground
 * truth: below saturation queue wait stays small; above it queue wait grows linearly at the rate
 * the cost model predicts (λ/μ − 1 seconds per second); Little's law holds between the queue
 * depth the harness recorded and its throughput × latency; and every arrival is accounted for.
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
const BELOW_PER_SEC = 6;
const ABOVE_PER_SEC = 20;
const PROMPTS = 60;

/** Service rate from ground truth: prompts / Σ (completion − execution start), per s. */
function serviceRate(sim: SimHandle, ids: string[]): number {
  let busy = 0;
  for (const id of ids) {
    const t = sim.groundTruth.prompts.get(id)!;
    busy += t.completedMs! - t.executionStartMs!;
  }
  return (ids.length * 1000) / busy;
}

describe('comfyload run --rate against the emulator', () => {
  let sim: SimHandle;
  let root: string;
  let cli: CliResult;
  let run: RunFiles;

  beforeAll(async () => {
    sim = await startSim({ timeScale: TIME_SCALE, seed: 3 });
    root = mkdtempSync(join(tmpdir(), 'comfyload-open-'));
    cli = await runCli([
      'run',
      '--url',
      sim.url,
      '--workflow',
      'fixtures/workflows/sd15-txt2img.json',
      '--rate',
      `${BELOW_PER_SEC}/s,${ABOVE_PER_SEC}/s`,
      '--arrival',
      'constant',
      '--prompts',
      String(PROMPTS),
      '--warmup',
      '1',
      '--results-dir',
      root,
      '--name',
      'open-e2e',
    ]);
    run = readRun(findRunDirs(root)[0]!);
  }, 120_000);

  afterAll(async () => {
    await sim?.close();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('exits 0 and writes queue.csv beside the latencies', () => {
    expect(cli.code, cli.stderr).toBe(0);
    expect(run.summary.settings.mode).toBe('open-loop');
    const queue = readCsv(readFileSync(join(run.dir, 'queue.csv'), 'utf8'));
    expect(queue.rows.length).toBeGreaterThan(PROMPTS);
    expect(new Set(queue.rows.map((r) => r.source))).toEqual(new Set(['ws', 'http']));
    expect(run.summary.files.map((f) => f.path)).toContain('queue.csv');
  });

  it('accounts for every arrival: submitted = Σ outcomes, and the emulator ran exactly the prompts sent', () => {
    for (const row of run.levels.rows) expect(Number(row.submitted)).toBe(PROMPTS);
    const t = run.summary.totals;
    expect(Object.values(t.outcomes).reduce((a, n) => a + n, 0)).toBe(t.submitted);
    const sent = run.requests.rows.filter((r) => r.promptId !== '').map((r) => r.promptId!);
    expect(new Set(sim.groundTruth.prompts.keys())).toEqual(new Set(sent));
    // Latencies count from the intended send: every measured row has it.
    for (const r of run.requests.rows.filter((x) => x.phase === 'measure')) expect(r.intendedSendMs).not.toBe('');
  });

  it('below saturation, queue wait stays small (p95 under one service time)', () => {
    const level = run.levels.rows[0]!;
    expect(Number(level.queueWaitMs_p95)).toBeLessThan(Number(level.execMs_mean));
    const report = run.summary.openLoop![0]!;
    expect(Math.abs(report.queueWaitSlopeMsPerSec!)).toBeLessThan(20);
  });

  it('above saturation, queue wait grows linearly at (λ/μ − 1) s per s, μ from ground truth, within 25%', () => {
    // L2 (openLoop[1]): level 2 in requests.csv.
    const ids = run.requests.rows.filter((r) => r.level === '2' && r.phase === 'measure').map((r) => r.promptId!);
    const mu = serviceRate(sim, ids);
    const report = run.summary.openLoop![1]!;
    const expected = (report.offeredPerSec / mu - 1) * 1000;
    process.stderr.write(
      `open loop: μ ${mu.toFixed(2)}/s, offered ${report.offeredPerSec.toFixed(2)}/s, queue-wait slope ${report.queueWaitSlopeMsPerSec!.toFixed(0)} ms/s (expected ${expected.toFixed(0)}), R² ${report.queueWaitSlopeR2!.toFixed(3)}\n`,
    );
    expect(report.queueWaitSlopeMsPerSec! / expected).toBeGreaterThan(0.75);
    expect(report.queueWaitSlopeMsPerSec! / expected).toBeLessThan(1.25);
    expect(report.queueWaitSlopeR2!).toBeGreaterThan(0.95);
  });

  it("checks Little's law at both rates: mean queue depth ≈ throughput × mean time in the server", () => {
    for (const report of run.summary.openLoop!) {
      expect(report.littleLaw, `level ${report.level}`).toBeDefined();
      expect(report.littleLaw!.holds, `level ${report.level}: ${JSON.stringify(report.littleLaw)}`).toBe(true);
    }
    expect(cli.stderr).toMatch(/Little's law: queue .* \(holds\)/);
  });

  it.skipIf(!browserChecks)(
    "report.html charts the levels by planned rate with corrected and uncorrected percentiles, the queue depth and Little's law, in headless Chromium",
    async () => {
      const page = await openReport(run.dir, 'report-open-loop');
      expectEveryChartDrawn(page);
      const byId = new Map(page.charts.map((c) => [c.id, c]));
      expect(byId.get('throughput')!.lengths).toEqual([2, 2, 2, 2]);
      // x, five corrected figures, five uncorrected twins.
      expect(byId.get('latency-completionMs')!.lengths).toHaveLength(11);
      expect(byId.has('latency-completionUncorrectedMs')).toBe(false);
      // Two levels × corrected and uncorrected, on the percentile axis.
      expect(byId.get('coordinated-omission')!.lengths).toHaveLength(5);
      expect(byId.get('queue')!.lengths[0]).toBeGreaterThan(PROMPTS);
      expect(page.text).toContain("Arrival rates: Little's law and queue growth per level");
      expect(page.text).toContain('Latency percentiles vs planned arrival rate');
      expect(page.text).toMatch(/queue wait grew \d+ ms per second of arrivals/);
    },
  );
});

describe('a stall of the server during an arrival-rate run (coordinated omission)', () => {
  const STALL_MS = 3000;
  let sim: SimHandle;
  let root: string;
  let cli: CliResult;
  let run: RunFiles;

  beforeAll(async () => {
    // A light load (utilisation ≈ 0.3), so the burst after the stall queues little: what the
    // uncorrected figures still see of the stall is that burst, not the stall itself.
    sim = await startSim({ timeScale: 0.0125, seed: 5 });
    root = mkdtempSync(join(tmpdir(), 'comfyload-stall-'));
    const done = runCli([
      'run',
      '--url',
      sim.url,
      '--workflow',
      'fixtures/workflows/sd15-txt2img.json',
      '--rate',
      '10/s',
      '--arrival',
      'constant',
      '--prompts',
      '300',
      '--warmup',
      '1',
      '--results-dir',
      root,
      '--name',
      'stall-e2e',
    ]);
    // The whole emulator process stops answering for STALL_MS, as a server frozen by a GC pause,
    // swapping or SIGSTOP would: HTTP, WebSocket and worker alike. The emulator shares this test's
    // event loop, so blocking it is the stall; the CLI, in its own process, keeps its schedule.
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        if (sim.groundTruth.prompts.size < 100) return;
        clearInterval(timer);
        const until = Date.now() + STALL_MS;
        while (Date.now() < until) {
          // frozen
        }
        resolve();
      }, 20);
    });
    cli = await done;
    run = readRun(findRunDirs(root)[0]!);
  }, 120_000);

  afterAll(async () => {
    await sim?.close();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('shows the stall in the corrected p99 and hides most of it from the uncorrected p99', () => {
    expect(cli.code, cli.stderr).toBe(0);
    const level = run.levels.rows[0]!;
    const corrected = Number(level.completionMs_p99);
    const uncorrected = Number(level.completionUncorrectedMs_p99);
    process.stderr.write(`stall ${STALL_MS} ms: completion p99 corrected ${corrected.toFixed(0)} ms, uncorrected ${uncorrected.toFixed(0)} ms\n`);
    expect(corrected).toBeGreaterThan(STALL_MS * 0.8);
    expect(corrected).toBeGreaterThan(2 * uncorrected);
    expect(Number(level.submitted)).toBe(300);
    expect(Number(level.ok)).toBe(300);
  });

  it.skipIf(!browserChecks)('report.html shows both p99s of the stalled level side by side', async () => {
    const page = await openReport(run.dir, 'report-open-loop-stall');
    expectEveryChartDrawn(page);
    const p99 = (ms: string): string => (Number(ms) >= 1000 ? `${(Number(ms) / 1000).toFixed(2)} s` : `${Number(ms).toFixed(1)} ms`);
    const report = run.summary.openLoop![0]!;
    expect(page.text).toContain(`${p99(String(report.completionP99Ms))}\t${p99(String(report.completionUncorrectedP99Ms))}`);
  });
});
