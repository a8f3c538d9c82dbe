// Bundles the CLI, the library entry and the emulator's worker to dist/ with esbuild (runtime
// dependencies stay external, installed by npm), the k6 scenarios to dist/scenarios/ (`k6` and
// `k6/*` external: they are k6's own modules), then emits the library's type declarations
// (dist/types) with tsc.
//
// The scenarios import `k6/websockets` and `k6/timers`, the names of current k6 (>= 1.6). Older k6
// has the same APIs under other names, so each scenario is built once per name set and comfyload
// picks the build by `k6 version` (src/harness/k6/k6-binary.ts):
//   dist/scenarios/<name>.js          k6 >= 1.6
//   dist/scenarios/k6-v0.50/<name>.js k6 0.50 .. 1.5 (k6/experimental/websockets, k6/timers)
//   dist/scenarios/k6-v0.49/<name>.js k6 0.49        (k6/experimental/websockets, k6/experimental/timers)
// k6 before v0.52 runs ES modules through Babel inside its JS runtime: 15 s to load these bundles
// on k6 v0.49, against 0.1 s for the same code as CommonJS (measured with `k6 inspect`), so the
// builds for older k6 are CommonJS; k6 >= 0.52 reads ES modules natively.
import { execFileSync } from 'node:child_process';
import { chmodSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { build } from 'esbuild';

const common = {
  outdir: 'dist',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  packages: 'external',
  sourcemap: true,
  logLevel: 'warning',
};

// The shebang is harmless in the worker entry and needed in the bin.
await build({ ...common, entryPoints: { cli: 'src/cli/main.ts', 'sim-worker': 'src/sim/sim-worker.ts' }, banner: { js: '#!/usr/bin/env node' } });
// The bin must be executable itself: npm links it with its mode as built (esbuild writes 0644), and
// `npx comfyload` in this checkout runs it directly.
chmodSync('dist/cli.js', 0o755);
await build({ ...common, entryPoints: { index: 'src/index.ts' } });

const SCENARIO_FLAVOURS = [
  { dir: 'dist/scenarios', format: 'esm', alias: {} },
  { dir: 'dist/scenarios/k6-v0.50', format: 'cjs', alias: { 'k6/websockets': 'k6/experimental/websockets' } },
  { dir: 'dist/scenarios/k6-v0.49', format: 'cjs', alias: { 'k6/websockets': 'k6/experimental/websockets', 'k6/timers': 'k6/experimental/timers' } },
];

for (const flavour of SCENARIO_FLAVOURS) {
  await build({
    entryPoints: { 'closed-loop': 'scenarios/closed-loop.ts', 'arrival-rate': 'scenarios/arrival-rate.ts' },
    outdir: flavour.dir,
    bundle: true,
    platform: 'neutral',
    // k6 v0.49 runs ES2017-ish JavaScript (goja): class fields and private members are lowered.
    target: 'es2017',
    format: flavour.format,
    external: ['k6', 'k6/*'],
    alias: flavour.alias,
    logLevel: 'warning',
  });
}

rmSync('dist/types', { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
