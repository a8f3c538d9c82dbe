/**
 * For the k6 end-to-end tests: where k6 is (K6_BIN, then PATH, then the repository's
 * ../shared/bin/k6, the order comfyload itself uses), and running it on a bundle.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { findK6Path } from '../../src/harness/k6/k6-binary.js';
import { root } from '../e2e/run-cli.js';

/** The k6 the tests run, or undefined (the k6 tests then skip, saying so in one line). */
export const K6 = findK6Path(process.env, [join(root, '..', 'shared', 'bin', 'k6')]);

/** The environment every spawned comfyload or k6 of these tests gets. */
export function k6Env(): NodeJS.ProcessEnv {
  return { ...(K6 !== undefined ? { K6_BIN: K6 } : {}), HOME: process.env.HOME ?? '/tmp', K6_NO_USAGE_REPORT: 'true' };
}

/** `k6 run` of a bundle's script.js with extra arguments; resolves with k6's exit code and stderr. */
export function runK6(bundleDir: string, args: string[], timeoutMs = 90_000): Promise<{ code: number | null; stderr: string; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(K6!, ['run', '--quiet', '--no-usage-report', '--address', '127.0.0.1:0', ...args, 'script.js'], {
      cwd: bundleDir,
      env: { PATH: process.env.PATH, ...k6Env() },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    let stdout = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`k6 ${args.join(' ')} did not finish within ${timeoutMs} ms\n${stderr}`));
    }, timeoutMs);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr, stdout });
    });
  });
}
