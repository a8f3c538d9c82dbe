/**
 * Soak: 2,400 prompts through `comfyload run` against the emulator at a small time-scale with
 * sockets dropped every 60 frames and 2% of HTTP requests failing with 500. Nothing may be lost:
 * every prompt the emulator queued completes as `ok` (filled from /history when its socket was
 * down), every POST that failed is `rejected:http_500` and was never queued, the counts add up,
 * and the harness's own memory stays flat (RSS and heap sampled by the CLI itself,
 * COMFYLOAD_RSS_EVERY_MS). Runs in CI: about 30 s on 2 cores.
 */
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type SimHandle } from '../../src/sim/index.js';
import { expectAccounted, runAndRead, tempDir, writeFastWorkflow, type FaultRun } from './fault-run.js';

const LEVELS = [4, 8];
const PER_LEVEL = 1200;
const MB = 1024 * 1024;

interface RssSample {
  uptimeMs: number;
  rss: number;
  heapUsed: number;
}

describe('soak: 2,400 prompts with ws-drop and http-500', () => {
  let sim: SimHandle;
  let dir: string;
  let result: FaultRun;
  let samples: RssSample[];

  beforeAll(async () => {
    sim = await startSim({
      timeScale: 0.1,
      seed: 5,
      faults: [
        { name: 'ws-drop', every: 60 },
        { name: 'http-500', probability: 0.02 },
      ],
    });
    dir = tempDir('comfyload-soak-');
    const workflow = writeFastWorkflow(dir, 3, 2);
    result = await runAndRead(
      [
        'run',
        '--url',
        sim.url,
        '--workflow',
        workflow,
        '--concurrency',
        LEVELS.join(','),
        '--prompts',
        String(PER_LEVEL),
        '--warmup',
        '0',
        '--vram-interval',
        '1s',
        '--max-error-rate',
        '1',
        '--name',
        'soak',
      ],
      `${dir}/results`,
      { COMFYLOAD_RSS_EVERY_MS: '500' },
      85_000,
    );
    samples = [...result.cli.stderr.matchAll(/^comfyload-rss: (\d+) (\d+) (\d+)$/gm)].map((m) => ({
      uptimeMs: Number(m[1]),
      rss: Number(m[2]),
      heapUsed: Number(m[3]),
    }));
  }, 90_000);

  afterAll(async () => {
    await sim?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('completes and accounts for every prompt', () => {
    expect(result.cli.code, result.cli.stderr.slice(-2000)).toBe(0);
    expectAccounted(result, LEVELS.length * PER_LEVEL);
  });

  it('loses nothing: every queued prompt is ok, every failed POST was never queued', () => {
    const { ok = 0, 'rejected:http_500': rejected = 0, ...rest } = result.outcomes;
    expect(rest).toEqual({});
    expect(ok + rejected).toBe(LEVELS.length * PER_LEVEL);
    const queued = result.ids.filter((id) => sim.groundTruth.prompts.has(id));
    expect(queued).toHaveLength(ok);
    for (const id of queued) expect(sim.groundTruth.prompts.get(id)?.outcome).toBe('success');
    expect(Number(result.run.summary.environment.reconnects)).toBeGreaterThan(100);
    expect(result.run.requests.rows.filter((r) => r.source === 'history').length).toBeGreaterThan(50);
  });

  it('keeps the harness memory flat', () => {
    expect(samples.length).toBeGreaterThan(6);
    // Start = first sample once the run is under way (module load and first sockets excluded).
    const start = samples[Math.floor(samples.length / 4)]!;
    const middle = samples[Math.floor(samples.length / 2)]!;
    const end = samples[samples.length - 1]!;
    const line = (s: RssSample): string => `${(s.uptimeMs / 1000).toFixed(1)} s: rss ${(s.rss / MB).toFixed(0)} MB, heap ${(s.heapUsed / MB).toFixed(0)} MB`;
    const note = `RSS start ${line(start)} | middle ${line(middle)} | end ${line(end)} | ${samples.length} samples, ${((LEVELS.length * PER_LEVEL) / (end.uptimeMs / 1000)).toFixed(0)} prompts/s`;
    console.log(`soak: ${note}`);
    expect(end.rss - start.rss, note).toBeLessThan(64 * MB);
    const heapFirstHalf = Math.max(...samples.slice(0, samples.length >> 1).map((s) => s.heapUsed));
    const heapSecondHalf = Math.max(...samples.slice(samples.length >> 1).map((s) => s.heapUsed));
    expect(heapSecondHalf, note).toBeLessThan(heapFirstHalf * 1.5 + 16 * MB);
  });
});
