/**
 * `comfyload capacity` end to end against the emulator (time scale 0.025: a 45 ms SD1.5 prompt).
 *
 * The true max rate under the SLO is computed here, independently of the tool: a FIFO single-server
 * queue simulation (this file's own code) fed by the emulator's ground-truth service times of the
 * same run (so a loaded machine moves the truth with the service) and Poisson arrivals, as the
 * trials send them. A tight SLO (completion p95 < 8 × service: ≈ 0.81 μ for M/D/1) and a loose one
 * (p95 < 30 × service: near μ) must both be found within ±5% in ≤ 5 trials. An 8-level grid sweep
 * (`run --rate` × 8, as many prompts per level as a trial's most) is actually run once on its own
 * emulator and its measured GPU time compared with the search's. Every trial's figures must agree
 * with each other and across console, trials.csv, capacity.json, levels.csv and report.html.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CapacityResult } from '../../src/metrics/result-types.js';
import { parseSummaryJson } from '../../src/reporters/summary-json.js';
import { startSim, type SimHandle } from '../../src/sim/index.js';
import { readCsv } from '../helpers/csv-read.js';
import { browserChecks, expectEveryChartDrawn, openReport } from './report-page.js';
import { findRunDirs, runCli, type CliResult } from './run-cli.js';
import { trueMaxRate } from '../helpers/queue-truth.js';

const TIME_SCALE = 0.025;
const WORKFLOW = 'fixtures/workflows/sd15-txt2img.json';
const WINDOW_ARRIVALS = 20;
const MAX_WINDOWS = 10;

interface Searched {
  sim: SimHandle;
  root: string;
  cli: CliResult;
  dir: string;
  result: CapacityResult;
}

/** Service times the emulator really spent per prompt (ground truth), ms, in completion order. */
function truthServiceMs(sim: SimHandle): number[] {
  const done = [...sim.groundTruth.prompts.values()].filter((t) => t.outcome === 'success' && t.completedMs !== undefined && t.executionStartMs !== undefined);
  done.sort((a, b) => a.completedMs! - b.completedMs!);
  // The first prompt is the warm-up (--warmup 1): it loads the model, a one-off cost no steady state pays.
  return done.slice(1).map((t) => t.completedMs! - t.executionStartMs!);
}

/** Σ busy time of the emulator's prompts (ground truth), ms: the GPU time a run cost. */
function truthGpuMs(sim: SimHandle): number {
  let ms = 0;
  for (const t of sim.groundTruth.prompts.values())
    if (t.completedMs !== undefined && t.executionStartMs !== undefined) ms += t.completedMs - t.executionStartMs;
  return ms;
}

async function search(slo: string, name: string, extra: string[] = []): Promise<Searched> {
  const sim = await startSim({ timeScale: TIME_SCALE, seed: 11 });
  const root = mkdtempSync(join(tmpdir(), 'comfyload-capacity-'));
  const cli = await runCli(
    [
      'capacity',
      '--url',
      sim.url,
      '--workflow',
      WORKFLOW,
      '--slo',
      slo,
      '--confidence',
      '0.9',
      '--window-arrivals',
      String(WINDOW_ARRIVALS),
      '--max-windows',
      String(MAX_WINDOWS),
      '--precision',
      '0.03',
      '--max-trials',
      '5',
      '--warmup',
      '1',
      '--vram-interval',
      '100ms',
      '--results-dir',
      root,
      '--name',
      name,
      ...extra,
    ],
    { timeoutMs: 150_000 },
  );
  const dir = findRunDirs(root)[0]!;
  const result = JSON.parse(readFileSync(join(dir, 'capacity.json'), 'utf8')) as CapacityResult;
  for (const line of cli.stderr.split('\n')) if (/capacity:|trial \d/.test(line)) process.stderr.write(`[${name}] ${line}\n`);
  return { sim, root, cli, dir, result };
}

async function cleanup(s: Searched | undefined): Promise<void> {
  await s?.sim.close();
  if (s?.root) rmSync(s.root, { recursive: true, force: true });
}

/** Nominal service time at this time scale, ms: only to set SLO thresholds; the truth uses measured times. */
const SERVICE_MS = 45;

describe('comfyload capacity against the emulator: a tight SLO (≈ 0.81 μ)', () => {
  let s: Searched;
  let truth: { mu: number; maxRate: number };

  beforeAll(async () => {
    s = await search(`completionMs.p95<${8 * SERVICE_MS}`, 'tight');
    const service = truthServiceMs(s.sim);
    truth = { mu: 1000 / (service.reduce((a, b) => a + b, 0) / service.length), maxRate: trueMaxRate(service, 95, 8 * SERVICE_MS) };
  }, 180_000);
  afterAll(() => cleanup(s));

  it('exits 0, prints the expected duration before the first trial and the minimum count', () => {
    expect(s.cli.code, s.cli.stderr).toBe(0);
    const lines = s.cli.stderr.split('\n');
    const expected = lines.findIndex((l) => /capacity: expected duration [\d.]+ (s|min)–[\d.]+ (s|min): \d–\d trials of \d+–\d+ prompts/.test(l));
    const firstTrial = lines.findIndex((l) => /comfyload: trial 1 at/.test(l));
    expect(expected).toBeGreaterThan(-1);
    expect(firstTrial).toBeGreaterThan(expected);
    expect(s.cli.stderr).toMatch(/minimum prompts per trial to claim completionMs\.p95<360: 45/);
  });

  it('finds the true max rate under the SLO (own queue simulation on ground-truth service times) within ±5% in ≤ 5 trials', () => {
    const r = s.result;
    process.stderr.write(
      `capacity tight: max rate ${r.maxRatePerSec?.toFixed(3)}/s vs true ${truth.maxRate.toFixed(3)}/s (${(((r.maxRatePerSec ?? 0) / truth.maxRate - 1) * 100).toFixed(1)}%), ` +
        `true μ ${truth.mu.toFixed(3)}/s (true max = ${(truth.maxRate / truth.mu).toFixed(3)} μ), ${r.trials.length} trials\n`,
    );
    expect(truth.maxRate / truth.mu).toBeGreaterThan(0.7);
    expect(truth.maxRate / truth.mu).toBeLessThan(0.9);
    expect(r.trials.length).toBeLessThanOrEqual(5);
    expect(r.maxRatePerSec).not.toBeNull();
    expect(r.maxRatePerSec! / truth.maxRate).toBeGreaterThan(0.95);
    expect(r.maxRatePerSec! / truth.maxRate).toBeLessThan(1.05);
  });

  it('every trial: 1-based numbering everywhere, counts that add up, goodput ≤ rate, explanation lines identical', () => {
    const r = s.result;
    const csv = readCsv(readFileSync(join(s.dir, 'trials.csv'), 'utf8'));
    // levels.csv as written: levels numbered from 1 (the probe is level 1, trial N level N + 1), like trials.csv and capacity.json.
    const levelsCsv = readCsv(readFileSync(join(s.dir, 'levels.csv'), 'utf8')).rows;
    // Read as every command reads it: levels by index.
    const summary = parseSummaryJson(readFileSync(join(s.dir, 'summary.json'), 'utf8'));
    expect(csv.rows).toHaveLength(r.trials.length);
    r.trials.forEach((t, i) => {
      expect(t.trial).toBe(i + 1);
      expect(t.level).toBe(i + 2);
      expect(csv.rows[i]!['trial']).toBe(String(t.trial));
      expect(csv.rows[i]!['level']).toBe(String(t.level));
      expect(levelsCsv.find((l) => l['level'] === String(t.level))!['submitted']).toBe(String(t.arrivals));
      expect(csv.rows[i]!['explanation']).toBe(t.explanation);
      expect(t.explanation).toMatch(
        new RegExp(`^trial ${t.trial} at ${(t.ratePerSec * 60).toFixed(1)}/min: (PASS|FAIL) — .+ \\(completion p95 .+ (met|missed)\\)$`),
      );
      expect(s.cli.stderr).toContain(`comfyload: ${t.explanation}; ${t.ok} ok + ${t.failed} failed + ${t.cut} cut = ${t.arrivals} arrivals`);
      expect(t.ok + t.failed + t.cut).toBe(t.arrivals);
      expect(t.judged).toBeLessThanOrEqual(t.arrivals - t.settling);
      expect(t.good).toBeLessThanOrEqual(t.judged);
      expect(t.goodputPerSec).toBeLessThanOrEqual(t.ratePerSec);
      expect(t.goodputPerSec).toBeCloseTo((t.ratePerSec * t.good) / t.judged, 9);
      const level = summary.levels.find((l) => l.level === t.level - 1)!;
      expect(level.submitted).toBe(t.arrivals);
      expect(level.ok).toBe(t.ok);
      expect(level.outcomes['cut'] ?? 0).toBe(t.cut);
      expect(level.outcomes['interrupted'] ?? 0).toBe(0);
      // The console's level line carries the same number and counts.
      expect(s.cli.stderr).toMatch(new RegExp(`trial ${t.trial} [^|]*\\| ${t.ok} ok, ${t.failed + t.cut} not ok of ${t.arrivals}`));
    });
  });

  it('max rate, goodput, knee and lowest failing rate can be checked against each other', () => {
    const r = s.result;
    const certainFail = Math.min(Infinity, ...r.trials.filter((t) => t.verdict === 'fail' && t.confident).map((t) => t.ratePerSec));
    // Never at or above a rate that failed for certain; a pass backs it from below (passes do not raise it: see modelAnswer).
    expect(r.maxRatePerSec!).toBeLessThan(certainFail);
    expect(r.trials.some((t) => t.verdict === 'pass' && t.ratePerSec >= r.maxRatePerSec! * (1 - 3 * r.precision))).toBe(true);
    const g = r.trials[r.goodputTrial! - 1]!;
    expect(g.verdict).toBe('pass');
    expect(r.goodputPerSec).toBeCloseTo((r.maxRatePerSec! * g.good) / g.judged, 9);
    expect(r.goodputPerSec!).toBeLessThanOrEqual(r.maxRatePerSec!);
    if (r.firstFailRatePerSec !== null) expect(r.firstFailRatePerSec).toBeGreaterThan(r.maxRatePerSec!);
    if (r.kneePerSec !== null) expect(r.trials.some((t) => t.throughputPerSec === r.kneePerSec && t.throughputPerSec < 0.95 * t.ratePerSec)).toBe(true);
    expect(r.maxRateRule).toMatch(/queue model|highest passing trial/);
  });

  it('fingerprints the server like run: its node packs in summary.json and trials.csv header; samples VRAM', () => {
    // Read as every command reads it: levels by index (the file numbers them from 1, trial N is level N + 1 there).
    const summary = parseSummaryJson(readFileSync(join(s.dir, 'summary.json'), 'utf8'));
    const inv = summary.environment.serverInventory!;
    expect(inv.nodePacks.filter((p) => p.kind === 'custom').map((p) => `${p.pack} ${p.classes}`)).toEqual(['bench_nodes 2']);
    const comments = readCsv(readFileSync(join(s.dir, 'trials.csv'), 'utf8')).comments.join('\n');
    expect(comments).toContain(`sha256=${inv.nodeRegistrySha256}`);
    expect(summary.settings.mode).toBe('capacity');
    expect(summary.capacity!.maxRatePerSec).toBe(s.result.maxRatePerSec);
    expect(summary.files.map((f) => f.path)).toEqual(expect.arrayContaining(['vram.csv', 'report.html', 'queue.csv', 'trials.csv', 'capacity.json']));
  });

  it.skipIf(!browserChecks)('report.html draws the trials with their one-line verdicts in headless Chromium', async () => {
    const page = await openReport(s.dir, 'report-capacity');
    expectEveryChartDrawn(page);
    const byId = new Map(page.charts.map((c) => [c.id, c]));
    for (const id of ['capacity-throughput', 'capacity-slo', 'capacity-path']) expect(byId.get(id)!.lengths[0], id).toBe(s.result.trials.length);
    expect(page.text).toContain('Max rate meeting every SLO');
    for (const t of s.result.trials) expect(page.text).toContain(t.explanation);
  });

  it('comfyload report renders the capacity report again from the files alone', async () => {
    const written = readFileSync(join(s.dir, 'report.html'), 'utf8');
    rmSync(join(s.dir, 'report.html'));
    const again = await runCli(['report', s.dir]);
    expect(again.code, again.stderr).toBe(0);
    expect(readFileSync(join(s.dir, 'report.html'), 'utf8')).toBe(written);
  });

  it('spends ≤ 50% of the GPU time of an 8-level grid sweep actually run, both printed', async () => {
    const searchGpuMs = truthGpuMs(s.sim);
    expect(s.result.gpuMs / searchGpuMs).toBeGreaterThan(0.9);
    expect(s.result.gpuMs / searchGpuMs).toBeLessThan(1.1);
    const sim = await startSim({ timeScale: TIME_SCALE, seed: 11 });
    const root = mkdtempSync(join(tmpdir(), 'comfyload-grid-'));
    try {
      // What a grid user runs: 8 rates from 0.5 μ to 1.2 μ, each for as many prompts as a trial's most.
      const rates = Array.from({ length: 8 }, (_, i) => (truth.mu * (0.5 + 0.1 * i)).toFixed(3) + '/s');
      const grid = await runCli(
        [
          'run',
          '--url',
          sim.url,
          '--workflow',
          WORKFLOW,
          '--rate',
          rates.join(','),
          '--prompts',
          String(WINDOW_ARRIVALS * MAX_WINDOWS),
          '--warmup',
          '1',
          '--results-dir',
          root,
          '--name',
          'grid',
        ],
        { timeoutMs: 240_000 },
      );
      expect([0, 1]).toContain(grid.code);
      const gridGpuMs = truthGpuMs(sim);
      process.stderr.write(
        `capacity: GPU time of the search ${(searchGpuMs / 1000).toFixed(1)} s vs a measured 8-level grid ${(gridGpuMs / 1000).toFixed(1)} s (${((searchGpuMs / gridGpuMs) * 100).toFixed(0)}%)\n`,
      );
      expect(searchGpuMs / gridGpuMs).toBeLessThanOrEqual(0.5);
    } finally {
      await sim.close();
      rmSync(root, { recursive: true, force: true });
    }
  }, 260_000);
});

describe('comfyload capacity against the emulator: a loose SLO approaches μ', () => {
  let s: Searched;

  beforeAll(async () => {
    s = await search(`completionMs.p95<${30 * SERVICE_MS}`, 'loose');
  }, 180_000);
  afterAll(() => cleanup(s));

  it('finds the true max rate within ±5% in ≤ 5 trials, at ≥ 0.9 μ', () => {
    expect(s.cli.code, s.cli.stderr).toBe(0);
    const service = truthServiceMs(s.sim);
    const mu = 1000 / (service.reduce((a, b) => a + b, 0) / service.length);
    const truth = trueMaxRate(service, 95, 30 * SERVICE_MS);
    const r = s.result;
    process.stderr.write(
      `capacity loose: max rate ${r.maxRatePerSec?.toFixed(3)}/s vs true ${truth.toFixed(3)}/s (${(((r.maxRatePerSec ?? 0) / truth - 1) * 100).toFixed(1)}%), true μ ${mu.toFixed(3)}/s, max = ${((r.maxRatePerSec ?? 0) / mu).toFixed(3)} μ\n`,
    );
    expect(truth / mu).toBeGreaterThan(0.9);
    expect(r.trials.length).toBeLessThanOrEqual(5);
    expect(r.maxRatePerSec! / truth).toBeGreaterThan(0.95);
    expect(r.maxRatePerSec! / truth).toBeLessThan(1.05);
    expect(r.maxRatePerSec! / mu).toBeGreaterThan(0.9);
    expect(r.maxRatePerSec! / mu).toBeLessThan(1);
  });
});

describe('comfyload capacity against the emulator: a hopeless SLO', () => {
  let s: Searched;

  beforeAll(async () => {
    s = await search('completionMs.p95<10', 'hopeless');
  }, 60_000);
  afterAll(() => cleanup(s));

  it('ends after the probe with exit 1, one line naming the figure, and no trial', () => {
    expect(s.cli.code, s.cli.stderr).toBe(1);
    const refused = s.cli.stderr.split('\n').filter((l) => l.startsWith('comfyload: capacity: refused:'));
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatch(/completionMs\.p95<10 cannot be met at any rate: .* completion p95 \d+ ms ≥ 10 ms over \d+ prompts \(service time \d+ ms\)/);
    expect(s.result.trials).toEqual([]);
    expect(s.result.refused).toBe(refused[0]!.replace(/^comfyload: /, ''));
    expect(s.cli.stderr).not.toMatch(/comfyload: trial \d/);
    expect(s.cli.stderr).not.toMatch(/median passing trial/);
  });
});
