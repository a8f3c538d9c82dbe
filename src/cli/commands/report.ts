/**
 * `comfyload report <results-dir>`: renders report.html again from the files of a results folder
 * without re-running anything: closed-loop, open-loop and capacity runs alike.
 */
import { relative, resolve } from 'node:path';
import { ComfyloadError } from '../../comfy/errors.js';
import { writeReport } from '../../session/results-folder.js';
import type { CliIO } from '../io.js';

export async function reportCommand(dir: string | undefined, out: string | undefined, io: CliIO): Promise<number> {
  if (dir === undefined) {
    throw new ComfyloadError('COMFYLOAD_ERR_BAD_OPTION', 'Missing the results folder: `comfyload report <results-dir>`', {
      hint: 'e.g. comfyload report results/nvidia-geforce-rtx-4090/<model-config>/<UTC time>-<name>',
    });
  }
  const written = await writeReport(resolve(io.cwd, dir), out === undefined ? undefined : resolve(io.cwd, out));
  io.stderr.write(
    `comfyload: wrote ${relative(io.cwd, written.path) || written.path} (${(written.bytes / 1024).toFixed(0)} KiB, rendered in ${written.renderMs.toFixed(0)} ms)\n`,
  );
  return 0;
}
