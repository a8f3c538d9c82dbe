// Bundles each named bench (default: all bench/*.ts) with esbuild into node_modules/.cache and
// runs it with plain node, one after another. Usage: npm run bench [-- name ... [-- bench args]]
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

// Names of benches; anything after `--` goes to each bench as its arguments.
const argv = process.argv.slice(2);
const split = argv.indexOf('--');
const wanted = split === -1 ? argv : argv.slice(0, split);
const extra = split === -1 ? [] : argv.slice(split + 1);
const benches = readdirSync('bench')
  .filter((f) => f.endsWith('.ts'))
  .map((f) => f.slice(0, -3))
  .filter((name) => wanted.length === 0 || wanted.includes(name));
for (const name of benches) {
  const outfile = join('node_modules/.cache/comfyload-bench', `${name}.mjs`);
  await build({ entryPoints: [`bench/${name}.ts`], bundle: true, platform: 'node', format: 'esm', packages: 'external', outfile, logLevel: 'warning' });
  console.log(`\n## ${name}`);
  execFileSync(process.execPath, ['--expose-gc', outfile, ...extra], { stdio: 'inherit' });
}
