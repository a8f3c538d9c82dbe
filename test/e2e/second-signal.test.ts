/**
 * A second Ctrl-C exits at once, without cleanup (issue 15): the folder it leaves must still be a
 * results folder — summary.json written as the run went (marked partial, the levels finished by
 * then), which `comfyload report` renders — not one `report` rejects for a missing summary.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseSummaryJson } from '../../src/reporters/summary-json.js';
import { cliPath, findRunDirs, root, runCli } from './run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'comfyload-second-signal-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a second signal', () => {
  it('leaves summary.json (partial, the finished levels) that `comfyload report` renders', async () => {
    const results = join(dir, 'results');
    const child = spawn(
      process.execPath,
      [cliPath, 'run', '-c', '1,2,3', '-n', '2', '--warmup', '0', '--sim-time-scale', '0.3', '--results-dir', results, '--name', 'twice'],
      { cwd: root, env: { PATH: process.env.PATH }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    // Wait on the event: the first level's line, then stop twice while the second level runs.
    const end = Date.now() + 60_000;
    while (!stderr.includes('L1/3 c=1 |') && child.exitCode === null && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    expect(stderr).toContain('L1/3 c=1 |');
    child.kill('SIGINT');
    await new Promise((r) => setTimeout(r, 30));
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(stderr).toContain('again — stopped without cleanup');
    const runDir = findRunDirs(results)[0]!;
    expect(existsSync(join(runDir, 'summary.json'))).toBe(true);
    const summary = parseSummaryJson(readFileSync(join(runDir, 'summary.json'), 'utf8'));
    expect(summary.partial).toBe(true);
    expect(summary.levels.length).toBeGreaterThanOrEqual(1);
    expect(summary.levels[0]!.submitted).toBe(2);
    expect(summary.totals.submitted).toBe(summary.levels.reduce((n, l) => n + l.submitted, 0));
    const report = await runCli(['report', runDir], { timeoutMs: 30_000 });
    expect(report.code, report.stderr).toBe(0);
    expect(readFileSync(join(runDir, 'report.html'), 'utf8')).toContain('Partial run:');
  }, 90_000);
});
