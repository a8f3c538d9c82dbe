/**
 * `comfyload capacity --slo 'completionMs.p95<30000'`: finds the highest arrival rate that meets
 * every SLO (see harness/capacity-run.ts) and writes a results folder like `run`'s, plus
 * `trials.csv` (one row per trial), `capacity.json` (the result), `queue.csv`, `vram.csv` and
 * `report.html` (trials, max rate, knee, GPU time, queue depth, VRAM). Prints the max
 * rate, goodput, knee and the GPU time of the search against an 8-level grid sweep; with the
 * built-in emulator, also the emulator's true service rate. Exit codes: 0 done (whatever rate it
 * found), 1 no rate met the SLOs, 2 bad usage, 3 target unreachable, 130 stopped.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { CapacityRun, type CapacityOutcome } from '../../harness/capacity-run.js';
import { systemClock } from '../../harness/clock.js';
import { ComfyHttp } from '../../harness/comfy-http.js';
import { buildFingerprint, fingerprintComments, fingerprintEnvironment } from '../../harness/fingerprint.js';
import { fetchObjectInfo } from '../../harness/preflight.js';
import { inventoryWarnings, readServerInventory } from '../../harness/server-inventory.js';
import type { RunPlan, TargetSpec } from '../../harness/run-plan.js';
import { QueueTimeline } from '../../metrics/queue-timeline.js';
import { MetricRecorder } from '../../metrics/recorder.js';
import type { ResultFile, RunSummary } from '../../metrics/result-types.js';
import { ConsoleReporter } from '../../reporters/console.js';
import { formatCapacitySummary, QueueCsvWriter, writeTrialsCsv } from '../../reporters/open-loop-files.js';
import { startEmbeddedEmulator, type EmbeddedEmulator } from '../embedded-emulator.js';
import { BUNDLED_WORKFLOW, nameFromPath } from '../build-run-plan.js';
import { ComfyloadError } from '../../comfy/errors.js';
import { FileSink } from '../file-sink.js';
import type { CliIO } from '../io.js';
import type { Resolved } from '../option-table.js';
import type { CapacityOptionValues } from '../options-capacity.js';
import { packageInfo } from '../package-info.js';
import { RunReporting } from '../run-reporting.js';
import { HarnessLag } from '../harness-lag.js';
import { abortOnSignal } from '../stop-signal.js';
import { planSettings, runResultsDir, summaryBase } from '../run-summary.js';
import { VramReporting } from '../vram-reporting.js';
import { VramSampling } from '../vram-sampling.js';
import { loadWorkflowFile } from '../workflow-file.js';
import { writeReport } from '../../session/results-folder.js';

export async function capacityCommand(resolved: Resolved<CapacityOptionValues>, io: CliIO): Promise<number> {
  const v = resolved.values;
  if (v.slo === undefined || v.slo.length === 0) {
    throw new ComfyloadError('COMFYLOAD_ERR_BAD_OPTION', 'Missing `--slo`: the capacity search needs at least one objective to meet', {
      hint: "e.g. --slo 'completionMs.p95<30000' (repeat for several).",
    });
  }
  if (v.url !== undefined && v.workflow === undefined) {
    throw new ComfyloadError('COMFYLOAD_ERR_BAD_OPTION', 'Missing `--workflow`: with --url, comfyload needs the workflow to queue on that server', {
      hint: 'e.g. --workflow workflow_api.json.',
    });
  }
  const stderr = v.quiet ? { write: (): boolean => true } : io.stderr;
  const workflowPath = v.workflow ?? join(packageInfo().root, BUNDLED_WORKFLOW);
  const workflow = await loadWorkflowFile(workflowPath);
  const seed = v.seed ?? Math.floor(Math.random() * 2 ** 48);
  const headers = Object.fromEntries(v.header ?? []);
  const targets: TargetSpec[] = (v.url ?? []).map((t) => ({ url: t.url, headers: { ...headers, ...t.headers } }));
  let sim: EmbeddedEmulator | undefined;
  try {
    if (targets.length === 0) {
      sim = await startEmbeddedEmulator({ gpu: v.simGpu, timeScale: v.simTimeScale, seed, port: 0 });
      targets.push({ url: sim.url, headers: {} });
      stderr.write(
        `comfyload: no --url given: running against the built-in ComfyUI emulator (gpu ${v.simGpu}, time-scale ${v.simTimeScale}, ${sim.isolation === 'worker' ? 'in a worker thread' : 'in-process'}) at ${sim.url}\n`,
      );
    }
    const plan: RunPlan = {
      name: v.name ?? `${nameFromPath(workflowPath)}-capacity`,
      targetKind: sim !== undefined ? 'emulator' : 'server',
      targets,
      ...(sim !== undefined ? { emulator: { gpu: v.simGpu, timeScale: v.simTimeScale, seed } } : {}),
      workflowPath,
      workflow,
      levels: [],
      warmupPrompts: v.warmup,
      seedPolicy: v.seedPolicy,
      seed,
      maxErrorRate: 1,
      fetchOutputs: false,
      promptTimeoutMs: v.promptTimeout,
      resultsDir: v.resultsDir,
      labels: Object.fromEntries(v.label ?? []),
      vramIntervalMs: v.vramInterval,
      quietLookupMs: v.quietLookup,
      reconnectTimeoutMs: v.reconnectTimeout,
    };
    return await capacityAgainst(plan, v, io, stderr, sim);
  } finally {
    await sim?.close();
  }
}

async function capacityAgainst(
  plan: RunPlan,
  v: CapacityOptionValues,
  io: CliIO,
  stderr: { write(s: string): unknown },
  sim: EmbeddedEmulator | undefined,
): Promise<number> {
  const clock = systemClock;
  const runId = randomUUID();
  const startTimeEpochMs = clock.epochMs();
  const originMs = clock.now();
  const recorder = new MetricRecorder({ clock: () => clock.now() });
  const timeline = new QueueTimeline();
  const pending: string[] = [];
  const slos = v.slo ?? [];
  const capacityPlan = {
    slos,
    confidence: v.confidence,
    arrival: v.arrival,
    burstiness: v.arrival === 'gamma' ? v.burstiness : 1,
    maxInFlight: v.maxInFlight,
    dispatch: v.dispatch,
    probePrompts: v.probePrompts,
    windowArrivals: v.windowArrivals,
    maxWindows: v.maxWindows,
    maxTrials: v.maxTrials,
    precision: v.precision,
  };
  const probe = new CapacityRun(plan, capacityPlan, { clock, recorder, observer: { onWarning: (m) => pending.push(m) }, runId, originMs, timeline });
  const stats = await probe.preflight();
  const version = packageInfo().version;
  // capacity has no workflow preflight yet: this is its one /object_info.
  const http = new ComfyHttp(plan.targets[0]!);
  const inventory = await readServerInventory(http, await fetchObjectInfo(http));
  pending.push(...inventoryWarnings(inventory, plan.targetKind === 'emulator' ? 'emulator' : http.baseUrl));
  const fingerprint = buildFingerprint(stats, plan.workflow, plan.workflowPath, version, plan.labels, inventory);
  const dir = runResultsDir(io.cwd, plan, fingerprint, startTimeEpochMs);
  const headerComments = fingerprintComments(fingerprint, plan.targetKind === 'emulator' ? 'emulator' : plan.targets.map((t) => t.url).join(' '));
  const consoleReporter = new ConsoleReporter({ sink: stderr, isTTY: !v.quiet && io.stderr.isTTY === true, clock: () => clock.now(), levelCount: v.maxTrials });
  const vram = new VramReporting(dir, v.vramInterval, headerComments);
  const reporting = new RunReporting({
    dir,
    vram,
    recorder,
    startTimeEpochMs,
    clockOriginMs: originMs,
    headerComments,
    console: consoleReporter,
    clock: () => clock.now(),
    levelCount: v.maxTrials,
  });
  for (const message of pending) reporting.onWarning(message);
  const queueCsv = new QueueCsvWriter(new FileSink(join(dir, 'queue.csv')), headerComments);
  timeline.onSample((s) => queueCsv.write(s));
  const run = new CapacityRun(plan, capacityPlan, { clock, recorder, observer: reporting, runId, originMs, timeline });
  stderr.write(
    `comfyload: capacity search for ${slos.map((s) => s.text).join(' and ')} (${v.arrival} arrivals, ${(v.confidence * 100).toFixed(0)}% confidence) on ${fingerprint.gpu}; results in ${dir}\n`,
  );
  stderr.write(
    `comfyload: minimum prompts per trial to claim ${Object.entries(run.minSamples())
      .map(([slo, n]) => `${slo}: ${n}`)
      .join(', ')}\n`,
  );
  const stop = abortOnSignal(io, stderr);
  const sampling = new VramSampling({ target: plan.targets[0]!, vram, clock: () => clock.now(), originMs, context: () => run.live });
  sampling.start();
  const lag = new HarnessLag();
  lag.start();
  let outcome: CapacityOutcome | undefined;
  let failure: unknown;
  try {
    outcome = await run.run(stop, (t) =>
      stderr.write(
        `comfyload: trial ${t.index + 1} (${t.phase}) at ${(t.ratePerSec * 60).toFixed(1)}/min: ${t.verdict.toUpperCase()} (${t.reason}), ${t.ok} ok of ${t.arrivals}, ${t.windows} windows\n`,
      ),
    );
  } catch (err) {
    failure = err;
  }
  const vramSummary = await sampling.stop((m) => reporting.onWarning(m));
  const lagFigures = lag.stop();
  if (lagFigures.warning !== undefined) reporting.onWarning(lagFigures.warning);
  await queueCsv.close();
  const endEpochMs = clock.epochMs();
  const files: ResultFile[] = [{ kind: 'queue', path: 'queue.csv' }];
  if (outcome !== undefined) {
    await writeTrialsCsv(new FileSink(join(dir, 'trials.csv')), outcome.result.trials, headerComments);
    const capSink = new FileSink(join(dir, 'capacity.json'));
    capSink.write(`${JSON.stringify(outcome.result, null, 2)}\n`);
    capSink.close();
    files.push({ kind: 'trials', path: 'trials.csv' }, { kind: 'capacity', path: 'capacity.json' });
  }
  const base: Omit<RunSummary, 'files'> = {
    ...summaryBase({
      plan,
      runId,
      startTimeEpochMs,
      endEpochMs,
      settings: {
        ...planSettings(plan, 'capacity'),
        levels: [],
        fetchOutputs: false,
        openLoop: { arrival: v.arrival, ...(v.arrival === 'gamma' ? { burstiness: v.burstiness } : {}), maxInFlight: v.maxInFlight, dispatch: v.dispatch },
      },
      levels: outcome?.levels ?? [],
      warmup: outcome?.warmup ?? null,
      outcome,
      failure,
      environment: { ...fingerprintEnvironment(fingerprint), target: plan.targetKind, ...lagFigures.environment },
    }),
    vram: vramSummary,
    ...(outcome !== undefined ? { capacity: outcome.result } : {}),
  };
  const summary = await reporting.finish(base, files);
  try {
    await writeReport(dir);
  } catch (err) {
    stderr.write(`comfyload: warning: report.html not written: ${(err as Error).message}\n`);
  }
  if (outcome !== undefined) {
    for (const line of formatCapacitySummary(outcome.result, sim !== undefined ? await sim.serviceRatePerSec() : undefined)) stderr.write(`${line}\n`);
  }
  if (v.json) io.stdout.write(`${JSON.stringify(summary)}\n`);
  stderr.write(`comfyload: results in ${dir}\n`);
  if (failure !== undefined) throw failure;
  // Every socket to a target given up: partial files are written; exit with its code (3).
  if (outcome?.stoppedBy !== undefined) throw outcome.stoppedBy;
  if (summary.partial) return 130;
  return outcome?.result.maxRatePerSec === null ? 1 : 0;
}
