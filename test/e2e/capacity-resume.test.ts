/**
 * `comfyload capacity --resume <dir>` end to end against the emulator (time scale 0.025, the tight
 * SLO of capacity-emulator.test.ts): a search is stopped by SIGINT once trial 1's line is printed
 * (an event on stderr, not a sleep), then resumed in its folder. The resumed session must not
 * rerun the probe or trial 1 (the emulator's own log of the prompts it got is compared with each
 * session's requests.csv), number its trials from 2, keep the interrupted session's files as they
 * were (in session-1/), and find the true max rate under the SLO — computed independently here by
 * a queue simulation fed the emulator's ground-truth service times of both sessions — within ±5%
 * in ≤ 5 trials in all, with the GPU time of both sessions counted. Bad input (no folder, not a
 * capacity folder, no checkpoint, a conflicting option, another server) ends with its code, exit
 * 2, no stack trace, and leaves the folder and the servers untouched.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CapacityResult, CapacityTrial, RunSummary } from '../../src/metrics/result-types.js';
import { startSim, type SimHandle } from '../../src/sim/index.js';
import { readCsv } from '../helpers/csv-read.js';
import { browserChecks, openReport } from './report-page.js';
import { cliPath, findRunDirs, root, runCli, type CliResult } from './run-cli.js';
import { trueMaxRate } from '../helpers/queue-truth.js';

const TIME_SCALE = 0.025;
const SERVICE_MS = 45;
const SLO = `completionMs.p95<${8 * SERVICE_MS}`;
const WORKFLOW = 'fixtures/workflows/sd15-txt2img.json';

/** A search's arguments: the settings of capacity-emulator.test.ts. */
function searchArgs(url: string, resultsDir: string, name: string): string[] {
  return [
    'capacity',
    '--url',
    url,
    '--workflow',
    WORKFLOW,
    '--slo',
    SLO,
    '--confidence',
    '0.9',
    '--window-arrivals',
    '20',
    '--max-windows',
    '10',
    '--precision',
    '0.03',
    '--max-trials',
    '5',
    '--warmup',
    '1',
    '--vram-interval',
    '100ms',
    '--results-dir',
    resultsDir,
    '--name',
    name,
  ];
}

/** Spawns the CLI and sends SIGINT the moment stderr shows `line`; resolves with its exit code and output. */
function interruptAt(args: string[], line: RegExp): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliPath, ...args], { cwd: root, env: { PATH: process.env.PATH }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let sent = false;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`never saw ${line} within 120 s\n${stderr}`));
    }, 120_000);
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
      if (!sent && line.test(stderr)) {
        sent = true;
        child.kill('SIGINT');
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** Every file under `dir` (relative path → SHA-256), to show a folder was left as it was. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      if (statSync(path).isDirectory()) walk(path);
      else out[relative(dir, path)] = createHash('sha256').update(readFileSync(path)).digest('hex');
    }
  };
  walk(dir);
  return out;
}

function requests(path: string): Record<string, string>[] {
  return readCsv(readFileSync(path, 'utf8')).rows;
}

/** Σ busy time of the emulator's prompts (ground truth), ms. */
function truthGpuMs(sim: SimHandle): number {
  let ms = 0;
  for (const t of sim.groundTruth.prompts.values())
    if (t.completedMs !== undefined && t.executionStartMs !== undefined) ms += t.completedMs - t.executionStartMs;
  return ms;
}

/** The emulator's prompts of a session are exactly its requests.csv's, but for rows that never reached it (cut or interrupted before sent). */
function expectSameSession(rows: Record<string, string>[], truthIds: Set<string>): void {
  const ids = new Set(rows.map((r) => r.promptId).filter((id): id is string => id !== undefined && id !== ''));
  for (const id of truthIds) expect(ids.has(id), id).toBe(true);
  for (const r of rows) if (r.promptId && !truthIds.has(r.promptId)) expect(['cut', 'interrupted', 'dropped']).toContain(r.outcome);
}

function expectUsageError(cli: CliResult, code: string): void {
  expect(cli.code, cli.stderr).toBe(2);
  expect(cli.stderr).toContain(`code: ${code}`);
  expect(cli.stderr).toMatch(/fix: /);
  expect(cli.stderr).not.toMatch(/^\s+at /m);
}

describe('comfyload capacity --resume after SIGINT', () => {
  let sim: SimHandle;
  let tmp: string;
  let dir: string;
  let interrupted: CliResult;
  let before: Record<string, string>;
  let firstIds: Set<string>;
  let kept: CapacityTrial[];
  let resumed: CliResult;
  let result: CapacityResult;

  beforeAll(async () => {
    sim = await startSim({ timeScale: TIME_SCALE, seed: 11 });
    tmp = mkdtempSync(join(tmpdir(), 'comfyload-resume-'));
    interrupted = await interruptAt(searchArgs(sim.url, join(tmp, 'results'), 'resume'), /comfyload: trial 1 at .*arrivals/);
    dir = findRunDirs(join(tmp, 'results'))[0]!;
    before = snapshot(dir);
    firstIds = new Set(sim.groundTruth.prompts.keys());
    const checkpoint = JSON.parse(readFileSync(join(dir, 'capacity-checkpoint.json'), 'utf8')) as { search: { trials: CapacityTrial[] } };
    kept = checkpoint.search.trials;
  }, 150_000);
  afterAll(async () => {
    await sim?.close();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('the interrupted search exits 130 and leaves a checkpoint with trial 1 (not the trial the signal stopped)', () => {
    expect(interrupted.code, interrupted.stderr).toBe(130);
    expect(kept.map((t) => t.trial)).toEqual([1]);
    expect(interrupted.stderr).toContain(`comfyload: ${kept[0]!.explanation}`);
    const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as RunSummary;
    expect(summary.partial).toBe(true);
    // A trial the signal ended is no evidence: `stopped`, never the lowest failing rate; stdout says how to go on.
    const c = summary.capacity!;
    for (const t of c.trials.slice(1)) expect(t.verdict).toBe('stopped');
    const fails = c.trials.filter((t) => t.verdict === 'fail' && (c.maxRatePerSec === null || t.ratePerSec > c.maxRatePerSec)).map((t) => t.ratePerSec);
    expect(c.firstFailRatePerSec).toBe(fails.length > 0 ? Math.min(...fails) : null);
    expect(interrupted.stdout).toContain(`The search did not finish: continue it with \`comfyload capacity --resume ${dir}\`.`);
  });

  describe('bad input: its code, exit 2, no stack trace, nothing touched', () => {
    let other: SimHandle;
    beforeAll(async () => {
      other = await startSim({ timeScale: TIME_SCALE, seed: 12, gpu: 'l4' });
    });
    afterAll(() => other?.close());

    it('a folder that does not exist; a folder that is no capacity search', async () => {
      expectUsageError(await runCli(['capacity', '--resume', join(tmp, 'nope')]), 'COMFYLOAD_ERR_RESUME_NOT_FOUND');
      mkdirSync(join(tmp, 'empty'));
      const empty = await runCli(['capacity', '--resume', join(tmp, 'empty')]);
      expectUsageError(empty, 'COMFYLOAD_ERR_RESUME_NOT_CAPACITY');
    });

    it('an option that differs from the saved one; a budget already spent', async () => {
      const slo = await runCli(['capacity', '--resume', dir, '--slo', 'completionMs.p95<500']);
      expectUsageError(slo, 'COMFYLOAD_ERR_RESUME_CONFLICT');
      expect(slo.stderr).toContain(`--slo: the search ran with`);
      expectUsageError(await runCli(['capacity', '--resume', dir, '--max-trials', '1']), 'COMFYLOAD_ERR_RESUME_CONFLICT');
      expect(snapshot(dir)).toEqual(before);
    });

    it('another server (an L4 emulator): RESUME_MISMATCH naming the GPU, no prompt sent, the folder unchanged', async () => {
      const cli = await runCli(['capacity', '--resume', dir, '--url', other.url]);
      expectUsageError(cli, 'COMFYLOAD_ERR_RESUME_MISMATCH');
      expect(cli.stderr).toMatch(/GPU: saved NVIDIA GeForce RTX 4090, now NVIDIA L4/);
      expect(other.groundTruth.prompts.size).toBe(0);
      expect(snapshot(dir)).toEqual(before);
      expect(new Set(sim.groundTruth.prompts.keys())).toEqual(firstIds);
    });

    it('a search stopped before its first trial was decided: no checkpoint, start anew', async () => {
      const early = await interruptAt(searchArgs(other.url, join(tmp, 'early'), 'early'), /capacity: expected duration/);
      expect(early.code, early.stderr).toBe(130);
      const earlyDir = findRunDirs(join(tmp, 'early'))[0]!;
      const cli = await runCli(['capacity', '--resume', earlyDir]);
      expectUsageError(cli, 'COMFYLOAD_ERR_RESUME_NO_CHECKPOINT');
      expect(cli.stderr).toMatch(/without --resume/);
    }, 60_000);
  });

  describe('resumed', () => {
    beforeAll(async () => {
      resumed = await runCli(['capacity', '--resume', dir], { timeoutMs: 150_000 });
      for (const line of resumed.stderr.split('\n')) if (/capacity:|trial \d/.test(line)) process.stderr.write(`[resume] ${line}\n`);
      result = JSON.parse(readFileSync(join(dir, 'capacity.json'), 'utf8')) as CapacityResult;
    }, 160_000);

    it('exits 0 without rerunning the probe or trial 1: the emulator got only a warm-up and the new trials', () => {
      expect(resumed.code, resumed.stderr).toBe(0);
      expect(resumed.stderr).toContain('resuming the search in');
      expect(resumed.stderr).toContain(`comfyload: kept ${kept[0]!.explanation} (session 1)`);
      expect(resumed.stderr).not.toMatch(/^probe c=/m);
      expect(resumed.stderr).not.toContain('expected duration');
      const newIds = [...sim.groundTruth.prompts.keys()].filter((id) => !firstIds.has(id));
      const rows = requests(join(dir, 'requests.csv'));
      // Every prompt the emulator got during the resume is in the new requests.csv; the rest of its rows never reached it (cut before sent).
      expectSameSession(rows, new Set(newIds));
      // One warm-up, then the new trials' arrivals: no probe (5 more measured rows) and no trial 1 again.
      const fresh = result.trials.filter((t) => t.session === 2);
      expect(rows.filter((r) => r.phase === 'warmup')).toHaveLength(1);
      expect(rows.filter((r) => r.phase === 'measure')).toHaveLength(fresh.reduce((a, t) => a + t.arrivals, 0));
    });

    it('numbers its trials after the kept one, and every file shows every trial', () => {
      const n = result.trials.length;
      expect(result.trials.map((t) => t.trial)).toEqual(Array.from({ length: n }, (_, i) => i + 1));
      // capacity.json numbers levels as levels.csv does (from 1); the checkpoint holds the index.
      expect(result.trials[0]).toEqual({ ...kept[0], level: kept[0]!.level + 1 });
      expect(result.trials.slice(1).every((t) => t.session === 2)).toBe(true);
      expect(resumed.stderr).toMatch(/comfyload: trial 2 at /);
      expect(resumed.stderr).not.toMatch(/comfyload: trial 1 at /);
      const csv = readCsv(readFileSync(join(dir, 'trials.csv'), 'utf8')).rows;
      expect(csv.map((r) => [r.trial, r.session])).toEqual(result.trials.map((t) => [String(t.trial), String(t.session)]));
      const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as RunSummary;
      expect(summary.partial).toBe(false);
      expect(summary.capacity!.trials).toEqual(result.trials);
      expect(result.sessions!.map((s) => [s.session, s.trials, s.files])).toEqual([
        [1, [1], 'session-1/'],
        [2, result.trials.slice(1).map((t) => t.trial), '.'],
      ]);
      for (const t of result.trials) expect(resumed.stdout + resumed.stderr).toContain(t.explanation);
    });

    it("keeps the interrupted session's files byte for byte in session-1/ (every prompt it sent is there)", () => {
      const moved = snapshot(join(dir, 'session-1'));
      const { 'capacity-checkpoint.json': _checkpoint, ...earlier } = before;
      expect(moved).toEqual(earlier);
      expectSameSession(requests(join(dir, 'session-1', 'requests.csv')), firstIds);
    });

    it('finds the true max rate (own queue simulation on both sessions’ ground-truth service times) within ±5% in ≤ 5 trials, GPU time of both counted', () => {
      const warmups = new Set(
        [...requests(join(dir, 'session-1', 'requests.csv')), ...requests(join(dir, 'requests.csv'))]
          .filter((r) => r.phase === 'warmup')
          .map((r) => r.promptId),
      );
      const service = [...sim.groundTruth.prompts.values()]
        .filter((t) => t.outcome === 'success' && t.completedMs !== undefined && t.executionStartMs !== undefined && !warmups.has(t.promptId))
        .map((t) => t.completedMs! - t.executionStartMs!);
      const truth = trueMaxRate(service, 95, 8 * SERVICE_MS);
      const r = result;
      process.stderr.write(
        `capacity resume: max rate ${r.maxRatePerSec?.toFixed(3)}/s vs true ${truth.toFixed(3)}/s (${(((r.maxRatePerSec ?? 0) / truth - 1) * 100).toFixed(1)}%), ` +
          `${r.trials.length} trials (1 kept + ${r.trials.length - 1} resumed), GPU ${(r.gpuMs / 1000).toFixed(1)} s vs ground truth ${(truthGpuMs(sim) / 1000).toFixed(1)} s\n`,
      );
      expect(r.trials.length).toBeLessThanOrEqual(5);
      expect(r.maxRatePerSec).not.toBeNull();
      expect(r.maxRatePerSec! / truth).toBeGreaterThan(0.95);
      expect(r.maxRatePerSec! / truth).toBeLessThan(1.05);
      expect(r.gpuMs / truthGpuMs(sim)).toBeGreaterThan(0.9);
      expect(r.gpuMs / truthGpuMs(sim)).toBeLessThan(1.1);
      expect(r.sessions!.reduce((a, s) => a + s.gpuMs, 0)).toBeCloseTo(r.gpuMs, 6);
    });

    it.skipIf(!browserChecks)('report.html lists every trial, the kept one marked with its session', async () => {
      const page = await openReport(dir, 'report-capacity-resume');
      for (const t of result.trials) expect(page.text).toContain(t.explanation);
      expect(page.text).toContain('session 1');
    });

    it('a finished search is not run again: --resume prints its answer, exit 0, nothing sent', async () => {
      const count = sim.groundTruth.prompts.size;
      const again = await runCli(['capacity', '--resume', dir]);
      expect(again.code, again.stderr).toBe(0);
      expect(again.stdout).toMatch(/nothing to resume: .* holds a finished search/);
      expect(again.stdout).toContain(`max rate ${((result.maxRatePerSec ?? 0) * 60).toFixed(1)}/min`);
      expect(sim.groundTruth.prompts.size).toBe(count);
    });
  });
});
