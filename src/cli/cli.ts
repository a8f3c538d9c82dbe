/**
 * The comfyload command line as a function of argv and a CliIO, returning the exit code; main.ts
 * binds it to the process. Every error ends here: printed by formatError (stack traces only with
 * --verbose or COMFYLOAD_DEBUG=1) and turned into its exit code.
 */
import { planCommand } from './commands/plan.js';
import { reportCommand } from './commands/report.js';
import { capacityCommand } from './commands/capacity.js';
import { compareCommand } from './commands/compare.js';
import { COMPARE_OPTIONS } from './options-compare.js';
import { runCommand } from './commands/run.js';
import { simCommand } from './commands/sim.js';
import { validateCommand } from './commands/validate.js';
import { toComfyloadError } from '../comfy/errors.js';
import { importK6Command } from './commands/import-k6.js';
import { k6BundleCommand } from './commands/k6-bundle.js';
import { mergeCommand } from './commands/merge.js';
import { IMPORT_K6_OPTIONS, MERGE_OPTIONS } from './options-merge.js';
import { debugFromEnv, formatError } from './errors.js';
import type { CliIO } from './io.js';
import { resolveOptions } from './option-table.js';
import { PLAN_OPTIONS } from './options-plan.js';
import { REPORT_OPTIONS } from './options-report.js';
import { SIM_OPTIONS, toSimStartOptions } from './options-sim.js';
import { VALIDATE_OPTIONS } from './options-validate.js';
import { packageInfo } from '../session/package-info.js';
import { parseArgv, usageText } from './parse-argv.js';
import { runPlanFromFlags, type PlanOptions } from './run-args.js';

export type MainOptions = PlanOptions;

/** Run the CLI; never throws. */
export async function main(argv: readonly string[], io: CliIO, options: MainOptions = {}): Promise<number> {
  try {
    if (argv.length === 0) {
      io.stdout.write(usageText(io.stderr.columns ?? 100));
      return 0;
    }
    const parsed = parseArgv(argv, packageInfo().version, io.stderr.columns ?? 100);
    if (parsed.kind === 'output') {
      io.stdout.write(parsed.text);
      return 0;
    }
    if (parsed.command === 'sim') {
      const resolved = resolveOptions(SIM_OPTIONS, { flags: parsed.flags, env: io.env, cwd: io.cwd });
      return await simCommand(toSimStartOptions(resolved), io);
    }
    if (parsed.command === 'capacity') {
      return await capacityCommand(parsed.flags, io, options);
    }
    if (parsed.command === 'validate') {
      return await validateCommand(resolveOptions(VALIDATE_OPTIONS, { flags: parsed.flags, env: io.env, cwd: io.cwd }), io);
    }
    if (parsed.command === 'report') {
      const resolved = resolveOptions(REPORT_OPTIONS, { flags: parsed.flags, env: io.env, cwd: io.cwd });
      return await reportCommand(parsed.args?.[0], resolved.values.out, io);
    }
    if (parsed.command === 'k6') return await k6BundleCommand(parsed.flags, io);
    if (parsed.command === 'import-k6') {
      const resolved = resolveOptions(IMPORT_K6_OPTIONS, { flags: parsed.flags, env: io.env, cwd: io.cwd });
      return await importK6Command(parsed.args ?? [], resolved.values.out, io);
    }
    if (parsed.command === 'merge') {
      const resolved = resolveOptions(MERGE_OPTIONS, { flags: parsed.flags, env: io.env, cwd: io.cwd });
      return await mergeCommand(parsed.args ?? [], resolved.values.out, io);
    }
    if (parsed.command === 'compare') {
      return compareCommand(resolveOptions(COMPARE_OPTIONS, { flags: parsed.flags, env: io.env, cwd: io.cwd }), parsed.args ?? [], io);
    }
    if (parsed.command === 'plan') {
      return await planCommand(parsed.args?.[0], resolveOptions(PLAN_OPTIONS, { flags: parsed.flags, env: io.env, cwd: io.cwd }), io);
    }
    const { plan, flags } = await runPlanFromFlags(parsed.flags, io, options);
    return await runCommand(plan, io, flags);
  } catch (err) {
    const error = toComfyloadError(err);
    io.stderr.write(formatError(error, { verbose: wantsVerbose(argv, io.env) }));
    return error.exitCode;
  }
}

/** Whether to print stacks, decided without trusting the options (which may be what failed to parse). */
function wantsVerbose(argv: readonly string[], env: NodeJS.ProcessEnv): boolean {
  if (argv.includes('--verbose') || argv.includes('--verbose=true')) return true;
  const v = env.COMFYLOAD_VERBOSE?.trim().toLowerCase();
  return debugFromEnv(env) || v === '1' || v === 'true' || v === 'yes' || v === 'on';
}
