/**
 * Reads a --workflow file (the session opens files; src/comfy/workflow-file.ts checks its shape).
 */
import { readFile } from 'node:fs/promises';

import { ComfyloadError } from '../comfy/errors.js';
import type { ApiWorkflow } from '../comfy/http-types.js';
import { parseWorkflowSource } from '../comfy/workflow-file.js';

/** Real API workflows are well under 1 MB; a cap keeps a wrong file (a checkpoint…) from being read whole. */
const MAX_WORKFLOW_BYTES = 64 * 1024 * 1024;

/**
 * Read `path` (absolute): its API-format graph, or a UI-format graph (`nodes` and `links`) kept
 * as parsed for conversion against the server's /object_info; throws BAD_WORKFLOW /
 * WORKFLOW_NOT_FOUND for everything else.
 */
export async function loadWorkflowSource(path: string): Promise<{ workflow?: ApiWorkflow; ui?: unknown }> {
  return parseWorkflowSource(path, await readWorkflowText(path));
}

async function readWorkflowText(path: string): Promise<string> {
  let buffer: Buffer;
  try {
    buffer = await readFile(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EISDIR') {
      throw new ComfyloadError('COMFYLOAD_ERR_BAD_WORKFLOW', `Workflow ${path} is a folder, not a file`, {
        hint: 'pass the workflow JSON file itself to --workflow.',
        cause: err,
      });
    }
    const why = code === 'ENOENT' ? 'does not exist' : `cannot be read (${code ?? String(err)})`;
    throw new ComfyloadError('COMFYLOAD_ERR_WORKFLOW_NOT_FOUND', `Workflow file ${path} ${why}`, {
      hint: 'check the path given to --workflow; relative paths start from the current directory (or, in a config file, from its folder).',
      cause: err,
    });
  }
  if (buffer.byteLength > MAX_WORKFLOW_BYTES) {
    throw new ComfyloadError('COMFYLOAD_ERR_BAD_WORKFLOW', `Workflow ${path} is ${buffer.byteLength} bytes, more than any workflow (${MAX_WORKFLOW_BYTES})`, {
      hint: 'pass the exported workflow JSON to --workflow, not a model or image file.',
    });
  }
  return buffer.toString('utf8');
}
