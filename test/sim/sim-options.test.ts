/** startSim's options: defaults, refusals with a fix-naming message, dataDir, ground-truth NDJSON. */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { expect, test } from 'vitest';
import { SIM_DEFAULTS, gpuProfileIds, resolveSimOptions, simArgv, startSim } from '../../src/sim/index.js';
import { Recorder, postJson } from './sim-test-helpers.js';

test('defaults: loopback, ephemeral port, RTX 4090, classic cache, no previews', () => {
  expect(SIM_DEFAULTS).toMatchObject({
    host: '127.0.0.1',
    port: 0,
    gpu: 'rtx-4090',
    timeScale: 1,
    protocol: 'current',
    previewMethod: 'none',
    cache: 'classic',
    maxUploadSizeMb: 100,
    historyMax: 10000,
    enableCorsHeader: false,
  });
  expect(gpuProfileIds()).toEqual(['rtx-4090', 'l4', 'a100-80gb', 'h100', 'h200', 'cpu']);
  expect(simArgv(resolveSimOptions({ cache: { lru: 4 }, previewMethod: 'auto' }), 8188, '/d').slice(0, 9)).toEqual([
    'main.py',
    '--listen',
    '127.0.0.1',
    '--port',
    '8188',
    '--cache-lru',
    '4',
    '--preview-method',
    'auto',
  ]);
});

test('bad options are refused with what was expected and what came', async () => {
  expect(() => resolveSimOptions({ timeScale: -1 })).toThrow('Expected `timeScale` to be a finite number >= 0, got `-1` (number)');
  expect(() => resolveSimOptions({ cache: { lru: 0 } })).toThrow(/Expected `cache`/);
  await expect(startSim({ gpu: 'rtx-9999' })).rejects.toThrow('Expected `gpu` to be one of rtx-4090, l4, a100-80gb, h100, h200, cpu, got `rtx-9999` (string)');
});

test('a given dataDir is used and kept; ground truth is appended as NDJSON per prompt', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'sim-opt-'));
  const truthFile = path.join(dir, 'truth.ndjson');
  const sim = await startSim({ timeScale: 0.01, dataDir: path.join(dir, 'data'), groundTruthPath: truthFile });
  try {
    expect(sim.url).toBe(`http://127.0.0.1:${sim.port}`);
    const rec = await Recorder.open(sim.url);
    const id = randomUUID();
    await postJson(sim.url, '/prompt', {
      prompt: {
        '1': { class_type: 'BenchFakeSampler', inputs: { steps: 2, step_ms: 10, seed: 1, vram_mb: 1 } },
        '2': { class_type: 'SaveImage', inputs: { images: ['1', 0], filename_prefix: 'keep' } },
      },
      client_id: rec.clientId,
      prompt_id: id,
    });
    await rec.waitDone(id);
    rec.close();
    const lines = readFileSync(truthFile, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { promptId: string; steps: unknown[] });
    expect(lines.map((l) => l.promptId)).toEqual([id]);
    expect(lines[0]?.steps).toHaveLength(2);
  } finally {
    await sim.close();
  }
  expect(readdirSync(path.join(dir, 'data', 'output'))).toEqual(['keep_00001_.png']);
  rmSync(dir, { recursive: true, force: true });
});

test('an emulator-made data folder is removed on close', async () => {
  const sim = await startSim({});
  const root = sim.state?.files.root ?? '';
  expect(existsSync(path.join(root, 'input'))).toBe(true);
  await sim.close();
  expect(existsSync(root)).toBe(false);
});
