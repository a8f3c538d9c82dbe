/**
 * `comfyload compare BASELINE CANDIDATE` as one call: the folders of each side found and read,
 * compared (compare-runs.ts), and the outputs written to the output folder — compare.json,
 * compare.md, compare.html and, when asked, a JUnit file. Files are written whole (a temp file
 * renamed), so a CI step never reads half a comment.
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { CompareGate } from '../metrics/compare-gates.js';
import type { CompareResult } from '../metrics/compare-types.js';
import { renderCompareHtml } from '../reporters/html/compare-html.js';
import { renderCompareJunit } from '../reporters/compare/compare-junit.js';
import { renderCompareMarkdown } from '../reporters/compare/compare-markdown.js';
import { readCompareFiles, reportAssets } from '../session/results-folder.js';
import type { GpuPrice, MatrixResult, MatrixSortColumn } from '../metrics/matrix-types.js';
import { renderMatrixCsv, renderMatrixMarkdown } from '../reporters/compare/matrix-render.js';
import { renderMatrixHtml } from '../reporters/html/matrix-html.js';
import { compareRuns } from './compare-runs.js';
import { buildMatrix } from './matrix.js';
import { findResultsFolders } from './results-folders.js';
import { runSamples, type RunSamples } from './run-samples.js';

export interface CompareRequest {
  baseline: readonly string[];
  candidate: readonly string[];
  cwd: string;
  confidence: number;
  gates: readonly CompareGate[];
  allowDifferentWorkflow: boolean;
  /** Folder for compare.json, compare.md and compare.html. */
  outDir: string;
  junitPath?: string;
}

export interface CompareDone {
  result: CompareResult;
  written: string[];
}

export function readSide(paths: readonly string[], cwd: string, side: string): RunSamples[] {
  return findResultsFolders(paths, cwd, side).map((dir) => runSamples(readCompareFiles(dir)));
}

export function runCompare(req: CompareRequest): CompareDone {
  const baseline = readSide(req.baseline, req.cwd, 'baseline');
  const candidate = readSide(req.candidate, req.cwd, 'candidate');
  const result = compareRuns(baseline, candidate, {
    confidence: req.confidence,
    gates: req.gates,
    allowDifferentWorkflow: req.allowDifferentWorkflow,
  });
  mkdirSync(req.outDir, { recursive: true });
  const written = [
    writeWhole(join(req.outDir, 'compare.json'), `${JSON.stringify(result, null, 2)}\n`),
    writeWhole(join(req.outDir, 'compare.md'), renderCompareMarkdown(result)),
    writeWhole(join(req.outDir, 'compare.html'), renderCompareHtml(result, reportAssets())),
  ];
  if (req.junitPath !== undefined) {
    mkdirSync(dirname(req.junitPath), { recursive: true });
    written.push(writeWhole(req.junitPath, renderCompareJunit(result)));
  }
  return { result, written };
}

/** Writes a file atomically (temp file renamed); returns its path. */
export function writeWhole(path: string, text: string): string {
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
  return path;
}

export interface MatrixRequest {
  paths: readonly string[];
  cwd: string;
  prices?: readonly GpuPrice[];
  sort: MatrixSortColumn;
  outDir: string;
}

/** `comfyload compare results/`: every run below the folder(s) in one matrix, written as CSV, Markdown and HTML. */
export function runMatrix(req: MatrixRequest): { matrix: MatrixResult; written: string[] } {
  const runs = readSide(req.paths, req.cwd, 'results');
  const matrix = buildMatrix(runs, { sort: req.sort, ...(req.prices !== undefined ? { prices: req.prices } : {}) });
  mkdirSync(req.outDir, { recursive: true });
  const written = [
    writeWhole(join(req.outDir, 'matrix.csv'), renderMatrixCsv(matrix)),
    writeWhole(join(req.outDir, 'matrix.md'), renderMatrixMarkdown(matrix)),
    writeWhole(join(req.outDir, 'matrix.html'), renderMatrixHtml(matrix)),
  ];
  return { matrix, written };
}
