/**
 * `comfyload run --sim-fault` (issue #7): the built-in emulator takes the same fault syntax as
 * `comfyload sim --fault`. 20% of POST /prompt answered 500 → each is one `rejected:http_500`
 * prompt (never retried), the run completes, and the error rate fails --max-error-rate (exit 1).
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectAccounted, runAndRead, tempDir, type FaultRun } from './fault-run.js';

describe('comfyload run --sim-fault http-500:rate=0.2,route=/prompt', () => {
  let dir: string;
  let r: FaultRun;

  beforeAll(async () => {
    dir = tempDir('comfyload-sim-fault-');
    r = await runAndRead(
      [
        'run',
        '--sim-fault',
        'http-500:rate=0.2,route=/prompt',
        '--sim-time-scale',
        '0.02',
        '--seed',
        '7',
        '--concurrency',
        '2',
        '--prompts',
        '20',
        '--warmup',
        '0',
        '--vram-interval',
        '1s',
      ],
      `${dir}/results`,
      {},
      60_000,
    );
  }, 70_000);

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('says which faults the emulator injects, completes, and accounts for every prompt', () => {
    expect(r.cli.stderr).toMatch(/built-in ComfyUI emulator \(gpu rtx-4090, time-scale 0\.02, faults http-500, in a worker thread\)/);
    expect(r.run.summary.partial).toBe(false);
    expectAccounted(r, 20);
  });

  it('records the injected faults with the results: summary.json environment and every CSV header', () => {
    expect(r.run.summary.environment).toMatchObject({ emulatorGpu: 'rtx-4090', emulatorTimeScale: '0.02', emulatorFaults: 'http-500:target=/prompt,rate=0.2' });
    for (const file of ['levels.csv', 'requests.csv', 'vram.csv']) {
      expect(readFileSync(join(r.run.dir, file), 'utf8'), file).toContain(
        '# emulator: gpu profile rtx-4090; time_scale: 0.02; faults: http-500:target=/prompt,rate=0.2\n',
      );
    }
    expect(readFileSync(join(r.run.dir, 'report.html'), 'utf8')).toContain('faults: http-500:target=/prompt,rate=0.2');
  });

  it('counts each injected 500 as rejected:http_500 and exits 1 on --max-error-rate', () => {
    const rejected = r.outcomes['rejected:http_500'] ?? 0;
    expect(rejected).toBeGreaterThan(1);
    expect(rejected + (r.outcomes.ok ?? 0)).toBe(20);
    expect(r.cli.code, r.cli.stderr).toBe(1);
    expect(r.cli.stderr).toMatch(/error rate .* is above --max-error-rate 5\.0%/);
  });
});
