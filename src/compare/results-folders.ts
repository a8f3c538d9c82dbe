/**
 * Which results folders a path names: the folder itself when it holds a run, else every run
 * folder below it (a parent such as `results/rtx-4090/sd15-…/`, or a whole results tree), in
 * path order. Each side of `compare` may be several paths (repeats of one configuration).
 */
import { readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ComfyloadError } from '../comfy/errors.js';
import { isResultsFolder } from '../session/results-folder.js';

/** The run folders under every path, without repeats; throws when a path names none. */
export function findResultsFolders(paths: readonly string[], cwd: string, side: string): string[] {
  const found: string[] = [];
  for (const p of paths) {
    const abs = resolve(cwd, p);
    if (!isFolder(abs))
      throw new ComfyloadError('COMFYLOAD_ERR_NOT_RESULTS_DIR', `${side} ${p} is not a folder`, {
        hint: 'pass a results folder, or a folder holding results folders.',
      });
    const runs = walk(abs);
    if (runs.length === 0) {
      throw new ComfyloadError(
        'COMFYLOAD_ERR_NOT_RESULTS_DIR',
        `${side} ${p} holds no comfyload results folder (none with summary.json, levels.csv and requests.csv)`,
        {
          hint: 'pass the folder a run wrote (results/<gpu>/<model-config>/<UTC time>-<name>/) or one above it.',
        },
      );
    }
    for (const r of runs) if (!found.includes(r)) found.push(r);
  }
  return found;
}

function walk(dir: string): string[] {
  if (isResultsFolder(dir)) return [dir];
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (isFolder(path)) out.push(...walk(path));
  }
  return out;
}

function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
