/**
 * Opens a results folder's report.html in headless Chromium (Debian's, driven by playwright-core)
 * and reads back what every chart drew, the console errors and any network request; saves a
 * full-page screenshot and the chart figures in test-artifacts/. Without /usr/bin/chromium the
 * callers skip locally, but fail in CI (CI set), where .ci/run installs it.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { expect } from 'vitest';
import { root } from './run-cli.js';

export const CHROMIUM = '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
const inCi = process.env.CI !== undefined && process.env.CI !== '' && process.env.CI !== 'false';
/** Whether the browser checks run here (always in CI, where a missing Chromium fails them). */
export const browserChecks = haveChromium || inCi;
if (!browserChecks) console.warn(`report.html browser checks skipped: ${CHROMIUM} is missing (apt-get install chromium); in CI they fail instead`);

export interface ChartInfo {
  id: string;
  title: string;
  lengths: number[];
  nonNullPoints: number;
  paintedPixels: number;
  /** Each scale's drawn range, [min, max]. */
  scales: Record<string, [number, number]>;
  /** The tick labels of each axis, in axis order. */
  ticks: string[][];
}

export interface ReportPage {
  charts: ChartInfo[];
  errors: string[];
  requests: string[];
  /** The text of the page's sections, for checking labels. */
  text: string;
  /** The headline's one-sentence answer (#answer), '' when absent. */
  answer: string;
  /** Tables wider than their box (they would scroll). */
  overflowing: string[];
}

/** Loads `<dir>/report.html` (or another page of the folder), screenshots it to test-artifacts/<name>.png, returns what it drew. */
export async function openReport(dir: string, name: string, file = 'report.html', width = 1360): Promise<ReportPage> {
  expect(haveChromium, `${CHROMIUM} is missing: .ci/run installs it with apt-get install chromium`).toBe(true);
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  try {
    const page = await browser.newPage({ viewport: { width, height: 900 } });
    const errors: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('request', (r) => {
      if (!r.url().startsWith('file:')) requests.push(r.url());
    });
    await page.goto(`file://${join(dir, file)}`);
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
        scales: Object.fromEntries(Object.entries(c.chart.scales).map(([k, s]) => [k, [s.min, s.max]])),
        ticks: c.chart.axes.map((a) => (a._values || []).map(String)),
      };
    })`)) as ChartInfo[];
    const text = (await page.evaluate('document.querySelector("main").innerText')) as string;
    const answer = (await page.evaluate('(document.getElementById("answer") || { innerText: "" }).innerText')) as string;
    const overflowing = (await page.evaluate(
      '[...document.querySelectorAll(".table-wrap")].filter((w) => w.scrollWidth > w.clientWidth + 1).map((w) => w.firstElementChild.className)',
    )) as string[];
    mkdirSync(join(root, 'test-artifacts'), { recursive: true });
    await page.screenshot({ path: join(root, `test-artifacts/${name}.png`), fullPage: true });
    writeFileSync(join(root, `test-artifacts/${name}-charts.json`), JSON.stringify(charts, null, 2));
    return { charts, errors, requests, text, answer, overflowing };
  } finally {
    await browser.close();
  }
}

/** No console error, no request, and every chart has x values, aligned series, data points and paint. */
export function expectEveryChartDrawn(page: ReportPage): void {
  expect(page.errors).toEqual([]);
  expect(page.requests).toEqual([]);
  for (const c of page.charts) {
    expect(c.lengths[0], `${c.id}: x values`).toBeGreaterThan(0);
    expect(new Set(c.lengths).size, `${c.id}: every series as long as x`).toBe(1);
    expect(c.nonNullPoints, `${c.id}: data points`).toBeGreaterThan(0);
    expect(c.paintedPixels, `${c.id}: canvas drawn`).toBeGreaterThan(1000);
  }
}
