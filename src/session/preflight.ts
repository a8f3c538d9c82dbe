/**
 * Workflow preflight of every measuring command (and `validate`): reads the input files (only
 * the session opens files), hands them to the engine's preflight (src/harness/preflight.ts) —
 * /object_info, UI conversion, `--set`, uploads — prints what was converted and uploaded, runs
 * the cache audit of `--cache-mode audit`, and returns the plan with the graph that will be sent.
 */
import { readFile, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

import type { ApiWorkflow, ObjectInfo } from '../comfy/http-types.js';
import { runCacheAudit, type CacheAuditResult } from '../harness/cache-audit.js';
import type { Clock } from '../harness/clock.js';
import { ComfyHttp } from '../harness/comfy-http.js';
import { prepareWorkflow, type PreparedWorkflow, type UserInput } from '../harness/preflight.js';
import { PromptFactory } from '../harness/prompt-factory.js';
import { mixOrderText } from './mix-plan.js';
import type { RunPlan } from './plan.js';
import { ComfyloadError } from '../comfy/errors.js';

/** Identical and varied prompts of the cache audit, each. */
export const CACHE_AUDIT_SAMPLES = 3;
/** Input images beyond this are a wrong file, not an input. */
const MAX_INPUT_BYTES = 256 * 1024 * 1024;

export interface PreparedRun {
  plan: RunPlan;
  /** The (first) workflow's preflight. */
  prepared: PreparedWorkflow;
  /** A mix: every workflow's preflight, in --workflow order (the first is `prepared`). */
  mixPrepared?: PreparedWorkflow[];
  audit?: CacheAuditResult;
}

type Sink = { write(s: string): unknown };

interface WorkflowSource {
  path: string;
  workflow: ApiWorkflow;
  workflowUi?: unknown;
}

/**
 * Preflight of one plan against its first target; throws before any prompt is sent. A mix
 * checks every workflow (--set applies to each; an --input goes to the workflows with a loader
 * of its kind, and must fit one of them).
 */
export async function preflightWorkflow(plan: RunPlan, clock: Clock, stderr: Sink, options: { dryRun?: boolean } = {}): Promise<PreparedRun> {
  const target = plan.targets[0];
  if (target === undefined)
    throw new ComfyloadError('COMFYLOAD_ERR_BAD_OPTION', 'No target to check the workflow against', {
      hint: 'give --url, or omit it to use the built-in emulator.',
    });
  const http = new ComfyHttp(target);
  const inputs = await readInputs(plan);
  const sources: WorkflowSource[] = plan.mix?.workflows ?? [
    { path: plan.workflowPath, workflow: plan.workflow, ...(plan.workflowUi !== undefined ? { workflowUi: plan.workflowUi } : {}) },
  ];
  const all: PreparedWorkflow[] = [];
  for (const source of sources) {
    const objectInfo = all[0]?.objectInfo;
    const request = { sets: plan.sets ?? [], inputs, mix: plan.mix !== undefined, ...(objectInfo !== undefined ? { objectInfo } : {}), ...options };
    all.push(await prepareOne(http, clock, source, request, stderr));
  }
  if (plan.mix !== undefined) checkInputsTaken(inputs, all, plan.mix.workflows.length);
  const prepared = all[0] as PreparedWorkflow;
  const { workflowUi: _ui, ...rest } = plan;
  const mix =
    plan.mix === undefined
      ? undefined
      : { ...plan.mix, workflows: plan.mix.workflows.map((w, i) => ({ name: w.name, path: w.path, workflow: (all[i] as PreparedWorkflow).workflow })) };
  const ready: RunPlan = { ...rest, workflow: prepared.workflow, ...(mix !== undefined ? { mix } : {}) };
  const mixPrepared = mix !== undefined ? { mixPrepared: all } : {};
  if (plan.cacheMode !== 'audit' || options.dryRun === true) return { plan: ready, prepared, ...mixPrepared };
  // The run's own seed stream (fixed seeds would repeat: the audit varies them at random): the run continues after the audit's draws.
  const factory = new PromptFactory(
    ready.workflow,
    ready.seedPolicy === 'fixed' ? 'random' : ready.seedPolicy,
    ready.seed,
    ready.promptTexts,
    ready.seedStreamStart,
  );
  const which = mix !== undefined ? ` of ${mix.workflows[0]?.name ?? ''} (the mix's first workflow)` : '';
  stderr.write(`comfyload: cache audit${which}: 1 priming, ${CACHE_AUDIT_SAMPLES} identical and ${CACHE_AUDIT_SAMPLES} varied prompts, one at a time\n`);
  const audit = await runCacheAudit(http, clock, {
    template: ready.workflow,
    nextVaried: () => factory.next().graph,
    samples: CACHE_AUDIT_SAMPLES,
    timeoutMs: ready.promptTimeoutMs,
    onWarning: (m) => stderr.write(`comfyload: warning: ${m}\n`),
  });
  stderr.write(`comfyload: ${audit.verdict}\n`);
  if (!audit.passed) {
    throw new ComfyloadError('COMFYLOAD_ERR_CACHE_AUDIT_FAILED', audit.verdict.replace(/^cache audit /, 'Cache audit '), {});
  }
  return { plan: { ...ready, seedStreamStart: factory.streamPosition }, prepared, ...mixPrepared, audit };
}

/** One workflow through the engine's preflight, with what was converted and uploaded said on stderr. */
async function prepareOne(
  http: ComfyHttp,
  clock: Clock,
  source: WorkflowSource,
  request: { sets: { path: string; value: string }[]; inputs: UserInput[]; mix: boolean; objectInfo?: ObjectInfo; dryRun?: boolean },
  stderr: Sink,
): Promise<PreparedWorkflow> {
  const workflowDir = dirname(source.path);
  const prepared = await prepareWorkflow(
    http,
    clock,
    {
      ...(source.workflowUi !== undefined ? { ui: source.workflowUi } : { workflow: source.workflow }),
      sets: request.sets,
      inputs: request.inputs,
      findLocalInput: (name) => findLocalInput(workflowDir, name),
      ...(request.objectInfo !== undefined ? { objectInfo: request.objectInfo } : {}),
      ...(request.mix ? { inputsMayNotFit: true } : {}),
      ...(request.dryRun === true ? { dryRun: true } : {}),
    },
    source.path,
  );
  if (prepared.converted)
    stderr.write(
      `comfyload: ${source.path} is in the UI format: converted to the API format with the server's /object_info (${Object.keys(prepared.workflow).length} nodes)\n`,
    );
  for (const note of prepared.conversionNotes) stderr.write(`comfyload: ${source.path}: ${note}\n`);
  for (const u of prepared.uploads) {
    stderr.write(
      request.dryRun === true
        ? `comfyload: would upload ${u.source} as ${u.sentName} (${u.kind}, ${u.bytes} bytes) for node${u.nodeIds.length === 1 ? '' : 's'} ${u.nodeIds.join(', ')}\n`
        : `comfyload: uploaded ${u.source} → ${u.serverName} (${u.kind} via ${u.route ?? '/upload/image'}, ${u.bytes} bytes in ${u.uploadMs.toFixed(1)} ms) for node${u.nodeIds.length === 1 ? '' : 's'} ${u.nodeIds.join(', ')}\n`,
    );
  }
  return prepared;
}

/** A mix: every --input / --input-mask went to some workflow's loader. */
function checkInputsTaken(inputs: readonly UserInput[], prepared: readonly PreparedWorkflow[], workflows: number): void {
  for (const input of inputs) {
    if (prepared.some((p) => p.uploads.some((u) => u.source === input.source))) continue;
    const flag = input.kind === 'image' ? '--input' : '--input-mask';
    throw new ComfyloadError(
      'COMFYLOAD_ERR_BAD_OPTION',
      `${flag} ${input.node !== undefined ? `${input.node}=` : ''}${input.source}: none of the ${workflows} workflows of the mix has a ${input.kind === 'image' ? 'LoadImage' : 'LoadImageMask'} node${input.node !== undefined ? ` with the id or title ${JSON.stringify(input.node)}` : ''} to take it`,
      { hint: `drop ${flag}, or add the workflow that reads it to the mix.` },
    );
  }
}

/** Fields for summary.json's `environment`: conversion, uploads and the cache audit. */
export function preflightEnvironment(run: PreparedRun): Record<string, string> {
  const env: Record<string, string> = {};
  const all = run.mixPrepared ?? [run.prepared];
  // A mix's fields name the workflow each part is of.
  const names = run.plan.mix?.workflows.map((w) => `${w.name}: `) ?? [''];
  const each = (f: (p: PreparedWorkflow) => string[]): string[] => all.flatMap((p, i) => f(p).map((text) => `${names[i] ?? ''}${text}`));
  const converted = each((p) => (p.converted ? ['ui (converted with /object_info)'] : []));
  if (converted.length > 0) env.workflowFormat = run.mixPrepared === undefined ? (converted[0] as string) : converted.join(' | ');
  const notes = each((p) => p.conversionNotes);
  if (notes.length > 0) env.workflowConversionNotes = notes.join(' | ');
  const uploads = each((p) => p.uploads.map((u) => `${u.sentName}→${u.serverName} ${u.kind} ${u.bytes}B ${u.uploadMs.toFixed(1)}ms`));
  if (uploads.length > 0) env.inputUploads = uploads.join('; ');
  const mix = run.plan.mix;
  if (mix !== undefined) {
    env.mix = mix.workflows.map((w, i) => `${w.name}=${mix.weights[i] ?? 0}`).join(',');
    env.mixOrder = mixOrderText(mix.order);
  }
  if (run.plan.matrix !== undefined) env.matrix = run.plan.matrix.map((c) => `${c.key}=${c.value}`).join(',');
  if (run.audit !== undefined) {
    env.cacheAudit = run.audit.passed ? 'passed' : 'failed';
    env.cacheAuditSpeedup = Number.isFinite(run.audit.speedup) ? run.audit.speedup.toFixed(2) : 'inf';
    env.cacheAuditIdenticalMedianMs = run.audit.identical.medianMs.toFixed(1);
    env.cacheAuditVariedMedianMs = run.audit.varied.medianMs.toFixed(1);
  }
  return env;
}

async function readInputs(plan: RunPlan): Promise<UserInput[]> {
  const out: UserInput[] = [];
  for (const spec of plan.inputs ?? []) {
    const flag = spec.kind === 'image' ? '--input' : '--input-mask';
    let bytes: Buffer;
    try {
      const info = await stat(spec.path);
      if (!info.isFile()) throw Object.assign(new Error('not a file'), { code: 'EISDIR' });
      if (info.size > MAX_INPUT_BYTES)
        throw new ComfyloadError('COMFYLOAD_ERR_BAD_OPTION', `${flag} ${spec.path} is ${info.size} bytes, too large for an input image`, {
          hint: 'pass an image file.',
        });
      bytes = await readFile(spec.path);
    } catch (err) {
      if (err instanceof ComfyloadError) throw err;
      const code = (err as NodeJS.ErrnoException).code;
      throw new ComfyloadError(
        'COMFYLOAD_ERR_BAD_OPTION',
        `${flag} ${spec.path} ${code === 'ENOENT' ? 'does not exist' : code === 'EISDIR' ? 'is not a file' : `cannot be read (${code ?? String(err)})`}`,
        {
          hint: 'check the path; relative paths start from the current directory.',
          cause: err,
        },
      );
    }
    out.push({
      kind: spec.kind,
      fileName: basename(spec.path),
      bytes: new Uint8Array(bytes),
      source: spec.path,
      ...(spec.node !== undefined ? { node: spec.node } : {}),
    });
  }
  return out;
}

/** `name` from the workflow's folder or its `input/` subfolder (where the fixtures keep theirs). */
async function findLocalInput(workflowDir: string, name: string): Promise<{ bytes: Uint8Array; source: string } | undefined> {
  if (name.includes('..') || name.startsWith('/')) return undefined;
  for (const candidate of [join(workflowDir, 'input', name), join(workflowDir, name)]) {
    try {
      const info = await stat(candidate);
      if (!info.isFile() || info.size > MAX_INPUT_BYTES) continue;
      return { bytes: new Uint8Array(await readFile(candidate)), source: candidate };
    } catch {
      continue;
    }
  }
  return undefined;
}
