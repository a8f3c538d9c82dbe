import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { validatePrompt } from '../../../src/sim/nodes/validate.js';
import { fixtureObjectInfo, readJson, repoPath } from './helpers.js';

const files = readdirSync(repoPath('fixtures/workflows')).filter((f) => f.endsWith('.json'));

describe('fixture workflows', () => {
  const objectInfo = fixtureObjectInfo();

  it('include the SD1.5 and bench graphs the emulator relies on', () => {
    expect(files).toEqual(expect.arrayContaining(['sd15-txt2img.json', 'bench-fake-sampler.json']));
  });

  it.each(files)('%s validates without node errors', (file) => {
    const graph = readJson(`fixtures/workflows/${file}`);
    const result = validatePrompt(graph, objectInfo);
    expect(result.ok ? result.nodeErrors : result.body).toEqual({});
    if (result.ok) expect(result.prompt).toEqual(graph);
  });
});
