/**
 * `comfyload import-k6 out.json[.gz] --out DIR`: k6's `--out json` output of comfyload's scenarios
 * turned into a results folder (src/session/import-k6.ts).
 */
import { resolve } from 'node:path';
import { ComfyloadError } from '../../comfy/errors.js';
import { importK6Output } from '../../session/import-k6.js';
import type { CliIO } from '../io.js';

export async function importK6Command(files: readonly string[], out: string | undefined, io: CliIO): Promise<number> {
  const [file, ...more] = files.map((f) => resolve(io.cwd, f));
  if (file === undefined || more.length > 0) {
    throw new ComfyloadError('COMFYLOAD_ERR_BAD_OPTION', `\`comfyload import-k6\` takes one k6 output file, got ${files.length}`, {
      hint: 'import each runner on its own (comfyload import-k6 runner-1.json.gz --out r1/), then `comfyload merge r1/ r2/ --out merged/`.',
    });
  }
  if (out === undefined)
    throw new ComfyloadError('COMFYLOAD_ERR_BAD_OPTION', 'Missing `--out`: the results folder to write', { hint: 'e.g. --out results/runner-1' });
  await importK6Output(file, resolve(io.cwd, out), io.stderr);
  return 0;
}
