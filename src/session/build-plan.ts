/**
 * Turns resolved option values (of `run` or `capacity`, from the CLI or the programmatic API)
 * into the immutable RunPlan the session consumes: checks the rules that involve several
 * options, reads the workflow, and keeps secrets (URL credentials, --header values) in
 * TargetSpec.headers only. Both commands share every rule but their load: one code path, so a
 * check added once holds for both.
 */
import { randomInt } from 'node:crypto';
import { basename, extname, join } from 'node:path';

import { ComfyloadError } from '../comfy/errors.js';
import type { CapacityPlan } from '../harness/capacity-run.js';
import type { TargetSpec } from '../harness/load-plan.js';
import { openLoopLevels, openLoopPlan } from './open-loop-plan.js';
import type { RunPlan } from './plan.js';
import {
  RUN_NAME,
  SOURCE_RANK,
  throwProblems,
  type CapacityPlanValues,
  type CheckPlanValues,
  type CommonPlanValues,
  type Resolved,
  type RunPlanValues,
} from './plan-values.js';
import { engineProblems } from './engine-checks.js';
import { saveCapacityOptions } from './capacity-checkpoint.js';
import { workflowPlanFields } from './workflow-plan.js';
import { mixChoice, mixRunName, readMix, type MixChoice } from './mix-plan.js';

/** The workflow `comfyload run` uses without --url and --workflow, relative to the package root. */
export const BUNDLED_WORKFLOW = 'fixtures/workflows/sd15-txt2img.json';

export interface RunPlanContext {
  /** Folder of the comfyload package (holds fixtures/). */
  packageRoot: string;
  /** The seed when --seed is not given; injected by tests. Default: a random 48-bit integer. */
  randomSeed?: () => number;
}

/** `run`: closed loop over concurrency levels, or open loop over arrival rates. */
export async function buildRunPlan(resolved: Resolved<RunPlanValues>, ctx: RunPlanContext): Promise<RunPlan> {
  const { values: v, sources, names } = resolved;
  const common = commonChecks(resolved);
  const problems = common.problems;
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
  const openLoop = openLoopPlan(resolved, problems);
  const mix = mixChoice(resolved, problems);
  engineProblems(resolved, problems);
  throwProblems(problems);
  return finishPlan(resolved, common.targets, common.labels, ctx, {
    ...(mix !== undefined ? { mix } : {}),
    levels: openLoop !== undefined ? openLoopLevels(openLoop) : v.concurrency.map((concurrency) => ({ concurrency })),
    ...(useDuration ? { durationMs: v.duration } : { promptsPerLevel: v.prompts }),
    fetchOutputs: v.fetchOutputs,
    ...(openLoop !== undefined ? { openLoop } : {}),
    engine: v.engine,
    ...(v.threshold !== undefined ? { thresholds: v.threshold } : {}),
    ...(v.engine === 'k6'
      ? {
          k6: {
            ...(v.executionSegment !== undefined ? { executionSegment: v.executionSegment } : {}),
            ...(v.expectedCompletion !== undefined ? { expectedCompletionMs: v.expectedCompletion } : {}),
          },
        }
      : {}),
  });
}

/** `capacity`: the search over arrival rates for the highest that meets every SLO. */
export async function buildCapacityPlan(resolved: Resolved<CapacityPlanValues>, ctx: RunPlanContext): Promise<RunPlan> {
  const { values: v, names } = resolved;
  const common = commonChecks(resolved);
  if (v.slo === undefined || v.slo.length === 0) {
    common.problems.push(
      new ComfyloadError('COMFYLOAD_ERR_BAD_OPTION', `Missing \`${names.slo}\`: the capacity search needs at least one objective to meet`, {
        hint: "e.g. --slo 'completionMs.p95<30000' (repeat for several).",
      }),
    );
  }
  if ((v.workflow ?? []).length > 1) {
    common.problems.push(
      new ComfyloadError(
        'COMFYLOAD_ERR_BAD_OPTION',
        `\`capacity\` searches the capacity of one workflow, but ${v.workflow?.length} were given with \`${names.workflow}\``,
        {
          hint: 'give one --workflow; a mixed workload is measured with `comfyload run --workflow a.json --workflow b.json --mix 3:1 --rate …`.',
        },
      ),
    );
  }
  throwProblems(common.problems);
  const capacity: CapacityPlan = {
    slos: v.slo ?? [],
    confidence: v.confidence,
    arrival: v.arrival,
    burstiness: v.arrival === 'gamma' ? v.burstiness : 1,
    maxInFlight: v.maxInFlight,
    dispatch: v.dispatch,
    probePrompts: v.probePrompts,
    windowArrivals: v.windowArrivals,
    maxWindows: v.maxWindows,
    maxTrials: v.maxTrials,
    precision: v.precision,
    ...(v.maxMinutes !== undefined ? { maxMs: v.maxMinutes * 60_000 } : {}),
    // Saved in the search's checkpoint, so `capacity --resume` rebuilds this plan (secrets left out).
    savedOptions: saveCapacityOptions(resolved),
  };
  return finishPlan(resolved, common.targets, common.labels, ctx, { levels: [], fetchOutputs: false, capacity }, '-capacity');
}

/** `validate`: the workflow checked against a server (or the emulator's /object_info); nothing runs. */
export async function buildCheckPlan(resolved: Resolved<CheckPlanValues>): Promise<RunPlan> {
  const { values: v, names } = resolved;
  if (v.workflow === undefined) {
    throw new ComfyloadError('COMFYLOAD_ERR_BAD_OPTION', `Missing \`${names.workflow}\`: validate needs the workflow to check`, {
      hint: 'e.g. comfyload validate --workflow workflow_api.json --url http://127.0.0.1:8188',
    });
  }
  const headers = Object.fromEntries(v.header ?? []);
  const targets = (v.url ?? []).map((t) => ({ url: t.url, headers: { ...headers, ...t.headers } }));
  const fields = await workflowPlanFields(
    {
      values: { ...v, matrix: undefined, promptFile: undefined, cacheMode: 'defeat' },
      names: { ...names, matrix: '--matrix', promptFile: '--prompt-file', cacheMode: '--cache-mode' },
    },
    v.workflow,
  );
  const plan: RunPlan = {
    name: 'validate',
    targetKind: targets.length > 0 ? 'server' : 'emulator',
    targets,
    ...(targets.length === 0 ? { emulator: { gpu: v.simGpu, timeScale: 0, seed: 0 } } : {}),
    workflowPath: v.workflow,
    ...fields,
    levels: [],
    warmupPrompts: 0,
    seedPolicy: 'random',
    seed: 0,
    maxErrorRate: 0,
    fetchOutputs: false,
    promptTimeoutMs: 0,
    resultsDir: '',
    labels: {},
  };
  return deepFreeze(plan);
}

interface CommonChecks {
  problems: ComfyloadError[];
  targets: TargetSpec[];
  labels: Record<string, string>;
}

/** The rules every measuring command shares: targets, headers, labels, emulator-only options, the workflow. */
function commonChecks(resolved: Resolved<CommonPlanValues>): CommonChecks {
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
  return { problems, targets, labels: labels.record };
}

type LoadFields = Pick<RunPlan, 'levels' | 'promptsPerLevel' | 'durationMs' | 'fetchOutputs' | 'openLoop' | 'capacity' | 'engine' | 'thresholds' | 'k6'> & {
  /** `run --mix`: checked, its files not read yet. */
  mix?: MixChoice;
};

/** The plan from the checked common values and the command's load; frozen, so nothing downstream can change it. */
async function finishPlan(
  resolved: Resolved<CommonPlanValues>,
  targets: TargetSpec[],
  labels: Record<string, string>,
  ctx: RunPlanContext,
  load: LoadFields,
  nameSuffix = '',
): Promise<RunPlan> {
  const { values: v, sources } = resolved;
  const { mix: choice, ...loadFields } = load;
  const workflowPath = v.workflow?.[0] ?? join(ctx.packageRoot, BUNDLED_WORKFLOW);
  const workflowFields = await workflowPlanFields(resolved, workflowPath);
  const mix = choice !== undefined ? await readMix(choice, workflowFields, resolved) : undefined;
  const seed = v.seed ?? (ctx.randomSeed ?? defaultRandomSeed)();
  const plan: RunPlan = {
    name: v.name ?? (mix !== undefined ? mixRunName(mix.order) : `${nameFromPath(workflowPath)}${nameSuffix}`),
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
    ...(mix !== undefined ? { mix } : {}),
    ...loadFields,
    warmupPrompts: v.warmup,
    // --cache-mode allow means identical prompts are wanted: fixed seeds unless told otherwise.
    seedPolicy: v.cacheMode === 'allow' && sources.seedPolicy === 'default' ? 'fixed' : v.seedPolicy,
    seed,
    maxErrorRate: v.maxErrorRate,
    promptTimeoutMs: v.promptTimeout,
    quietLookupMs: v.quietLookup,
    reconnectTimeoutMs: v.reconnectTimeout,
    wsHeartbeatMs: v.wsHeartbeat,
    resultsDir: v.resultsDir,
    labels,
    vramIntervalMs: v.vramInterval,
  };
  return deepFreeze(plan);
}

/** A results-folder name from a workflow file name: `SD 1.5 (api).json` → `SD-1.5-api`; `x.ui.json`, `x.api.json` → `x`. */
export function nameFromPath(path: string): string {
  const stem = basename(path, extname(path))
    .replace(/\.(ui|api)$/i, '')
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
