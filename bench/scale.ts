/**
 * The harness's own performance at scale, side by side with its peers, in one run:
 *   1. timing error vs the emulator's ground truth (step interval, queue wait, completion:
 *      p50 / p99 of |measured − true|) at 1, 64, 256 and 1,024 clients, with the CPU-s and peak
 *      RSS of the comfyload process (GNU time) and its own loop delay p99 (summary.json);
 *   2. peers on the c=64 load: k6 running comfyload's k6 bundle (`K6_BIN`, else ../shared/bin/k6)
 *      and a loop on @saintno/comfyui-sdk (bench/scale/sdk-loop.mjs): CPU-s, RSS, timing error;
 *   3. the message rate one harness process sustains (bench/scale/message-rate.ts against
 *      bench/scale/replay-server.mjs in a process of its own): loop delay and CPU-µs per message;
 *   4. prompts in flight one process holds: an open loop arriving far faster than the emulator
 *      serves, so they queue up (the most at once, from its truth), then drain;
 *   5. memory per prompt: the soak bench's table (bench/soak.ts); `--long` runs it first
 *      (100,000 prompts per mode, ~20 min), else the figures it last wrote are quoted.
 * The emulator of 1, 2 and 4 runs in this process (the CLI and the peers in their own), so its
 * truth is read directly. Writes its tables into bench/README.md between the scale markers.
 * Run: `npm run build && npm run bench -- scale [-- --long]`. Bounded: a few minutes.
 */
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { findK6Path } from '../src/harness/k6/k6-binary.js';
import { startSim } from '../src/sim/index.js';
import { addErrors, emptyErrors, errorsOfRun, findRun, fmtErr, timed, type Cost, type Errors } from './scale/common.js';
import { measureRate, startReplay, type RateRow } from './scale/message-rate.js';

const long = process.argv.includes('--long');
const root = process.cwd();
const cli = join(root, 'dist/cli.js');
const workflow = join(root, 'fixtures/workflows/sd15-txt2img.json');
const TIME_SCALE = 0.05;
const LEVELS: [number, number][] = [
  [1, 16],
  [64, 192],
  [256, 384],
  [1024, 1024],
];
const PEER_LEVEL = 64;
/**
 * The SDK cannot follow its prompts at TIME_SCALE (bench/README.md, the table note): the peers,
 * comfyload included, also run the c=64 load at this slower scale, with fewer prompts (its queue
 * wait is ~64 service times, ~45 s).
 */
const PEER_SLOW: { timeScale: number; prompts: number } = { timeScale: 0.5, prompts: 128 };
const work = mkdtempSync(join(tmpdir(), 'comfyload-bench-scale-'));
const k6 = findK6Path(process.env, [join(root, '..', 'shared', 'bin', 'k6')]);
const env = { ...process.env, ...(k6 !== undefined ? { K6_BIN: k6 } : {}), K6_NO_USAGE_REPORT: 'true' };
// Asynchronous: the emulator runs on this process's event loop and must keep answering.
const exec = promisify(execFile);
const load = (url: string, c: number, n: number): string[] => [
  '--url',
  url,
  '--workflow',
  workflow,
  '--concurrency',
  String(c),
  '--prompts',
  String(n),
  '--warmup',
  '0',
  '--seed',
  '1',
];

interface LoadRow {
  tool: string;
  clients: number;
  prompts: number;
  cost: Cost;
  errors: Errors;
  lagP99Ms?: number;
}

function lagOf(dir: string): number | undefined {
  const s = JSON.parse(readFileSync(join(findRun(dir), 'summary.json'), 'utf8')) as { environment?: { harnessEventLoopDelayP99Ms?: string } };
  const v = s.environment?.harnessEventLoopDelayP99Ms;
  return v === undefined ? undefined : Number(v);
}

async function timingRows(levels: [number, number][], peersOnly = false): Promise<LoadRow[]> {
  const rows: LoadRow[] = [];
  if (peersOnly) {
    rows.push(...(await peerRows(PEER_LEVEL, 192, TIME_SCALE, true)));
    rows.push(...(await peerRows(PEER_LEVEL, PEER_SLOW.prompts, PEER_SLOW.timeScale, true)));
    return rows;
  }
  for (const [c, n] of levels) {
    const sim = await startSim({ timeScale: TIME_SCALE, seed: 3 });
    try {
      const dir = join(work, `node-${c}`);
      const cost = await timed([process.execPath, cli, 'run', ...load(sim.url, c, n), '--quiet', '--results-dir', dir], join(work, `t-node-${c}`), { env });
      rows.push({ tool: 'comfyload', clients: c, prompts: n, cost, errors: errorsOfRun(dir, (id) => sim.groundTruth.prompts.get(id)), lagP99Ms: lagOf(dir) });
      if (c === PEER_LEVEL) rows.push(...(await peerRows(c, n)));
    } finally {
      await sim.close();
    }
    process.stdout.write(`timing c=${c}: done\n`);
  }
  rows.push(...(await peerRows(PEER_LEVEL, PEER_SLOW.prompts, PEER_SLOW.timeScale, true)));
  process.stdout.write(`peers at time-scale ${PEER_SLOW.timeScale}: done\n`);
  return rows;
}

/** The peers on an emulator of their own (fresh queue numbers and truth), same load, at `timeScale`. */
async function peerRows(c: number, n: number, timeScale = TIME_SCALE, withComfyload = false): Promise<LoadRow[]> {
  const rows: LoadRow[] = [];
  const at = timeScale === TIME_SCALE ? '' : `, time-scale ${timeScale}`;
  if (withComfyload) {
    const sim = await startSim({ timeScale, seed: 3 });
    try {
      const dir = join(work, `node-peer-${timeScale}`);
      const cost = await timed(
        [process.execPath, cli, 'run', ...load(sim.url, c, n), '--quiet', '--results-dir', dir],
        join(work, `t-node-peer-${timeScale}`),
        { env },
      );
      rows.push({
        tool: `comfyload${at}`,
        clients: c,
        prompts: n,
        cost,
        errors: errorsOfRun(dir, (id) => sim.groundTruth.prompts.get(id)),
        lagP99Ms: lagOf(dir),
      });
    } finally {
      await sim.close();
    }
  }
  if (k6 !== undefined) {
    const sim = await startSim({ timeScale, seed: 3 });
    try {
      const bundle = join(work, `bundle-${timeScale}`);
      const expected = `${Math.max(1, Math.round(20 * timeScale))}s`;
      await exec(process.execPath, [cli, 'k6', 'bundle', ...load(sim.url, c, n), '--expected-completion', expected, '--out', bundle], { env });
      const raw = join(work, `k6-${timeScale}.json`);
      const k6Args = [k6, 'run', '--quiet', '--no-usage-report', '--address', '127.0.0.1:0', '--out', `json=${raw}`, 'script.js'];
      const cost = await timed(k6Args, join(work, `t-k6-${timeScale}`), { cwd: bundle, env });
      const imported = join(work, `k6-imported-${timeScale}`);
      await exec(process.execPath, [cli, 'import-k6', raw, '--out', imported], { env, maxBuffer: 64 * 2 ** 20 });
      rows.push({
        tool: `k6 (${k6Version()}, comfyload's k6 bundle${at})`,
        clients: c,
        prompts: n,
        cost,
        errors: errorsOfRun(imported, (id) => sim.groundTruth.prompts.get(id)),
      });
    } finally {
      await sim.close();
    }
  }
  const sim = await startSim({ timeScale, seed: 3 });
  try {
    const out = join(work, `sdk-${timeScale}.json`);
    const cost = await timed(
      [process.execPath, join(root, 'bench/scale/sdk-loop.mjs'), sim.url, workflow, String(c), String(n), out],
      join(work, `t-sdk-${timeScale}`),
      {
        env,
      },
    );
    if (!existsSync(out)) throw new Error(`bench/scale/sdk-loop.mjs wrote no results:\n${cost.stderrTail}`);
    const errors = emptyErrors();
    const { records: recs, unhandled } = JSON.parse(readFileSync(out, 'utf8')) as {
      unhandled: number;
      records: {
        promptId: string;
        submitMs: number;
        startMs: number;
        steps: (number | null)[];
        doneMs: number;
        ok: boolean;
        hung: boolean;
      }[];
    };
    const hung = recs.filter((r) => r.hung).length;
    const late = recs.filter((r) => r.ok && r.startMs === 0).length;
    for (const r of recs) {
      if (!r.ok) continue;
      // steps[k] = when step k+1 was heard: interval i is step i+2 minus step i+1, where both were.
      const steps = r.steps.slice(1).map((t, i) => (t === null || r.steps[i] == null ? Number.NaN : t - r.steps[i]!));
      addErrors(errors, sim.groundTruth.prompts.get(r.promptId), {
        steps,
        waitMs: r.startMs === 0 ? Number.NaN : r.startMs - r.submitMs,
        completionMs: r.doneMs - r.submitMs,
      });
    }
    const notes = [
      'a ComfyApi per client',
      ...(late > 0 ? [`${late} of ${recs.length} done before their execution_start was heard`] : []),
      ...(hung > 0 ? [`${hung} never reported done: each given up after 180 s`] : []),
      ...(unhandled > 0 ? [`${unhandled} of its GET /queue reads failed unhandled`] : []),
    ];
    rows.push({ tool: `SDK loop (@saintno/comfyui-sdk${at}; ${notes.join('; ')})`, clients: c, prompts: n, cost, errors });
  } finally {
    await sim.close();
  }
  return rows;
}

function k6Version(): string {
  return /k6 (v[\d.]+)/.exec(execFileSync(k6!, ['version'], { encoding: 'utf8' }))?.[1] ?? 'k6';
}

async function rateRows(): Promise<RateRow[]> {
  const { url, child } = await startReplay();
  const rows: RateRow[] = [];
  try {
    for (const sockets of [1, 64])
      for (const rate of [10_000, 25_000, 50_000, 100_000]) {
        rows.push(await measureRate(url, sockets, rate, 3));
        process.stdout.write(`rate ${sockets} sockets ${rate}/s: done\n`);
      }
  } finally {
    child.kill('SIGTERM');
  }
  return rows;
}

interface InFlight {
  asked: number;
  /** Most prompts queued or running at the server at once (its ground truth). */
  held: number;
  lagP99Ms?: number;
  cost: Cost;
}

/** Most prompts between enqueue and completion at once, from the emulator's truth. */
function peakInFlight(truths: Iterable<{ enqueuedMs: number; completedMs?: number }>): number {
  const events: [number, number][] = [];
  for (const t of truths) {
    events.push([t.enqueuedMs, 1]);
    if (t.completedMs !== undefined) events.push([t.completedMs, -1]);
  }
  events.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let now = 0;
  let peak = 0;
  for (const [, d] of events) peak = Math.max(peak, (now += d));
  return peak;
}

/**
 * Open loop: `n` prompts arriving at 5,000/s against an emulator that serves ~150/s (time-scale
 * 0.005), so nearly all of them are queued at once, and then drain with every event tracked.
 */
async function inFlight(n: number): Promise<InFlight> {
  const sim = await startSim({ timeScale: 0.005, seed: 3 });
  try {
    const dir = join(work, `inflight-${n}`);
    const args = ['--url', sim.url, '--workflow', workflow, '--rate', '5000/s', '--prompts', String(n), '--max-in-flight', String(n + 100), '--warmup', '0'];
    const cost = await timed([process.execPath, cli, 'run', ...args, '--quiet', '--results-dir', dir], join(work, `t-inflight-${n}`), { env });
    return { asked: n, held: peakInFlight(sim.groundTruth.prompts.values()), lagP99Ms: lagOf(dir), cost };
  } finally {
    await sim.close();
  }
}

function soakTable(): string {
  if (long) execFileSync(process.execPath, ['bench/run.mjs', 'soak', '--', '100000', 'closed,open'], { stdio: 'inherit' });
  const readme = readFileSync('bench/README.md', 'utf8');
  const m = /<!-- soak:begin[^>]*-->\n([\s\S]*?)<!-- soak:end -->/.exec(readme);
  return m?.[1]?.trim() ?? '(no soak table yet: `npm run bench -- soak`)';
}

const f1 = (x: number | undefined): string => (x === undefined || Number.isNaN(x) ? '–' : x.toFixed(1));

/** comfyload's CPU per prompt against k6's on the same c=64 load (goal ≤ 0.3×), one line per time scale. */
function cpuRatios(timing: LoadRow[]): string[] {
  const perPrompt = (r: LoadRow): number => (r.cost.cpuS * 1000) / Math.max(1, r.errors.prompts);
  const out: string[] = [];
  for (const at of ['', `, time-scale ${PEER_SLOW.timeScale}`]) {
    const node = timing.find((r) => r.clients === PEER_LEVEL && r.tool === `comfyload${at}`);
    const k = timing.find(
      (r) => r.clients === PEER_LEVEL && r.tool.startsWith('k6') && (at === '' ? !r.tool.includes('time-scale') : r.tool.includes(at.slice(2))),
    );
    if (node === undefined || k === undefined) continue;
    const ratio = perPrompt(node) / perPrompt(k);
    out.push(
      `CPU per prompt at c=${PEER_LEVEL}${at === '' ? `, time-scale ${TIME_SCALE}` : at}: comfyload ${perPrompt(node).toFixed(1)} ms ÷ k6 ${perPrompt(k).toFixed(1)} ms = **${ratio.toFixed(2)}×** (goal ≤ 0.3×: ${ratio <= 0.3 ? 'met' : 'missed'}).`,
      '',
    );
  }
  return out;
}

function tables(timing: LoadRow[], rates: RateRow[], held: InFlight[], soak: string): string {
  const kPrompt = (r: LoadRow): string => ((r.cost.cpuS * 1000) / Math.max(1, r.errors.prompts)).toFixed(1);
  const lines = [
    `Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, Node ${process.version}, ${cpus().length} cores shared with other work (load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')} at the end)${long ? '' : '; soak quoted, not rerun (`-- --long` reruns it)'}.`,
    '',
    `### Timing error and cost per tool (closed loop, SD1.5 txt2img, emulator time-scale ${TIME_SCALE} in the bench process unless the row says otherwise, warm-up 0)`,
    '',
    `The SDK loop (bench/scale/sdk-loop.mjs) waits for each ComfyApi's socket to open and takes CallWrapper's onFinished/onFailed as the end. ` +
      `It cannot follow its prompts at c=64: every CallWrapper reads GET /queue (every pending graph, ~76 KB with 64 queued) on every \`status\` frame, ` +
      `so each broadcast brings 64 such reads; the server (the emulator here, ComfyUI's single aiohttp loop alike) falls seconds behind, ` +
      `a prompt's events reach the SDK after its /history already says done (its queue wait is then unknown: left out), ` +
      `and failed reads escape the SDK's listener as uncaught errors (counted; a user's loop must catch them). ` +
      `Hence the peers also run at time-scale ${PEER_SLOW.timeScale} (${PEER_SLOW.prompts} prompts), where the server has ten times longer per prompt: the SDK still falls behind there.`,
    '',
    '| tool | clients | prompts ok | step interval \\|err\\| p50 / p99 ms | queue wait \\|err\\| p50 / p99 ms | completion \\|err\\| p50 / p99 ms | CPU s | CPU ms / prompt | peak RSS MB | loop delay p99 ms |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...timing.map(
      (r) =>
        `| ${r.tool} | ${r.clients} | ${r.errors.prompts} | ${fmtErr(r.errors.step)} | ${fmtErr(r.errors.wait)} | ${fmtErr(r.errors.completion)} | ${r.cost.cpuS.toFixed(2)} | ${kPrompt(r)} | ${r.cost.rssMb.toFixed(0)} | ${f1(r.lagP99Ms)} |`,
    ),
    '',
    ...cpuRatios(timing),
    '### Message rate one harness process sustains (WsSession → SessionRouter → PromptTracker, replay server in its own process)',
    '',
    '| sockets | asked msg/s | received msg/s | CPU µs / msg | loop delay p50 / p99 / max ms | prompts completed | goal: p99 < 5 ms |',
    '|---:|---:|---:|---:|---:|---:|---|',
    ...rates.map(
      (r) =>
        `| ${r.sockets} | ${r.askedPerSec} | ${r.gotPerSec.toFixed(0)} | ${r.cpuUsPerMsg.toFixed(2)} | ${r.lagP50Ms.toFixed(2)} / ${r.lagP99Ms.toFixed(2)} / ${r.lagMaxMs.toFixed(1)} | ${r.prompts} | ${r.lagP99Ms < 5 ? 'met' : 'missed'} |`,
    ),
    '',
    '### Prompts in flight one process holds (open loop: 5,000/s arrivals against an emulator serving ~150/s, time-scale 0.005; held = the most queued or running at once, from its truth)',
    '',
    '| prompts asked | held at once | loop delay p99 ms | CPU s | peak RSS MB | goal: ≥ 2,000 at p99 < 5 ms |',
    '|---:|---:|---:|---:|---:|---|',
    ...held.map(
      (h) =>
        `| ${h.asked} | ${h.held} | ${f1(h.lagP99Ms)} | ${h.cost.cpuS.toFixed(2)} | ${h.cost.rssMb.toFixed(0)} | ${h.held >= 2000 && (h.lagP99Ms ?? Infinity) < 5 ? 'met' : 'missed'} |`,
    ),
    '',
    '### Memory per completed prompt (bench/soak.ts)',
    '',
    soak,
  ];
  return lines.join('\n');
}

function writeReadme(text: string): void {
  const path = 'bench/README.md';
  const readme = readFileSync(path, 'utf8');
  const begin = '<!-- scale:begin (written by bench/scale.ts) -->';
  const end = '<!-- scale:end -->';
  const block = `${begin}\n${text}\n${end}`;
  const at = readme.indexOf(begin);
  const next =
    at >= 0
      ? readme.slice(0, at) + block + readme.slice(readme.indexOf(end) + end.length)
      : `${readme.trimEnd()}\n\n## Scale: the harness's own performance\n\n${block}\n`;
  writeFileSync(path, next);
}

try {
  const only = process.argv
    .find((a) => a.startsWith('--only='))
    ?.slice(7)
    .split(',');
  const want = (part: string): boolean => only === undefined || only.includes(part);
  const timing = want('timing') ? await timingRows(LEVELS) : want('peers') ? await timingRows(LEVELS, true) : [];
  const rates = want('rate') ? await rateRows() : [];
  const held = want('inflight') ? [await inFlight(2500)] : [];
  const text = tables(timing, rates, held, soakTable());
  process.stdout.write(`${text}\n`);
  if (only === undefined) writeReadme(text);
} finally {
  rmSync(work, { recursive: true, force: true });
}
