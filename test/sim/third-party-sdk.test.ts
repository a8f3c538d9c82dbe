/**
 * A ComfyUI client nobody here wrote, @saintno/comfyui-sdk, runs a full SD1.5 workflow against
 * the emulator over its own ws + HTTP code and downloads the image it produced.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { CallWrapper, ComfyApi, PromptBuilder } from '@saintno/comfyui-sdk';
import type { NodeData } from '@saintno/comfyui-sdk';
import { startSim } from '../../src/sim/index.js';
import type { SimHandle } from '../../src/sim/index.js';

let sim: SimHandle;
beforeAll(async () => {
  sim = await startSim({ timeScale: 0.01, seed: 3 });
});
afterAll(async () => {
  await sim.close();
});

test('@saintno/comfyui-sdk completes an SD1.5 txt2img and fetches its PNG', async () => {
  const graph = JSON.parse(readFileSync(new URL('../../fixtures/workflows/sd15-txt2img.json', import.meta.url), 'utf8')) as NodeData;
  const api = new ComfyApi(sim.url, 'sdk-client-1');
  await api.init(3, 200).waitForReady();
  try {
    const saveId = Object.entries(graph).find(([, n]) => n.class_type === 'SaveImage')?.[0] ?? '9';
    const samplerId = Object.entries(graph).find(([, n]) => n.class_type === 'KSampler')?.[0] ?? '3';
    const workflow = new PromptBuilder(graph, ['seed'], ['images'])
      .setInputNode('seed', `${samplerId}.inputs.seed`)
      .setOutputNode('images', saveId)
      .input('seed', 4242);
    const result = await new Promise<unknown>((resolve, reject) => {
      new CallWrapper(api, workflow)
        .onFinished((data) => resolve(data))
        .onFailed((err) => reject(err))
        .run()
        .catch(reject);
    });
    const images = (result as { images?: { images?: { filename: string; subfolder: string; type: string }[] } }).images?.images ?? [];
    expect(images.length).toBeGreaterThan(0);
    const blob = await api.getImage(images[0] as { filename: string; subfolder: string; type: string });
    const bytes = Buffer.from(await blob.arrayBuffer());
    expect(bytes.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
  } finally {
    api.destroy();
  }
}, 30_000);
