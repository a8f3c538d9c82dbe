/**
 * requests.csv: one row per prompt, appended as each prompt settles (header once, then a
 * complete line per write). Marks are ms since the run start, except `serverStartTs` /
 * `serverEndTs` (server epoch ms); metrics are ms; all with 3 decimals, empty when unknown.
 * `samplerStartsMs` and `stepIntervalsMs` list each sampler's start and the step intervals joined
 * by `;`; `flags` joins `PromptFlag`s
 * with `;`. `workflow` names the workflow a prompt of a mixed workload drew (`run --mix`; empty
 * for a run of one workflow).
 */
import { stringify } from 'csv-stringify/sync';
import { levelNumber } from '../metrics/level-number.js';
import { LIST_METRIC_FIELDS, PROMPT_METRIC_NAMES } from '../metrics/metric-names.js';
import type { PromptRecord, RelativeMarks } from '../metrics/result-types.js';
import { formatMs } from './format.js';
import { levelsCsvComments } from './levels-csv.js';
import { commentBlock, toSink, type Sink, type SinkLike } from './sink.js';

const IDENTITY_COLUMNS = [
  'runId',
  'target',
  'level',
  'concurrency',
  'phase',
  'seq',
  'workflow',
  'promptId',
  'clientId',
  'outcome',
  'outcomeDetail',
  'source',
  'flags',
  'cachedNodeCount',
  'stepCount',
  'imagesOut',
] as const;

/** Mark columns, in lifecycle order. */
export const MARK_COLUMNS = [
  'intendedSendMs',
  'sentMs',
  'ackMs',
  'executionStartMs',
  'cachedMs',
  'firstStepMs',
  'completedMs',
  'outputFetchedMs',
  'serverStartTs',
  'serverEndTs',
] as const satisfies readonly (keyof RelativeMarks)[];

/** The columns of the metrics with several samples per prompt, each joined by `;`. */
const LIST_COLUMNS = Object.values(LIST_METRIC_FIELDS);

/** The header row of requests.csv. */
export function requestsCsvColumns(): string[] {
  return [...IDENTITY_COLUMNS, ...MARK_COLUMNS, ...PROMPT_METRIC_NAMES, ...LIST_COLUMNS, 'vramPeakBytes'];
}

/** The units comment written above the header. */
export const REQUESTS_CSV_UNITS =
  'units: *Ms in ms since the run start (marks) or ms (metrics), 3 decimals; *Ts in server epoch ms; samplerStartsMs and stepIntervalsMs in ms joined by ;; vramPeakBytes bytes (highest VRAM sample during execution)';

/** One prompt as a row, in `requestsCsvColumns()` order; `workflowNames`: a mix's, by index. */
export function requestsCsvRow(record: PromptRecord, workflowNames: readonly string[] = []): string[] {
  return [
    record.runId,
    String(record.target),
    String(levelNumber(record.level, record.phase)),
    String(record.concurrency),
    record.phase,
    String(record.seq),
    record.workflow === undefined ? '' : (workflowNames[record.workflow] ?? String(record.workflow)),
    record.promptId,
    record.clientId,
    record.outcome,
    record.outcomeDetail,
    record.source,
    record.flags.join(';'),
    String(record.cachedNodeCount),
    String(record.stepCount),
    String(record.imagesOut),
    ...MARK_COLUMNS.map((mark) => formatMs(record.marks[mark])),
    ...PROMPT_METRIC_NAMES.map((metric) => formatMs(record.timings[metric])),
    ...LIST_COLUMNS.map((field) => record[field].map((valueMs) => formatMs(valueMs)).join(';')),
    record.vramPeakBytes === undefined ? '' : String(record.vramPeakBytes),
  ];
}

export interface RequestsCsvWriterOptions {
  sink: SinkLike;
  /** `key: value` comment lines (environment fingerprint) written above the header. */
  headerComments?: readonly string[];
  /** A mixed workload's workflow names, by index: what the `workflow` column says. */
  workflowNames?: readonly string[];
}

/** Streams rows: comments and header with the first row (or on close), then one write per prompt. */
export class RequestsCsvWriter {
  readonly #sink: Sink;
  readonly #headerComments: readonly string[];
  readonly #workflowNames: readonly string[];
  #headerWritten = false;
  #rows = 0;

  constructor(options: RequestsCsvWriterOptions) {
    this.#sink = toSink(options.sink);
    this.#headerComments = options.headerComments ?? [];
    this.#workflowNames = options.workflowNames ?? [];
  }

  /** Rows written so far. */
  get rows(): number {
    return this.#rows;
  }

  async writeHeader(): Promise<void> {
    if (this.#headerWritten) return;
    this.#headerWritten = true;
    await this.#sink.write(commentBlock(levelsCsvComments(this.#headerComments, REQUESTS_CSV_UNITS)) + stringify([requestsCsvColumns()]));
  }

  async writePrompt(record: PromptRecord): Promise<void> {
    await this.writeHeader();
    this.#rows++;
    await this.#sink.write(stringify([requestsCsvRow(record, this.#workflowNames)]));
  }

  async close(): Promise<void> {
    await this.writeHeader();
    await this.#sink.close?.();
  }
}
