/**
 * The options of `comfyload validate`: the workflow options of `run` (same flags, env vars and
 * docs, taken from the one run table so they cannot drift), and the target to check against.
 */
import { defineOptions } from './option-table.js';
import { RUN_OPTIONS, type RunOptionValues } from './options-run.js';

export type ValidateOptionValues = Pick<
  RunOptionValues,
  'url' | 'header' | 'workflow' | 'set' | 'input' | 'inputMask' | 'simGpu' | 'json' | 'quiet' | 'verbose'
>;

export const VALIDATE_OPTIONS = defineOptions<ValidateOptionValues>('COMFYLOAD_', {
  url: {
    ...RUN_OPTIONS.url,
    description: "Base URL of the ComfyUI server whose /object_info the workflow is checked against. Without --url, the built-in emulator's.",
  },
  header: RUN_OPTIONS.header,
  workflow: {
    ...RUN_OPTIONS.workflow,
    description: "Workflow to check: API format, or the UI format (converted with the server's /object_info).",
    defaultText: 'required',
  },
  set: RUN_OPTIONS.set,
  input: RUN_OPTIONS.input,
  inputMask: RUN_OPTIONS.inputMask,
  simGpu: RUN_OPTIONS.simGpu,
  json: { ...RUN_OPTIONS.json, description: 'Print the checked API-format workflow (after conversion and --set) as JSON on stdout.' },
  quiet: RUN_OPTIONS.quiet,
  verbose: RUN_OPTIONS.verbose,
});
