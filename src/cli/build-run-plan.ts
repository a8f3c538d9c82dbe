/**
 * Turns the resolved options of `run` into the immutable RunPlan the engine consumes: checks the
 * rules that involve several options, reads the workflow, and keeps secrets (URL credentials,
 * --header values) in TargetSpec.headers only.
 */
import { randomInt } from 'node:crypto';
import { basename, extname, join } from 'node:path';

import type { RunPlan, TargetSpec } from '../harness/run-plan.js';
import { ComfyloadError } from '../comfy/errors.js';
import { type Resolved, SOURCE_RANK, throwProblems } from './option-table.js';
import { openLoopLevels, openLoopPlan } from './open-loop-plan.js';
import { RUN_NAME, type RunOptionValues } from './options-run.js';
import { workflowPlanFields } from './workflow-plan.js';

/** The workflow `comfyload run` uses without --url and --workflow, relative to the package root. */
export const BUNDLED_WORKFLOW = 'fixtures/workflows/sd15-txt2img.json';

export interface RunPlanContext {
  /** Folder of the comfyload package (holds fixtures/). */
  packageRoot: string;
  /** The seed when --seed is not given; injected by tests. Default: a random 48-bit integer. */
  randomSeed?: () => number;
}

/** Output switches of `run`, apart from the plan because they change no measurement. */
export interface RunFlags {
  json: boolean;
  quiet: boolean;
  verbose: boolean;
}

export async function buildRunPlan(resolved: Resolved<RunOptionValues>, ctx: RunPlanContext): Promise<RunPlan> {
  const { values: v, sources, names } = resolved;
  const problems: ComfyloadError[] = [];
  const problem = (code: 'COMFYLOAD_ERR_BAD_OPTION' | 'COMFYLOAD_ERR_BAD_URL', message: string, hint: string): void => {
    problems.push(new ComfyloadError(code, message, { hint }));
  };

  const urls = v.url ?? [];
  const headers = collectPairs(v.header ?? [], (name) => name.toLowerCase());
  for (const name of headers.duplicates)
    problem('COMFYLOAD_ERR_BAD_OPTION', `Header \`${name}\` is given twice in \`${names.header}\``, `give each header once.`);
  const labels = collectPairs(v.label ?? [], (key) => key);
  for (const key of labels.duplicates)
    problem('COMFYLOAD_ERR_BAD_OPTION', `Label \`${key}\` is given twice in \`${names.label}\``, 'give each label key once.');

  const seen = new Set<string>();
  const targets: TargetSpec[] = [];
  for (const target of urls) {
    if (seen.has(target.url))
      problem(
        'COMFYLOAD_ERR_BAD_URL',
        `Target ${target.url} is given twice in \`${names.url}\``,
        'give each server once; to load one server harder, raise --concurrency.',
      );
    seen.add(target.url);
    const hasAuth = Object.keys(headers.record).some((h) => h.toLowerCase() === 'authorization');
    if (target.headers.Authorization !== undefined && hasAuth) {
      problem(
        'COMFYLOAD_ERR_BAD_OPTION',
        `Target ${target.url} has credentials in its URL and an Authorization header in \`${names.header}\``,
        'keep one: the user:password in the URL, or the --header.',
      );
    }
    targets.push({ url: target.url, headers: { ...headers.record, ...target.headers } });
  }

  if (v.duration !== undefined && sources.prompts !== 'default' && SOURCE_RANK[sources.prompts] === SOURCE_RANK[sources.duration]) {
    problems.push(
      new ComfyloadError(
        sources.duration === 'config' ? 'COMFYLOAD_ERR_BAD_CONFIG' : 'COMFYLOAD_ERR_BAD_OPTION',
        `\`${names.prompts}\` and \`${names.duration}\` exclude each other`,
        {
          hint: `give either a prompt count per level (\`${names.prompts}\`) or a time per level (\`${names.duration}\`).`,
        },
      ),
    );
  }
  const useDuration = v.duration !== undefined && SOURCE_RANK[sources.duration] > SOURCE_RANK[sources.prompts];

  if (targets.length > 0) {
    for (const key of ['simGpu', 'simTimeScale', 'simFault', 'simSlowdown', 'simGpuProfile', 'simComfyuiVersion'] as const) {
      if (sources[key] === 'flag')
        problem(
          'COMFYLOAD_ERR_BAD_OPTION',
          `\`${names[key]}\` applies only to the built-in emulator, but --url was given`,
          `drop \`${names[key]}\`, or drop --url to run against the emulator.`,
        );
    }
    if (v.workflow === undefined) {
      problem(
        'COMFYLOAD_ERR_BAD_OPTION',
        'Missing `--workflow`: with --url, comfyload needs the workflow to queue on that server',
        'e.g. --workflow workflow_api.json (in ComfyUI: Workflow → Export (API)).',
      );
    }
  }
  const openLoop = openLoopPlan(resolved, problems);
  throwProblems(problems);

  const workflowPath = v.workflow ?? join(ctx.packageRoot, BUNDLED_WORKFLOW);
  const workflowFields = await workflowPlanFields(resolved, workflowPath);
  const seed = v.seed ?? (ctx.randomSeed ?? defaultRandomSeed)();
  const plan: RunPlan = {
    name: v.name ?? nameFromPath(workflowPath),
    targetKind: targets.length > 0 ? 'server' : 'emulator',
    targets,
    ...(targets.length === 0
      ? {
          emulator: {
            gpu: v.simGpuProfile?.id ?? v.simGpu,
            timeScale: v.simTimeScale,
            seed,
            ...(v.simFault !== undefined ? { faults: v.simFault } : {}),
            ...(v.simSlowdown !== 1 ? { slowdown: v.simSlowdown } : {}),
            ...(v.simGpuProfile !== undefined ? { gpuProfile: v.simGpuProfile } : {}),
            ...(sources.simComfyuiVersion !== 'default' ? { comfyuiVersion: v.simComfyuiVersion } : {}),
          },
        }
      : {}),
    workflowPath,
    ...workflowFields,
    levels: openLoop !== undefined ? openLoopLevels(openLoop) : v.concurrency.map((concurrency) => ({ concurrency })),
    ...(useDuration ? { durationMs: v.duration } : { promptsPerLevel: v.prompts }),
    warmupPrompts: v.warmup,
    // --cache-mode allow means identical prompts are wanted: fixed seeds unless told otherwise.
    seedPolicy: v.cacheMode === 'allow' && sources.seedPolicy === 'default' ? 'fixed' : v.seedPolicy,
    seed,
    maxErrorRate: v.maxErrorRate,
    fetchOutputs: v.fetchOutputs,
    promptTimeoutMs: v.promptTimeout,
    quietLookupMs: v.quietLookup,
    reconnectTimeoutMs: v.reconnectTimeout,
    resultsDir: v.resultsDir,
    labels: labels.record,
    vramIntervalMs: v.vramInterval,
    ...(openLoop !== undefined ? { openLoop } : {}),
    ...(v.threshold !== undefined && v.threshold.length > 0 ? { thresholds: v.threshold } : {}),
  };
  return deepFreeze(plan);
}

export function runFlags(resolved: Resolved<RunOptionValues>): RunFlags {
  return { json: resolved.values.json, quiet: resolved.values.quiet, verbose: resolved.values.verbose };
}

/** A results-folder name from a workflow file name: `SD 1.5 (api).json` → `SD-1.5-api`. */
export function nameFromPath(path: string): string {
  const stem = basename(path, extname(path))
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^[^A-Za-z0-9]+/, '')
    .replace(/-+$/, '')
    .slice(0, 64);
  return RUN_NAME.test(stem) ? stem : 'run';
}

function defaultRandomSeed(): number {
  return randomInt(0, 2 ** 48 - 1);
}

function collectPairs(pairs: [string, string][], normalise: (key: string) => string): { record: Record<string, string>; duplicates: string[] } {
  const record: Record<string, string> = {};
  const seen = new Set<string>();
  const duplicates: string[] = [];
  for (const [key, value] of pairs) {
    const k = normalise(key);
    if (seen.has(k)) duplicates.push(key);
    seen.add(k);
    record[key] = value;
  }
  return { record, duplicates };
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
