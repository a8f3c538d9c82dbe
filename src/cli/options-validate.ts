/**
 * The options of `comfyload validate`: the workflow options of `run` (same flags, env vars and
 * docs, taken from the one run table so they cannot drift), the target to check against, and
 * where to write the API graph that would be sent.
 */
import { defineOptions } from './option-table.js';
import { RUN_OPTIONS, type RunOptionValues } from './options-run.js';
import { path } from './value-parsers.js';

export type ValidateOptionValues = Pick<RunOptionValues, 'url' | 'header' | 'set' | 'input' | 'inputMask' | 'simGpu' | 'json' | 'quiet' | 'verbose'> & {
  /** The one workflow to check. */
  workflow: string | undefined;
  /** File to write the checked API-format graph to. */
  exportApi: string | undefined;
};

export const VALIDATE_OPTIONS = defineOptions<ValidateOptionValues>('COMFYLOAD_', {
  url: {
    ...RUN_OPTIONS.url,
    description: "Base URL of the ComfyUI server whose /object_info the workflow is checked against. Without --url, the built-in emulator's.",
  },
  header: RUN_OPTIONS.header,
  workflow: {
    kind: 'path',
    group: RUN_OPTIONS.workflow.group,
    description: "Workflow to check: API format, or the UI format (converted with the server's /object_info).",
    defaultText: 'required',
    example: RUN_OPTIONS.workflow.example,
    parse: path('workflow_api.json'),
  },
  set: RUN_OPTIONS.set,
  input: RUN_OPTIONS.input,
  inputMask: RUN_OPTIONS.inputMask,
  simGpu: RUN_OPTIONS.simGpu,
  exportApi: {
    kind: 'path',
    group: 'Workflow',
    description:
      'Write the API-format graph that would be sent (after UI conversion and --set, seeds as in the file) to this file; `run --workflow` takes it as it is.',
    example: 'workflow_api.json',
    parse: path('workflow_api.json'),
  },
  json: { ...RUN_OPTIONS.json, description: 'Print the checked API-format workflow (after conversion and --set) as JSON on stdout.' },
  quiet: RUN_OPTIONS.quiet,
  verbose: RUN_OPTIONS.verbose,
});
