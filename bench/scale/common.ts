/** Helpers of the benches (scale.ts, accuracy.ts): a child process timed by GNU time, result files, percentiles, the emulator's true step intervals. */
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { PromptTruth } from '../../src/sim/index.js';

export interface Cost {
  wallS: number;
  cpuS: number;
  rssMb: number;
  /** The end of the process's stderr (why it failed, when it did). */
  stderrTail: string;
}

/**
 * Runs `args` under `/usr/bin/time` (CPU = user + system of the process and the children it
 * waited for, RSS = the largest process's peak), asynchronously: the emulator may share this loop.
 */
export function timed(args: string[], timeFile: string, opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Cost> {
  return new Promise((resolve, reject) => {
    execFile('/usr/bin/time', ['-o', timeFile, '-f', '%e %U %S %M', ...args], { ...opts, maxBuffer: 64 * 2 ** 20 }, (err, _out, stderr) => {
      const line = readFileSync(timeFile, 'utf8').trim().split('\n').pop() ?? '';
      const [wall, user, sys, rssKb] = line.split(' ').map(Number);
      if (err && (wall === undefined || Number.isNaN(wall))) return reject(new Error(`${args.join(' ')}: ${String(err)}\n${stderr}`));
      resolve({ wallS: wall!, cpuS: user! + sys!, rssMb: rssKb! / 1024, stderrTail: String(stderr).slice(-2000) });
    });
  });
}

export function pct(values: readonly number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] ?? Number.NaN;
}

export function csvRows(text: string): Record<string, string>[] {
  const lines = text.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
  const header = lines[0]!.split(',');
  // The columns read here hold no commas or quotes.
  return lines.slice(1).map((l) => Object.fromEntries(l.split(',').map((v, i) => [header[i]!, v])));
}

/** The folder under `root` that holds a summary.json. */
export function findRun(root: string): string {
  for (const name of readdirSync(root)) {
    const path = join(root, name);
    if (name === 'summary.json') return root;
    if (statSync(path).isDirectory()) {
      const found = findRun(path);
      if (found !== '') return found;
    }
  }
  return '';
}

/** The emulator's steps 2..n of each sampler node: between the sends of consecutive progress updates. */
export function trueIntervals(t: PromptTruth): number[] {
  const out: number[] = [];
  for (const n of t.nodes) {
    const steps = t.steps.filter((s) => s.nodeId === n.nodeId).sort((a, b) => a.value - b.value);
    for (let k = 1; k < steps.length; k++) out.push(steps[k]!.atMs - steps[k - 1]!.atMs);
  }
  return out;
}

/** |measured − true| of a run's prompts: step intervals, queue wait, completion (ms). */
export interface Errors {
  prompts: number;
  step: number[];
  wait: number[];
  completion: number[];
}

export function emptyErrors(): Errors {
  return { prompts: 0, step: [], wait: [], completion: [] };
}

/** One prompt's measured figures against its truth, added to `e`. */
export function addErrors(e: Errors, t: PromptTruth | undefined, m: { steps: number[]; waitMs: number; completionMs: number }): void {
  if (t?.executionStartMs === undefined || t.completedMs === undefined) return;
  e.prompts++;
  trueIntervals(t).forEach((v, i) => {
    const got = m.steps[i];
    if (got !== undefined && Number.isFinite(got)) e.step.push(Math.abs(got - v));
  });
  // A wait the tool never measured (NaN) is left out, not counted as an error.
  if (Number.isFinite(m.waitMs)) e.wait.push(Math.abs(m.waitMs - (t.executionStartMs - t.enqueuedMs)));
  e.completion.push(Math.abs(m.completionMs - (t.completedMs - t.enqueuedMs)));
}

/** Errors of a comfyload results folder (requests.csv) against the emulator's truth. */
export function errorsOfRun(dir: string, truth: (id: string) => PromptTruth | undefined): Errors {
  const e = emptyErrors();
  for (const r of csvRows(readFileSync(join(findRun(dir), 'requests.csv'), 'utf8'))) {
    if (r.phase !== undefined && r.phase !== 'measure') continue;
    const steps = (r.stepIntervalsMs ?? '')
      .split(';')
      .filter((v) => v !== '')
      .map(Number);
    addErrors(e, truth(r.promptId!), { steps, waitMs: Number(r.queueWaitMs), completionMs: Number(r.completionMs) });
  }
  return e;
}

/** `p50 / p99` of errors, ms. */
export function fmtErr(v: readonly number[]): string {
  if (v.length === 0) return '–';
  const f = (x: number): string => (x < 10 ? x.toFixed(2) : x.toFixed(1));
  return `${f(pct(v, 50))} / ${f(pct(v, 99))}`;
}
