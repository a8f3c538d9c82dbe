/**
 * k6's `--out json` output of comfyload's scenarios
 * (a `comfyload k6 bundle` run on another machine, a k6-operator runner) turned into a results
 * folder, by the same converter as `run --engine k6` and the same writers as every run:
 * requests.csv, levels.csv, histograms.hlog, the .hgrm files, vram.csv, summary.json (`engine:
 * k6`, k6's version) and report.html. The stream is self-describing — setup() recorded the plan,
 * its fingerprint and the runner's execution segment in it — so nothing else is needed. Lines that
 * are not JSON (k6's log lines, when the output went to stdout: `kubectl logs`) are skipped and
 * counted.
 */
import { closeSync, createReadStream, existsSync, openSync, readdirSync, readSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import { ComfyloadError } from '../comfy/errors.js';
import { K6Results } from '../harness/k6/k6-results.js';
import { parseK6Line, type K6Event } from '../harness/k6/k6-stream.js';
import { k6VersionFromUserAgent, type K6RunWire } from '../metrics/k6-wire.js';
import { MetricRecorder } from '../metrics/recorder.js';
import type { RunK6, RunSummary } from '../metrics/result-types.js';
import { ConsoleReporter } from '../reporters/console.js';
import type { SessionLog } from './measure.js';
import { ResultFiles } from './result-files.js';
import { writeReport } from './results-folder.js';
import { summaryBase } from './summary.js';
import { parseRunThreshold, type RunThreshold } from '../metrics/run-thresholds.js';
import { judgeRun } from './run-thresholds.js';
import { VramTimeline } from './vram-timeline.js';

function isGzip(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const head = Buffer.alloc(2);
    readSync(fd, head, 0, 2, 0);
    return head[0] === 0x1f && head[1] === 0x8b;
  } finally {
    closeSync(fd);
  }
}

/** Every event of the file, in order; `skipped` counts the lines that were not JSON. */
async function* events(path: string, counts: { skipped: number }): AsyncGenerator<K6Event> {
  const raw = createReadStream(path);
  const lines = createInterface({ input: isGzip(path) ? raw.pipe(createGunzip()) : raw, crlfDelay: Infinity });
  let n = 0;
  for await (const line of lines) {
    n++;
    if (!line.trimStart().startsWith('{')) {
      if (line.trim() !== '') counts.skipped++;
      continue;
    }
    const event = parseK6Line(line, `${path}:${n}`);
    if (event !== undefined) yield event;
  }
}

/** First pass: the run record (plan, fingerprint, segment), the stream's time span and its non-JSON lines. */
async function runRecordOf(file: string): Promise<{ run: K6RunWire; lastMs: number; skipped: number }> {
  const counts = { skipped: 0 };
  let run: K6RunWire | undefined;
  let lastMs = 0;
  for await (const e of events(file, counts)) {
    if (e.kind === 'run') run ??= e.wire;
    if (Number.isFinite(e.timeMs)) lastMs = Math.max(lastMs, e.timeMs);
  }
  if (run === undefined) {
    throw new ComfyloadError(
      'COMFYLOAD_ERR_BAD_K6_OUTPUT',
      `${file} holds no comfyload run record: it is not the output of comfyload's k6 scenarios (or its setup() never ran)`,
    );
  }
  return { run, lastMs, skipped: counts.skipped };
}

/** Turns one k6 output file (`file`, absolute) into a results folder at `dir` (absolute, new or empty). */
export async function importK6Output(file: string, dir: string, log: SessionLog): Promise<RunSummary> {
  if (!existsSync(file))
    throw new ComfyloadError('COMFYLOAD_ERR_BAD_OPTION', `${file} does not exist`, { hint: 'pass the file k6 wrote with --out json=<file>.' });
  if (existsSync(dir) && readdirSync(dir).length > 0)
    throw new ComfyloadError('COMFYLOAD_ERR_RESULTS_WRITE', `${dir} exists and is not empty`, { hint: 'give --out a new folder.' });

  const { run, lastMs, skipped } = await runRecordOf(file);
  const info = run.plan.run;
  const originEpochMs = run.atMs;
  const headerComments = [
    ...info.headerComments,
    `imported: from k6 ${k6VersionFromUserAgent(run.userAgent) || '?'} output ${file}${run.executionSegment ? ` (execution segment ${run.executionSegment})` : ''}`,
  ];
  // The recorder's clock follows the stream, so the .hlog intervals end where the levels did.
  let streamMs = 0;
  const recorder = new MetricRecorder({ clock: () => streamMs });
  const levelCount = new Set(run.plan.scenarios.filter((s) => s.phase === 'measure').flatMap((s) => s.levels.map((l) => l.level))).size;
  const consoleReporter = new ConsoleReporter({ sink: log, isTTY: false, clock: () => 0, levelCount });
  const vram = run.plan.vram !== null ? new VramTimeline({ dir, intervalMs: run.plan.vram.intervalMs, headerComments }) : undefined;
  const reporting = new ResultFiles({
    dir,
    recorder,
    startTimeEpochMs: originEpochMs,
    clockOriginMs: 0,
    headerComments,
    console: consoleReporter,
    clock: () => 0,
    levelCount,
    ...(vram !== undefined ? { vram } : {}),
  });
  const results = new K6Results({ recorder, observer: reporting, runId: run.plan.runId, originEpochMs, plan: run.plan, ...(vram ? { vram } : {}) });
  for await (const e of events(file, { skipped: 0 })) {
    if (Number.isFinite(e.timeMs)) streamMs = Math.max(streamMs, e.timeMs - originEpochMs);
    await results.accept(e);
  }
  streamMs = Math.max(streamMs, lastMs - originEpochMs);
  const summed = await results.finish();
  const plan = { name: info.name, targetKind: info.targetKind, targets: [{ url: info.targetUrl, headers: {} }] };
  const base: Omit<RunSummary, 'files'> = {
    ...summaryBase({
      plan,
      runId: run.plan.runId,
      startTimeEpochMs: originEpochMs,
      endEpochMs: Math.max(lastMs, originEpochMs),
      settings: info.settings,
      levels: summed.levels,
      warmup: summed.warmup,
      outcome: {
        partial: summed.unsettled > 0,
        ...(summed.unsettled > 0 ? { partialReason: `k6 cut ${summed.unsettled} prompt(s) before they settled` } : {}),
      },
      failure: undefined,
      environment: { ...info.environment, importedFrom: file },
    }),
    harness: { name: 'comfyload', version: info.harnessVersion },
    ...(vram !== undefined ? { vram: vram.summary([summed.vram]) } : {}),
    ...(info.settings.mode === 'open-loop' ? { openLoop: summed.openLoop } : {}),
    engine: 'k6',
    k6: importedK6Facts(run, summed),
    ...(run.plan.thresholds.length > 0
      ? {
          thresholds: judgeRun(
            run.plan.thresholds.map(parseRunThreshold).filter((t): t is RunThreshold => typeof t !== 'string'),
            recorder,
            summed.levels,
          ),
        }
      : {}),
  };
  if (skipped > 0) reporting.onWarning(`${skipped} lines of ${file} were not JSON (k6 log lines) and were skipped`);
  const summary = await reporting.finish(base);
  await writeReport(dir);
  log.write(`comfyload: imported ${summary.totals.submitted} prompts (${summary.totals.ok} ok) from ${file}; results in ${dir}\n`);
  return summary;
}

/** summary.json `k6` of an imported output: what the stream says (no binary, no exit code). */
function importedK6Facts(run: K6RunWire, summed: { dropped: number; unsettled: number }): RunK6 {
  return {
    version: k6VersionFromUserAgent(run.userAgent),
    binary: '',
    exitCode: null,
    executionSegment: run.executionSegment,
    expectedCompletionMs: run.plan.expectedCompletionMs,
    sizing: run.plan.sizing,
    thresholds: [],
    droppedIterations: summed.dropped,
    unsettled: summed.unsettled,
    script: '',
  };
}
