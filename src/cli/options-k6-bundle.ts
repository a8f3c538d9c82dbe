/**
 * The options of `comfyload k6 bundle`: every option of `run` (the bundle is a run plan, prepared
 * against the server now and run by k6 later, elsewhere), plus where to write it and for which k6.
 */
import { defineOptions } from './option-table.js';
import { RUN_OPTIONS, type RunOptionValues } from './options-run.js';
import { path, text } from './value-parsers.js';

export interface K6BundleOptionValues extends RunOptionValues {
  out: string | undefined;
  k6Version: string | undefined;
}

export const K6_BUNDLE_OPTIONS = defineOptions<K6BundleOptionValues>('COMFYLOAD_', {
  ...RUN_OPTIONS,
  out: {
    kind: 'path',
    config: false,
    group: 'Bundle',
    description:
      'Folder to write the bundle to: script.js (the scenario, bundled), plan.json (its prepared plan), workflow.json (the graph as sent), testrun.yaml (a k6-operator TestRun) and README.md (how to run and collect it).',
    defaultText: 'required',
    example: 'bundle',
    parse: path('bundle'),
  },
  k6Version: {
    kind: 'string',
    group: 'Bundle',
    description: 'The k6 version the runners have (`0.49`, `1.2`, `1.6`): picks the scenario build whose module names it knows.',
    defaultText: "the local k6's, else 1.6 or later",
    example: '1.6',
    parse: text('a k6 version like `0.49` or `1.6.0`', '1.6', /^v?\d+\.\d+(\.\d+)?$/),
  },
});
