/**
 * The console as a user sees it (issue 15): the live line in a real terminal (tmux) moves while
 * one slow prompt runs — its elapsed time and current step change between two completions, and
 * "in flight" is the engine's count; the end-of-run summary goes to stdout (k6's habit), `--json`
 * replaces it with one document naming the results folder, and `comfyload` alone prints usage.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cliPath, root, runCli } from './run-cli.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'comfyload-console-'));
  dirs.push(d);
  return d;
}

const hasTmux = spawnSync('tmux', ['-V']).status === 0;

/** Polls `read` every 100 ms until `done` holds of what it returned, for at most `limitMs`. */
async function pollUntil<T>(read: () => T, done: (value: T) => boolean, limitMs: number): Promise<T> {
  const end = Date.now() + limitMs;
  for (;;) {
    const value = read();
    if (done(value) || Date.now() > end) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe.skipIf(!hasTmux)('the live line in a terminal (tmux)', () => {
  it('changes between two completions of one slow prompt and shows its current step', async () => {
    const dir = tempDir();
    const session = `comfyload-live-${process.pid}`;
    // One virtual user, two prompts of ~3 s each (20 steps): a completion every few seconds.
    const command = `${JSON.stringify(process.execPath)} ${JSON.stringify(cliPath)} run -c 1 -n 2 --warmup 0 --sim-time-scale 2 --results-dir ${JSON.stringify(dir)}; echo COMFYLOAD-EXIT=$?; sleep 120`;
    execFileSync('tmux', ['new-session', '-d', '-s', session, '-x', '250', '-y', '40', '-c', root, command]);
    const seen = new Set<string>();
    try {
      const capture = (): string => {
        const pane = execFileSync('tmux', ['capture-pane', '-p', '-t', session], { encoding: 'utf8' });
        for (const line of pane.split('\n')) if (line.startsWith('L1/1 c=1 |') && line.includes('done |')) seen.add(line.trimEnd());
        return pane;
      };
      const pane = await pollUntil(capture, (p) => p.includes('COMFYLOAD-EXIT='), 90_000);
      expect(pane).toContain('COMFYLOAD-EXIT=0');
      const live = [...seen];
      // While the first prompt is in flight (0 of 2 done) the line was redrawn with different contents.
      const first = live.filter((l) => l.includes('| 0/2 done |'));
      expect(first.length, live.join('\n')).toBeGreaterThanOrEqual(2);
      // The current step of the prompt in flight, out of the workflow's 20.
      const steps = live.flatMap((l) => /\| step (\d+)\/20 \|/.exec(l)?.[1] ?? []).map(Number);
      expect(new Set(steps).size, live.join('\n')).toBeGreaterThanOrEqual(2);
      expect(Math.max(...steps)).toBeLessThanOrEqual(20);
      // In flight is the engine's count: a prompt reporting its step is in flight — never concurrency − 1 (0 here).
      for (const line of live.filter((l) => l.includes('| step '))) expect(line).toContain('| 1 in flight |');
      // The summary table at the end (stdout on the same terminal).
      expect(pane).toMatch(/\n\s+L1\s+1\s+2\s+0\s/);
    } finally {
      spawnSync('tmux', ['kill-session', '-t', session]);
    }
  }, 120_000);
});

describe('streams: the summary on stdout, progress on stderr', () => {
  it('`comfyload run --quiet --json | jq -r .resultsDir` names an existing folder', () => {
    const dir = tempDir();
    const run = `${JSON.stringify(process.execPath)} ${JSON.stringify(cliPath)} run --quiet --json -c 1 -n 2 --warmup 0 --sim-time-scale 0.05 --results-dir ${JSON.stringify(dir)}`;
    const hasJq = spawnSync('jq', ['--version']).status === 0;
    const out = spawnSync('sh', ['-c', hasJq ? `${run} | jq -r .resultsDir` : run], { cwd: root, encoding: 'utf8', timeout: 60_000 });
    expect(out.status, out.stderr).toBe(0);
    const resultsDir = hasJq ? out.stdout.trim() : (JSON.parse(out.stdout) as { resultsDir: string }).resultsDir;
    expect(resultsDir.startsWith(dir)).toBe(true);
    expect(statSync(resultsDir).isDirectory()).toBe(true);
    expect(existsSync(join(resultsDir, 'summary.json'))).toBe(true);
    expect(out.stderr).toBe('');
  }, 60_000);

  it('without --json, a plain table on stdout (not a TTY: no colour) and the progress lines on stderr', async () => {
    const dir = tempDir();
    const r = await runCli(['run', '-c', '1,2', '-n', '2', '--warmup', '0', '--sim-time-scale', '0.05', '--results-dir', dir], { timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^comfyload sd15-txt2img: 4 ok, 0 not ok of 4 measured prompts\n/);
    expect(r.stdout).toMatch(/\n\s+L1\s+1\s+2\s+0\s/);
    expect(r.stdout).toMatch(/\n\s+L2\s+2\s+2\s+0\s/);
    expect(r.stdout).toMatch(/\nresults: \S+\n$/);
    expect(r.stdout).not.toContain('\u001b');
    expect(r.stderr).toContain('L1/2 c=1 |');
    expect(r.stderr).not.toContain('compl p99');
  }, 60_000);

  it('`comfyload` alone prints the usage and exits 0, sending nothing', async () => {
    const r = await runCli([], { timeoutMs: 20_000 });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Usage: comfyload <command> [options]');
    expect(r.stdout).toContain('  comfyload run\n');
    expect(r.stderr).toBe('');
  });
});
