/** The built CLI (dist/cli.js, built by the e2e global setup) as a user runs it. */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { packageInfo } from '../../src/session/package-info.js';

const root = packageInfo().root;
const cli = join(root, 'dist/cli.js');

function run(args: string[], env: NodeJS.ProcessEnv = {}) {
  return spawnSync(process.execPath, [cli, ...args], { cwd: root, encoding: 'utf8', env: { PATH: process.env.PATH, ...env }, timeout: 30_000 });
}

describe('comfyload (built)', () => {
  it('--help prints the options with their defaults and exits 0', () => {
    const r = run(['--help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('--concurrency');
    expect(r.stdout).toContain('[default: 1,2,4]');
    expect(r.stderr).toBe('');
  });

  it("without --url runs the built-in emulator in a worker thread, off the harness's event loop", () => {
    const results = mkdtempSync(join(tmpdir(), 'comfyload-embedded-'));
    try {
      const r = run(['run', '--sim-time-scale', '0.02', '--concurrency', '1', '--prompts', '2', '--warmup', '0', '--results-dir', results]);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/built-in ComfyUI emulator \(gpu rtx-4090, time-scale 0\.02, in a worker thread\) at http:\/\/127\.0\.0\.1:\d+/);
    } finally {
      rmSync(results, { recursive: true, force: true });
    }
  });

  it('--version prints the package version', () => {
    const r = run(['--version']);
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe(packageInfo().version);
  });

  it('a bad value exits 2 with code and fix, without a stack trace', () => {
    const r = run(['run', '--concurrency', '1,x']);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(
      'comfyload: Expected `--concurrency` to be a comma-separated list of positive integers, got `1,x` (string)\n  fix: e.g. --concurrency 1,2,4\n  code: COMFYLOAD_ERR_BAD_OPTION\n',
    );
  });

  it('a ws:// URL is refused with the http address to use', () => {
    const r = run(['--url', 'ws://127.0.0.1:8188/ws', '--workflow', 'x.json']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("fix: pass the server's HTTP address, e.g. --url http://127.0.0.1:8188");
    expect(r.stderr).toContain('code: COMFYLOAD_ERR_BAD_URL');
  });

  it('a reader that went away (EPIPE) is not an error', async () => {
    const child = spawn(process.execPath, [cli, '--help'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy(); // closes our end of the pipe before the CLI writes to it
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });

  it('sim listens until SIGTERM, then closes and exits 0', async () => {
    const child = spawn(process.execPath, [cli, 'sim', '--port', '0', '--time-scale', '0.01'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    const url = await new Promise<string>((resolve, reject) => {
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        const m = /listening on (http:\/\/\S+)/.exec(stderr);
        if (m?.[1]) resolve(m[1]);
      });
      child.once('exit', (code) => reject(new Error(`sim exited ${code}: ${stderr}`)));
    });
    expect((await fetch(`${url}/system_stats`)).status).toBe(200);
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(stderr).toContain('SIGTERM, closing');
  });
});
