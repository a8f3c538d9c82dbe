/**
 * `comfyload run`: starts the built-in emulator when no --url is given, checks the target, runs
 * the closed-loop levels and writes the results folder
 * `results/<gpu>/<model-config>/<UTC time>-<name>/`. Exit codes: 0 done; 1 done but the error
 * rate passed --max-error-rate; 3 target unreachable or not ComfyUI, or every socket to it lost
 * during the run (COMFYLOAD_ERR_WS_CLOSED); 130 stopped by a signal (partial results are valid and
 * marked `"partial": true`, in both cases).
 */
import { randomUUID } from 'node:crypto';
import type { RunOutcome } from '../../harness/benchmark-run.js';
import { systemClock } from '../../harness/clock.js';
import { buildFingerprint, fingerprintComments, fingerprintEnvironment } from '../../harness/fingerprint.js';
import type { RunPlan } from '../../harness/run-plan.js';
import { MetricRecorder } from '../../metrics/recorder.js';
import type { RunSummary } from '../../metrics/result-types.js';
import { ConsoleReporter } from '../../reporters/console.js';
import type { CliIO } from '../io.js';
import { packageInfo } from '../package-info.js';
import { RunReporting } from '../run-reporting.js';
import { planSettings, runResultsDir, summaryBase } from '../run-summary.js';
import { describeOpenLoopPlan } from '../open-loop-plan.js';
import { OpenLoopReporting } from '../open-loop-reporting.js';
import { describeCombination, expandMatrix } from '../matrix.js';
import { preflightEnvironment, prepareRunWorkflow } from '../run-workflow.js';
import { VramReporting } from '../vram-reporting.js';
import { VramSampling } from '../vram-sampling.js';
import { startEmbeddedEmulator, type EmbeddedEmulator } from '../embedded-emulator.js';
import { HarnessLag } from '../harness-lag.js';
import { abortOnSignal } from '../stop-signal.js';
import { writeReport } from '../../session/results-folder.js';
import { judgeRun, printThresholds } from '../../session/run-thresholds.js';

export interface RunFlags {
  json: boolean;
  quiet: boolean;
  verbose: boolean;
}

export async function runCommand(plan: RunPlan, io: CliIO, flags: RunFlags): Promise<number> {
  const clock = systemClock;
  const stderr = flags.quiet ? { write: (): boolean => true } : io.stderr;
  let sim: EmbeddedEmulator | undefined;
  try {
    let effective = plan;
    if (plan.targetKind === 'emulator') {
      const emu = plan.emulator ?? { gpu: 'rtx-4090', timeScale: 1, seed: 1 };
      const faults = emu.faults ?? [];
      const upgrade = {
        ...(emu.slowdown !== undefined ? { slowdown: emu.slowdown } : {}),
        ...(emu.gpuProfile ? { gpuProfile: emu.gpuProfile } : {}),
        ...(emu.comfyuiVersion ? { comfyuiVersion: emu.comfyuiVersion } : {}),
      };
      sim = await startEmbeddedEmulator({ gpu: emu.gpu, timeScale: emu.timeScale, seed: emu.seed, port: 0, faults, ...upgrade });
      effective = { ...plan, targets: [{ url: sim.url, headers: {} }] };
      const faultText = `${faults.length > 0 ? `, faults ${faults.map((f) => f.name).join(', ')}` : ''}${emu.slowdown !== undefined ? `, slowdown ${emu.slowdown}` : ''}${emu.comfyuiVersion ? `, ComfyUI ${emu.comfyuiVersion}` : ''}`;
      stderr.write(
        `comfyload: no --url given: running against the built-in ComfyUI emulator (gpu ${emu.gpu}, time-scale ${emu.timeScale}${faultText}, ${sim.isolation === 'worker' ? 'in a worker thread' : 'in-process'}) at ${sim.url}\n`,
      );
    }
    // --matrix: one run (and results folder) per combination, on the same target; 130 stops them all.
    const plans = expandMatrix(effective);
    let code = 0;
    for (const [index, one] of plans.entries()) {
      if (one.matrix !== undefined) stderr.write(`comfyload: matrix ${index + 1} of ${plans.length}: ${describeCombination(one.matrix)}\n`);
      code = Math.max(code, await runAgainst(one, io, flags, stderr, clock));
      if (code === 130) break;
    }
    return code;
  } finally {
    await sim?.close();
  }
}

async function runAgainst(planned: RunPlan, io: CliIO, flags: RunFlags, stderr: { write(s: string): unknown }, clock: typeof systemClock): Promise<number> {
  // Workflow preflight (/object_info, UI conversion, --set, uploads, cache audit) before any prompt.
  const ready = await prepareRunWorkflow(planned, clock, stderr);
  const plan = ready.plan;
  const runId = randomUUID();
  const startTimeEpochMs = clock.epochMs();
  const originMs = clock.now();
  const recorder = new MetricRecorder({ clock: () => clock.now() });
  const consoleReporter = new ConsoleReporter({
    sink: stderr,
    isTTY: !flags.quiet && io.stderr.isTTY === true,
    clock: () => clock.now(),
    levelCount: plan.levels.length,
  });
  const targetUrl = plan.targets[0]?.url ?? '';

  // Preflight with a throwaway observer: nothing is written until the target answered like ComfyUI.
  const pending: string[] = [];
  const openLoop = new OpenLoopReporting();
  const probe = openLoop.engine(plan, { clock, recorder, observer: { onWarning: (m) => pending.push(m) }, runId, originMs });
  const stats = await probe.preflight();
  const version = packageInfo().version;
  const fingerprint = buildFingerprint(stats, plan.workflow, plan.workflowPath, version, plan.labels);
  const dir = runResultsDir(io.cwd, plan, fingerprint, startTimeEpochMs);
  const headerComments = fingerprintComments(fingerprint, plan.targetKind === 'emulator' ? 'emulator' : targetUrl);
  const vramIntervalMs = plan.vramIntervalMs ?? 250;
  const vram = new VramReporting(dir, vramIntervalMs, headerComments);
  const reporting = new RunReporting({
    dir,
    vram,
    recorder,
    startTimeEpochMs,
    clockOriginMs: originMs,
    headerComments,
    console: consoleReporter,
    clock: () => clock.now(),
    levelCount: plan.levels.length,
  });
  for (const message of pending) reporting.onWarning(message);
  if (plan.openLoop !== undefined) openLoop.open(dir, headerComments);
  stderr.write(`comfyload: ${describePlan(plan)} on ${fingerprint.gpu}; results in ${dir}\n`);

  const stop = abortOnSignal(io, stderr);
  const run = openLoop.engine(plan, { clock, recorder, observer: reporting, runId, originMs });
  const sampling = new VramSampling({
    target: plan.targets[0] ?? { url: targetUrl, headers: {} },
    vram,
    clock: () => clock.now(),
    originMs,
    context: () => run.live,
  });
  sampling.start();
  const lag = new HarnessLag();
  lag.start();
  let outcome: RunOutcome | undefined;
  let failure: unknown;
  try {
    outcome = await run.run(stop);
  } catch (err) {
    failure = err;
  }
  const lagFigures = lag.stop();
  if (lagFigures.warning !== undefined) reporting.onWarning(lagFigures.warning);
  const vramSummary = await sampling.stop((m) => reporting.onWarning(m));
  const endEpochMs = clock.epochMs();
  const levels = outcome?.levels ?? [];
  const base: Omit<RunSummary, 'files'> = {
    ...summaryBase({
      plan,
      runId,
      startTimeEpochMs,
      endEpochMs,
      settings: planSettings(plan, 'closed-loop'),
      levels,
      warmup: outcome?.warmup ?? null,
      outcome,
      failure,
      environment: {
        ...fingerprintEnvironment(fingerprint),
        target: plan.targetKind,
        ...preflightEnvironment(ready),
        ...lagFigures.environment,
        ...(outcome ? { reconnects: String(outcome.reconnects), malformedMessages: String(outcome.decodeStats.snapshot().malformed) } : {}),
      },
    }),
    vram: vramSummary,
  };
  // --threshold (issue 13): judged on the measured prompts, written into summary.json and report.html; printed at the gates below.
  const thresholds = plan.thresholds !== undefined ? judgeRun(plan.thresholds, recorder, levels) : undefined;
  if (thresholds !== undefined) base.thresholds = thresholds;
  const extraFiles = await openLoop.finish(plan, outcome, base, dir, headerComments, stderr);
  const summary = await reporting.finish(base, extraFiles);
  try {
    await writeReport(dir);
  } catch (err) {
    stderr.write(`comfyload: warning: report.html not written: ${(err as Error).message}\n`);
  }
  consoleReporter.finish(levels);
  if (flags.json) io.stdout.write(`${JSON.stringify(summary)}\n`);
  stderr.write(`comfyload: results in ${dir}\n`);
  if (failure !== undefined) throw failure;
  // The target ended the run (every socket lost): its code and exit 3, after the partial results.
  if (outcome?.stoppedBy !== undefined) throw outcome.stoppedBy;
  if (summary.partial) return 130;
  // --threshold (issue 13): one line per rule; a broken one exits 1, like --max-error-rate.
  const thresholdBroken = printThresholds(thresholds, io.stderr); // verdicts print even with --quiet
  const measured = summary.totals;
  const errorRate = measured.submitted > 0 ? measured.notOk / measured.submitted : 0;
  if (errorRate > plan.maxErrorRate) {
    stderr.write(
      `comfyload: error rate ${(errorRate * 100).toFixed(1)}% (${measured.notOk} of ${measured.submitted}) is above --max-error-rate ${(plan.maxErrorRate * 100).toFixed(1)}%\n`,
    );
    return 1;
  }
  return thresholdBroken ? 1 : 0; // --threshold (issue 13)
}

function describePlan(plan: RunPlan): string {
  if (plan.openLoop !== undefined) return describeOpenLoopPlan(plan);
  const per = plan.durationMs !== undefined ? `${plan.durationMs / 1000} s` : `${plan.promptsPerLevel ?? 0} prompts`;
  return `${plan.name}: concurrency ${plan.levels.map((l) => l.concurrency).join(',')}, ${per} per level, ${plan.warmupPrompts} warm-up`;
}
