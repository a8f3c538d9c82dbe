/**
 * The k6 engine of `comfyload run --engine k6`: comfyload's preflight (as the Node engine's), the
 * sizing probe, the prepared plan written to `<results>/k6/plan.json`, k6 run on the bundled
 * scenario, and its `--out json` stream turned — while k6 runs — into the same records, histograms,
 * observer events and VRAM samples the Node engines produce (k6-results.ts). What k6 measured is
 * kept even when k6 fails: its raw output is `<results>/k6/out.json.gz` (`comfyload import-k6`
 * reads it again) and the levels it reached are reported.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rm, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { DecodeStats } from '../../comfy/decode-stats.js';
import { ComfyloadError } from '../../comfy/errors.js';
import type { SystemStats } from '../../comfy/http-types.js';
import type { K6Plan, K6RunInfo } from '../../metrics/k6-wire.js';
import type { OpenLoopLevelReport, RunK6, RunVram } from '../../metrics/result-types.js';
import { ClosedLoopRun, type EngineDeps } from '../closed-loop-run.js';
import type { RunOutcome } from '../run-outcome.js';
import { findPositiveText } from '../prompt-text.js';
import type { LiveCounts } from '../run-observer.js';

import type { K6Binary } from './k6-binary.js';
import { buildK6Plan, scenarioScript, type K6LoadPlan } from './k6-plan.js';
import { runK6Process } from './k6-process.js';
import { K6Results, type VramSink } from './k6-results.js';
import { parseK6Line } from './k6-stream.js';
import { probeCompletion } from './sizing-probe.js';

/** What the k6 engine needs besides the plan; given once the results folder exists. */
export interface K6EngineOptions {
  binary: K6Binary;
  /** dist/scenarios of this comfyload. */
  scenariosDir: string;
  /** `<results>/k6`: plan.json, out.json(.gz), k6-summary.json. */
  workDir: string;
  /** The environment k6 inherits. */
  env: NodeJS.ProcessEnv;
  /** k6's log lines and the engine's notes (stderr). */
  log: (line: string) => void;
  run: K6RunInfo;
  /** Epoch ms of the run start (the origin of every mark in the results). */
  startTimeEpochMs: number;
}

/** k6's part of the outcome, for summary.json `k6`. */
export type K6Facts = RunK6;

export interface K6RunOutcome extends RunOutcome {
  k6: K6Facts;
  openLoop: OpenLoopLevelReport[];
  targetLevels: [];
}

export class K6Run {
  readonly #plan: K6LoadPlan;
  readonly #deps: EngineDeps;
  #options: K6EngineOptions | undefined;
  #results: K6Results | undefined;
  #vram: VramSink | undefined;
  #vramCounts = { samples: 0, skippedTicks: 0, failedPolls: 0 };

  constructor(plan: K6LoadPlan, deps: EngineDeps, options?: K6EngineOptions) {
    this.#plan = plan;
    this.#deps = deps;
    this.#options = options;
  }

  /** Gives the engine its options, once the results folder exists (before `run`). */
  prepare(options: K6EngineOptions): void {
    this.#options = options;
  }

  get live(): Readonly<LiveCounts> {
    return this.#results?.live ?? { level: 0, concurrency: 0, phase: 'warmup', submitted: 0, settled: 0, inFlight: 0, errors: 0 };
  }

  /** The Node engine's preflight: a reachable ComfyUI, and the seed warning. */
  preflight(): Promise<SystemStats> {
    return new ClosedLoopRun(this.#plan, this.#deps).preflight();
  }

  /**
   * In place of the Node VRAM sampler: k6's VRAM scenario polls /system_stats, its readings reach
   * `vram` through the stream; `stop` sums them up like VramSampling.stop.
   */
  vramFeed(vram: VramSink & { summary(counts: readonly { samples: number; skippedTicks: number; failedPolls: number }[]): RunVram }): {
    start(): void;
    stop(onWarning: (m: string) => void): Promise<RunVram>;
  } {
    this.#vram = vram;
    return {
      start: () => undefined,
      stop: async (onWarning) => {
        const counts = this.#vramCounts;
        if (counts.failedPolls > 0) onWarning(`${counts.failedPolls} VRAM polls of /system_stats by k6 failed`);
        return vram.summary([counts]);
      },
    };
  }

  async run(signal: AbortSignal): Promise<K6RunOutcome> {
    const o = this.#options;
    if (o === undefined) throw new ComfyloadError('COMFYLOAD_ERR_INTERNAL', 'the k6 engine was started without its options');
    const expected = await probeCompletion(this.#plan, this.#deps.clock, (m) => o.log(`comfyload: warning: ${m}`), signal);
    o.log(`comfyload: k6 levels sized for a ${expected.completionMs.toFixed(0)} ms completion (${expected.source})`);
    const stats = await new ClosedLoopRun(this.#plan, this.#deps).http.systemStats();
    const k6Plan = buildK6Plan({
      plan: this.#plan,
      runId: this.#deps.runId,
      expected,
      devices: Array.isArray(stats.devices) ? stats.devices.length : 0,
      run: o.run,
      textTargets: (this.#plan.promptTexts ?? []).length > 0 ? findPositiveText(this.#plan.workflow) : [],
    });
    await mkdir(o.workDir, { recursive: true });
    const planPath = join(o.workDir, 'plan.json');
    const outPath = join(o.workDir, 'out.json');
    const summaryPath = join(o.workDir, 'k6-summary.json');
    await writeFile(planPath, `${JSON.stringify(k6Plan, null, 1)}\n`);
    const results = new K6Results({
      recorder: this.#deps.recorder,
      observer: this.#deps.observer,
      runId: this.#deps.runId,
      originEpochMs: o.startTimeEpochMs,
      plan: k6Plan,
      ...(this.#vram ? { vram: this.#vram } : {}),
    });
    this.#results = results;
    const script = join(o.scenariosDir, o.binary.flavour, `${scenarioScript(this.#plan)}.js`);
    let line = 0;
    const processed = await runK6Process({
      binary: o.binary,
      script,
      outPath,
      env: {
        ...o.env,
        COMFYLOAD_PLAN: planPath,
        COMFYLOAD_HEADERS: JSON.stringify(this.#plan.targets[0]?.headers ?? {}),
        COMFYLOAD_K6_SUMMARY: summaryPath,
      },
      ...(this.#plan.k6?.executionSegment !== undefined ? { executionSegment: this.#plan.k6.executionSegment } : {}),
      onLine: async (text) => {
        line++;
        const event = parseK6Line(text, `${outPath}:${line}`);
        if (event !== undefined) await results.accept(event);
      },
      onLog: (text) => o.log(`k6: ${text}`),
      signal,
    });
    const summed = await results.finish();
    this.#vramCounts = summed.vram;
    await gzipInPlace(outPath);
    const thresholds = await readK6Thresholds(summaryPath);
    const failed = processed.exitCode !== 0 && processed.exitCode !== 99;
    const partial = signal.aborted || failed;
    return {
      warmup: summed.warmup,
      levels: summed.levels,
      partial,
      ...(partial
        ? { partialReason: signal.aborted ? String(signal.reason ?? 'stopped') : `k6 exited with code ${processed.exitCode ?? processed.signal ?? '?'}` }
        : {}),
      decodeStats: new DecodeStats(),
      reconnects: 0,
      ...(failed && !signal.aborted ? { stoppedBy: k6Failure(processed.exitCode, processed.signal, processed.stdoutTail, o.workDir) } : {}),
      openLoop: summed.openLoop,
      targetLevels: [],
      k6: {
        version: o.binary.version,
        binary: o.binary.path,
        exitCode: processed.exitCode,
        executionSegment: this.#plan.k6?.executionSegment ?? '',
        expectedCompletionMs: k6Plan.expectedCompletionMs,
        sizing: k6Plan.sizing,
        thresholds,
        droppedIterations: summed.dropped,
        unsettled: summed.unsettled,
        script,
      },
    };
  }
}

function k6Failure(code: number | null, signal: NodeJS.Signals | null, stdoutTail: string, workDir: string): ComfyloadError {
  const last = stdoutTail.trim().split('\n').slice(-3).join(' / ');
  return new ComfyloadError(
    'COMFYLOAD_ERR_K6_FAILED',
    `k6 exited with ${code !== null ? `code ${code}` : `signal ${signal ?? '?'}`}${last ? `: ${last}` : ''}`,
    {
      hint: `read the k6: lines above; the plan and k6's raw output are in ${workDir}.`,
    },
  );
}

/** k6's own threshold verdicts from handleSummary's file; [] when k6 wrote none. */
async function readK6Thresholds(path: string): Promise<K6Facts['thresholds']> {
  try {
    const parsed = JSON.parse(await readFile(path, 'utf8')) as { thresholds?: K6Facts['thresholds'] };
    return Array.isArray(parsed.thresholds) ? parsed.thresholds : [];
  } catch {
    return [];
  }
}

/** out.json → out.json.gz (k6's raw output is kept compressed; import-k6 reads either). */
async function gzipInPlace(path: string): Promise<void> {
  try {
    await pipeline(createReadStream(path), createGzip(), createWriteStream(`${path}.gz`));
    await rm(path);
  } catch {
    // k6 never wrote it (it failed before the test): nothing to keep.
  }
}

export type { K6Plan };
