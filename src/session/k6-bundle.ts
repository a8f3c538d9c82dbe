/**
 * `comfyload k6 bundle … --out dir/`: a k6 test that runs without comfyload. comfyload does what
 * it does before every run — preflight against the server (fingerprint, /object_info, UI
 * conversion, --set, uploads), the sizing probe — and writes the scenario bundled for the
 * runners' k6 with its prepared plan. Run it with `k6 run --out json=out.json script.js` (add
 * `--execution-segment` per machine, or apply testrun.yaml to k6-operator), then
 * `comfyload import-k6` each output and `comfyload merge` the folders.
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { systemClock } from '../harness/clock.js';
import { ClosedLoopRun } from '../harness/closed-loop-run.js';
import { ComfyHttp } from '../harness/comfy-http.js';
import { buildFingerprint, fingerprintComments, fingerprintEnvironment } from '../harness/fingerprint.js';
import { findK6Path, flavourFor, parseK6Version, type K6Binary } from '../harness/k6/k6-binary.js';
import { buildK6Plan, scenarioScript } from '../harness/k6/k6-plan.js';
import { probeCompletion } from '../harness/k6/sizing-probe.js';
import { findPositiveText } from '../harness/prompt-text.js';
import { readServerInventory } from '../harness/server-inventory.js';
import { MetricRecorder } from '../metrics/recorder.js';
import { bundleReadme, testRunManifest } from './k6-bundle-docs.js';
import { k6Fallbacks, k6RunInfo, scenariosDir } from './k6-engine.js';
import type { SessionLog } from './measure.js';
import { packageInfo } from './package-info.js';
import type { RunPlan } from './plan.js';
import { preflightEnvironment, preflightWorkflow } from './preflight.js';

/** The scenario build for `--k6-version`, else the local k6's version, else k6 ≥ 1.6. */
function flavour(requested: string | undefined, env: NodeJS.ProcessEnv): { flavour: K6Binary['flavour']; forVersion: string } {
  const text = requested ?? localK6Version(env);
  if (text === undefined) return { flavour: '', forVersion: '1.6 or later' };
  const [major = 0, minor = 0, patch = 0] = text.replace(/^v/, '').split('.').map(Number);
  return { flavour: flavourFor([major, minor, patch], `k6 ${text}`), forVersion: text };
}

function localK6Version(env: NodeJS.ProcessEnv): string | undefined {
  const path = findK6Path(env, k6Fallbacks());
  if (path === undefined) return undefined;
  try {
    const out = execFileSync(path, ['version'], { encoding: 'utf8', timeout: 15_000, env: { ...env, K6_NO_USAGE_REPORT: 'true' } });
    return parseK6Version(out)?.join('.');
  } catch {
    return undefined;
  }
}

export interface K6BundleOptions {
  /** The folder to write (absolute). */
  out: string;
  /** The runners' k6 version (`1.6`); undefined: the local k6's, else 1.6 or later. */
  k6Version: string | undefined;
  env: NodeJS.ProcessEnv;
  log: SessionLog;
}

/** Prepares `plan` against its server (preflight, sizing probe) and writes the bundle for k6 runners. */
export async function writeK6Bundle(plan: RunPlan, o: K6BundleOptions): Promise<void> {
  const { out, log } = o;
  const build = flavour(o.k6Version, o.env);
  const clock = systemClock;
  const ready = await preflightWorkflow(plan, clock, log);
  const deps = {
    clock,
    recorder: new MetricRecorder({ clock: () => clock.now() }),
    observer: { onWarning: (m: string) => void log.write(`comfyload: warning: ${m}\n`) },
    runId: randomUUID(),
    originMs: clock.now(),
  };
  const stats = await new ClosedLoopRun(ready.plan, deps).preflight();
  const inventory = await readServerInventory(new ComfyHttp(ready.plan.targets[0]!), ready.prepared.objectInfo);
  const fingerprint = buildFingerprint({
    targets: [{ stats, label: ready.plan.targets[0]?.url ?? '', inventory }],
    workflow: ready.plan.workflow,
    workflowPath: ready.plan.workflowPath,
    harnessVersion: packageInfo().version,
    labels: ready.plan.labels,
  });
  const headerComments = fingerprintComments(fingerprint);
  const expected = await probeCompletion(ready.plan, clock, deps.observer.onWarning, new AbortController().signal);
  log.write(`comfyload: k6 levels sized for a ${expected.completionMs.toFixed(0)} ms completion (${expected.source})\n`);
  const k6Plan = buildK6Plan({
    plan: ready.plan,
    runId: deps.runId,
    expected,
    devices: stats.devices.length,
    run: k6RunInfo({
      plan: ready.plan,
      fingerprint,
      headerComments,
      environment: { ...fingerprintEnvironment(fingerprint), target: ready.plan.targetKind, ...preflightEnvironment(ready) },
    }),
    textTargets: (ready.plan.promptTexts ?? []).length > 0 ? findPositiveText(ready.plan.workflow) : [],
  });
  mkdirSync(out, { recursive: true });
  const script = scenarioScript(ready.plan);
  copyFileSync(join(scenariosDir(), build.flavour, `${script}.js`), join(out, 'script.js'));
  writeFileSync(join(out, 'plan.json'), `${JSON.stringify(k6Plan, null, 1)}\n`);
  writeFileSync(join(out, 'workflow.json'), `${JSON.stringify(ready.plan.workflow, null, 2)}\n`);
  writeFileSync(join(out, 'testrun.yaml'), testRunManifest(ready.plan.name));
  writeFileSync(join(out, 'README.md'), bundleReadme({ name: ready.plan.name, script, forVersion: build.forVersion, plan: k6Plan }));
  log.write(
    `comfyload: k6 bundle for k6 ${build.forVersion} in ${out}: script.js (${script}), plan.json, workflow.json, testrun.yaml, README.md\n` +
      `comfyload: run it: cd ${out} && k6 run --out json=out.json script.js   then: comfyload import-k6 out.json --out results/run\n`,
  );
}
