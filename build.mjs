// Bundles the CLI, the library entry and the emulator's worker to dist/ with esbuild (runtime
// dependencies stay external, installed by npm), then emits the library's type declarations
// (dist/types) with tsc.
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
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
await build({ ...common, entryPoints: { index: 'src/index.ts' } });

rmSync('dist/types', { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
