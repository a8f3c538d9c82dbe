/** The CLI as a function: main(argv, io) → exit code, with stdout/stderr captured. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { main } from '../../src/cli/cli.js';
import { optionDefs } from '../../src/cli/option-table.js';
import { RUN_OPTIONS } from '../../src/cli/options-run.js';
import { SIM_OPTIONS } from '../../src/cli/options-sim.js';
import { packageInfo } from '../../src/session/package-info.js';
import { Scratch, testIO } from './helpers.js';

let s: Scratch;
beforeAll(() => {
  s = new Scratch();
});
afterAll(() => s.remove());

describe('main', () => {
  it('--help lists every run option with its default, on stdout, exit 0', async () => {
    const io = testIO(s.dir);
    expect(await main(['--help'], io)).toBe(0);
    for (const def of optionDefs(RUN_OPTIONS)) expect(io.stdout.text).toContain(def.flag);
    expect(io.stdout.text).toContain('[default: 1,2,4]');
    expect(io.stdout.text).toContain('[default: 10m]');
    expect(io.stdout.text).toContain('comfyload sim');
    expect(io.stderr.text).toBe('');
  });

  it('sim --help lists the sim options', async () => {
    const io = testIO(s.dir);
    expect(await main(['sim', '--help'], io)).toBe(0);
    for (const def of optionDefs(SIM_OPTIONS)) expect(io.stdout.text).toContain(def.flag);
    expect(io.stdout.text).toContain('[default: 8188]');
    expect(io.stdout.text).not.toContain('--concurrency');
  });

  it('--version prints the package version', async () => {
    const io = testIO(s.dir);
    expect(await main(['--version'], io)).toBe(0);
    expect(io.stdout.text).toBe(`${packageInfo().version}\n`);
  });

  it('an unknown flag exits 2 with BAD_OPTION and the nearest flag, no stack', async () => {
    const io = testIO(s.dir);
    expect(await main(['run', '--promts', '3'], io)).toBe(2);
    expect(io.stderr.text).toBe('comfyload: Unknown flag `--promts` for `comfyload run`\n  fix: did you mean `--prompts`?\n  code: COMFYLOAD_ERR_BAD_OPTION\n');
    expect(io.stdout.text).toBe('');
  });

  it('several unknown flags are listed together', async () => {
    const io = testIO(s.dir);
    expect(await main(['--workflw', 'w.json', '-x'], io)).toBe(2);
    expect(io.stderr.text).toContain('  - `--workflw` (did you mean `--workflow`?)\n  - `-x`\n');
  });

  it('prints the stack with --verbose or COMFYLOAD_DEBUG=1 only', async () => {
    const quiet = testIO(s.dir);
    await main(['--workflow', 'missing.json'], quiet);
    expect(quiet.stderr.text).not.toMatch(/\n\s+at /);
    const verbose = testIO(s.dir);
    expect(await main(['--workflow', 'missing.json', '--verbose'], verbose)).toBe(2);
    expect(verbose.stderr.text).toMatch(/code: COMFYLOAD_ERR_WORKFLOW_NOT_FOUND\n\nComfyloadError: .*\n\s+at /);
    expect(verbose.stderr.text).toContain('caused by: Error: ENOENT');
    const debug = testIO(s.dir, { COMFYLOAD_DEBUG: '1' });
    await main(['--workflow', 'missing.json'], debug);
    expect(debug.stderr.text).toMatch(/\n\s+at /);
  });

  it('sim: listens, reports its address on stderr, closes on the signal and exits 0', async () => {
    let stop: ((signal: NodeJS.Signals) => void) | undefined;
    const io = { ...testIO(s.dir), onSignal: (handler: (signal: NodeJS.Signals) => void) => (stop = handler) };
    const exit = main(['sim', '--port', '0', '--gpu', 'l4', '--time-scale', '0.01'], io);
    await expect.poll(() => io.stderr.text, { timeout: 5000 }).toMatch(/listening on http:\/\/127\.0\.0\.1:\d+\n$/);
    expect(io.stderr.text).toMatch(/^comfyload sim: ComfyUI emulator \(gpu l4, time-scale 0\.01\) listening on http:\/\/127\.0\.0\.1:(\d+)\n$/);
    const port = /:(\d+)\n$/.exec(io.stderr.text)?.[1];
    const stats = await fetch(`http://127.0.0.1:${port}/system_stats`);
    expect(stats.status).toBe(200);
    stop?.('SIGINT');
    expect(await exit).toBe(0);
    expect(io.stderr.text).toContain('comfyload sim: SIGINT, closing\n');
    await expect(fetch(`http://127.0.0.1:${port}/system_stats`)).rejects.toThrow();
  });
});
