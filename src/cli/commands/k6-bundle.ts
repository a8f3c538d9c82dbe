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
import { join, resolve } from 'node:path';
import { ComfyloadError } from '../../comfy/errors.js';
import { BenchmarkRun } from '../../harness/benchmark-run.js';
import { systemClock } from '../../harness/clock.js';
import { buildFingerprint, fingerprintComments, fingerprintEnvironment } from '../../harness/fingerprint.js';
import { findK6Path, flavourFor, parseK6Version, type K6Binary } from '../../harness/k6/k6-binary.js';
import { buildK6Plan, scenarioScript } from '../../harness/k6/k6-plan.js';
import { probeCompletion } from '../../harness/k6/sizing-probe.js';
import { findPositiveText } from '../../harness/prompt-text.js';
import { MetricRecorder } from '../../metrics/recorder.js';
import { buildRunPlan } from '../build-run-plan.js';
import { loadConfigFile } from '../config-file.js';
import type { CliIO } from '../io.js';
import { k6Fallbacks, k6RunInfo, scenariosDir } from '../k6-engine.js';
import { resolveOptions, type ConfigValues } from '../option-table.js';
import { K6_BUNDLE_OPTIONS } from '../options-k6-bundle.js';
import { packageInfo } from '../package-info.js';
import { preflightEnvironment, prepareRunWorkflow } from '../run-workflow.js';
import { bundleReadme, testRunManifest } from './k6-bundle-docs.js';

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

export async function k6BundleCommand(flags: Record<string, unknown>, io: CliIO): Promise<number> {
  const configRaw = flags.config ?? (io.env.COMFYLOAD_CONFIG === '' ? undefined : io.env.COMFYLOAD_CONFIG);
  const config: ConfigValues | undefined = typeof configRaw === 'string' ? await loadConfigFile(resolve(io.cwd, configRaw), K6_BUNDLE_OPTIONS) : undefined;
  const resolved = resolveOptions(K6_BUNDLE_OPTIONS, { flags, env: io.env, cwd: io.cwd, ...(config !== undefined ? { config } : {}) });
  const v = resolved.values;
  if (v.out === undefined)
    throw new ComfyloadError('COMFYLOAD_ERR_BAD_OPTION', 'Missing `--out`: the folder to write the bundle to', {
      hint: 'e.g. comfyload k6 bundle --url http://gpu-box:8188 --workflow w.json --out bundle/',
    });
  if (v.url === undefined) {
    throw new ComfyloadError('COMFYLOAD_ERR_BAD_OPTION', 'Missing `--url`: a bundle is prepared against the server its runners will load', {
      hint: 'give --url (and --workflow); the built-in emulator stops when this command does.',
    });
  }
  if (v.executionSegment !== undefined) {
    throw new ComfyloadError('COMFYLOAD_ERR_BAD_OPTION', '`--execution-segment` is given to each k6 run of the bundle, not to the bundle', {
      hint: 'k6 run --execution-segment 0:1/2 --out json=a.json script.js on one machine, 1/2:1 on the other (k6-operator does it for you).',
    });
  }
  const build = flavour(v.k6Version, io.env);
  const plan = await buildRunPlan({ ...resolved, values: { ...v, engine: 'k6' } }, { packageRoot: packageInfo().root });
  const clock = systemClock;
  const ready = await prepareRunWorkflow(plan, clock, io.stderr);
  const deps = {
    clock,
    recorder: new MetricRecorder({ clock: () => clock.now() }),
    observer: { onWarning: (m: string) => void io.stderr.write(`comfyload: warning: ${m}\n`) },
    runId: randomUUID(),
    originMs: clock.now(),
  };
  const stats = await new BenchmarkRun(ready.plan, deps).preflight();
  const fingerprint = buildFingerprint(stats, ready.plan.workflow, ready.plan.workflowPath, packageInfo().version, ready.plan.labels);
  const headerComments = fingerprintComments(fingerprint, ready.plan.targets[0]?.url ?? '');
  const expected = await probeCompletion(ready.plan, clock, deps.observer.onWarning, new AbortController().signal);
  io.stderr.write(`comfyload: k6 levels sized for a ${expected.completionMs.toFixed(0)} ms completion (${expected.source})\n`);
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
  const out = resolve(io.cwd, v.out);
  mkdirSync(out, { recursive: true });
  const script = scenarioScript(ready.plan);
  copyFileSync(join(scenariosDir(), build.flavour, `${script}.js`), join(out, 'script.js'));
  writeFileSync(join(out, 'plan.json'), `${JSON.stringify(k6Plan, null, 1)}\n`);
  writeFileSync(join(out, 'workflow.json'), `${JSON.stringify(ready.plan.workflow, null, 2)}\n`);
  writeFileSync(join(out, 'testrun.yaml'), testRunManifest(ready.plan.name));
  writeFileSync(join(out, 'README.md'), bundleReadme({ name: ready.plan.name, script, forVersion: build.forVersion, plan: k6Plan }));
  io.stderr.write(
    `comfyload: k6 bundle for k6 ${build.forVersion} in ${out}: script.js (${script}), plan.json, workflow.json, testrun.yaml, README.md\n` +
      `comfyload: run it: cd ${out} && k6 run --out json=out.json script.js   then: comfyload import-k6 out.json --out results/run\n`,
  );
  return 0;
}
