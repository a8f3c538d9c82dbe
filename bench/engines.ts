/**
 * The cost of load generation per prompt, Node engine vs k6 engine, on the same load: the same
 * plan (closed loop, one level) against the same emulator, run in a process of its own so its CPU
 * is not counted. Measured with GNU time (`/usr/bin/time -f '%e %U %S %M'`): wall seconds, CPU
 * seconds (user + system, the process and the children it waited for: comfyload and its k6) and
 * peak RSS (the largest process of the tree). Three rows:
 *   node       `comfyload run --engine node`
 *   k6 engine  `comfyload run --engine k6` (k6 plus comfyload reading its stream into the files)
 *   k6 alone   `k6 run` of a `comfyload k6 bundle` (what a k6 runner machine pays)
 * Writes the table into bench/README.md between the `engines` markers.
 * Args: concurrency (32), prompts (256), emulator time-scale (0.005). Needs `npm run build` and k6.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findK6Path } from '../src/harness/k6/k6-binary.js';

const [concurrency = 32, prompts = 256, timeScale = 0.005] = process.argv.slice(2).map(Number);
const root = process.cwd();
const cli = join(root, 'dist/cli.js');
const k6 = findK6Path(process.env, [join(root, '..', 'shared', 'bin', 'k6')]);
if (k6 === undefined) throw new Error('engines bench: no k6 found (K6_BIN, PATH, ../shared/bin/k6)');
const work = mkdtempSync(join(tmpdir(), 'comfyload-bench-engines-'));
const env = { ...process.env, K6_BIN: k6, K6_NO_USAGE_REPORT: 'true' };

interface Cost {
  wallS: number;
  cpuS: number;
  rssMb: number;
}

function timed(args: string[], cwd = root): Cost {
  const out = join(work, `time-${Date.now()}.txt`);
  execFileSync('/usr/bin/time', ['-o', out, '-f', '%e %U %S %M', ...args], { cwd, env, stdio: ['ignore', 'ignore', 'pipe'] });
  const [wall = 0, user = 0, sys = 0, rssKb = 0] = readFileSync(out, 'utf8').trim().split('\n').pop()!.split(' ').map(Number);
  return { wallS: wall, cpuS: user + sys, rssMb: rssKb / 1024 };
}

function startSim(): Promise<{ url: string; stop: () => void }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, 'sim', '--port', '0', '--time-scale', String(timeScale)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    const onData = (chunk: Buffer): void => {
      text += chunk.toString();
      const url = /listening on (http:\/\/\S+)/.exec(text)?.[1];
      if (url !== undefined) resolve({ url, stop: () => child.kill('SIGTERM') });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', () => reject(new Error(`the emulator exited: ${text}`)));
  });
}

function promptsOf(dir: string): number {
  const find = (d: string): string | undefined => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (name === 'summary.json') return p;
      if (statSync(p).isDirectory()) {
        const found = find(p);
        if (found) return found;
      }
    }
    return undefined;
  };
  const summary = JSON.parse(readFileSync(find(dir)!, 'utf8')) as { totals: { submitted: number; ok: number } };
  return summary.totals.ok;
}

const sim = await startSim();
const load = [
  '--url',
  sim.url,
  '--workflow',
  'fixtures/workflows/sd15-txt2img.json',
  '--concurrency',
  String(concurrency),
  '--prompts',
  String(prompts),
  '--warmup',
  '0',
  '--seed',
  '1',
];
const rows: { name: string; cost: Cost; prompts: number }[] = [];
try {
  const nodeDir = join(work, 'node');
  rows.push({
    name: 'node engine (`run --engine node`)',
    cost: timed([process.execPath, cli, 'run', ...load, '--results-dir', nodeDir]),
    prompts: promptsOf(nodeDir),
  });
  const k6Dir = join(work, 'k6');
  rows.push({
    name: 'k6 engine (`run --engine k6`: k6 + comfyload reading its stream)',
    cost: timed([process.execPath, cli, 'run', ...load, '--engine', 'k6', '--expected-completion', '1s', '--results-dir', k6Dir]),
    prompts: promptsOf(k6Dir),
  });
  const bundle = join(work, 'bundle');
  execFileSync(process.execPath, [cli, 'k6', 'bundle', ...load, '--expected-completion', '1s', '--out', bundle], { env, stdio: 'ignore' });
  const raw = join(work, 'alone.json');
  const alone = timed([k6, 'run', '--quiet', '--no-usage-report', '--address', '127.0.0.1:0', '--out', `json=${raw}`, 'script.js'], bundle);
  const imported = join(work, 'imported');
  execFileSync(process.execPath, [cli, 'import-k6', raw, '--out', imported], { env, stdio: 'ignore' });
  rows.push({ name: 'k6 alone (`k6 run` of the bundle: a runner machine)', cost: alone, prompts: promptsOf(imported) });
} finally {
  sim.stop();
}

const k6Version = execFileSync(k6, ['version'], { encoding: 'utf8' }).trim().split('\n')[0];
const table = [
  `Closed loop, c=${concurrency}, ${prompts} prompts, SD1.5 txt2img on the emulator (time-scale ${timeScale}, its own process); ${k6Version}; Node ${process.version}; ${new Date().toISOString().slice(0, 10)}.`,
  '',
  '| engine | prompts ok | wall s | CPU s | CPU ms / prompt | peak RSS MB |',
  '|---|---:|---:|---:|---:|---:|',
  ...rows.map(
    (r) =>
      `| ${r.name} | ${r.prompts} | ${r.cost.wallS.toFixed(1)} | ${r.cost.cpuS.toFixed(2)} | ${((r.cost.cpuS * 1000) / Math.max(1, r.prompts)).toFixed(1)} | ${r.cost.rssMb.toFixed(0)} |`,
  ),
].join('\n');
console.log(table);
const readmePath = join(root, 'bench/README.md');
const readme = readFileSync(readmePath, 'utf8');
const start = '<!-- engines:start -->';
const end = '<!-- engines:end -->';
const block = `${start}\n${table}\n${end}`;
writeFileSync(
  readmePath,
  readme.includes(start) ? readme.replace(new RegExp(`${start}[\\s\\S]*?${end}`), block) : `${readme.trimEnd()}\n\n## engines\n\n${block}\n`,
);
rmSync(work, { recursive: true, force: true });
