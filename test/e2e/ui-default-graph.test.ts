/**
 * The ComfyUI editor's own default graph (test/comfy/corpus/frontend-default-graph.json, UI
 * format, its seed control saved as `true`, SaveImage without widget values) run by the built CLI
 * on the emulator with the editor's values, and `validate --export-api` writing the API graph that
 * `run --workflow` then takes as it is. What the server received is read from its /history.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiWorkflow, HistoryResponse } from '../../src/comfy/http-types.js';
import { startSim, type SimHandle } from '../../src/sim/index.js';
import { findRunDirs, readRun, root, runCli } from './run-cli.js';

const DEFAULT_GRAPH = 'test/comfy/corpus/frontend-default-graph.json';
const FILE_SEED = 156680208700286;
const FAST = ['--concurrency', '1', '--warmup', '0', '--prompts', '2'];
/** The editor's values for the default graph (its KSampler widgets and SaveImage's default). */
const EDITOR_VALUES = { steps: 20, cfg: 8, sampler_name: 'euler', scheduler: 'normal', denoise: 1 };

let scratch: string;
beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'comfyload-ui-default-'));
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

async function sentGraphs(sim: SimHandle): Promise<ApiWorkflow[]> {
  const all = (await (await fetch(`${sim.url}/history`)).json()) as HistoryResponse;
  return Object.values(all).map((e) => e.prompt[2]);
}

describe("the editor's default graph", () => {
  it('runs on the built-in emulator, converted with its /object_info, saying which defaults it took', async () => {
    const results = join(scratch, 'embedded');
    const cli = await runCli(['run', '--workflow', DEFAULT_GRAPH, '--sim-time-scale', '0.02', ...FAST, '--results-dir', results]);
    expect(cli.code, cli.stderr).toBe(0);
    expect(cli.stderr).toContain('is in the UI format: converted to the API format');
    expect(cli.stderr).toContain('node 9 (SaveImage): no widget values saved; took the server\'s defaults: filename_prefix="ComfyUI"');
    const run = readRun(findRunDirs(results)[0]!);
    expect(run.requests.rows.map((r) => r.outcome)).toEqual(['ok', 'ok']);
    expect(run.summary.environment).toMatchObject({ steps: '20', sampler: 'euler', scheduler: 'normal', modelsCheckpoint: 'v1-5-pruned-emaonly.ckpt' });
    expect(run.summary.environment.workflowConversionNotes).toContain('node 9 (SaveImage)');
  });

  describe('against a server whose /history shows what it received', () => {
    let sim: SimHandle;
    beforeAll(async () => {
      sim = await startSim({ timeScale: 0.02 });
    });
    afterAll(async () => sim?.close());

    it('sends the editor’s values, a fresh seed per prompt, and filename_prefix "ComfyUI"', async () => {
      const cli = await runCli(['run', '--url', sim.url, '--workflow', DEFAULT_GRAPH, ...FAST, '--results-dir', join(scratch, 'url')]);
      expect(cli.code, cli.stderr).toBe(0);
      const sent = await sentGraphs(sim);
      expect(sent).toHaveLength(2);
      for (const graph of sent) {
        expect(graph['3']!.inputs).toMatchObject(EDITOR_VALUES);
        expect(graph['3']!.inputs.seed).not.toBe(FILE_SEED);
        expect(graph['9']!.inputs.filename_prefix).toBe('ComfyUI');
        expect(graph['4']!.inputs.ckpt_name).toBe('v1-5-pruned-emaonly.ckpt');
      }
      expect(sent[0]!['3']!.inputs.seed).not.toBe(sent[1]!['3']!.inputs.seed);
    });

    it('validate --export-api writes the graph (with --set, seed as in the file) that run --workflow takes as API format unchanged', async () => {
      const out = join(scratch, 'export', 'default_api.json');
      const validate = await runCli(['validate', '--url', sim.url, '--workflow', DEFAULT_GRAPH, '--set', 'KSampler.steps=7', '--export-api', out]);
      expect(validate.code, validate.stderr).toBe(0);
      expect(validate.stderr).toContain(`wrote the API-format graph to ${out}`);
      const exported = JSON.parse(readFileSync(out, 'utf8')) as ApiWorkflow;
      expect(exported['3']!.inputs).toMatchObject({ ...EDITOR_VALUES, steps: 7, seed: FILE_SEED, model: ['4', 0] });
      expect(exported['9']!.inputs).toEqual({ filename_prefix: 'ComfyUI', images: ['8', 0] });

      const before = (await sentGraphs(sim)).length;
      const results = join(scratch, 'from-export');
      const cli = await runCli(['run', '--url', sim.url, '--workflow', out, ...FAST, '--results-dir', results]);
      expect(cli.code, cli.stderr).toBe(0);
      expect(cli.stderr).not.toContain('UI format');
      expect(readRun(findRunDirs(results)[0]!).summary.environment.workflowFormat).toBeUndefined();
      const sent = (await sentGraphs(sim)).slice(before);
      expect(sent.map((g) => g['3']!.inputs.steps)).toEqual([7, 7]);
    });

    it('an --export-api path that cannot be written is exit 2 with its code', async () => {
      const folder = join(scratch, 'a-folder');
      mkdirSync(folder);
      const cli = await runCli(['validate', '--url', sim.url, '--workflow', join(root, DEFAULT_GRAPH), '--export-api', folder]);
      expect(cli.code).toBe(2);
      expect(cli.stderr).toContain('code: COMFYLOAD_ERR_EXPORT_WRITE');
      expect(cli.stderr).not.toMatch(/\n\s+at /);
    });
  });
});
