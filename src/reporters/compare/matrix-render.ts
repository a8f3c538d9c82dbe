/**
 * The GPU × model matrix as an aligned console table, matrix.csv (machine-readable, plain numbers
 * in named units) and matrix.md (a table for a wiki or pull request).
 */
import { stringify } from 'csv-stringify/sync';
import type { MatrixResult, MatrixRow } from '../../metrics/matrix-types.js';
import { alignColumns, formatValue } from './compare-format.js';

/** Whether the matrix holds several ComfyUI versions (the version column is shown then). */
function showVersion(m: MatrixResult): boolean {
  return new Set(m.rows.map((r) => r.comfyuiVersion)).size > 1;
}

function cells(r: MatrixRow, version: boolean): string[] {
  return [
    r.gpu,
    r.modelConfig,
    ...(version ? [r.comfyuiVersion] : []),
    String(r.runs),
    `${formatValue(r.promptsPerSec, '/s')}${r.promptsPerSecSpread !== null ? ` ± ${(r.promptsPerSecSpread * 100).toFixed(1)}%` : ''} @${r.bestLevel}`,
    formatValue(r.imagesPerMin, '/min'),
    r.stepSecPerIt === null ? '–' : `${r.stepSecPerIt.toFixed(3)} s/it (${r.stepItPerSec!.toFixed(2)} it/s)`,
    r.completionP50Ms === null ? '–' : `${formatValue(r.completionP50Ms, 'ms')} / ${formatValue(r.completionP95Ms, 'ms')} @${r.completionLevel ?? '?'}`,
    formatValue(r.vramPeakBytes, 'B'),
    r.costPer1000Images === null ? '–' : `$${r.costPer1000Images.toFixed(3)}`,
    r.mixed.length > 0 ? `mixed: ${r.mixed.join(', ')}` : '',
  ];
}

function header(version: boolean): string[] {
  return [
    'GPU',
    'model config',
    ...(version ? ['ComfyUI'] : []),
    'runs',
    'throughput (best level)',
    'images/min',
    'step p50',
    'completion p50 / p95',
    'VRAM peak',
    '$ / 1k images',
    'flags',
  ];
}

export function renderMatrixConsole(m: MatrixResult): string {
  const version = showVersion(m);
  const lines = alignColumns(
    [header(version), ...m.rows.map((r) => cells(r, version))],
    [false, false, ...(version ? [false] : []), true, true, true, false, false, true, true],
  );
  return `${[`comfyload compare (matrix): ${m.rows.length} configurations, sorted by ${m.sort}`, ...lines, '', ...m.notes.map((n) => `note: ${n}`)].join('\n')}\n`;
}

export function renderMatrixMarkdown(m: MatrixResult): string {
  const version = showVersion(m);
  const head = header(version);
  const esc = (t: string): string => t.replace(/\|/g, '\\|');
  return [
    `## comfyload: GPU × model matrix (${m.rows.length} configurations, sorted by ${m.sort})`,
    '',
    `| ${head.join(' | ')} |`,
    `|${head.map(() => '---').join('|')}|`,
    ...m.rows.map((r) => `| ${cells(r, version).map(esc).join(' | ')} |`),
    '',
    ...m.notes.map((n) => `- ${esc(n)}`),
    '',
  ].join('\n');
}

export const MATRIX_CSV_COLUMNS = [
  'gpu',
  'gpuSlug',
  'modelConfig',
  'comfyuiVersion',
  'runs',
  'bestLevel',
  'promptsPerSec',
  'promptsPerSecSpread',
  'imagesPerMin',
  'stepSecPerIt',
  'stepItPerSec',
  'completionLevel',
  'completionP50Ms',
  'completionP95Ms',
  'vramPeakBytes',
  'pricePerHour',
  'costPer1000Images',
  'mixed',
] as const satisfies readonly (keyof MatrixRow)[];

export function renderMatrixCsv(m: MatrixResult): string {
  const value = (v: unknown): string =>
    v === null || v === undefined ? '' : Array.isArray(v) ? v.join(';') : typeof v === 'number' ? String(+v.toPrecision(6)) : String(v);
  return stringify([[...MATRIX_CSV_COLUMNS], ...m.rows.map((r) => MATRIX_CSV_COLUMNS.map((c) => value(r[c])))]);
}
