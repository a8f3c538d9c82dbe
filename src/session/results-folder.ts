/**
 * A results folder read back, and its report.html written: `report.html` is rendered from the
 * files alone (summary.json, levels.csv, requests.csv, and when present vram.csv, histograms.hlog,
 * queue.csv, targets.csv and capacity.json), so `comfyload report` can render any past run again
 * and every measuring command writes it the same way at its end, a run cut short included.
 */
import { existsSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { ComfyloadError } from '../comfy/errors.js';
import { buildReportData, type ReportFiles } from '../reporters/html/report-data.js';
import { renderReportHtml, type ReportAssets } from '../reporters/html/render-report.js';
import { parseSummaryJson } from '../reporters/summary-json.js';

export interface ReportWritten {
  path: string;
  bytes: number;
  renderMs: number;
}

/** Reads the results folder, renders the report and writes it (atomically: a temp file renamed). */
export async function writeReport(dir: string, outPath = join(dir, 'report.html')): Promise<ReportWritten> {
  const started = performance.now();
  const files = readResultsFolder(dir);
  const html = renderReportHtml(buildReportData(files), reportAssets());
  const tmp = `${outPath}.tmp`;
  writeFileSync(tmp, html);
  renameSync(tmp, outPath);
  return { path: outPath, bytes: Buffer.byteLength(html), renderMs: performance.now() - started };
}

/** The files of a results folder as `report` (and `compare`, `merge`) read them; throws NOT_RESULTS_DIR / BAD_RESULTS. */
export function readResultsFolder(dir: string): ReportFiles {
  checkResultsFolder(dir);
  const read = (name: string): string => readFileSync(join(dir, name), 'utf8');
  const optional = (name: string): string | undefined => (existsSync(join(dir, name)) ? read(name) : undefined);
  let summary;
  try {
    summary = parseSummaryJson(read('summary.json'));
  } catch (err) {
    throw new ComfyloadError('COMFYLOAD_ERR_BAD_RESULTS', `${join(dir, 'summary.json')} cannot be read: ${(err as Error).message}`, { cause: err });
  }
  const vramCsv = optional('vram.csv');
  const hlog = optional('histograms.hlog');
  const queueCsv = optional('queue.csv');
  const targetsCsv = optional('targets.csv');
  const capacityJson = optional('capacity.json');
  if (capacityJson !== undefined) {
    try {
      JSON.parse(capacityJson);
    } catch (err) {
      throw new ComfyloadError('COMFYLOAD_ERR_BAD_RESULTS', `${join(dir, 'capacity.json')} cannot be read: ${(err as Error).message}`, { cause: err });
    }
  }
  return {
    summary,
    levelsCsv: read('levels.csv'),
    requestsCsv: read('requests.csv'),
    ...(vramCsv !== undefined ? { vramCsv } : {}),
    ...(hlog !== undefined ? { hlog } : {}),
    ...(queueCsv !== undefined ? { queueCsv } : {}),
    ...(targetsCsv !== undefined ? { targetsCsv } : {}),
    ...(capacityJson !== undefined ? { capacityJson } : {}),
  };
}

/** Throws NOT_RESULTS_DIR unless `dir` holds summary.json, levels.csv and requests.csv. */
function checkResultsFolder(dir: string): void {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new ComfyloadError('COMFYLOAD_ERR_NOT_RESULTS_DIR', `${dir} is not a folder`);
  }
  const missing = ['summary.json', 'levels.csv', 'requests.csv'].filter((f) => !existsSync(join(dir, f)));
  if (missing.length > 0) {
    throw new ComfyloadError('COMFYLOAD_ERR_NOT_RESULTS_DIR', `${dir} is not a comfyload results folder: no ${missing.join(', ')}`);
  }
}

/** Whether `dir` is a results folder (holds summary.json, levels.csv and requests.csv). */
export function isResultsFolder(dir: string): boolean {
  return ['summary.json', 'levels.csv', 'requests.csv'].every((f) => existsSync(join(dir, f)));
}

/**
 * A results folder's files for `compare`: summary.json parsed as JSON but not checked against
 * this build's schema version (compare reads schemaVersion 1, 2 and 3, src/compare/summary-view.ts),
 * levels.csv, requests.csv and histograms.hlog when present.
 */
export interface CompareFiles {
  dir: string;
  summaryJson: unknown;
  levelsCsv: string;
  requestsCsv: string;
  hlog?: string;
}

export function readCompareFiles(dir: string): CompareFiles {
  checkResultsFolder(dir);
  const read = (name: string): string => readFileSync(join(dir, name), 'utf8');
  let summaryJson: unknown;
  try {
    summaryJson = JSON.parse(read('summary.json'));
  } catch (err) {
    throw new ComfyloadError('COMFYLOAD_ERR_BAD_RESULTS', `${join(dir, 'summary.json')} cannot be read: ${(err as Error).message}`, { cause: err });
  }
  const hlogPath = join(dir, 'histograms.hlog');
  return {
    dir,
    summaryJson,
    levelsCsv: read('levels.csv'),
    requestsCsv: read('requests.csv'),
    ...(existsSync(hlogPath) ? { hlog: readFileSync(hlogPath, 'utf8') } : {}),
  };
}

let assets: ReportAssets | undefined;

/** uPlot's browser build and stylesheet, from the installed package (inlined: the page needs no network). */
export function reportAssets(): ReportAssets {
  if (assets !== undefined) return assets;
  const require = createRequire(import.meta.url);
  const dist = join(require.resolve('uplot/package.json'), '..', 'dist');
  assets = {
    uplotJs: readFileSync(join(dist, 'uPlot.iife.min.js'), 'utf8'),
    uplotCss: readFileSync(join(dist, 'uPlot.min.css'), 'utf8'),
  };
  return assets;
}
