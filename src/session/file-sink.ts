/**
 * A reporter sink on a file, appending synchronously: each write is whole on disk when it
 * returns, so a run that is killed leaves files that end on a complete line. Only the CLI layer
 * opens files; reporters receive this sink.
 */
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Sink } from '../reporters/sink.js';
import { ComfyloadError } from '../comfy/errors.js';

export class FileSink implements Sink {
  readonly path: string;
  #fd: number | undefined;

  constructor(path: string) {
    this.path = path;
    try {
      mkdirSync(dirname(path), { recursive: true });
      this.#fd = openSync(path, 'a');
    } catch (err) {
      throw new ComfyloadError('COMFYLOAD_ERR_RESULTS_WRITE', `cannot write ${path}: ${(err as Error).message}`, {
        hint: 'choose a writable folder with --results-dir.',
        cause: err,
      });
    }
  }

  /** Appends `chunk`; a failed write (a full disk, a removed folder) throws COMFYLOAD_ERR_RESULTS_WRITE naming the file. */
  write(chunk: string): void {
    if (this.#fd === undefined) return;
    try {
      writeSync(this.#fd, chunk);
    } catch (err) {
      throw new ComfyloadError('COMFYLOAD_ERR_RESULTS_WRITE', `cannot write ${this.path}: ${(err as Error).message}`, {
        hint: 'free space on the disk (or choose another --results-dir) and run again; what was written before the failure is kept.',
        cause: err,
      });
    }
  }

  close(): void {
    if (this.#fd === undefined) return;
    closeSync(this.#fd);
    this.#fd = undefined;
  }
}
