/**
 * Writers of the open-loop and capacity result files, each to a sink:
 * `queue.csv` (server queue depth over time, per target), `targets.csv` (a fleet's levels per
 * target, levels.csv's columns after `target`), `trials.csv` (one row per capacity trial) and
 * the console lines that sum up an open-loop level and a capacity search.
 */
import { stringify } from 'csv-stringify/sync';
import { levelName, levelNumber } from '../metrics/level-number.js';
import type { QueueSample } from '../metrics/queue-timeline.js';
import type { CapacityResult, CapacityTrial, LevelSummary, OpenLoopLevelReport } from '../metrics/result-types.js';
import { formatDurationShort, formatMs, formatPerMin, formatRate } from './format.js';
import { levelsCsvColumns, levelsCsvComments, levelsCsvRow } from './levels-csv.js';
import { commentBlock, toSink, type Sink, type SinkLike } from './sink.js';

/** queue.csv's header. */
export const QUEUE_CSV_COLUMNS = ['target', 'atMs', 'queueRemaining', 'source'] as const;

/** Appends one row per queue-depth sample. */
export class QueueCsvWriter {
  readonly #sink: Sink;
  #header: string | undefined;

  constructor(sink: SinkLike, headerComments: readonly string[] = []) {
    this.#sink = toSink(sink);
    this.#header =
      commentBlock([
        ...headerComments,
        'units: atMs in ms since the run start; queueRemaining = pending + running prompts of every client (ComfyUI status.exec_info.queue_remaining)',
      ]) + stringify([[...QUEUE_CSV_COLUMNS]]);
  }

  write(sample: QueueSample): void {
    const head = this.#header ?? '';
    this.#header = undefined;
    void this.#sink.write(head + stringify([[String(sample.target), formatMs(sample.atMs), String(sample.queueRemaining), sample.source]]));
  }

  async close(): Promise<void> {
    if (this.#header !== undefined) await this.#sink.write(this.#header);
    this.#header = undefined;
    await this.#sink.close?.();
  }
}

/** targets.csv in one go: `target`, then levels.csv's columns. */
export async function writeTargetsCsv(sink: SinkLike, levels: readonly LevelSummary[], headerComments: readonly string[] = []): Promise<void> {
  const s = toSink(sink);
  const rows = levels.map((l) => [String(l.target ?? ''), ...levelsCsvRow(l)]);
  await s.write(
    commentBlock(levelsCsvComments(headerComments, 'one row per (target, level); columns as levels.csv')) +
      stringify([['target', ...levelsCsvColumns()], ...rows]),
  );
  await s.close?.();
}

export const TRIAL_COLUMNS = [
  'trial',
  'level',
  'session',
  'phase',
  'ratePerSec',
  'ratePerMin',
  'verdict',
  'reason',
  'windows',
  'windowMs',
  'durationMs',
  'arrivals',
  'ok',
  'failed',
  'cut',
  'settling',
  'judged',
  'good',
  'dropped',
  'throughputPerSec',
  'goodputPerSec',
  'queueWaitSlopeMsPerSec',
  'gpuMs',
  'slos',
  'confident',
  'explanation',
] as const;

/** One trial as a row; `slos` lists `slo:observed/samples/over/required/verdict` joined by `;`. */
export function trialsCsvRow(t: CapacityTrial): string[] {
  return [
    String(t.trial),
    String(levelNumber(t.level, 'measure')),
    String(t.session ?? 1),
    t.phase,
    formatRate(t.ratePerSec),
    formatRate(t.ratePerSec * 60),
    t.verdict,
    t.reason,
    String(t.windows),
    formatMs(t.windowMs),
    formatMs(t.durationMs),
    String(t.arrivals),
    String(t.ok),
    String(t.failed),
    String(t.cut),
    String(t.settling),
    String(t.judged),
    String(t.good),
    String(t.dropped),
    formatRate(t.throughputPerSec),
    formatRate(t.goodputPerSec),
    formatRate(t.queueWaitSlopeMsPerSec ?? undefined),
    formatMs(t.gpuMs),
    t.slos.map((s) => `${s.slo}:${s.observedMs === null ? '' : formatMs(s.observedMs)}/${s.samples}/${s.over}/${s.required}/${s.verdict}`).join(';'),
    String(t.confident),
    t.explanation,
  ];
}

export async function writeTrialsCsv(sink: SinkLike, trials: readonly CapacityTrial[], headerComments: readonly string[] = []): Promise<void> {
  const s = toSink(sink);
  await s.write(
    commentBlock([
      ...headerComments,
      'units: rates per s (ratePerMin per min), *Ms in ms; slos = slo:observed ms/samples/over threshold/samples required/verdict',
    ]) + stringify([[...TRIAL_COLUMNS], ...trials.map(trialsCsvRow)]),
  );
  await s.close?.();
}

/** The console line of an open-loop level: rate, drops, corrected vs uncorrected p99, Little's law, queue-wait slope. */
export function formatOpenLoopLine(r: OpenLoopLevelReport): string {
  const parts = [
    `${levelName(r.level)} rate ${formatPerMin(r.ratePerSec)} (offered ${formatPerMin(r.offeredPerSec)})`,
    `${r.arrivals} arrivals, ${r.dropped} dropped`,
    `completion p99 ${formatDurationShort(r.completionP99Ms)} corrected / ${formatDurationShort(r.completionUncorrectedP99Ms)} uncorrected`,
  ];
  if (r.queueWaitSlopeMsPerSec !== undefined)
    parts.push(
      `queue wait ${r.queueWaitSlopeMsPerSec >= 0 ? '+' : ''}${r.queueWaitSlopeMsPerSec.toFixed(1)} ms/s (R² ${(r.queueWaitSlopeR2 ?? 0).toFixed(2)})`,
    );
  if (r.littleLaw !== undefined) {
    parts.push(
      `Little's law: queue ${r.littleLaw.meanInSystem.toFixed(2)} vs λW ${r.littleLaw.predicted.toFixed(2)} (${r.littleLaw.holds ? 'holds' : `off by ${((r.littleLaw.ratio - 1) * 100).toFixed(0)}%`})`,
    );
  }
  return parts.join(' | ');
}

/** The lines a capacity search ends with: every figure with the rule that makes it checkable. */
export function formatCapacitySummary(c: CapacityResult, trueServiceRatePerSec?: number): string[] {
  const lines = [
    `capacity: probe service time ${formatDurationShort(c.probe.meanServiceMs)} → service rate ${formatPerMin(c.probe.estimatedServiceRatePerSec)}`,
    `capacity: minimum prompts per trial to claim ${Object.entries(c.minSamples)
      .map(([slo, n]) => `${slo}: ${n}`)
      .join(', ')} (binomial, ${(c.confidence * 100).toFixed(0)}% confidence)`,
    ...c.trials.map(
      (t) =>
        `  ${t.explanation}; ${t.ok} ok + ${t.failed} failed + ${t.cut} cut = ${t.arrivals} arrivals in ${formatDurationShort(t.durationMs)}, GPU ${formatDurationShort(t.gpuMs)}${c.sessions !== undefined ? ` (session ${t.session ?? 1})` : ''}`,
    ),
  ];
  if (c.sessions !== undefined) {
    const each = c.sessions.map(
      (s) =>
        `session ${s.session}: ${s.trials.length === 0 ? 'no trial decided' : `trial${s.trials.length > 1 ? 's' : ''} ${trialRange(s.trials)}`}, GPU ${formatDurationShort(s.gpuMs)}${s.files === '.' ? '' : ` (its files in ${s.files})`}`,
    );
    lines.push(`capacity: resumed search of ${c.sessions.length} sessions: ${each.join('; ')}`);
  }
  if (c.refused !== undefined) lines.push(c.refused);
  else if (c.maxRatePerSec === null) lines.push('capacity: no rate met every SLO');
  else {
    lines.push(`capacity: max rate ${formatPerMin(c.maxRatePerSec)} (${c.maxRatePerSec.toFixed(3)}/s) meeting ${c.slos.join(' and ')}: ${c.maxRateRule}`);
    if (c.goodputPerSec !== null && c.goodputTrial !== null)
      lines.push(
        `capacity: goodput ${formatPerMin(c.goodputPerSec)} (the max rate × the share of judged prompts meeting every SLO in trial ${c.goodputTrial})`,
      );
    if (c.firstFailRatePerSec !== null) lines.push(`capacity: lowest failing rate above it ${formatPerMin(c.firstFailRatePerSec)}`);
  }
  if (c.trials.length > 0) lines.push(`capacity: knee ${c.kneePerSec === null ? '-' : formatPerMin(c.kneePerSec)}: ${c.kneeRule}`);
  lines.push(
    `capacity: GPU time spent by the search ${formatDurationShort(c.gpuMs)} vs an 8-level grid sweep ${formatDurationShort(c.gridGpuMs)} (estimate: ${c.gridRule})`,
  );
  if (c.stoppedEarly !== undefined) lines.push(`capacity: stopped early: ${c.stoppedEarly}`);
  if (trueServiceRatePerSec !== undefined)
    lines.push(`capacity: true service rate ${formatPerMin(trueServiceRatePerSec)} (${trueServiceRatePerSec.toFixed(3)}/s, the emulator's ground truth)`);
  return lines;
}

/** `1–3`, `4`, `1, 3`: trial numbers as a reader says them. */
function trialRange(trials: readonly number[]): string {
  const first = trials[0] as number;
  const last = trials[trials.length - 1] as number;
  if (trials.length === 1) return String(first);
  return last - first === trials.length - 1 ? `${first}–${last}` : trials.join(', ');
}
