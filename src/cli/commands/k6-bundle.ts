/**
 * `comfyload k6 bundle … --out dir/`: a k6 test that runs without comfyload. comfyload does what
 * it does before every run (src/session/k6-bundle.ts) — preflight against the server (fingerprint, /object_info, UI
 * conversion, --set, uploads), the sizing probe — and writes the scenario bundled for the
 * runners' k6 with its prepared plan. Run it with `k6 run --out json=out.json script.js` (add
 * `--execution-segment` per machine, or apply testrun.yaml to k6-operator), then
 * `comfyload import-k6` each output and `comfyload merge` the folders.
 */
import { resolve } from 'node:path';
import { ComfyloadError } from '../../comfy/errors.js';
import { buildRunPlan } from '../../session/build-plan.js';
import { writeK6Bundle } from '../../session/k6-bundle.js';
import { packageInfo } from '../../session/package-info.js';
import type { CliIO } from '../io.js';
import { K6_BUNDLE_OPTIONS } from '../options-k6-bundle.js';
import { resolveWithConfig } from '../run-args.js';

export async function k6BundleCommand(flags: Record<string, unknown>, io: CliIO): Promise<number> {
  const resolved = await resolveWithConfig(K6_BUNDLE_OPTIONS, flags, io);
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
  const plan = await buildRunPlan({ ...resolved, values: { ...v, engine: 'k6' } }, { packageRoot: packageInfo().root });
  await writeK6Bundle(plan, { out: resolve(io.cwd, v.out), k6Version: v.k6Version, env: io.env, log: io.stderr });
  return 0;
}
