/**
 * The result files a capacity search adds to a results folder: trials.csv (one row per trial)
 * and capacity.json (the result), and its result in summary.json.
 */
import { join } from 'node:path';
import type { CapacityOutcome } from '../harness/capacity-run.js';
import type { ResultFile, RunSummary } from '../metrics/result-types.js';
import { writeTrialsCsv } from '../reporters/open-loop-files.js';
import { capacityDocument } from '../reporters/summary-json.js';
import { FileSink } from './file-sink.js';

export async function finishCapacity(
  outcome: CapacityOutcome | undefined,
  base: Omit<RunSummary, 'files'>,
  dir: string,
  headerComments: readonly string[],
): Promise<ResultFile[]> {
  if (outcome === undefined) return [];
  await writeTrialsCsv(new FileSink(join(dir, 'trials.csv')), outcome.result.trials, headerComments);
  const sink = new FileSink(join(dir, 'capacity.json'));
  sink.write(`${JSON.stringify(capacityDocument(outcome.result), null, 2)}\n`);
  sink.close();
  base.capacity = outcome.result;
  return [
    { kind: 'trials', path: 'trials.csv' },
    { kind: 'capacity', path: 'capacity.json' },
  ];
}
