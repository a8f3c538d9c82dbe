/**
 * report.html from a real run, opened in headless Chromium (Debian's, driven by playwright-core):
 * no console error, every chart drawn with data points on a non-blank canvas, a screenshot kept
 * in test-artifacts/report.png. Without /usr/bin/chromium the test is skipped locally, but fails
 * in CI (CI set), where .ci/run installs it.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findRunDirs, root, runCli } from './run-cli.js';

const CHROMIUM = '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
const inCi = process.env.CI !== undefined && process.env.CI !== '' && process.env.CI !== 'false';
if (!haveChromium && !inCi) console.warn(`report-browser: skipped: ${CHROMIUM} is missing (apt-get install chromium); in CI this test fails instead`);

interface ChartInfo {
  id: string;
  title: string;
  lengths: number[];
  nonNullPoints: number;
  paintedPixels: number;
}

describe.skipIf(!haveChromium && !inCi)('report.html in headless Chromium', () => {
  let resultsRoot: string;
  let dir: string;
  let browser: Browser;

  beforeAll(async () => {
    expect(haveChromium, `${CHROMIUM} is missing: .ci/run installs it with apt-get install chromium`).toBe(true);
    resultsRoot = mkdtempSync(join(tmpdir(), 'comfyload-report-'));
    const cli = await runCli(['run', '--sim-time-scale', '0.1', '--concurrency', '1,2,4', '--prompts', '6', '--warmup', '2', '--vram-interval', '50ms', '--results-dir', resultsRoot, '--name', 'browser', '--quiet']);
    expect(cli.code, cli.stderr).toBe(0);
    dir = findRunDirs(resultsRoot)[0]!;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    if (resultsRoot) rmSync(resultsRoot, { recursive: true, force: true });
  });

  it('draws every chart with data, without a console error or a network request, and saves a screenshot', async () => {
    const page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
    const errors: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('request', (r) => {
      if (!r.url().startsWith('file:')) requests.push(r.url());
    });
    await page.goto(`file://${join(dir, 'report.html')}`);
    // Browser-side code as strings: the test project has no DOM types.
    await page.waitForFunction('window.__comfyloadCharts !== undefined');
    const charts = (await page.evaluate(`window.__comfyloadCharts.map((c) => {
      const canvas = c.chart.ctx.canvas;
      const pixels = c.chart.ctx.getImageData(0, 0, canvas.width, canvas.height).data;
      let painted = 0;
      for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) painted++;
      return {
        id: c.id,
        title: c.title,
        lengths: c.chart.data.map((d) => d.length),
        nonNullPoints: c.chart.data.slice(1).reduce((n, d) => n + d.filter((v) => v !== null && Number.isFinite(v)).length, 0),
        paintedPixels: painted,
      };
    })`)) as ChartInfo[];
    mkdirSync(join(root, 'test-artifacts'), { recursive: true });
    await page.screenshot({ path: join(root, 'test-artifacts/report.png'), fullPage: true });
    writeFileSync(join(root, 'test-artifacts/report-charts.json'), JSON.stringify(charts, null, 2));

    expect(errors).toEqual([]);
    expect(requests).toEqual([]);
    const ids = charts.map((c) => c.id);
    expect(ids).toEqual(expect.arrayContaining(['throughput', 'steps', 'vram', 'prompts', 'latency-completionMs', 'latency-queueWaitMs', 'latency-stepIntervalMs']));
    for (const c of charts) {
      expect(c.lengths[0], `${c.id}: x values`).toBeGreaterThan(0);
      expect(new Set(c.lengths).size, `${c.id}: every series as long as x`).toBe(1);
      expect(c.nonNullPoints, `${c.id}: data points`).toBeGreaterThan(0);
      expect(c.paintedPixels, `${c.id}: canvas drawn`).toBeGreaterThan(1000);
    }
    const byId = new Map(charts.map((c) => [c.id, c]));
    expect(byId.get('throughput')!.lengths[0]).toBe(3);
    expect(byId.get('prompts')!.lengths[0]).toBe(3 * 6 + 2);
    expect(byId.get('vram')!.lengths[0]).toBe(readFileSync(join(dir, 'vram.csv'), 'utf8').split('\n').filter((l) => /^\d/.test(l)).length);
    await page.close();
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
