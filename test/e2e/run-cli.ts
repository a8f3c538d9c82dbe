/**
 * Runs the built CLI as a user would, asynchronously (the test process may host the emulator, so
 * its event loop must keep turning), with a time limit, and finds the results folder it wrote.
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { packageInfo } from '../../src/session/package-info.js';
import { readCsv, type CsvText } from '../helpers/csv-read.js';
import type { RunSummary } from '../../src/metrics/result-types.js';
import { parseSummaryJson } from '../../src/reporters/summary-json.js';

export const root = packageInfo().root;
export const cliPath = join(root, 'dist/cli.js');

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliPath, ...args], {
      cwd: options.cwd ?? root,
      env: { PATH: process.env.PATH, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`comfyload ${args.join(' ')} did not finish within ${options.timeoutMs ?? 90_000} ms\n${stderr}`));
    }, options.timeoutMs ?? 90_000);
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** Every run folder (the ones holding summary.json) below a results root, oldest first. */
export function findRunDirs(resultsRoot: string): string[] {
  const found: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name === 'summary.json' || name === 'requests.csv') found.push(dir);
    }
  };
  walk(resultsRoot);
  return [...new Set(found)].sort();
}

export interface RunFiles {
  dir: string;
  summary: RunSummary;
  levels: CsvText;
  requests: CsvText;
  hlog: string;
}

export function readRun(dir: string): RunFiles {
  return {
    dir,
    // As comfyload's readers hold it: levels in order, environment values as text (the file types them, schema 2).
    summary: parseSummaryJson(readFileSync(join(dir, 'summary.json'), 'utf8')),
    levels: readCsv(readFileSync(join(dir, 'levels.csv'), 'utf8')),
    requests: readCsv(readFileSync(join(dir, 'requests.csv'), 'utf8')),
    hlog: readFileSync(join(dir, 'histograms.hlog'), 'utf8'),
  };
}
