/**
 * The corpus: UI-format workflows from real sources (test/comfy/corpus/README.md says where each
 * came from), each converted against the emulator's /object_info and compared with the API graph
 * the editor would send for it, checked by hand node by node against the source file
 * (test/comfy/corpus/expected/). Seeds are the files' own: the editor sends the saved seed and
 * only then applies "control after generate".
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ApiWorkflow } from '../../src/comfy/http-types.js';
import { preflightWorkflow } from '../../src/comfy/preflight.js';
import { convertUiWorkflow } from '../../src/comfy/ui-to-api.js';
import { root, serverObjectInfo } from './helpers/object-info.js';

const CORPUS = join(root, 'test/comfy/corpus');

interface Entry {
  file: string;
  /** Conversion notes expected, in order. */
  notes: string[];
  /** Preflight problems expected against the emulator (its model catalogue, example.png and mask.png as inputs). */
  problems: string[];
}

const ENTRIES: Entry[] = [
  {
    file: 'frontend-default-graph.json',
    notes: ['node 9 (SaveImage): no widget values saved; took the server\'s defaults: filename_prefix="ComfyUI"'],
    problems: [],
  },
  { file: 'workflow-templates-default.json', notes: [], problems: [] },
  { file: 'template-image2image.json', notes: [], problems: [] },
  { file: 'template-lora.json', notes: [], problems: ['missing_model'] },
  { file: 'template-esrgan-example.json', notes: [], problems: [] },
  { file: 'template-sdxl-simple-example.json', notes: [], problems: [] },
  // Test graphs of the editor's own browser tests: unconnected samplers, so not runnable.
  {
    file: 'browser-tests-load-image-with-ksampler.json',
    notes: [],
    problems: ['missing_input', 'missing_input', 'missing_input', 'missing_input', 'no_output'],
  },
  {
    file: 'browser-tests-primitive-combo-sampler-name.json',
    notes: [],
    problems: ['missing_input', 'missing_input', 'missing_input', 'missing_input', 'no_output'],
  },
];

function read(path: string): unknown {
  return JSON.parse(readFileSync(join(CORPUS, path), 'utf8')) as unknown;
}

describe('the UI-format corpus, converted against the emulator’s /object_info', () => {
  const info = serverObjectInfo();

  it.each(ENTRIES)('$file converts to the graph the editor sends', ({ file, notes, problems }) => {
    const { workflow, notes: got } = convertUiWorkflow(read(file), info);
    const expected = read(`expected/${file.replace(/\.json$/, '.api.json')}`) as ApiWorkflow;
    expect(workflow).toEqual(expected);
    expect(got).toEqual(notes);
    expect(preflightWorkflow(workflow, info).map((p) => p.kind)).toEqual(problems);
  });

  it('the default graph keeps the editor’s sampler values although its seed control is saved as a boolean', () => {
    const ksampler = convertUiWorkflow(read('frontend-default-graph.json'), info).workflow['3']!;
    expect(ksampler.inputs).toMatchObject({ seed: 156680208700286, steps: 20, cfg: 8, sampler_name: 'euler', scheduler: 'normal', denoise: 1 });
  });
});
