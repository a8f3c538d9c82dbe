/**
 * `comfyload capacity --slo 'completionMs.p95<30000'`: finds the highest arrival rate that meets
 * every SLO (harness/capacity-run.ts), measured by the same session as `run` (preflight, the
 * results folder, VRAM, report.html), plus `trials.csv` (one row per trial), `capacity.json`
 * (the result), `capacity-checkpoint.json` (after every decided trial) and `queue.csv`. Prints the
 * max rate, goodput, knee and the GPU time of the search against an 8-level grid sweep; with the
 * built-in emulator, also the emulator's true service rate. `--resume <dir>` continues an
 * interrupted search in its folder (session/capacity-resume.ts); a finished one prints its answer.
 * Exit codes: 0 done (whatever rate it found), 1 no rate met the SLOs, 2 bad usage or workflow
 * (nothing sent), 3 target unreachable, 130 stopped.
 */
import { buildCapacityPlan, type RunPlanContext } from '../../session/build-plan.js';
import { resumeCapacity } from '../../session/capacity-resume.js';
import { packageInfo } from '../../session/package-info.js';
import type { CliIO } from '../io.js';
import { measureFromCli } from '../measure-command.js';
import { CAPACITY_OPTIONS } from '../options-capacity.js';
import { resolveWithConfig, type PlanOptions } from '../run-args.js';

export async function capacityCommand(flags: Record<string, unknown>, io: CliIO, options: PlanOptions = {}): Promise<number> {
  const resolved = await resolveWithConfig(CAPACITY_OPTIONS, flags, io);
  const v = resolved.values;
  const output = { json: v.json, quiet: v.quiet, verbose: v.verbose };
  const ctx: RunPlanContext = { packageRoot: packageInfo().root, ...(options.randomSeed !== undefined ? { randomSeed: options.randomSeed } : {}) };
  if (v.resume === undefined) return measureFromCli(await buildCapacityPlan(resolved, ctx), io, output);
  const start = await resumeCapacity(v.resume, resolved, ctx);
  if (start.kind === 'plan') return measureFromCli(start.plan, io, output);
  // A finished search: its answer again, and the exit code it ended with.
  if (output.json) io.stdout.write(`${JSON.stringify({ resultsDir: v.resume, exitCode: start.exitCode, finished: true, lines: start.lines })}\n`);
  else for (const line of start.lines) io.stdout.write(`${line}\n`);
  return start.exitCode;
}
