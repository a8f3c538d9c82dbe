/**
 * Regression (issue 11): a ComfyUI started with --cpu reports the machine's RAM as its device's
 * VRAM and as torch's (test/traces/real-system_stats.json). vram.csv used to show the whole RAM
 * as "torch reserved" in three identical columns and fit a VRAM drift on machine-wide RAM. Now the
 * device is recognised, its columns labelled system RAM, and no drift verdict given, with a
 * warning saying so. The emulator's `cpu` profile answers /system_stats the way the real one does.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import gpus from '../../fixtures/sim/gpus.json' with { type: 'json' };
import { readCsv } from '../helpers/csv-read.js';
import { findRunDirs, readRun, runCli, type CliResult, type RunFiles } from './run-cli.js';

describe('a CPU server (emulator profile cpu, like ComfyUI --cpu)', () => {
  let root: string;
  let cli: CliResult;
  let run: RunFiles;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'comfyload-cpu-'));
    cli = await runCli([
      'run',
      '--sim-gpu',
      'cpu',
      '--sim-time-scale',
      '0.002',
      '--concurrency',
      '1',
      '--prompts',
      '4',
      '--warmup',
      '1',
      '--vram-interval',
      '20ms',
      '--results-dir',
      root,
    ]);
    run = readRun(findRunDirs(root)[0]!);
  }, 90_000);

  afterAll(() => {
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('is fingerprinted as a CPU server: folder cpu, argv --cpu, target marked cpu', () => {
    expect(cli.code, cli.stderr).toBe(0);
    expect(relative(root, run.dir).split(sep)[0]).toBe('cpu');
    expect(run.summary.targets[0]!.fingerprint).toMatchObject({ gpu: 'cpu', gpuCount: 0, cpu: true });
    expect(run.summary.environment.serverArgv).toMatch(/^main\.py --cpu /);
    expect(run.summary.environment.device).toBe('cpu');
  });

  it('labels vram.csv rows system-ram (RAM figures, torch columns empty), not "torch reserved"', () => {
    const text = readFileSync(join(run.dir, 'vram.csv'), 'utf8');
    const rows = readCsv(text).rows;
    expect(rows.length).toBeGreaterThan(3);
    for (const r of rows) {
      expect(r).toMatchObject({
        deviceName: 'cpu',
        memory: 'system-ram',
        torchReservedBytes: '',
        torchActiveBytes: '',
        vramTotalBytes: String(gpus.cpu.ramBytes),
      });
      expect(r.vramUsedBytes).toBe(r.ramUsedBytes);
    }
    expect(text).toMatch(/# memory system-ram: the device is the CPU/);
  });

  it('gives no VRAM drift verdict, says why, and warns', () => {
    const vram = run.summary.vram!;
    expect(vram.memory).toBe('system-ram');
    expect(vram.drift).toBeNull();
    expect(vram.driftSkipped).toMatch(/runs on the CPU/);
    expect(run.summary.warnings!.some((w) => /runs on the CPU \(ComfyUI --cpu\).*no VRAM drift verdict/.test(w))).toBe(true);
    expect(cli.stderr).toMatch(/runs on the CPU \(ComfyUI --cpu\)/);
  });
});
