/**
 * The CLI side of an open-loop `run`: picks the engine (closed or open loop) for a plan, writes
 * queue.csv as the queue-depth samples arrive, and at the end adds the open-loop figures to
 * summary.json, writes targets.csv for a fleet and prints a line per level (rate, drops,
 * corrected vs uncorrected p99, Little's law, queue-wait slope).
 */
import { join } from 'node:path';
import type { SystemStats } from '../comfy/http-types.js';
import { BenchmarkRun, type BenchmarkRunDeps, type RunOutcome } from '../harness/benchmark-run.js';
import { OpenLoopRun, type OpenRunOutcome } from '../harness/open-loop-run.js';
import type { LiveCounts } from '../harness/run-observer.js';
import type { RunPlan } from '../harness/run-plan.js';
import { QueueTimeline } from '../metrics/queue-timeline.js';
import type { LevelSummary, ResultFile, RunSummary } from '../metrics/result-types.js';
import { formatOpenLoopLine, QueueCsvWriter, writeTargetsCsv } from '../reporters/open-loop-files.js';
import { ComfyloadError } from '../comfy/errors.js';
import { FileSink } from './file-sink.js';
import { K6Run, type K6EngineOptions } from '../harness/k6/k6-run.js';

/** What `run` needs of an engine, closed or open loop. */
export interface RunEngine {
  preflight(): Promise<SystemStats>;
  run(signal: AbortSignal): Promise<RunOutcome>;
  readonly live: Readonly<LiveCounts>;
}

export class OpenLoopReporting {
  readonly timeline = new QueueTimeline();
  #queue: QueueCsvWriter | undefined;

  /** The engine for a plan: k6 for --engine k6, else open loop when the plan has an arrival model. */
  engine(plan: RunPlan, deps: BenchmarkRunDeps, k6?: K6EngineOptions): RunEngine {
    // --engine k6 (issue 14): src/harness/k6/k6-run.ts; refusals were checked with the options.
    if (plan.engine === 'k6') return new K6Run(plan, deps, k6);
    if (plan.openLoop === undefined && plan.targets.length > 1) {
      // Checked here, before any request: the closed loop drives one target.
      throw new ComfyloadError('COMFYLOAD_ERR_BAD_OPTION', `${plan.targets.length} targets given with \`--url\` but no arrival rate`, {
        hint: 'a fleet is loaded in open loop: add --rate (e.g. --rate 30/min) and choose --dispatch.',
      });
    }
    return plan.openLoop !== undefined ? new OpenLoopRun(plan, { ...deps, timeline: this.timeline }) : new BenchmarkRun(plan, deps);
  }

  /** Starts queue.csv in the results folder. */
  open(dir: string, headerComments: readonly string[]): void {
    const writer = new QueueCsvWriter(new FileSink(join(dir, 'queue.csv')), headerComments);
    this.#queue = writer;
    this.timeline.onSample((sample) => writer.write(sample));
  }

  /**
   * Adds the open-loop settings and figures to the summary (in place), writes targets.csv for a
   * fleet, prints the per-level lines; returns the extra result files.
   */
  async finish(
    plan: RunPlan,
    outcome: RunOutcome | undefined,
    base: Omit<RunSummary, 'files'>,
    dir: string,
    headerComments: readonly string[],
    stderr: { write(s: string): unknown },
  ): Promise<ResultFile[]> {
    const o = plan.openLoop;
    if (o === undefined) return [];
    await this.#queue?.close();
    const files: ResultFile[] = [{ kind: 'queue', path: 'queue.csv' }];
    base.settings.mode = 'open-loop';
    base.settings.levels = [];
    base.settings.openLoop = {
      arrival: o.arrival,
      ...(o.arrival === 'gamma' ? { burstiness: o.burstiness } : {}),
      ...(o.ratesPerSec !== undefined ? { ratesPerSec: o.ratesPerSec } : {}),
      ...(o.stages !== undefined ? { stages: o.stages, startRatePerSec: o.startRatePerSec ?? 0 } : {}),
      maxInFlight: o.maxInFlight,
      dispatch: o.dispatch,
    };
    const open = outcome as OpenRunOutcome | undefined;
    if (open?.openLoop !== undefined) {
      base.openLoop = open.openLoop;
      for (const r of open.openLoop) stderr.write(`${formatOpenLoopLine(r)}\n`);
    }
    if (open !== undefined && plan.targets.length > 1) {
      base.targetLevels = byTargetAndLevel(open.targetLevels);
      await writeTargetsCsv(new FileSink(join(dir, 'targets.csv')), open.targetLevels, headerComments);
      files.push({ kind: 'targets', path: 'targets.csv' });
      for (const t of open.targetLevels) {
        stderr.write(
          `  target ${t.target ?? '?'} (${plan.targets[t.target ?? 0]?.url ?? ''}) L${t.level + 1}: ${t.ok} ok of ${t.submitted}, ${t.throughput.promptsPerSec.toFixed(3)} prompts/s\n`,
        );
      }
    }
    return files;
  }
}

function byTargetAndLevel(levels: readonly LevelSummary[]): Record<string, Record<string, LevelSummary>> {
  const out: Record<string, Record<string, LevelSummary>> = {};
  for (const l of levels) {
    const t = String(l.target ?? 0);
    (out[t] ??= {})[String(l.level)] = l;
  }
  return out;
}
