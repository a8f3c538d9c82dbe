/**
 * A mixed workload's results, as one observer of the engine beside ResultFiles: each workflow's
 * tally per measured level (its histograms are the recorder's `workflow` keys, so the level's own
 * figures stay the merge of its workflows'), and every prompt that ran in execution order per
 * target for the model swaps. At the end: workflows.csv, swaps.csv, summary.json's `mix` and
 * `workflowLevels`, and the console lines.
 *
 * A swap is a prompt whose models differ from those of the prompt before it on the same server,
 * in the server's execution order (`execution_start` times: the server's own when every prompt
 * has one, else the client's receive times); workflows that name the same models are one model.
 * Its cost (`swapMs`) is what it adds to the time from `execution_start` to the first sampler
 * step, against prompts of the same model that ran after one of their own (metrics/model-swaps.ts).
 */
import { join } from 'node:path';
import type { LevelStart, RunObserver } from '../harness/run-observer.js';
import { isMeasurement, LevelTally } from '../metrics/level-tally.js';
import { modelSwaps, type SwapRecord } from '../metrics/model-swaps.js';
import type { MetricRecorder } from '../metrics/recorder.js';
import type { LevelSummary, PromptRecord, ResultFile, RunMix, RunSummary, RunSwaps } from '../metrics/result-types.js';
import { formatMixLines, writeSwapsCsv, writeWorkflowsCsv, type WorkflowLevel } from '../reporters/mix-files.js';
import { levelsInOrder, runTotals } from '../reporters/summary-json.js';
import { FileSink } from './file-sink.js';
import { mixOrderText } from './mix-plan.js';
import type { Fingerprint } from '../harness/fingerprint.js';
import type { RunPlan, SessionMix } from './plan.js';

export const SWAP_RULE =
  'a swap is a prompt whose models differ from those of the prompt before it on the same server, in execution order (execution_start); ' +
  'the first prompt of each model on a server is a cold start, not a swap; ' +
  'swapMs of A→B = mean time from execution_start to the first sampler step of ok measured B prompts right after an A prompt, minus the same over B prompts right after a B prompt';

export interface MixResultsOptions {
  mix: SessionMix;
  /** Model files of each workflow (its fingerprint's), in --workflow order. */
  models: readonly string[][];
  /** SHA-256 of each workflow's graph as sent. */
  sha256: readonly string[];
  recorder: MetricRecorder;
  /** The recorder's clock, and its reading at the run start. */
  clock: () => number;
  originMs: number;
  cachedCountsAsOk: boolean;
  dir: string;
  headerComments: string[];
  /** Targets of the run (each has its own execution order). */
  targets: number;
  /** Where a warning goes (ResultFiles: the console and summary.json). */
  warn: (message: string) => void;
}

/** One prompt that ran, for the swaps: the server's and the client's execution start. */
interface Executed {
  record: SwapRecord;
  serverStartTs: number | undefined;
  clientStartMs: number | undefined;
}

export class MixResults implements RunObserver {
  readonly #o: MixResultsOptions;
  /** Per workflow, its swap model (workflows naming the same models share one), labelled by the workflows' names. */
  readonly #modelOf: string[];
  readonly #executed: Executed[] = [];
  readonly #tallies = new Map<number, LevelTally[]>();
  readonly #levels: WorkflowLevel[] = [];
  #warmupChecked = false;

  constructor(options: MixResultsOptions) {
    this.#o = options;
    const names = options.mix.workflows.map((w) => w.name);
    const keyOf = names.map((name, i) => (options.models[i] ?? []).join('+') || `workflow:${name}`);
    this.#modelOf = keyOf.map((key) => names.filter((_, j) => keyOf[j] === key).join('/'));
  }

  /** At the first measured level: says which models the warm-up did not load (their first measured prompts are cold starts). */
  onLevelStart(start: LevelStart): void {
    if (start.phase !== 'measure' || this.#warmupChecked) return;
    this.#warmupChecked = true;
    const models = [...new Set(this.#modelOf)];
    for (let target = 0; target < this.#o.targets; target++) {
      const loaded = new Set(this.#executed.filter((e) => e.record.target === target).map((e) => e.record.model));
      const cold = models.filter((m) => !loaded.has(m));
      if (cold.length === 0) continue;
      const where = this.#o.targets > 1 ? ` on target ${target}` : '';
      this.#o.warn(
        `the warm-up did not run ${cold.join(', ')}${where}: its first measured prompt there loads the model cold (counted apart from the swaps, but in the latencies); give --warmup ${models.length} or more to load every model of the mix first`,
      );
    }
  }

  onPromptSettled(record: PromptRecord): void {
    const workflow = record.workflow;
    if (workflow === undefined) return;
    const m = record.marks;
    // A prompt served whole from the cache (or never started) loaded no model: it is not in the order.
    if (record.outcome !== 'cached' && (m.executionStartMs !== undefined || m.serverStartTs !== undefined)) {
      const measured = record.phase === 'measure' && record.outcome === 'ok' && isMeasurement(record, this.#o.cachedCountsAsOk);
      this.#executed.push({
        record: {
          target: record.target,
          startMs: 0,
          model: this.#modelOf[workflow] ?? String(workflow),
          measured,
          firstStepAfterStartMs: m.firstStepMs !== undefined && m.executionStartMs !== undefined ? m.firstStepMs - m.executionStartMs : undefined,
          phase: record.phase,
        },
        serverStartTs: m.serverStartTs,
        clientStartMs: m.executionStartMs,
      });
    }
    if (record.phase !== 'measure') return;
    const tallies = this.#levelTallies(record.level, record.concurrency);
    const tally = tallies[workflow];
    if (tally === undefined) return;
    tally.submit(m.intendedSendMs ?? m.sentMs ?? this.#o.clock() - this.#o.originMs);
    tally.settle(record, this.#o.clock() - this.#o.originMs);
  }

  onLevelEnd(summary: LevelSummary): void {
    if (summary.phase !== 'measure') return;
    const tallies = this.#levelTallies(summary.level, summary.concurrency);
    const span = { startedMs: summary.startedMs, endedMs: summary.endedMs };
    for (const [i, tally] of tallies.entries()) {
      const level = tally.summary(this.#o.recorder, span);
      this.#levels.push({
        workflow: this.#o.mix.workflows[i]?.name ?? String(i),
        level: { ...level, ...(summary.ratePerSec !== undefined ? { ratePerSec: summary.ratePerSec } : {}) },
      });
    }
    this.#tallies.delete(summary.level);
  }

  /** The swaps of every prompt that ran so far. */
  swaps(): RunSwaps {
    const byServerClock = this.#executed.every((e) => e.serverStartTs !== undefined);
    const ordered = this.#executed
      .filter((e) => (byServerClock ? e.serverStartTs : e.clientStartMs) !== undefined)
      .map((e) => ({
        ...e.record,
        // The server's timestamps are whole ms: the client's receive time breaks a tie.
        startMs: byServerClock ? (e.serverStartTs as number) + (e.clientStartMs ?? 0) / 1e9 : (e.clientStartMs as number),
      }));
    const s = modelSwaps(ordered);
    return {
      rule: SWAP_RULE,
      swapCount: s.swapCount,
      measuredSwapCount: s.measuredSwapCount,
      executedPrompts: ordered.length,
      coldCount: s.coldCount,
      kinds: s.kinds,
    };
  }

  /** Writes workflows.csv and swaps.csv, adds `mix` and `workflowLevels` to the summary (in place); returns the files and the console lines. */
  async finish(base: Omit<RunSummary, 'files'>): Promise<{ files: ResultFile[]; lines: string[] }> {
    const { mix, dir, headerComments } = this.#o;
    const swaps = this.swaps();
    const totalWeight = mix.weights.reduce((a, b) => a + b, 0);
    const totals = mix.workflows.map((w) => runTotals(this.#levels.filter((l) => l.workflow === w.name).map((l) => l.level)));
    const submitted = totals.reduce((a, t) => a + t.submitted, 0);
    const result: RunMix = {
      order: mixOrderText(mix.order),
      workflows: mix.workflows.map((w, index) => ({
        index,
        name: w.name,
        path: w.path,
        sha256: this.#o.sha256[index] ?? '',
        models: [...(this.#o.models[index] ?? [])],
        weight: mix.weights[index] ?? 0,
        plannedShare: (mix.weights[index] ?? 0) / totalWeight,
        share: submitted > 0 ? (totals[index]?.submitted ?? 0) / submitted : 0,
        totals: totals[index] ?? runTotals([]),
      })),
      swaps,
    };
    base.mix = result;
    base.workflowLevels = mix.workflows.map((w) => levelsInOrder(this.#levels.filter((l) => l.workflow === w.name).map((l) => l.level)));
    await writeWorkflowsCsv(new FileSink(join(dir, 'workflows.csv')), this.#levels, headerComments);
    await writeSwapsCsv(new FileSink(join(dir, 'swaps.csv')), swaps, headerComments);
    return {
      files: [
        { kind: 'workflows', path: 'workflows.csv' },
        { kind: 'swaps', path: 'swaps.csv' },
      ],
      lines: formatMixLines(result, this.#levels),
    };
  }

  #levelTallies(level: number, concurrency: number): LevelTally[] {
    let tallies = this.#tallies.get(level);
    if (tallies === undefined) {
      tallies = this.#o.mix.workflows.map(
        (_, workflow) => new LevelTally({ level, concurrency, phase: 'measure', workflow, cachedCountsAsOk: this.#o.cachedCountsAsOk }),
      );
      this.#tallies.set(level, tallies);
    }
    return tallies;
  }
}

/** The results of a plan's mix (undefined without --mix); `perWorkflow`: each workflow's fingerprint. */
export function mixResultsFor(
  plan: RunPlan,
  perWorkflow: readonly Fingerprint[],
  deps: Pick<MixResultsOptions, 'recorder' | 'clock' | 'originMs' | 'dir' | 'headerComments' | 'warn'>,
): MixResults | undefined {
  if (plan.mix === undefined) return undefined;
  return new MixResults({
    ...deps,
    mix: plan.mix,
    models: perWorkflow.map((f) => f.models),
    sha256: perWorkflow.map((f) => f.workflowSha256),
    cachedCountsAsOk: plan.cacheMode === 'allow',
    targets: plan.targets.length,
  });
}
