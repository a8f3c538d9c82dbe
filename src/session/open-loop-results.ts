/**
 * The result files an arrival-rate run adds to a results folder: queue.csv as the queue-depth
 * samples arrive, and at the end the open-loop figures in summary.json, targets.csv for a fleet,
 * and a line per level (rate, drops, corrected vs uncorrected p99, Little's law, queue-wait slope).
 */
import { join } from 'node:path';
import type { OpenRunOutcome } from '../harness/open-loop-run.js';
import { levelName } from '../metrics/level-number.js';
import type { QueueTimeline } from '../metrics/queue-timeline.js';
import type { ResultFile, RunSummary } from '../metrics/result-types.js';
import { formatOpenLoopLine, QueueCsvWriter, writeTargetsCsv } from '../reporters/open-loop-files.js';
import { levelsByTarget } from '../reporters/summary-json.js';
import { FileSink } from './file-sink.js';
import type { RunPlan } from './plan.js';

type Log = { write(s: string): unknown };

/** queue.csv: the server queue depth sampled per target while arrivals run (open loop and capacity). */
export class QueueFile {
  #writer: QueueCsvWriter | undefined;

  constructor(timeline: QueueTimeline, dir: string, headerComments: readonly string[]) {
    const writer = new QueueCsvWriter(new FileSink(join(dir, 'queue.csv')), headerComments);
    this.#writer = writer;
    timeline.onSample((sample) => void writer.write(sample));
  }

  async close(): Promise<ResultFile> {
    await this.#writer?.close();
    this.#writer = undefined;
    return { kind: 'queue', path: 'queue.csv' };
  }
}

/**
 * Adds the open-loop figures to the summary (in place), writes targets.csv for a fleet and prints
 * the per-level lines; returns the files it wrote.
 */
export async function finishOpenLoop(
  plan: RunPlan,
  outcome: OpenRunOutcome | undefined,
  base: Omit<RunSummary, 'files'>,
  dir: string,
  headerComments: readonly string[],
  log: Log,
): Promise<ResultFile[]> {
  const files: ResultFile[] = [];
  if (outcome?.openLoop !== undefined) {
    base.openLoop = outcome.openLoop;
    for (const r of outcome.openLoop) log.write(`${formatOpenLoopLine(r)}\n`);
  }
  if (outcome !== undefined && plan.targets.length > 1) {
    base.targetLevels = levelsByTarget(outcome.targetLevels, plan.targets.length);
    await writeTargetsCsv(new FileSink(join(dir, 'targets.csv')), outcome.targetLevels, headerComments);
    files.push({ kind: 'targets', path: 'targets.csv' });
    for (const t of outcome.targetLevels) {
      log.write(
        `  target ${t.target ?? '?'} (${plan.targets[t.target ?? 0]?.url ?? ''}) ${levelName(t.level, t.phase)}: ${t.ok} ok of ${t.submitted}, ${t.throughput.promptsPerSec.toFixed(3)} prompts/s\n`,
      );
    }
  }
  return files;
}
