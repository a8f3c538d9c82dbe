/**
 * The options of `comfyload merge DIR DIR … --out DIR` and `comfyload import-k6 FILE --out DIR`
 * (their folders and file are positional arguments).
 */
import { defineOptions } from './option-table.js';
import { path } from './value-parsers.js';

export interface OutOptionValues {
  out: string | undefined;
}

export const MERGE_OPTIONS = defineOptions<OutOptionValues>('COMFYLOAD_MERGE_', {
  out: {
    kind: 'path',
    config: false,
    group: 'Output',
    description:
      'The results folder to write (new or empty): summary.json, levels.csv, requests.csv, histograms.hlog, vram.csv, the .hgrm files and report.html.',
    defaultText: 'required',
    example: 'merged',
    parse: path('merged'),
  },
});

export const IMPORT_K6_OPTIONS = defineOptions<OutOptionValues>('COMFYLOAD_IMPORT_K6_', {
  out: {
    kind: 'path',
    config: false,
    group: 'Output',
    description: 'The results folder to write (new or empty), as `comfyload run` writes one.',
    defaultText: 'required',
    example: 'results/runner-1',
    parse: path('results/runner-1'),
  },
});
