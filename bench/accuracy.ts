/**
 * How close the harness's numbers are to the truth: runs the built CLI (dist/cli.js) against an
 * emulator started in this process and compares every prompt's measured step intervals, queue
 * wait and each level's throughput with the emulator's ground truth. Prints the error
 * distribution. Run: `npm run build && npm run bench -- accuracy` (args: time-scale, prompts).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSim } from '../src/sim/index.js';
import { csvRows, findRun, pct, trueIntervals } from './scale/common.js';

const timeScale = Number(process.argv[2] ?? 0.2);
const prompts = Number(process.argv[3] ?? 20);
const levels = [1, 2, 4, 8];

const sim = await startSim({ timeScale, seed: 3 });
const results = mkdtempSync(join(tmpdir(), 'comfyload-accuracy-'));
try {
  const args = [
    'dist/cli.js',
    'run',
    '--url',
    sim.url,
    '--workflow',
    'fixtures/workflows/sd15-txt2img.json',
    '--concurrency',
    levels.join(','),
    '--prompts',
    String(prompts),
    '--warmup',
    '2',
    '--results-dir',
    results,
    '--quiet',
  ];
  const code = await new Promise<number | null>((resolve) => spawn(process.execPath, args, { stdio: 'inherit' }).once('exit', resolve));
  if (code !== 0) throw new Error(`comfyload run exited ${code}`);
  const dir = findRun(results);
  const requests = csvRows(readFileSync(join(dir, 'requests.csv'), 'utf8'));
  const levelRows = csvRows(readFileSync(join(dir, 'levels.csv'), 'utf8'));
  const stepErr: number[] = [];
  const waitExcess: number[] = [];
  for (const r of requests) {
    const t = sim.groundTruth.prompts.get(r.promptId!)!;
    const measured = r.stepIntervalsMs!.split(';').map(Number);
    trueIntervals(t).forEach((v, i) => stepErr.push(Math.abs((measured[i] ?? Number.NaN) - v)));
    waitExcess.push(Number(r.queueWaitMs) - (t.executionStartMs! - t.enqueuedMs));
  }
  console.log(`time-scale ${timeScale}, ${requests.length} prompts, ${stepErr.length} steps (SD1.5 512², RTX 4090 profile)`);
  console.log(
    `step interval |measured − true|: p50 ${pct(stepErr, 50).toFixed(3)} ms, p95 ${pct(stepErr, 95).toFixed(3)} ms, p99 ${pct(stepErr, 99).toFixed(3)} ms, max ${Math.max(...stepErr).toFixed(3)} ms`,
  );
  console.log(
    `queue wait measured − true: p50 ${pct(waitExcess, 50).toFixed(3)} ms, p95 ${pct(waitExcess, 95).toFixed(3)} ms, min ${Math.min(...waitExcess).toFixed(3)} ms, max ${Math.max(...waitExcess).toFixed(3)} ms`,
  );
  for (const row of levelRows) {
    const lv = requests.filter((r) => r.level === row.level && r.phase === 'measure');
    const busy = lv.reduce((a, r) => {
      const t = sim.groundTruth.prompts.get(r.promptId!)!;
      return a + (t.completedMs! - t.executionStartMs!);
    }, 0);
    const rate = (lv.length * 1000) / busy;
    console.log(
      `c=${row.concurrency}: throughput ${Number(row.promptsPerSec).toFixed(3)}/s vs service rate ${rate.toFixed(3)}/s (${((Number(row.promptsPerSec) / rate - 1) * 100).toFixed(2)}%)`,
    );
  }
} finally {
  await sim.close();
  rmSync(results, { recursive: true, force: true });
}
