/**
 * Workflow preflight of every measuring command (and `validate`): reads the input files (only
 * the session opens files), hands them to the engine's preflight (src/harness/preflight.ts) —
 * /object_info, UI conversion, `--set`, uploads — prints what was converted and uploaded, runs
 * the cache audit of `--cache-mode audit`, and returns the plan with the graph that will be sent.
 */
import { readFile, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

import { runCacheAudit, type CacheAuditResult } from '../harness/cache-audit.js';
import type { Clock } from '../harness/clock.js';
import { ComfyHttp } from '../harness/comfy-http.js';
import { prepareWorkflow, type PreparedWorkflow, type UserInput } from '../harness/preflight.js';
import { PromptFactory } from '../harness/prompt-factory.js';
import type { RunPlan } from './plan.js';
import { ComfyloadError } from '../comfy/errors.js';

/** Identical and varied prompts of the cache audit, each. */
export const CACHE_AUDIT_SAMPLES = 3;
/** Input images beyond this are a wrong file, not an input. */
const MAX_INPUT_BYTES = 256 * 1024 * 1024;

export interface PreparedRun {
  plan: RunPlan;
  prepared: PreparedWorkflow;
  audit?: CacheAuditResult;
}

type Sink = { write(s: string): unknown };

/** Preflight of one plan against its first target; throws before any prompt is sent. */
export async function preflightWorkflow(plan: RunPlan, clock: Clock, stderr: Sink, options: { dryRun?: boolean } = {}): Promise<PreparedRun> {
  const target = plan.targets[0];
  if (target === undefined)
    throw new ComfyloadError('COMFYLOAD_ERR_BAD_OPTION', 'No target to check the workflow against', {
      hint: 'give --url, or omit it to use the built-in emulator.',
    });
  const http = new ComfyHttp(target);
  const inputs = await readInputs(plan);
  const workflowDir = dirname(plan.workflowPath);
  const prepared = await prepareWorkflow(
    http,
    clock,
    {
      ...(plan.workflowUi !== undefined ? { ui: plan.workflowUi } : { workflow: plan.workflow }),
      sets: plan.sets ?? [],
      inputs,
      findLocalInput: (name) => findLocalInput(workflowDir, name),
      ...(options.dryRun === true ? { dryRun: true } : {}),
    },
    plan.workflowPath,
  );
  if (prepared.converted)
    stderr.write(
      `comfyload: ${plan.workflowPath} is in the UI format: converted to the API format with the server's /object_info (${Object.keys(prepared.workflow).length} nodes)\n`,
    );
  for (const note of prepared.conversionNotes) stderr.write(`comfyload: ${plan.workflowPath}: ${note}\n`);
  for (const u of prepared.uploads) {
    stderr.write(
      options.dryRun === true
        ? `comfyload: would upload ${u.source} as ${u.sentName} (${u.kind}, ${u.bytes} bytes) for node${u.nodeIds.length === 1 ? '' : 's'} ${u.nodeIds.join(', ')}\n`
        : `comfyload: uploaded ${u.source} → ${u.serverName} (${u.kind} via ${u.route ?? '/upload/image'}, ${u.bytes} bytes in ${u.uploadMs.toFixed(1)} ms) for node${u.nodeIds.length === 1 ? '' : 's'} ${u.nodeIds.join(', ')}\n`,
    );
  }
  const { workflowUi: _ui, ...rest } = plan;
  const ready: RunPlan = { ...rest, workflow: prepared.workflow };
  if (plan.cacheMode !== 'audit' || options.dryRun === true) return { plan: ready, prepared };
  // The run's own seed stream (fixed seeds would repeat: the audit varies them at random): the run continues after the audit's draws.
  const factory = new PromptFactory(
    ready.workflow,
    ready.seedPolicy === 'fixed' ? 'random' : ready.seedPolicy,
    ready.seed,
    ready.promptTexts,
    ready.seedStreamStart,
  );
  stderr.write(`comfyload: cache audit: 1 priming, ${CACHE_AUDIT_SAMPLES} identical and ${CACHE_AUDIT_SAMPLES} varied prompts, one at a time\n`);
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
  return { plan: { ...ready, seedStreamStart: factory.streamPosition }, prepared, audit };
}

/** Fields for summary.json's `environment`: conversion, uploads and the cache audit. */
export function preflightEnvironment(run: PreparedRun): Record<string, string> {
  const env: Record<string, string> = {};
  if (run.prepared.converted) env.workflowFormat = 'ui (converted with /object_info)';
  if (run.prepared.conversionNotes.length > 0) env.workflowConversionNotes = run.prepared.conversionNotes.join(' | ');
  if (run.prepared.uploads.length > 0) {
    env.inputUploads = run.prepared.uploads.map((u) => `${u.sentName}→${u.serverName} ${u.kind} ${u.bytes}B ${u.uploadMs.toFixed(1)}ms`).join('; ');
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
