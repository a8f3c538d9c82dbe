/**
 * The flags of a measuring command → its RunPlan: flags, environment and config file resolved
 * with their precedence (the config file located first: --config or COMFYLOAD_CONFIG), then the
 * plan built and validated by the session (src/session/build-plan.ts) before the first request.
 */
import { resolve } from 'node:path';

import { buildCapacityPlan, buildRunPlan, type RunPlanContext } from '../session/build-plan.js';
import { packageInfo } from '../session/package-info.js';
import type { RunPlan } from '../session/plan.js';
import type { Resolved } from '../session/plan-values.js';
import { loadConfigFile } from './config-file.js';
import type { CliIO } from './io.js';
import type { OutputFlags } from './measure-command.js';
import { type ConfigValues, type OptionDef, type OptionTable, resolveOptions } from './option-table.js';
import { CAPACITY_OPTIONS } from './options-capacity.js';
import { RUN_OPTIONS } from './options-run.js';

export interface PlanOptions {
  /** The seed when --seed is not given; injected by tests for reproducible plans. */
  randomSeed?: RunPlanContext['randomSeed'];
}

type Io = Pick<CliIO, 'env' | 'cwd'>;

/** Flags of `run` (camelCase keys, as parseArgv returns them) → the plan and the output switches. */
export async function runPlanFromFlags(flags: Record<string, unknown>, io: Io, options: PlanOptions = {}): Promise<{ plan: RunPlan; flags: OutputFlags }> {
  const resolved = await resolveWithConfig(RUN_OPTIONS, flags, io);
  return { plan: await buildRunPlan(resolved, planContext(options)), flags: outputFlags(resolved) };
}

/** Flags of `capacity` → the plan (a capacity search) and the output switches. */
export async function capacityPlanFromFlags(flags: Record<string, unknown>, io: Io, options: PlanOptions = {}): Promise<{ plan: RunPlan; flags: OutputFlags }> {
  const resolved = await resolveWithConfig(CAPACITY_OPTIONS, flags, io);
  return { plan: await buildCapacityPlan(resolved, planContext(options)), flags: outputFlags(resolved) };
}

/** Resolve a table's options: the config file is located first (--config or COMFYLOAD_CONFIG), then every option. */
export async function resolveWithConfig<T extends { config: string | undefined }>(
  table: OptionTable<T>,
  flags: Record<string, unknown>,
  io: Io,
): Promise<Resolved<T>> {
  const configDef = table.config as OptionDef<string>;
  const raw = flags.config ?? (io.env.COMFYLOAD_CONFIG === '' ? undefined : io.env.COMFYLOAD_CONFIG);
  let config: ConfigValues | undefined;
  if (raw !== undefined) {
    const located = resolveOptions({ config: configDef } as OptionTable<{ config: string | undefined }>, {
      flags: { config: flags.config },
      env: { COMFYLOAD_CONFIG: io.env.COMFYLOAD_CONFIG },
      cwd: io.cwd,
    });
    if (located.values.config !== undefined) config = await loadConfigFile(resolve(io.cwd, located.values.config), table);
  }
  return resolveOptions(table, { flags, env: io.env, cwd: io.cwd, ...(config !== undefined ? { config } : {}) });
}

function planContext(options: PlanOptions): RunPlanContext {
  return { packageRoot: packageInfo().root, ...(options.randomSeed !== undefined ? { randomSeed: options.randomSeed } : {}) };
}

function outputFlags(resolved: Resolved<OutputFlags>): OutputFlags {
  return { json: resolved.values.json, quiet: resolved.values.quiet, verbose: resolved.values.verbose };
}
