/**
 * `comfyload run` options → RunPlan: flags, environment and config file resolved with their
 * precedence, the workflow read, everything validated before the first request.
 */
import { resolve } from 'node:path';

import type { RunPlan } from '../harness/load-plan.js';
import { buildRunPlan, type RunFlags, type RunPlanContext, runFlags } from '../session/build-plan.js';
import { loadConfigFile } from './config-file.js';
import type { CliIO } from './io.js';
import { type ConfigValues, type Resolved, resolveOptions } from './option-table.js';
import { RUN_OPTIONS, type RunOptionValues } from './options-run.js';
import { packageInfo } from '../session/package-info.js';

export interface RunArgsOptions {
  /** The seed when --seed is not given; injected by tests for reproducible plans. */
  randomSeed?: RunPlanContext['randomSeed'];
}

/** Flags of `run` (camelCase keys, as parseArgv returns them) → the plan and the output switches. */
export async function parseRun(
  flags: Record<string, unknown>,
  io: Pick<CliIO, 'env' | 'cwd'>,
  options: RunArgsOptions = {},
): Promise<{ plan: RunPlan; flags: RunFlags }> {
  const resolved = await resolveRunOptions(flags, io);
  const plan = await buildRunPlan(resolved, {
    packageRoot: packageInfo().root,
    ...(options.randomSeed !== undefined ? { randomSeed: options.randomSeed } : {}),
  });
  return { plan, flags: runFlags(resolved) };
}

/** Resolve run options: the config file is located first (--config or COMFYLOAD_CONFIG), then every option. */
export async function resolveRunOptions(flags: Record<string, unknown>, io: Pick<CliIO, 'env' | 'cwd'>): Promise<Resolved<RunOptionValues>> {
  const configPath = RUN_OPTIONS.config;
  const raw = flags.config ?? (io.env.COMFYLOAD_CONFIG === '' ? undefined : io.env.COMFYLOAD_CONFIG);
  let config: ConfigValues | undefined;
  if (raw !== undefined) {
    const located = resolveOptions(
      { config: configPath },
      { flags: { config: flags.config }, env: { COMFYLOAD_CONFIG: io.env.COMFYLOAD_CONFIG }, cwd: io.cwd },
    );
    if (located.values.config !== undefined) config = await loadConfigFile(resolve(io.cwd, located.values.config), RUN_OPTIONS);
  }
  return resolveOptions(RUN_OPTIONS, { flags, env: io.env, cwd: io.cwd, ...(config !== undefined ? { config } : {}) });
}
