/**
 * Where a measuring session's results folder is, and the body of its summary.json: one place
 * for every mode, so the files that later `compare`, `merge` and `report` read cannot drift
 * apart between commands.
 */
import { resolve } from 'node:path';
import { targetSummaryFingerprint, type Fingerprint } from '../harness/fingerprint.js';
import { modeOf, type RunPlan } from './plan.js';
import type { LevelSummary, RunEnvironment, RunSettings, RunSummary } from '../metrics/result-types.js';
import { histogramSettings, levelsInOrder, runTotals, SUMMARY_SCHEMA_VERSION } from '../reporters/summary-json.js';
import { packageInfo } from './package-info.js';
import { mixOrderText } from './mix-plan.js';

/** `<results-dir>/<gpu>/<model-config>/<UTC time>-<name>`, the time like `2026-11-29T170040Z`. */
export function runResultsDir(cwd: string, plan: RunPlan, fingerprint: Fingerprint, startTimeEpochMs: number): string {
  const stamp = new Date(startTimeEpochMs)
    .toISOString()
    .replace(/[:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return resolve(cwd, plan.resultsDir, fingerprint.gpuSlug, fingerprint.modelConfigSlug, `${stamp}-${plan.name}`);
}

/** The plan's settings as summary.json records them, with its mode's own (levels, arrival model). */
export function planSettings(plan: RunPlan): RunSettings {
  const mode = modeOf(plan);
  const common: RunSettings = {
    mode,
    workflowPath: plan.workflowPath,
    ...(plan.mix !== undefined
      ? {
          mix: {
            workflows: plan.mix.workflows.map((w, i) => ({ name: w.name, path: w.path, weight: plan.mix?.weights[i] ?? 0 })),
            order: mixOrderText(plan.mix.order),
          },
        }
      : {}),
    levels: mode === 'closed-loop' ? plan.levels.map((l) => ({ concurrency: l.concurrency })) : [],
    ...(plan.promptsPerLevel !== undefined && mode !== 'capacity' ? { promptsPerLevel: plan.promptsPerLevel } : {}),
    ...(plan.durationMs !== undefined && mode !== 'capacity' ? { durationMs: plan.durationMs } : {}),
    warmupPrompts: plan.warmupPrompts,
    seedPolicy: plan.seedPolicy,
    seed: plan.seed,
    cacheMode: plan.cacheMode ?? 'defeat',
    maxErrorRate: plan.maxErrorRate,
    fetchOutputs: plan.fetchOutputs,
    promptTimeoutMs: plan.promptTimeoutMs,
    labels: plan.labels,
  };
  const o = plan.openLoop;
  if (o !== undefined) {
    common.openLoop = {
      arrival: o.arrival,
      ...(o.arrival === 'gamma' ? { burstiness: o.burstiness } : {}),
      ...(o.ratesPerSec !== undefined ? { ratesPerSec: o.ratesPerSec } : {}),
      ...(o.stages !== undefined ? { stages: o.stages, startRatePerSec: o.startRatePerSec ?? 0 } : {}),
      maxInFlight: o.maxInFlight,
      dispatch: o.dispatch,
    };
  }
  const c = plan.capacity;
  if (c !== undefined) {
    common.openLoop = {
      arrival: c.arrival,
      ...(c.arrival === 'gamma' ? { burstiness: c.burstiness } : {}),
      maxInFlight: c.maxInFlight,
      dispatch: c.dispatch,
    };
  }
  return common;
}

export interface SummaryInput {
  /** Only the run's name and targets are read (import-k6 has no RunPlan, only its k6 plan). */
  plan: Pick<RunPlan, 'name' | 'targets' | 'targetKind'>;
  runId: string;
  startTimeEpochMs: number;
  endEpochMs: number;
  settings: RunSettings;
  levels: readonly LevelSummary[];
  warmup: LevelSummary | null;
  /** undefined when the engine threw before returning its outcome. */
  outcome: { partial: boolean; partialReason?: string } | undefined;
  failure: unknown;
  environment: RunEnvironment;
  /** Every target's fingerprint and inventory go into `targets[]`. */
  fingerprint?: Fingerprint;
}

/** summary.json without its file list (the reporting layer adds it once the files are written). */
export function summaryBase(input: SummaryInput): Omit<RunSummary, 'files'> {
  const { plan, outcome } = input;
  const partial = outcome === undefined || outcome.partial;
  const partialReason = outcome === undefined ? `stopped by an error: ${(input.failure as Error | undefined)?.message ?? 'unknown'}` : outcome.partialReason;
  return {
    schemaVersion: SUMMARY_SCHEMA_VERSION,
    harness: { name: 'comfyload', version: packageInfo().version },
    runId: input.runId,
    name: plan.name,
    startedAt: new Date(input.startTimeEpochMs).toISOString(),
    endedAt: new Date(input.endEpochMs).toISOString(),
    startTimeEpochMs: input.startTimeEpochMs,
    durationMs: input.endEpochMs - input.startTimeEpochMs,
    settings: input.settings,
    targets: plan.targets.map((t, index) => {
      const fp = input.fingerprint?.targets[index];
      return {
        index,
        kind: plan.targetKind,
        url: t.url,
        ...(fp !== undefined ? { fingerprint: targetSummaryFingerprint(fp) } : {}),
        ...(fp?.serverInventory !== undefined ? { inventory: fp.serverInventory } : {}),
      };
    }),
    levels: levelsInOrder(input.levels),
    warmup: input.warmup,
    totals: runTotals(input.levels),
    partial,
    ...(partial && partialReason !== undefined ? { partialReason } : {}),
    histograms: histogramSettings(),
    environment: input.environment,
  };
}
