/**
 * Soak: bytes the harness retains per completed prompt over a long run. A real measuring session
 * (the programmatic API's `run`, result files and all) drives the emulator — in a worker thread
 * (dist/sim-worker.js: its own V8 heap, so its memory is not counted as the harness's) at a tiny
 * time scale — and at checkpoints forces a full GC (`node --expose-gc`, as bench/run.mjs runs
 * every bench) and reads what this thread's heap and array buffers hold. Retained bytes per prompt = the least-squares slope
 * of that against prompts completed, after the first tenth of the run (model loads, caches,
 * first histograms). Goal: < 50 bytes per prompt.
 *
 * Run: `npm run build && npm run bench -- soak` (args after a second `--`: prompts, then modes,
 * e.g. `-- 100000 closed,open`). Writes its table into bench/README.md between the soak markers.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../src/api/api.js';
import { linearFit } from '../src/metrics/statistics.js';
import { packageInfo } from '../src/session/package-info.js';
import { startEmbeddedEmulator } from '../src/sim/embedded-emulator.js';

const packageRoot = packageInfo().root;

const prompts = Number(process.argv[2] ?? 100_000);
const modes = (process.argv[3] ?? 'closed,open').split(',') as ('closed' | 'open')[];
const CHECKPOINTS = 20;
const GOAL_BYTES = 50;

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with node --expose-gc (npm run bench -- soak does)');

/** What the heap and the array buffers (typed-array columns, histogram counts) hold after a full GC. */
function retained(): number {
  gc!();
  gc!();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

/**
 * Empties the emulator's temp folder: like ComfyUI, the emulator lists the folder to number each
 * preview it saves, so 100 000 previews would make every prompt slower than the last.
 */
function emptyTemp(dataDir: string): void {
  const temp = join(dataDir, 'temp');
  for (const name of readdirSync(temp)) rmSync(join(temp, name), { recursive: true, force: true });
}
interface SoakRow {
  mode: string;
  prompts: number;
  seconds: number;
  warmBytes: number;
  endBytes: number;
  perPrompt: number;
  r2: number;
  rssStart: number;
  rssEnd: number;
}

async function soak(mode: 'closed' | 'open', dir: string, workflow: string): Promise<SoakRow> {
  const dataDir = join(dir, `sim-${mode}`);
  const workerFile = join(packageRoot, 'dist/sim-worker.js');
  if (!existsSync(workerFile)) throw new Error('dist/sim-worker.js is missing: run npm run build first');
  const emulator = await startEmbeddedEmulator({ timeScale: 0.0001, seed: 1, port: 0, dataDir }, { workerFile });
  const points: { x: number; y: number }[] = [];
  let settled = 0;
  const every = Math.floor(prompts / CHECKPOINTS);
  const rssStart = process.memoryUsage().rss;
  const started = performance.now();
  try {
    const load = mode === 'closed' ? { concurrency: [4] } : { rate: '120/s', arrival: 'poisson', maxInFlight: 64 };
    const result = await run({
      url: emulator.url,
      workflow,
      ...load,
      prompts,
      warmup: 0,
      promptTimeout: '30s',
      resultsDir: join(dir, mode),
      name: `soak-${mode}`,
      onProgress: (e) => {
        if (e.type !== 'prompt') return;
        settled++;
        if (settled % 2000 === 0) emptyTemp(dataDir);
        if (settled % every === 0) points.push({ x: settled, y: retained() });
      },
    });
    if (result.summary.totals.ok < prompts * 0.99)
      throw new Error(`only ${result.summary.totals.ok} of ${prompts} prompts ok: ${JSON.stringify(result.summary.totals.outcomes)}`);
  } finally {
    await emulator.close();
  }
  const rssEnd = process.memoryUsage().rss;
  const warm = points.filter((p) => p.x > prompts / 10);
  const fit = linearFit(
    warm.map((p) => p.x),
    warm.map((p) => p.y),
  );
  return {
    mode,
    prompts,
    seconds: (performance.now() - started) / 1000,
    warmBytes: warm[0]?.y ?? 0,
    endBytes: warm[warm.length - 1]?.y ?? 0,
    perPrompt: fit?.slope ?? Number.NaN,
    r2: fit?.r2 ?? Number.NaN,
    rssStart,
    rssEnd,
  };
}

const MB = 2 ** 20;

function table(rows: SoakRow[]): string {
  const lines = [
    '| mode | prompts | time | retained at 10 % | at the end | **bytes per prompt** (slope) | R² | goal | process RSS (harness + emulator worker) start → end |',
    '|---|---:|---:|---:|---:|---:|---:|---|---:|',
    ...rows.map(
      (r) =>
        `| ${r.mode === 'closed' ? 'closed loop, c=4' : 'open loop, 120/s Poisson'} | ${r.prompts} | ${r.seconds.toFixed(0)} s | ${(r.warmBytes / MB).toFixed(2)} MB | ${(r.endBytes / MB).toFixed(2)} MB | **${r.perPrompt.toFixed(1)}** | ${r.r2.toFixed(2)} | ${r.perPrompt < GOAL_BYTES ? 'met' : 'missed'} (< ${GOAL_BYTES}) | ${(r.rssStart / MB).toFixed(0)} → ${(r.rssEnd / MB).toFixed(0)} MB |`,
    ),
  ];
  return `${lines.join('\n')}\n\nNode ${process.version}, ${new Date().toISOString().slice(0, 10)}; retained = heapUsed + arrayBuffers of the harness's thread (the emulator runs in a worker thread of its own heap) after two forced GCs, at ${CHECKPOINTS} checkpoints; the slope is fitted from 10 % of the run on. A small negative slope means nothing grows (what the first checkpoints held was freed later).`;
}

function writeReadme(text: string): void {
  const path = 'bench/README.md';
  const readme = readFileSync(path, 'utf8');
  const begin = '<!-- soak:begin (written by bench/soak.ts) -->';
  const end = '<!-- soak:end -->';
  const block = `${begin}\n${text}\n${end}`;
  const at = readme.indexOf(begin);
  const next =
    at >= 0 ? readme.slice(0, at) + block + readme.slice(readme.indexOf(end) + end.length) : `${readme.trimEnd()}\n\n## Soak: memory per prompt\n\n${block}\n`;
  writeFileSync(path, next);
}

const dir = mkdtempSync(join(tmpdir(), 'comfyload-soak-'));
try {
  const workflow = join(dir, 'fast.json');
  // The cheapest real prompt: one sampler node of 3 steps and a PreviewImage of 8×8 pixels.
  writeFileSync(
    workflow,
    JSON.stringify({
      '1': { class_type: 'BenchFakeSampler', inputs: { steps: 3, step_ms: 1, seed: 1, vram_mb: 1, size: 8 } },
      '2': { class_type: 'PreviewImage', inputs: { images: ['1', 0] } },
    }),
  );
  const rows: SoakRow[] = [];
  for (const mode of modes) {
    const row = await soak(mode, dir, workflow);
    process.stdout.write(
      `${mode}: ${row.prompts} prompts in ${row.seconds.toFixed(0)} s, ${row.perPrompt.toFixed(1)} bytes retained per prompt (R² ${row.r2.toFixed(2)}), ${(row.warmBytes / MB).toFixed(2)} → ${(row.endBytes / MB).toFixed(2)} MB\n`,
    );
    rows.push(row);
  }
  const text = table(rows);
  process.stdout.write(`${text}\n`);
  writeReadme(text);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
