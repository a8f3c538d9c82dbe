/**
 * The options of `comfyload report <results-dir>` (the results folder is its one positional
 * argument): the table from which its flags, --help and docs/cli.md are derived.
 */
import { defineOptions } from './option-table.js';
import { path } from './value-parsers.js';

export interface ReportOptionValues {
  out: string | undefined;
}

export const REPORT_OPTIONS = defineOptions<ReportOptionValues>('COMFYLOAD_REPORT_', {
  out: {
    kind: 'path',
    config: false,
    group: 'Output',
    description: 'Where to write the HTML report.',
    defaultText: '<results-dir>/report.html',
    example: 'report.html',
    parse: path('report.html'),
  },
});
