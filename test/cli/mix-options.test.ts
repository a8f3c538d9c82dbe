/** `run --workflow a --workflow b --mix … --mix-order …`: the plan a mix builds, and what it refuses, from flags and config files. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorOf, planFrom, Scratch } from './helpers.js';
import { parseArgv } from '../../src/cli/parse-argv.js';
import { capacityPlanFromFlags } from '../../src/cli/run-args.js';

let s: Scratch;
let sd: string;
let xl: string;

const XL_WORKFLOW = {
  '4': { class_type: 'CheckpointLoaderSimple', inputs: { ckpt_name: 'sd_xl_base_1.0.safetensors' } },
  '10': { class_type: 'KSampler', inputs: { seed: 1, steps: 25, model: ['4', 0] } },
  '8': { class_type: 'VAEDecode', inputs: { samples: ['10', 0], vae: ['4', 2] } },
  '9': { class_type: 'SaveImage', inputs: { images: ['8', 0], filename_prefix: 'xl' } },
};

beforeAll(() => {
  s = new Scratch();
  sd = s.path('workflow.json');
  xl = s.write('sdxl.json', JSON.stringify(XL_WORKFLOW));
});
afterAll(() => s.remove());

describe('run --mix', () => {
  it('given two workflows and a ratio, then the plan mixes them by weight in --workflow order, named for the mix', async () => {
    const { plan } = await planFrom(['--workflow', sd, '--workflow', xl, '--mix', '3:1', '--mix-order', 'batched:4'], {}, s.dir);
    expect(plan.name).toBe('mix-batched4');
    expect(plan.workflowPath).toBe(sd);
    expect(plan.mix).toMatchObject({ weights: [3, 1], order: { kind: 'batched', size: 4 } });
    expect(plan.mix?.workflows.map((w) => [w.name, w.path])).toEqual([
      ['workflow', sd],
      ['sdxl', xl],
    ]);
    expect(plan.mix?.workflows[1]?.workflow).toEqual(XL_WORKFLOW);
  });

  it('given weights by name in a config file (a mapping), then they are read against the file names; no --mix means equal weights', async () => {
    const config = s.write('mix.yaml', `workflow: [${sd}, ${xl}]\nmix: {sdxl: 25%, workflow: 75%}\n`);
    expect((await planFrom(['--config', config], {}, s.dir)).plan.mix?.weights).toEqual([75, 25]);
    const { plan } = await planFrom(['--workflow', sd, '--workflow', xl], {}, s.dir);
    expect(plan.mix).toMatchObject({ weights: [1, 1], order: { kind: 'random' } });
  });

  it('given one workflow, then there is no mix, and --mix or --mix-order is refused with the fix', async () => {
    expect((await planFrom(['--workflow', sd], {}, s.dir)).plan.mix).toBeUndefined();
    const err = await errorOf(() => planFrom(['--workflow', sd, '--mix', '3:1'], {}, s.dir));
    expect(err.code).toBe('COMFYLOAD_ERR_BAD_OPTION');
    expect(err.message).toMatch(/`--mix` mixes several workflows, but one `--workflow` was given/);
    expect(err.hint).toMatch(/--workflow a.json --workflow b.json/);
  });

  it('given weights that do not fit the workflows, then each problem is named', async () => {
    const names = await errorOf(() => planFrom(['--workflow', sd, '--workflow', xl, '--mix', 'workflow=75%,flux=25%'], {}, s.dir));
    expect(names.message).toMatch(/a workflow name \(`workflow`, `sdxl`\), not `flux`/);
    const count = await errorOf(() => planFrom(['--workflow', sd, '--workflow', xl, '--mix', '3:1:1'], {}, s.dir));
    expect(count.message).toMatch(/one weight per --workflow \(2\), not 3/);
    const twice = await errorOf(() => planFrom(['--workflow', sd, '--workflow', sd], {}, s.dir));
    expect(twice.message).toMatch(/is given twice/);
    const order = await errorOf(() => planFrom(['--workflow', sd, '--workflow', xl, '--mix-order', 'grouped'], {}, s.dir));
    expect(order.message).toMatch(/`random`, `alternate` or `batched:<N>`/);
  });

  it('given a --set path one workflow lacks, then it is refused naming that workflow: --set applies to each', async () => {
    const err = await errorOf(() => planFrom(['--workflow', sd, '--workflow', xl, '--set', '3.inputs.steps=10'], {}, s.dir));
    expect(err.code).toBe('COMFYLOAD_ERR_BAD_OPTION');
    expect(err.message).toMatch(/in workflow sdxl/);
    expect(err.hint).toMatch(/applies to every workflow of the mix/);
    const ok = await planFrom(['--workflow', sd, '--workflow', xl, '--set', 'KSampler.steps=10'], {}, s.dir);
    expect(ok.plan.sets).toEqual([{ path: 'KSampler.steps', value: '10' }]);
  });

  it('given --engine k6 or capacity, then a mix is refused by name', async () => {
    const k6 = await errorOf(() => planFrom(['--workflow', sd, '--workflow', xl, '--engine', 'k6'], {}, s.dir));
    expect(k6.code).toBe('COMFYLOAD_ERR_K6_UNSUPPORTED');
    expect(k6.message).toMatch(/--engine k6 sends one workflow, but 2 were given/);
    const parsed = parseArgv(['capacity', '--workflow', sd, '--workflow', xl, '--slo', 'completionMs.p95<30000'], '0.0.0-test');
    if (parsed.kind !== 'command') throw new Error('expected a command');
    const capacity = await errorOf(() => capacityPlanFromFlags(parsed.flags, { env: {}, cwd: s.dir }));
    expect(capacity.message).toMatch(/`capacity` searches the capacity of one workflow, but 2 were given/);
  });
});
