/**
 * Shared by the reliability suites: the cheap workflow, a `comfyload run` against an emulator
 * started here (so its ground truth and fault counters can be read), and the checks every run
 * must pass whatever went wrong — files that parse, one row and one outcome per submitted prompt,
 * counts that add up, no stack trace, no secret anywhere.
 */
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { readHlog } from '../../src/metrics/hlog-reader.js';
import { findRunDirs, readRun, runCli, type CliResult, type RunFiles } from './run-cli.js';

/** Secrets passed to runs; none may appear in any output. */
export const SECRET_TOKEN = 'tok-S3CRET-b34r3r';
export const SECRET_PASSWORD = 'pw-S3CRET-b4sic';

/** A BenchFakeSampler prompt of `steps` × `stepMs` (unscaled) and a PreviewImage (no output file). */
export function writeFastWorkflow(dir: string, steps = 3, stepMs = 20): string {
  const path = join(dir, 'fast.json');
  writeFileSync(
    path,
    JSON.stringify({
      '1': { class_type: 'BenchFakeSampler', inputs: { steps, step_ms: stepMs, seed: 1, vram_mb: 1, size: 8 } },
      '2': { class_type: 'PreviewImage', inputs: { images: ['1', 0] } },
    }),
  );
  return path;
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** `url` with user:password inserted. */
export function withCredentials(url: string): string {
  return url.replace('http://', `http://bench:${SECRET_PASSWORD}@`);
}

export interface FaultRun {
  cli: CliResult;
  run: RunFiles;
  ids: string[];
  outcomes: Record<string, number>;
}

/** Runs the CLI and reads its one results folder. */
export async function runAndRead(args: string[], resultsRoot: string, env: NodeJS.ProcessEnv = {}, timeoutMs = 90_000): Promise<FaultRun> {
  const cli = await runCli([...args, '--results-dir', resultsRoot], { env, timeoutMs });
  const dirs = findRunDirs(resultsRoot);
  expect(dirs, cli.stderr).toHaveLength(1);
  const run = readRun(dirs[0]!);
  const ids = run.requests.rows.map((r) => r.promptId!);
  const outcomes: Record<string, number> = {};
  for (const r of run.requests.rows) outcomes[r.outcome!] = (outcomes[r.outcome!] ?? 0) + 1;
  return { cli, run, ids, outcomes };
}

/** What holds for every run, faults or not. `submitted`: every prompt of the run, warm-up included. */
export function expectAccounted(r: FaultRun, submitted: number): void {
  expect(r.cli.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/); // no stack trace
  expect(new Set(r.ids).size).toBe(r.ids.length); // one row per prompt
  expect(r.ids).toHaveLength(submitted);
  // The totals count the measured prompts; the warm-up is reported apart.
  const measured: Record<string, number> = {};
  for (const row of r.run.requests.rows) if (row.phase === 'measure') measured[row.outcome!] = (measured[row.outcome!] ?? 0) + 1;
  const warmup = r.run.summary.warmup?.submitted ?? 0;
  const t = r.run.summary.totals;
  expect(t.submitted + warmup).toBe(submitted);
  expect(Object.values(t.outcomes).reduce((a, n) => a + n, 0)).toBe(t.submitted);
  expect(t.outcomes).toEqual(measured);
  for (const o of Object.keys(r.outcomes)) expect(o).toMatch(/^(ok|cached|interrupted|timeout|lost|error:\S+|rejected:\S+)$/);
  for (const row of r.run.levels.rows) {
    const sum = row.outcomes!.split(';').reduce((a, kv) => a + Number(kv.split('=')[1]), 0);
    expect(sum).toBe(Number(row.submitted));
  }
  expect(() => readHlog(r.run.hlog)).not.toThrow();
  expectNoSecrets(r.run.dir, [r.cli.stdout, r.cli.stderr]);
}

/** No secret in any file of the folder (recursively) nor in the given texts. */
export function expectNoSecrets(dir: string, texts: string[] = []): void {
  const all = [...texts];
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else all.push(readFileSync(p, 'latin1'));
    }
  };
  walk(dir);
  const basic = Buffer.from(`bench:${SECRET_PASSWORD}`).toString('base64');
  for (const text of all) {
    expect(text).not.toContain(SECRET_TOKEN);
    expect(text).not.toContain(SECRET_PASSWORD);
    expect(text).not.toContain(basic);
  }
}
