/**
 * The session's side of the k6 engine: finding k6 (K6_BIN, PATH, then the repository's
 * ../shared/bin/k6), where the bundled scenarios are (dist/scenarios of this package), and the
 * run facts the plan carries so that k6's raw output alone rebuilds the results folder
 * (`comfyload import-k6`): the fingerprint, the header comments, the settings.
 */
import { join } from 'node:path';
import type { Fingerprint } from '../harness/fingerprint.js';
import { locateK6, type K6Binary } from '../harness/k6/k6-binary.js';
import type { K6EngineOptions } from '../harness/k6/k6-run.js';
import type { RunPlan } from './plan.js';
import type { K6RunInfo } from '../metrics/k6-wire.js';
import type { RunEnvironment } from '../metrics/result-types.js';
import { packageInfo } from './package-info.js';
import { planSettings } from './summary.js';

/** Where k6 is looked for after K6_BIN and PATH. */
export function k6Fallbacks(): string[] {
  return [join(packageInfo().root, '..', 'shared', 'bin', 'k6')];
}

/** Finds k6 (throws K6_NOT_FOUND / K6_UNSUPPORTED before anything is sent). */
export function findK6(env: NodeJS.ProcessEnv): K6Binary {
  return locateK6(env, k6Fallbacks());
}

export function scenariosDir(): string {
  return join(packageInfo().root, 'dist', 'scenarios');
}

export interface K6RunInfoInput {
  plan: RunPlan;
  fingerprint: Fingerprint;
  headerComments: string[];
  environment: RunEnvironment;
}

export function k6RunInfo(input: K6RunInfoInput): K6RunInfo {
  const { plan, fingerprint } = input;
  return {
    name: plan.name,
    targetKind: plan.targetKind,
    targetUrl: plan.targets[0]?.url ?? '',
    harnessVersion: packageInfo().version,
    environment: input.environment,
    headerComments: input.headerComments,
    settings: planSettings(plan),
    gpuSlug: fingerprint.gpuSlug,
    modelConfigSlug: fingerprint.modelConfigSlug,
  };
}

export interface K6EngineInput extends K6RunInfoInput {
  binary: K6Binary;
  dir: string;
  /** The environment k6 inherits (K6_* settings). */
  env: NodeJS.ProcessEnv;
  stderr: { write(s: string): unknown };
  startTimeEpochMs: number;
}

/** The k6 engine's options for a run whose results folder is `dir`. */
export function k6EngineOptions(input: K6EngineInput): K6EngineOptions {
  return {
    binary: input.binary,
    scenariosDir: scenariosDir(),
    workDir: join(input.dir, 'k6'),
    env: input.env,
    log: (line) => void input.stderr.write(`${line}\n`),
    run: k6RunInfo(input),
    startTimeEpochMs: input.startTimeEpochMs,
  };
}
