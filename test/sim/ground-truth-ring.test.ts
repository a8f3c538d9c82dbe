/**
 * Regression (issue 11): the emulator's GroundTruth.prompts grew for the life of `comfyload sim`.
 * It keeps the latest `groundTruthMax` prompts (a ring), while the service sums — the embedded
 * emulator's true service rate — still cover every prompt; `Infinity` keeps them all.
 */
import { describe, expect, it } from 'vitest';
import { GroundTruth } from '../../src/sim/ground-truth.js';
import { startSim } from '../../src/sim/index.js';
import { randomUUID } from 'node:crypto';
import { postJson } from './sim-test-helpers.js';

const PROMPT = {
  '1': { class_type: 'BenchFakeSampler', inputs: { steps: 1, step_ms: 1, seed: 1, vram_mb: 1, size: 8 } },
  '2': { class_type: 'PreviewImage', inputs: { images: ['1', 0] } },
};

function finish(truth: GroundTruth, i: number): void {
  const t = truth.open(`p${i}`, i, null, i * 10, 0);
  t.executionStartMs = i * 10 + 1;
  t.completedMs = i * 10 + 4;
  t.outcome = 'success';
  truth.close(t);
}

describe('GroundTruth ring', () => {
  it('keeps the latest max prompts, and sums the service of every one', () => {
    const truth = new GroundTruth(1, 'rtx-4090', undefined, 3);
    for (let i = 0; i < 8; i++) finish(truth, i);
    expect([...truth.prompts.keys()]).toEqual(['p5', 'p6', 'p7']);
    expect(truth.service).toEqual({ busyMs: 8 * 3, prompts: 8 });
  });

  it('keeps every prompt with Infinity', () => {
    const truth = new GroundTruth(1, 'rtx-4090', undefined, Infinity);
    for (let i = 0; i < 50; i++) finish(truth, i);
    expect(truth.prompts.size).toBe(50);
  });

  it('is what startSim({ groundTruthMax }) uses (default 10 000)', async () => {
    const sim = await startSim({ timeScale: 0, groundTruthMax: 2 });
    try {
      for (let i = 0; i < 4; i++) {
        const prompt = structuredClone(PROMPT);
        prompt['1'].inputs.seed = i;
        expect((await postJson(sim.url, '/prompt', { prompt, prompt_id: randomUUID() })).status).toBe(200);
        await sim.state!.worker.whenIdle();
      }
      await sim.state!.worker.whenIdle();
      expect(sim.groundTruth.prompts.size).toBe(2);
      expect(sim.groundTruth.service.prompts).toBe(4);
    } finally {
      await sim.close();
    }
    await expect(startSim({ groundTruthMax: 0 })).rejects.toThrow('Expected `groundTruthMax` to be an integer > 0 or Infinity');
  });
});
