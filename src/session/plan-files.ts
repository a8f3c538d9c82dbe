/**
 * `comfyload plan`'s file work: reads a results folder (readResultsFolder), takes the service
 * samples from its requests.csv, answers the question (src/planner, pure) and writes plan.json
 * and plan.html beside the run's own files (or into `outDir`), each atomically (a temp file
 * renamed), so a reader never sees half a plan.
 */
import { environmentText } from '../reporters/html/report-environment.js';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ComfyloadError } from '../comfy/errors.js';
import { measuredService, type MeasuredService } from '../planner/measured-service.js';
import { planAssumptions } from '../planner/plan-assumptions.js';
import { planFleet, type PlanQuestion } from '../planner/plan-search.js';
import type { FleetPlan, FleetPrediction } from '../planner/plan-types.js';
import { readCsvTable } from '../reporters/html/csv-read.js';
import { renderPlanHtml } from '../reporters/html/render-plan.js';
import { readResultsFolder, reportAssets } from './results-folder.js';

export interface PlanFromResults {
  dir: string;
  question: PlanQuestion;
  /** A fleet's results folder: plan from this target's prompts. */
  target?: number;
  /** Where plan.json and plan.html go; default the results folder. */
  outDir?: string;
  onPoint?: (point: FleetPrediction) => void;
}

export interface PlanWritten {
  plan: FleetPlan;
  jsonPath: string;
  htmlPath: string;
}

export function planFromResults(request: PlanFromResults): PlanWritten {
  const dir = resolve(request.dir);
  const files = readResultsFolder(dir);
  const targets = files.summary.targets;
  if (request.target !== undefined && !(request.target < targets.length)) {
    throw new ComfyloadError(
      'COMFYLOAD_ERR_BAD_OPTION',
      `--target ${request.target} is not a target of ${dir}: it has ${targets.length} (0–${targets.length - 1})`,
      {
        hint: `pick one of ${targets.map((t) => `${t.index} (${t.url})`).join(', ')}.`,
      },
    );
  }
  if (request.target === undefined && targets.length > 1) {
    throw new ComfyloadError('COMFYLOAD_ERR_BAD_OPTION', `${dir} is a fleet run of ${targets.length} targets, and its fingerprint names target 0's GPU only`, {
      hint: `plan from one GPU kind with --target, e.g. --target 0 (${targets.map((t) => `${t.index}: ${t.url}`).join(', ')}).`,
    });
  }
  const rows = readCsvTable(files.requestsCsv).rows;
  const service = measuredService(rows, request.target !== undefined ? { target: request.target } : {});
  if (service.samples.length === 0) throw noSamples(dir, rows.length, service);
  const outcome = planFleet(service, request.question, request.onPoint);
  const q = request.question;
  const env = environmentText(files.summary.environment);
  const plan: FleetPlan = {
    kind: 'comfyload-plan',
    schemaVersion: 1,
    source: {
      dir,
      runId: files.summary.runId,
      name: files.summary.name,
      gpu: env['gpu'] ?? 'unknown GPU',
      modelConfig: env['modelConfigSlug'] ?? 'unknown model config',
      environment: env,
    },
    question: {
      ratesPerSec: [...q.ratesPerSec],
      slo: q.slo ?? null,
      gpus: q.gpus !== undefined ? [...q.gpus] : null,
      maxGpus: q.maxGpus,
      dispatch: q.dispatch,
      arrival: q.arrival,
      ...(q.arrival === 'gamma' ? { burstiness: q.burstiness } : {}),
      replications: q.replications,
      confidence: q.confidence,
      seed: q.seed,
    },
    measured: outcome.measured,
    points: outcome.points,
    answers: outcome.answers,
    verdicts: outcome.verdicts,
    assumptions: planAssumptions(q, service),
    warnings: outcome.warnings,
  };
  const outDir = request.outDir !== undefined ? resolve(request.outDir) : dir;
  mkdirSync(outDir, { recursive: true });
  const jsonPath = join(outDir, 'plan.json');
  const htmlPath = join(outDir, 'plan.html');
  writeAtomically(jsonPath, `${JSON.stringify(plan, null, 2)}\n`);
  writeAtomically(htmlPath, renderPlanHtml(plan, reportAssets()));
  return { plan, jsonPath, htmlPath };
}

function noSamples(dir: string, rows: number, service: MeasuredService): ComfyloadError {
  const e = service.excluded;
  const parts = [
    e.warmup > 0 ? `${e.warmup} warm-up` : '',
    ...Object.entries(e.notOk).map(([outcome, n]) => `${n} ${outcome}`),
    e.fromHistory > 0 ? `${e.fromHistory} settled from /history` : '',
    e.suspectCached > 0 ? `${e.suspectCached} suspected cached` : '',
    e.noTiming > 0 ? `${e.noTiming} without an execution time` : '',
    e.otherTargets > 0 ? `${e.otherTargets} of other targets` : '',
  ].filter((p) => p !== '');
  return new ComfyloadError(
    'COMFYLOAD_ERR_PLAN_NO_SAMPLES',
    `${join(dir, 'requests.csv')} has no ok measured prompt to take service times from (${rows} rows${parts.length > 0 ? `: ${parts.join(', ')}` : ''})`,
  );
}

function writeAtomically(path: string, text: string): void {
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}
