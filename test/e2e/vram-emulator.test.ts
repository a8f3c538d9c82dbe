/**
 * VRAM sampling end to end: the built CLI runs SDXL on the emulator's L4 profile (22 GiB) twice —
 * a batch of 2 that fits (model loads, then sampler activations and VAE decode memory) and a batch
 * of 20 whose activations cannot fit (torch.OutOfMemoryError, after which ComfyUI unloads every
 * model) — and every row of vram.csv is held against the emulator's ground-truth VRAM log.
 *
 * Times: a vram.csv row is stamped at the midpoint of its poll, so the server read its memory
 * within ±pollMs/2 of it; once the two processes' clocks are lined up (below) they agree to ~1 ms, so each row must equal
 * a ground-truth state in force at some moment of [t − pollMs/2 − 3 ms, t + pollMs/2 + 3 ms].
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import gpus from '../../fixtures/sim/gpus.json' with { type: 'json' };
import families from '../../fixtures/sim/families.json' with { type: 'json' };
import { startSim, type SimHandle, type VramSample as TruthSample } from '../../src/sim/index.js';
import { readCsv, type CsvText } from '../helpers/csv-read.js';
import { findRunDirs, readRun, root, runCli, type CliResult, type RunFiles } from './run-cli.js';

const L4 = gpus.l4;
const SDXL = families.sdxl;
const CONTEXT = L4.cudaContextBytes;
const MP = (1024 * 1024) / 1e6;

interface Run {
  cli: CliResult;
  files: RunFiles;
  vram: CsvText;
}

let fitsSim: SimHandle;
let oomSim: SimHandle;
let resultsRoot: string;
let fits: Run;
let oom: Run;

async function runSdxl(sim: SimHandle, batch: number, name: string): Promise<Run> {
  const workflow = JSON.parse(readFileSync(join(root, 'fixtures/workflows/sdxl-txt2img.json'), 'utf8')) as Record<string, { inputs: Record<string, unknown> }>;
  workflow['5']!.inputs.batch_size = batch;
  const path = join(resultsRoot, `${name}.json`);
  writeFileSync(path, JSON.stringify(workflow));
  const before = new Set(findRunDirs(resultsRoot));
  const cli = await runCli([
    'run',
    '--url',
    sim.url,
    '--workflow',
    path,
    '--concurrency',
    '1,2',
    '--prompts',
    '4',
    '--warmup',
    '1',
    '--vram-interval',
    '20ms',
    '--max-error-rate',
    '1',
    '--results-dir',
    resultsRoot,
    '--name',
    name,
  ]);
  const dir = findRunDirs(resultsRoot).find((d) => !before.has(d));
  expect(dir, cli.stderr).toBeDefined();
  return { cli, files: readRun(dir!), vram: readCsv(readFileSync(join(dir!, 'vram.csv'), 'utf8')) };
}

/** The ground-truth states (used, reserved, active) in force at some moment of [from, to] (epoch ms). */
function statesBetween(truth: readonly TruthSample[], from: number, to: number): { used: number; reserved: number; active: number }[] {
  const state = (s: TruthSample | undefined): { used: number; reserved: number; active: number } =>
    s === undefined
      ? { used: CONTEXT, reserved: 0, active: 0 }
      : { used: s.vramTotalBytes - s.vramFreeBytes, reserved: s.torchReservedBytes, active: s.torchActiveBytes };
  let i = 0;
  while (i < truth.length && truth[i]!.atEpochMs <= from) i++;
  const out = [state(truth[i - 1])];
  for (; i < truth.length && truth[i]!.atEpochMs <= to; i++) out.push(state(truth[i]));
  return out;
}

function checkRowsAgainstTruth(run: Run, sim: SimHandle): void {
  const truth = sim.groundTruth.vram;
  // The emulator stamps epochs as timeOrigin + now(), the CLI as Date.now(): they drift apart by
  // a few ms. Line the two up on execution_start, which both record (delivery takes < 1 ms).
  const offsets = run.files.requests.rows
    .filter((r) => r.executionStartMs !== '')
    .map((r) => sim.groundTruth.prompts.get(r.promptId!)!.executionStartEpochMs! - (run.files.summary.startTimeEpochMs + Number(r.executionStartMs)))
    .sort((a, b) => a - b);
  const start = run.files.summary.startTimeEpochMs + offsets[offsets.length >> 1]!;
  expect(run.vram.rows.length).toBeGreaterThan(10);
  for (const row of run.vram.rows) {
    const t = start + Number(row.atMs);
    const half = Number(row.pollMs) / 2 + 3;
    const states = statesBetween(truth, t - half, t + half);
    const got = { used: Number(row.vramUsedBytes), reserved: Number(row.torchReservedBytes), active: Number(row.torchActiveBytes) };
    expect(states, `vram.csv row at ${row.atMs} ms (poll ${row.pollMs} ms)`).toContainEqual(got);
    expect(Number(row.vramTotalBytes)).toBe(L4.vramBytes);
  }
}

function checkLevelPeaks(run: Run): void {
  for (const level of run.files.levels.rows) {
    const inLevel = run.vram.rows.filter((r) => Number(r.atMs) >= Number(level.startedMs) && Number(r.atMs) <= Number(level.endedMs));
    expect(inLevel.length, `samples in level ${level.level}`).toBe(Number(level.vramSamples));
    const used = inLevel.map((r) => Number(r.vramUsedBytes));
    expect(Number(level.vramUsedPeakBytes)).toBe(Math.max(...used));
    // summary.json read back holds the level index; levels.csv numbers levels from 1.
    const figures = run.files.summary.levels.find((l) => String(l.level + 1) === level.level)!.vram!;
    expect(figures.peakUsedBytes).toBe(Number(level.vramUsedPeakBytes));
    expect(figures.p95UsedBytes).toBe(Number(level.vramUsedP95Bytes));
    expect(figures.meanUsedBytes).toBe(Math.round(used.reduce((a, b) => a + b, 0) / used.length));
  }
}

beforeAll(async () => {
  // Fast enough for a test; the OOM run slower, so its short states (text encoders resident,
  // everything unloaded) last several polls.
  fitsSim = await startSim({ gpu: 'l4', timeScale: 0.02, seed: 3 });
  oomSim = await startSim({ gpu: 'l4', timeScale: 0.2, seed: 4 });
  resultsRoot = mkdtempSync(join(tmpdir(), 'comfyload-vram-'));
  fits = await runSdxl(fitsSim, 2, 'sdxl-b2');
  oom = await runSdxl(oomSim, 20, 'sdxl-b20');
}, 120_000);

afterAll(async () => {
  await fitsSim?.close();
  await oomSim?.close();
  if (resultsRoot) rmSync(resultsRoot, { recursive: true, force: true });
});

describe('VRAM sampling against the emulator (L4, SDXL 1024²)', () => {
  it('writes vram.csv with the fingerprint, the "used" caveat and a row per poll tagged with level and prompts in flight', () => {
    expect(fits.cli.code).toBe(0);
    expect(fits.vram.comments.join('\n')).toContain('gpu: NVIDIA L4');
    expect(fits.vram.comments.join('\n')).toMatch(/counts memory torch has reserved but not handed out as free/);
    const first = fits.vram.rows[0]!;
    expect(first.phase).toBe('warmup');
    for (const row of fits.vram.rows) {
      expect(Number(row.inFlight)).toBeGreaterThanOrEqual(0);
      expect(Number(row.inFlight)).toBeLessThanOrEqual(Number(row.concurrency));
    }
    expect(fits.vram.rows.some((r) => r.phase === 'measure' && r.concurrency === '2' && r.inFlight === '2')).toBe(true);
    expect(fits.files.summary.vram!.intervalMs).toBe(20);
    expect(fits.files.summary.files.map((f) => f.path)).toContain('vram.csv');
  });

  it('every sample equals the ground-truth VRAM state of the moment it was read (used, torch reserved, torch active)', () => {
    checkRowsAgainstTruth(fits, fitsSim);
    checkRowsAgainstTruth(oom, oomSim);
  });

  it('shows the model-load jump: CUDA context only before the first prompt, then SDXL weights resident', () => {
    expect(Number(fits.vram.rows[0]!.vramUsedBytes)).toBe(CONTEXT);
    const weights = SDXL.unetBytes + SDXL.textEncoderBytes + SDXL.vaeBytes;
    const measured = fits.vram.rows.filter((r) => r.phase === 'measure').map((r) => Number(r.vramUsedBytes));
    expect(Math.min(...measured)).toBeGreaterThanOrEqual(CONTEXT + weights);
  });

  it("catches the sampler activations in every prompt's peak, never above the true peak", () => {
    const activations = SDXL.activationBytesPerMp * MP * 2;
    const floor = CONTEXT + SDXL.unetBytes + activations;
    for (const row of fits.files.requests.rows) {
      const truth = fitsSim.groundTruth.prompts.get(row.promptId!)!;
      expect(row.outcome).toBe('ok');
      const peak = Number(row.vramPeakBytes);
      expect(peak, row.promptId).toBeGreaterThanOrEqual(Math.floor(floor) - 1);
      expect(peak, row.promptId).toBeLessThanOrEqual(CONTEXT + truth.vramPeakActiveBytes);
    }
  });

  it('writes per-level peak, mean and p95 that match vram.csv, in levels.csv and summary.json', () => {
    checkLevelPeaks(fits);
    checkLevelPeaks(oom);
    const truePeak = Math.max(...[...fitsSim.groundTruth.prompts.values()].map((p) => p.vramPeakActiveBytes)) + CONTEXT;
    for (const level of fits.files.levels.rows) expect(Number(level.vramUsedPeakBytes)).toBeLessThanOrEqual(truePeak);
  });

  it('records the OOM as error:torch.OutOfMemoryError, the activations never allocated and every model unloaded after it', () => {
    expect(oom.cli.code).toBe(0);
    for (const row of oom.files.requests.rows) {
      expect(row.outcome).toBe('error:torch.OutOfMemoryError');
      expect(oomSim.groundTruth.prompts.get(row.promptId!)!.exceptionType).toBe('torch.OutOfMemoryError');
    }
    expect(oom.files.levels.rows.map((r) => r.outcomes)).toEqual(['error:torch.OutOfMemoryError=4', 'error:torch.OutOfMemoryError=4']);
    const used = oom.vram.rows.map((r) => Number(r.vramUsedBytes));
    // At most the text encoders are resident: a batch of 20 never gets its activations.
    expect(Math.max(...used)).toBeLessThanOrEqual(CONTEXT + SDXL.textEncoderBytes + SDXL.unetBytes);
    expect(used.filter((u) => u === CONTEXT + SDXL.textEncoderBytes).length, 'text encoders resident').toBeGreaterThan(0);
    expect(oom.vram.rows.filter((r) => r.phase === 'measure' && Number(r.vramUsedBytes) === CONTEXT).length, 'unloaded after the OOM').toBeGreaterThan(0);
    expect(oomSim.groundTruth.vram.some((s) => s.reason === 'unload all')).toBe(true);
  });
});
