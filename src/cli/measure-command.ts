/**
 * The command-line side of every measuring command: the session's output on stderr (a live line
 * on a TTY unless --quiet), the first SIGINT/SIGTERM as its stop signal, `--json` on stdout, and
 * an error that ended the run after its results were written printed like any other.
 */
import { measure } from '../session/measure.js';
import type { RunPlan } from '../session/plan.js';
import { formatError } from './errors.js';
import type { CliIO } from './io.js';
import { abortOnSignal } from './stop-signal.js';

/** Output switches, apart from the plan because they change no measurement. */
export interface OutputFlags {
  json: boolean;
  quiet: boolean;
  verbose: boolean;
}

export async function measureFromCli(plan: RunPlan, io: CliIO, flags: OutputFlags): Promise<number> {
  const log = flags.quiet ? { write: (): boolean => true } : io.stderr;
  const result = await measure(plan, {
    cwd: io.cwd,
    log,
    live: !flags.quiet && io.stderr.isTTY === true,
    signal: abortOnSignal(io, log),
    env: io.env,
    verdictLog: io.stderr,
  });
  if (flags.json) io.stdout.write(`${JSON.stringify(result.summary)}\n`);
  if (result.error !== undefined) io.stderr.write(formatError(result.error, { verbose: flags.verbose }));
  return result.exitCode;
}
