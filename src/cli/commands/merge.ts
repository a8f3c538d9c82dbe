/**
 * `comfyload merge DIR DIR … --out DIR`: one results folder from shards of one plan run from
 * several machines (src/session/merge-results.ts), with report.html rebuilt from the merged files.
 */
import { resolve } from 'node:path';
import { ComfyloadError } from '../../comfy/errors.js';
import { mergeResults } from '../../session/merge-results.js';
import type { CliIO } from '../io.js';

export async function mergeCommand(dirs: readonly string[], out: string | undefined, io: CliIO): Promise<number> {
  if (out === undefined)
    throw new ComfyloadError('COMFYLOAD_ERR_BAD_OPTION', 'Missing `--out`: the folder to write the merged results to', {
      hint: 'e.g. comfyload merge a/ b/ --out merged/',
    });
  const merged = await mergeResults(
    dirs.map((d) => resolve(io.cwd, d)),
    resolve(io.cwd, out),
  );
  for (const warning of merged.warnings) io.stderr.write(`comfyload: warning: ${warning}\n`);
  const t = merged.summary.totals;
  io.stderr.write(`comfyload: merged ${dirs.length} results folders: ${t.submitted} prompts (${t.ok} ok); results in ${merged.dir}\n`);
  return 0;
}
