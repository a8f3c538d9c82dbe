/**
 * The options of `comfyload compare BASELINE CANDIDATE` (or `--baseline a b c --candidate d e f`,
 * or one folder for the GPU × model matrix): the table from which its flags, COMFYLOAD_COMPARE_*
 * variables, --help and docs/cli.md are derived.
 */
import { DEFAULT_GATES, parseGate, type CompareGate } from '../metrics/compare-gates.js';
import { MATRIX_SORT_COLUMNS, parsePrices, type GpuPrice } from '../metrics/matrix-types.js';
import { defineOptions, type ParseContext } from './option-table.js';
import { boolean, expected, finiteNumber, oneOf, path, repeatable } from './value-parsers.js';

export interface CompareOptionValues {
  baseline: string[] | undefined;
  candidate: string[] | undefined;
  threshold: CompareGate[];
  confidence: number;
  allowDifferentWorkflow: boolean;
  outDir: string;
  junit: string | undefined;
  price: GpuPrice[] | undefined;
  sort: (typeof MATRIX_SORT_COLUMNS)[number];
  json: boolean;
  quiet: boolean;
  verbose: boolean;
}

function gate(raw: unknown, ctx: ParseContext): CompareGate {
  const parsed = typeof raw === 'string' ? parseGate(raw) : 'a gate text';
  if (typeof parsed === 'string') return expected(ctx, `a gate: ${parsed}`, raw, 'execMs.p50:+5%');
  return parsed;
}

function prices(raw: unknown, ctx: ParseContext): GpuPrice[] {
  const parsed = typeof raw === 'string' ? parsePrices(raw) : 'a price list';
  if (typeof parsed === 'string') return expected(ctx, `prices per GPU: ${parsed}`, raw, 'rtx-4090=0.69/h,h100=2.49/h');
  return parsed;
}

export const COMPARE_OPTIONS = defineOptions<CompareOptionValues>('COMFYLOAD_COMPARE_', {
  baseline: {
    kind: 'repeatable',
    repeatable: true,
    config: false,
    group: 'Sides',
    description:
      'Baseline results folder(s): repeats of one configuration (`--baseline a b c`), or a parent folder holding them. Instead of the first positional argument.',
    defaultText: 'first argument',
    example: 'results/before',
    parse: repeatable(path('results/before')),
  },
  candidate: {
    kind: 'repeatable',
    repeatable: true,
    config: false,
    group: 'Sides',
    description: 'Candidate results folder(s), as --baseline. Instead of the second positional argument.',
    defaultText: 'second argument',
    example: 'results/after',
    parse: repeatable(path('results/after')),
  },
  threshold: {
    kind: 'repeatable',
    repeatable: true,
    group: 'Gates',
    description:
      'Gate `<metric>[.p50|p90|p95|p99]:<+|->N%`: a time may grow by at most N% (`execMs.p50:+5%`), a throughput drop by at most N% (`promptsPerSec:-3%`). Exit 1 only when the whole confidence interval lies beyond it at some level. Giving any replaces the defaults.',
    default: DEFAULT_GATES.join(','),
    defaultText: DEFAULT_GATES.join(', '),
    example: 'execMs.p50:+5%',
    // Gates hold no comma: the default and a single value may list several.
    parse: (raw, ctx) => repeatable(gate)(typeof raw === 'string' ? raw.split(',') : raw, ctx),
  },
  confidence: {
    kind: 'number',
    group: 'Gates',
    description: 'Two-sided confidence of every interval, test and gate.',
    default: 0.95,
    example: '0.99',
    parse: finiteNumber('a number between 0.5 and 0.9999', '0.95', { min: 0.5, max: 0.9999 }),
  },
  allowDifferentWorkflow: {
    kind: 'boolean',
    group: 'Gates',
    description: 'Compare runs of different workloads (workflow, models, resolution, steps, batch…) instead of refusing; every output then says so.',
    default: false,
    example: 'true',
    parse: boolean(),
  },
  outDir: {
    kind: 'path',
    group: 'Output',
    description: 'Folder for compare.json, compare.md (a pull-request comment) and compare.html; matrix.csv, matrix.md and matrix.html for a matrix.',
    default: 'compare',
    example: 'compare',
    parse: path('compare'),
  },
  junit: {
    kind: 'path',
    group: 'Output',
    description: 'Also write a JUnit XML file, one test case per gate.',
    example: 'compare-junit.xml',
    parse: path('compare-junit.xml'),
  },
  price: {
    kind: 'string',
    group: 'Matrix',
    description: "GPU prices per hour for the matrix's cost per 1,000 images: `gpu=price/h` by results-folder GPU name or emulator id, comma-separated.",
    example: 'rtx-4090=0.69/h,h100=2.49/h',
    parse: prices,
  },
  sort: {
    kind: 'enum',
    choices: MATRIX_SORT_COLUMNS,
    group: 'Matrix',
    description: 'Column the matrix is sorted by (best first).',
    default: 'throughput',
    example: 'cost',
    parse: oneOf(MATRIX_SORT_COLUMNS),
  },
  json: {
    kind: 'boolean',
    group: 'Output',
    description: 'Print compare.json (or the matrix as JSON) on stdout; the table stays on stderr.',
    default: false,
    example: 'true',
    parse: boolean(),
  },
  quiet: {
    kind: 'boolean',
    group: 'Output',
    description: 'No table on stderr; the verdict line and errors are still printed.',
    default: false,
    example: 'true',
    parse: boolean(),
  },
  verbose: {
    kind: 'boolean',
    env: 'COMFYLOAD_VERBOSE',
    group: 'Output',
    description: 'Stack traces with errors (also COMFYLOAD_DEBUG=1).',
    default: false,
    example: 'true',
    parse: boolean(),
  },
});
