/**
 * What one GPU's run says about its service: the rows of requests.csv turned into the samples a
 * fleet simulation draws from. Pure: it is given the rows (column name → text), never a file.
 *
 * The service time of a single-worker queue is how long a prompt keeps the worker from the next
 * one. `serverExecMs` (the server's own `execution_start` → `execution_success` timestamps) is
 * that span on the server's clock: the client's network and event-loop lag are not in it, unlike
 * `execMs`, whose two ends are stamped when the frames reach the harness. What it misses is the
 * worker's work between prompts (history, the `/free` flags, a gc every 10 s): measured here from
 * back-to-back prompts — the next one already queued when the previous ended — as the server-clock
 * gap between one's end and the next's start, and its mean added to every service time. `execMs`
 * stands in, per prompt, when the server sent no timestamps (ComfyUI before mid-2024).
 *
 * Only prompts that measure something are samples: `ok`, measured phase (not warm-up), settled
 * from the prompt's own events (not filled in from /history), not flagged as possibly cached.
 * Cached prompts end as `cached` and are left out with every other outcome; each exclusion is
 * counted. What a prompt spends outside the GPU (the POST, the events' way back) comes from the
 * prompts that found their GPU idle — sent after every earlier prompt to it had completed — whose
 * queue wait is all overhead.
 */

/** One measured prompt, as the simulation replays it. */
export interface ServiceSample {
  /** Server-side execution time (serverExecMs; execMs without server timestamps), ms. */
  serviceMs: number;
  /** Client `execMs` (execution_start received → completion received), ms. */
  execMs: number;
  /** timeToFirstStepMs − queueWaitMs: execution_start received → first sampler step; undefined without steps. */
  firstStepAfterStartMs: number | undefined;
}

/** What a prompt that found its GPU idle spent outside it. */
export interface OverheadSample {
  /** Its queueWaitMs: POST (open loop: intended send) → execution_start received, all of it overhead. */
  queueWaitMs: number;
  /** completionMs − serviceMs: the part of its completion time not spent executing. */
  completionMs: number;
}

export interface ServiceExclusions {
  warmup: number;
  /** Measured prompts whose outcome is not `ok`, by outcome (`cached` among them). */
  notOk: Record<string, number>;
  /** Settled from /history (marks not from the prompt's own events). */
  fromHistory: number;
  /** Flagged `suspectCached`. */
  suspectCached: number;
  /** ok but neither serverExecMs nor execMs recorded. */
  noTiming: number;
  /** Rows of other targets than the ones planned from. */
  otherTargets: number;
}

export interface MeasuredService {
  samples: ServiceSample[];
  overheads: OverheadSample[];
  /** Mean gap of the worker between back-to-back prompts (server clock), ms; 0 when none was seen. */
  betweenPromptsMs: number;
  backToBackPairs: number;
  /** How many samples took their service time from each column. */
  serviceColumns: { serverExecMs: number; execMs: number };
  excluded: ServiceExclusions;
  /** Target indices the samples come from. */
  targets: number[];
}

export interface MeasuredServiceOptions {
  /** Use only this target's rows (a fleet's results folder); default every target. */
  target?: number;
}

type Row = Readonly<Record<string, string>>;

/** Samples, overheads and the between-prompt gap from requests.csv rows. */
export function measuredService(rows: readonly Row[], options: MeasuredServiceOptions = {}): MeasuredService {
  const excluded: ServiceExclusions = { warmup: 0, notOk: {}, fromHistory: 0, suspectCached: 0, noTiming: 0, otherTargets: 0 };
  const serviceColumns = { serverExecMs: 0, execMs: 0 };
  const samples: ServiceSample[] = [];
  const byTarget = new Map<number, Row[]>();
  const sampleOf = new Map<Row, ServiceSample>();
  for (const row of rows) {
    const target = Number(row['target']);
    if (options.target !== undefined && target !== options.target) {
      excluded.otherTargets++;
      continue;
    }
    const list = byTarget.get(target) ?? [];
    list.push(row);
    byTarget.set(target, list);
    const sample = sampleFrom(row, excluded, serviceColumns);
    if (sample !== undefined) {
      samples.push(sample);
      sampleOf.set(row, sample);
    }
  }
  const overheads: OverheadSample[] = [];
  const gaps: number[] = [];
  for (const targetRows of byTarget.values()) {
    for (const row of idleFound(targetRows)) {
      const sample = sampleOf.get(row);
      const queueWaitMs = num(row['queueWaitMs']);
      const completionMs = num(row['completionMs']);
      if (sample === undefined || queueWaitMs === undefined || completionMs === undefined) continue;
      overheads.push({ queueWaitMs, completionMs: Math.max(0, completionMs - sample.serviceMs) });
    }
    gaps.push(...backToBackGaps(targetRows));
  }
  return {
    samples,
    overheads,
    betweenPromptsMs: gaps.length > 0 ? gaps.reduce((a, b) => a + b, 0) / gaps.length : 0,
    backToBackPairs: gaps.length,
    serviceColumns,
    excluded,
    targets: [...byTarget.keys()].sort((a, b) => a - b),
  };
}

function sampleFrom(row: Row, excluded: ServiceExclusions, columns: { serverExecMs: number; execMs: number }): ServiceSample | undefined {
  if (row['phase'] !== 'measure') {
    excluded.warmup++;
    return undefined;
  }
  const outcome = row['outcome'] ?? '';
  if (outcome !== 'ok') {
    excluded.notOk[outcome] = (excluded.notOk[outcome] ?? 0) + 1;
    return undefined;
  }
  const flags = (row['flags'] ?? '').split(';');
  if (row['source'] === 'history' || flags.includes('fromHistory')) {
    excluded.fromHistory++;
    return undefined;
  }
  if (flags.includes('suspectCached')) {
    excluded.suspectCached++;
    return undefined;
  }
  const serverExecMs = num(row['serverExecMs']);
  const execMs = num(row['execMs']);
  const serviceMs = serverExecMs ?? execMs;
  if (serviceMs === undefined || execMs === undefined) {
    excluded.noTiming++;
    return undefined;
  }
  if (serverExecMs !== undefined) columns.serverExecMs++;
  else columns.execMs++;
  const ttfs = num(row['timeToFirstStepMs']);
  const queueWaitMs = num(row['queueWaitMs']);
  return { serviceMs, execMs, firstStepAfterStartMs: ttfs !== undefined && queueWaitMs !== undefined ? Math.max(0, ttfs - queueWaitMs) : undefined };
}

/** Rows sent after every earlier-sent prompt to the same GPU had completed (client clock). */
function idleFound(rows: readonly Row[]): Row[] {
  const sent = rows.filter((r) => num(r['sentMs']) !== undefined).sort((a, b) => (num(a['sentMs']) as number) - (num(b['sentMs']) as number));
  const found: Row[] = [];
  let lastCompletedMs = Number.NEGATIVE_INFINITY;
  for (const row of sent) {
    if ((num(row['sentMs']) as number) >= lastCompletedMs) found.push(row);
    // A prompt whose end is unknown (lost, timed out) is not known to hold the GPU: it does not count.
    lastCompletedMs = Math.max(lastCompletedMs, num(row['completedMs']) ?? Number.NEGATIVE_INFINITY);
  }
  return found;
}

/**
 * Server-clock gaps between a prompt's end and the next one's start, for pairs where the next was
 * already queued (its POST answered before the previous prompt's completion reached us).
 */
function backToBackGaps(rows: readonly Row[]): number[] {
  const ran = rows
    .filter((r) => num(r['serverStartTs']) !== undefined && num(r['serverEndTs']) !== undefined)
    .sort((a, b) => (num(a['serverStartTs']) as number) - (num(b['serverStartTs']) as number));
  const gaps: number[] = [];
  for (let i = 1; i < ran.length; i++) {
    const prev = ran[i - 1] as Row;
    const next = ran[i] as Row;
    const ackMs = num(next['ackMs']);
    const prevCompletedMs = num(prev['completedMs']);
    if (ackMs === undefined || prevCompletedMs === undefined || !(ackMs < prevCompletedMs)) continue;
    const gap = (num(next['serverStartTs']) as number) - (num(prev['serverEndTs']) as number);
    if (gap >= 0) gaps.push(gap);
  }
  return gaps;
}

function num(text: string | undefined): number | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  const n = Number(text);
  return Number.isFinite(n) ? n : undefined;
}
