/**
 * The first SIGINT/SIGTERM of a measuring command: say what happens, then abort the run, which
 * stops submitting, cancels only this run's prompts and writes partial results. (A second signal
 * exits at once: main.ts.)
 */
import type { CliIO } from './io.js';

export function abortOnSignal(io: CliIO, stderr: { write(s: string): unknown }): AbortSignal {
  const controller = new AbortController();
  io.onSignal?.((signal) => {
    stderr.write(`\ncomfyload: ${signal}: stopping — cancelling this run's prompts and writing partial results (again to exit at once)\n`);
    controller.abort(signal);
  });
  return controller.signal;
}
