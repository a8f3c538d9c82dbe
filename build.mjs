// Bundles the CLI to dist/ with esbuild. Runtime dependencies stay external (installed by npm);
// k6 scenarios are bundled separately by scenarios/build.mjs when those land.
import { build } from 'esbuild';

await build({
  entryPoints: { cli: 'src/cli/main.ts', 'sim-worker': 'src/sim/sim-worker.ts' },
  outdir: 'dist',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  packages: 'external',
  sourcemap: true,
  // The shebang is harmless in the worker entry and needed in the bin.
  banner: { js: '#!/usr/bin/env node' },
  logLevel: 'warning',
});
