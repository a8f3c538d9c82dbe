/**
 * report.html from a real closed-loop run, opened in headless Chromium (see report-page.ts): no
 * console error, every chart drawn with data points on a non-blank canvas, a screenshot kept in
 * test-artifacts/report.png. The open-loop, fleet and capacity reports are checked the same way
 * in their own suites, on the runs those suites already make.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserChecks, expectEveryChartDrawn, openReport } from './report-page.js';
import { findRunDirs, runCli } from './run-cli.js';

describe.skipIf(!browserChecks)('report.html in headless Chromium', () => {
  let resultsRoot: string;
  let dir: string;

  beforeAll(async () => {
    resultsRoot = mkdtempSync(join(tmpdir(), 'comfyload-report-'));
    const cli = await runCli([
      'run',
      '--sim-time-scale',
      '0.1',
      '--concurrency',
      '1,2,4',
      '--prompts',
      '6',
      '--warmup',
      '2',
      '--vram-interval',
      '50ms',
      '--results-dir',
      resultsRoot,
      '--name',
      'browser',
      '--quiet',
    ]);
    expect(cli.code, cli.stderr).toBe(0);
    dir = findRunDirs(resultsRoot)[0]!;
  }, 120_000);

  afterAll(() => {
    if (resultsRoot) rmSync(resultsRoot, { recursive: true, force: true });
  });

  it('draws every chart with data, without a console error or a network request, and saves a screenshot', async () => {
    const page = await openReport(dir, 'report');
    expectEveryChartDrawn(page);
    const charts = page.charts;
    const ids = charts.map((c) => c.id);
    expect(ids).toEqual(
      expect.arrayContaining(['throughput', 'steps', 'vram', 'prompts', 'latency-completionMs', 'latency-queueWaitMs', 'latency-stepIntervalMs']),
    );
    const byId = new Map(charts.map((c) => [c.id, c]));
    expect(byId.get('throughput')!.lengths[0]).toBe(3);
    expect(byId.get('prompts')!.lengths[0]).toBe(3 * 6 + 2);
    expect(byId.get('vram')!.lengths[0]).toBe(
      readFileSync(join(dir, 'vram.csv'), 'utf8')
        .split('\n')
        .filter((l) => /^\d/.test(l)).length,
    );
  });

  it('says the answer first, draws throughput from 0 with labels that never repeat, and fits 1,400 px (screenshots at 1,400 and 800 px)', async () => {
    type Level = { concurrency: number; throughput: { imagesPerMin: number } };
    const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as { levels: Level[] | Record<string, Level> };
    const levels: Level[] = Array.isArray(summary.levels) ? summary.levels : Object.values(summary.levels);
    const peak = levels.reduce((a, b) => (b.throughput.imagesPerMin > a.throughput.imagesPerMin ? b : a));
    for (const width of [1400, 800]) {
      const page = await openReport(dir, `report-${width}`, 'report.html', width);
      expect(page.errors).toEqual([]);
      // The one-sentence answer names the peak (as summary.json has it) and the level it was reached at.
      expect(page.answer).toMatch(new RegExp(`^Peak ${peak.throughput.imagesPerMin.toFixed(1)} images/min at c=${peak.concurrency}[,:]`));
      expect(page.answer).toMatch(/GPU saturated from c=\d+: more clients only add queue wait|not saturated yet/);
      expect(page.text).toMatch(/error rate ≤ 5\.0% \(--max-error-rate\)\s+PASS/);
      expect(page.text).toMatch(/Error rate per level:\s+L1 c=1: 0\.0% \(0 of 6\)\s+L2 c=2: 0\.0% \(0 of 6\)/);
      const throughput = page.charts.find((c) => c.id === 'throughput')!;
      expect(throughput.scales.y![0]).toBe(0);
      expect(throughput.scales.ipm![0]).toBe(0);
      for (const c of page.charts)
        for (const ticks of c.ticks) {
          const shown = ticks.filter((t) => t !== '');
          expect(new Set(shown).size, `${c.id}: ${shown.join(', ')}`).toBe(shown.length);
        }
      // Legends show values before any hover (the last point's), not `–`.
      expect(page.text).toMatch(/prompts\/s:?\s*\d+\.\d{3} \/s/);
      // Over time: a window per .hlog interval (each level's end closes one), with the RAM beside it.
      expect(page.charts.map((c) => c.id)).toEqual(expect.arrayContaining(['over-time-latency', 'over-time-ram']));
      expect(page.charts.find((c) => c.id === 'over-time-latency')!.scales.y![0]).toBe(0);
      // Prompts in flight have a chart of their own: the VRAM chart has only GiB series (one scale besides x).
      expect(page.charts.map((c) => c.id)).toContain('vram-inflight');
      expect(Object.keys(page.charts.find((c) => c.id === 'vram')!.scales).sort()).toEqual(['x', 'y']);
      if (width === 1400) expect(page.overflowing).toEqual([]);
    }
  });

  it('comfyload report renders the same page again from the files', async () => {
    const written = readFileSync(join(dir, 'report.html'), 'utf8');
    rmSync(join(dir, 'report.html'));
    const cli = await runCli(['report', dir]);
    expect(cli.code, cli.stderr).toBe(0);
    expect(cli.stderr).toMatch(/wrote .*report\.html \(\d+ KiB, rendered in \d+ ms\)/);
    expect(readFileSync(join(dir, 'report.html'), 'utf8')).toBe(written);
  });

  it('comfyload report on a folder that is not a results folder exits 2 with NOT_RESULTS_DIR', async () => {
    const cli = await runCli(['report', resultsRoot]);
    expect(cli.code).toBe(2);
    expect(cli.stderr).toContain('code: COMFYLOAD_ERR_NOT_RESULTS_DIR');
    expect(cli.stderr).toContain('is not a comfyload results folder: no summary.json');
  });
});
