/**
 * The command-line side of every measuring command, k6's habit: progress and logs on stderr (a
 * live line on a TTY unless --quiet), the end-of-run summary on stdout — a plain table, or with
 * `--json` one JSON document (summary.json's content plus `resultsDir`) — the first SIGINT/SIGTERM
 * as its stop signal, and an error that ended the run after its results were written printed like
 * any other.
 */
import { formatRunSummaryText } from '../reporters/console-format.js';
import { summaryDocument } from '../reporters/summary-json.js';
import { measure, type MeasureResult } from '../session/measure.js';
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
    columns: () => io.stderr.columns,
    signal: abortOnSignal(io, log),
    env: io.env,
    verdictLog: io.stderr,
  });
  // A run an error ended before any prompt was sent has nothing to tabulate: the error alone says it (--json still names the folder).
  const nothingMeasured = result.error !== undefined && result.runs.every((r) => r.summary.totals.submitted === 0 && (r.summary.warmup?.submitted ?? 0) === 0);
  if (flags.json) io.stdout.write(`${JSON.stringify(jsonDocument(result))}\n`);
  else if (!nothingMeasured) io.stdout.write(summaryText(result, (io.stdout as { isTTY?: boolean }).isTTY === true));
  if (result.error !== undefined) io.stderr.write(formatError(result.error, { verbose: flags.verbose }));
  return result.exitCode;
}

/** `--json`: the (last) run's summary with where its folder is; a --matrix session lists every run's folder. */
export function jsonDocument(result: MeasureResult): Record<string, unknown> {
  const doc: Record<string, unknown> = { resultsDir: result.resultsDir, exitCode: result.exitCode, ...summaryDocument(result.summary) };
  if (result.runs.length > 1) doc.runs = result.runs.map((r) => ({ resultsDir: r.resultsDir, name: r.summary.name, exitCode: r.exitCode }));
  return doc;
}

function summaryText(result: MeasureResult, colour: boolean): string {
  return result.runs.map((run) => formatRunSummaryText(run.summary, run.resultsDir, colour)).join('\n');
}
