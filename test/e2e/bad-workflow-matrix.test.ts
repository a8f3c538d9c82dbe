/**
 * Every bad workflow stops `comfyload run`, `comfyload capacity` (one session, one preflight) and
 * `comfyload validate` before the first prompt:
 * exit 2, a stable code, a message naming the problem and its fix, no stack trace — and, checked
 * on the in-process emulator, not one POST /prompt (its priority counter rises on every POST,
 * valid or not) and nothing queued or run.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type SimHandle } from '../../src/sim/index.js';
import { root, runCli } from './run-cli.js';

const base = JSON.parse(readFileSync(join(root, 'fixtures/workflows/sd15-txt2img.json'), 'utf8')) as Record<
  string,
  { class_type: string; inputs: Record<string, unknown> }
>;

function variant(change: (wf: typeof base) => void): string {
  const wf = structuredClone(base);
  change(wf);
  return JSON.stringify(wf, null, 2);
}

interface Case {
  name: string;
  /** File name in the scratch folder and its text; undefined: the file does not exist. */
  file: string;
  text?: string;
  code: string;
  message: string[];
  fix: string[];
}

const CASES: Case[] = [
  { name: 'missing file', file: 'nope.json', code: 'COMFYLOAD_ERR_WORKFLOW_NOT_FOUND', message: ['nope.json does not exist'], fix: ['check the path'] },
  {
    name: 'invalid JSON',
    file: 'broken.json',
    text: '{\n  "3": {\n    "class_type": "KSampler"\n    "inputs": {}\n  }\n}\n',
    code: 'COMFYLOAD_ERR_BAD_WORKFLOW',
    message: ['not valid JSON at line 4, column 5'],
    fix: ['fix the file at that position'],
  },
  { name: 'empty graph', file: 'empty.json', text: '{}', code: 'COMFYLOAD_ERR_BAD_WORKFLOW', message: ['has no nodes'], fix: ['Export (API)'] },
  {
    name: 'unknown class',
    file: 'unknown-class.json',
    text: variant((w) => (w['3']!.class_type = 'KSamplerTurbo')),
    code: 'COMFYLOAD_ERR_BAD_WORKFLOW',
    message: ['1 problem (unknown_class)', 'nothing was sent to /prompt'],
    fix: ['install the custom node pack'],
  },
  {
    name: 'missing model',
    file: 'missing-model.json',
    text: variant((w) => (w['4']!.inputs.ckpt_name = 'dreamshaper_8.safetensors')),
    code: 'COMFYLOAD_ERR_BAD_WORKFLOW',
    message: ['(missing_model)'],
    fix: ['models/checkpoints'],
  },
  {
    name: 'link to a missing node',
    file: 'dangling.json',
    text: variant((w) => (w['8']!.inputs.samples = ['30', 0])),
    code: 'COMFYLOAD_ERR_BAD_WORKFLOW',
    message: ['links to node "30", which is not in the workflow'],
    fix: ['Export (API)'],
  },
  {
    name: 'link of the wrong type',
    file: 'bad-link.json',
    text: variant((w) => (w['3']!.inputs.positive = ['5', 0])),
    code: 'COMFYLOAD_ERR_BAD_WORKFLOW',
    message: ['(link_type_mismatch)'],
    fix: ['link `positive` to an output of type CONDITIONING'],
  },
  {
    name: 'cycle',
    file: 'cycle.json',
    text: variant((w) => (w['3']!.inputs.latent_image = ['3', 0])),
    code: 'COMFYLOAD_ERR_BAD_WORKFLOW',
    message: ['(cycle)'],
    fix: ['remove one link of the cycle'],
  },
  {
    name: 'UI format that cannot be converted',
    file: 'subgraph.json',
    text: readFileSync(join(root, 'fixtures/workflows/ui/subgraph.ui.json'), 'utf8'),
    code: 'COMFYLOAD_ERR_WORKFLOW_UI_FORMAT',
    message: ['UI format', 'subgraph (Sampler block)'],
    fix: ['Workflow → Export (API)'],
  },
  {
    name: 'several problems at once',
    file: 'several.json',
    text: variant((w) => {
      w['4']!.inputs.ckpt_name = 'missing.safetensors';
      w['3']!.inputs.sampler_name = 'eulr';
      delete w['9'];
    }),
    code: 'COMFYLOAD_ERR_BAD_WORKFLOW',
    message: ['3 problems (value_not_in_list, missing_model, no_output)'],
    fix: ['fix each problem listed above'],
  },
];

describe('bad workflows: exit 2 and not one POST /prompt', () => {
  let sim: SimHandle;
  let dir: string;

  beforeAll(async () => {
    sim = await startSim({ timeScale: 0.01 });
    dir = mkdtempSync(join(tmpdir(), 'comfyload-badwf-'));
    for (const c of CASES) if (c.text !== undefined) writeFileSync(join(dir, c.file), c.text);
  });
  afterAll(async () => {
    await sim?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it.each(CASES)('run: $name', async (c) => {
    const before = sim.state!.promptCounter;
    const cli = await runCli([
      'run',
      '--url',
      sim.url,
      '--workflow',
      join(dir, c.file),
      '--concurrency',
      '1',
      '--prompts',
      '2',
      '--warmup',
      '0',
      '--results-dir',
      join(dir, 'results'),
    ]);
    expect(cli.code, cli.stderr).toBe(2);
    expect(cli.stderr).toContain(`code: ${c.code}`);
    for (const part of c.message) expect(cli.stderr).toContain(part);
    const fix = /\n {2}fix: (.*)/.exec(cli.stderr)?.[1] ?? '';
    for (const part of c.fix) expect(fix + cli.stderr).toContain(part);
    expect(cli.stderr).not.toMatch(/\n\s+at .+\.(js|ts):\d+/);
    expect(sim.state!.promptCounter).toBe(before);
    expect(sim.groundTruth.prompts.size).toBe(0);
  });

  it.each(CASES.filter((c) => ['unknown class', 'missing model', 'UI format that cannot be converted'].includes(c.name)))('capacity: $name', async (c) => {
    const before = sim.state!.promptCounter;
    const cli = await runCli([
      'capacity',
      '--url',
      sim.url,
      '--workflow',
      join(dir, c.file),
      '--slo',
      'completionMs.p95<5s',
      '--results-dir',
      join(dir, 'results'),
    ]);
    expect(cli.code, cli.stderr).toBe(2);
    expect(cli.stderr).toContain(`code: ${c.code}`);
    for (const part of c.message) expect(cli.stderr).toContain(part);
    expect(cli.stderr).not.toMatch(/\n\s+at .+\.(js|ts):\d+/);
    expect(sim.state!.promptCounter).toBe(before);
    expect(sim.groundTruth.prompts.size).toBe(0);
  });

  it('lists every problem with node id, class, title and input, one per line', async () => {
    const cli = await runCli(['validate', '--url', sim.url, '--workflow', join(dir, 'several.json')]);
    expect(cli.code).toBe(2);
    expect(cli.stderr).toContain('  - node "4" CheckpointLoaderSimple "Load Checkpoint", input ckpt_name: model "missing.safetensors" is not on the server');
    expect(cli.stderr).toContain('  - node "3" KSampler, input sampler_name: value "eulr" is not one of the allowed values');
    expect(cli.stderr).toContain('use "euler"');
    expect(cli.stderr).toContain('  - the workflow has no output node');
    expect(sim.state!.promptCounter).toBe(0);
  });

  it('validate passes a good workflow and a convertible UI-format file, sending no prompt', async () => {
    const ok = await runCli(['validate', '--url', sim.url, '--workflow', 'fixtures/workflows/sd15-lora.json']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stderr).toContain('is valid for');
    const ui = await runCli(['validate', '--url', sim.url, '--workflow', 'fixtures/workflows/ui/sd15-txt2img-extras.ui.json', '--json']);
    expect(ui.code, ui.stderr).toBe(0);
    expect(JSON.parse(ui.stdout)['3'].inputs.steps).toBe(12);
    expect(sim.state!.promptCounter).toBe(0);
  });

  it('a --set value of the wrong type is exit 2 before any prompt', async () => {
    const cli = await runCli([
      'run',
      '--url',
      sim.url,
      '--workflow',
      'fixtures/workflows/sd15-txt2img.json',
      '--set',
      'KSampler.steps=many',
      '--prompts',
      '1',
      '--concurrency',
      '1',
      '--results-dir',
      join(dir, 'results'),
    ]);
    expect(cli.code).toBe(2);
    expect(cli.stderr).toContain('input steps takes an integer, got "many"');
    expect(cli.stderr).toContain('code: COMFYLOAD_ERR_BAD_SET_VALUE');
    expect(sim.state!.promptCounter).toBe(0);
  });
});
