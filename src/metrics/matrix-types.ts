/**
 * The GPU × model matrix of `comfyload compare results/`: one row per configuration (GPU, model
 * configuration, and ComfyUI version where runs differ), its runs pooled. Types, the sort
 * columns and the `--price` parser; the matrix itself is built in src/compare/matrix.ts.
 */

export const MATRIX_SORT_COLUMNS = ['throughput', 'images', 'step', 'completion', 'vram', 'cost', 'gpu'] as const;
export type MatrixSortColumn = (typeof MATRIX_SORT_COLUMNS)[number];

export interface GpuPrice {
  /** As given (`rtx-4090`), matched against the GPU's results-folder name (`nvidia-geforce-rtx-4090`). */
  gpu: string;
  perHour: number;
}

export interface MatrixRow {
  gpu: string;
  gpuSlug: string;
  modelConfig: string;
  /** Shown when the matrix holds several versions of one configuration. */
  comfyuiVersion: string;
  runs: number;
  dirs: string[];
  /** Level with the highest pooled throughput, and its figures. */
  bestLevel: string;
  promptsPerSec: number;
  /** Spread of the runs' throughput at the best level: (max − min) / 2 / mean; null with one run. */
  promptsPerSecSpread: number | null;
  imagesPerMin: number;
  /** Sampler step time p50 at the lowest concurrency: seconds per iteration, and its inverse. */
  stepSecPerIt: number | null;
  stepItPerSec: number | null;
  /** Completion time at the lowest concurrency (c=1 when measured), ms. */
  completionLevel: string | null;
  completionP50Ms: number | null;
  completionP95Ms: number | null;
  vramPeakBytes: number | null;
  /** Price per hour × 1000 / images per hour at the best level; null without a price. */
  costPer1000Images: number | null;
  pricePerHour: number | null;
  /** Environment keys that differ between the pooled runs (flagged). */
  mixed: string[];
}

export interface MatrixResult {
  kind: 'comfyload-matrix';
  sort: MatrixSortColumn;
  rows: MatrixRow[];
  /** How each column was computed. */
  notes: string[];
}

const PRICE_ITEM = /^\s*([A-Za-z0-9._-]+)\s*=\s*\$?(\d+(?:\.\d+)?)\s*(?:\/\s*h(?:our)?)?\s*$/;

/** `rtx-4090=0.69/h,h100=2.49/h` → prices, or a sentence saying what is wrong. */
export function parsePrices(raw: string): GpuPrice[] | string {
  const out: GpuPrice[] = [];
  for (const item of raw.split(',')) {
    if (item.trim() === '') continue;
    const m = PRICE_ITEM.exec(item);
    if (m === null) return `\`gpu=price/h\` items separated by commas, e.g. \`rtx-4090=0.69/h,h100=2.49/h\` (got \`${item.trim()}\`)`;
    const perHour = Number(m[2]);
    if (!(perHour > 0)) return `a price > 0 for ${m[1]}`;
    out.push({ gpu: m[1]!.toLowerCase(), perHour });
  }
  if (out.length === 0) return 'at least one `gpu=price/h`';
  return out;
}

/** The price of a GPU: the longest price key contained in its folder name (or equal to its name). */
export function priceFor(prices: readonly GpuPrice[], gpuSlug: string): GpuPrice | undefined {
  return [...prices].filter((p) => gpuSlug.includes(p.gpu)).sort((a, b) => b.gpu.length - a.gpu.length)[0];
}
