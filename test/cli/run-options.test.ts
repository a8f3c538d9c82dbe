import { existsSync } from 'node:fs';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { BUNDLED_WORKFLOW } from '../../src/session/build-plan.js';
import { packageInfo } from '../../src/session/package-info.js';

import { formatError } from '../../src/cli/errors.js';
import { API_WORKFLOW, errorOf, planFrom, Scratch } from './helpers.js';

let s: Scratch;
let wf: string;

beforeAll(() => {
  s = new Scratch();
  wf = s.path('workflow.json');
});
afterAll(() => s.remove());

describe('run options: defaults and precedence', () => {
  it('given only --workflow, when parsed, then every default from the table applies', async () => {
    const { plan, flags } = await planFrom(['--workflow', wf], {}, s.dir);
    expect(plan).toMatchObject({
      name: 'workflow',
      targetKind: 'emulator',
      targets: [],
      emulator: { gpu: 'rtx-4090', timeScale: 1, seed: 7 },
      workflowPath: wf,
      levels: [{ concurrency: 1 }, { concurrency: 2 }, { concurrency: 4 }],
      promptsPerLevel: 20,
      warmupPrompts: 2,
      seedPolicy: 'random',
      seed: 7,
      maxErrorRate: 0.05,
      fetchOutputs: false,
      promptTimeoutMs: 600_000,
      resultsDir: s.path('results'),
      labels: {},
    });
    expect(plan.durationMs).toBeUndefined();
    expect(plan.workflow).toEqual(API_WORKFLOW);
    expect(flags).toEqual({ json: false, quiet: false, verbose: false });
  });

  it('flag beats env beats config beats default', async () => {
    const config = s.write('prec.yaml', 'concurrency: [3]\nprompts: 30\nwarmup: 5\nseedPolicy: fixed\n');
    const env = { COMFYLOAD_PROMPTS: '40', COMFYLOAD_WARMUP: '6' };
    const { plan } = await planFrom(['--workflow', wf, '--config', config, '--warmup', '7'], env, s.dir);
    expect(plan.levels).toEqual([{ concurrency: 3 }]); // config over default
    expect(plan.promptsPerLevel).toBe(40); // env over config
    expect(plan.warmupPrompts).toBe(7); // flag over env
    expect(plan.seedPolicy).toBe('fixed');
    expect(plan.maxErrorRate).toBe(0.05); // default
  });

  it('reads a JSON config and resolves its paths from the config file folder', async () => {
    s.write('sub/w.json', JSON.stringify(API_WORKFLOW));
    const config = s.write('sub/c.json', JSON.stringify({ workflow: 'w.json', resultsDir: 'out', duration: '90s', label: { gpu: '4090' } }));
    const { plan } = await planFrom(['--config', config], {}, s.dir);
    expect(plan.workflowPath).toBe(s.path('sub/w.json'));
    expect(plan.resultsDir).toBe(s.path('sub/out'));
    expect(plan.durationMs).toBe(90_000);
    expect(plan.promptsPerLevel).toBeUndefined();
    expect(plan.labels).toEqual({ gpu: '4090' });
    expect(plan.name).toBe('w');
  });

  it('takes the config path from COMFYLOAD_CONFIG', async () => {
    const config = s.write('env.yml', 'prompts: 3\n');
    const { plan } = await planFrom(['--workflow', wf], { COMFYLOAD_CONFIG: config }, s.dir);
    expect(plan.promptsPerLevel).toBe(3);
  });

  it('a --duration flag wins over prompts from a config file (higher precedence)', async () => {
    const config = s.write('p.yaml', 'prompts: 50\n');
    const { plan } = await planFrom(['--workflow', wf, '--config', config, '--duration', '1m30s'], {}, s.dir);
    expect(plan.durationMs).toBe(90_000);
    expect(plan.promptsPerLevel).toBeUndefined();
  });

  it('parses every kind of value', async () => {
    const { plan, flags } = await planFrom(
      [
        '--workflow',
        wf,
        '--concurrency',
        '1,2,4,8',
        '--prompts',
        '5',
        '--warmup',
        '0',
        '--seed-policy',
        'increment',
        '--seed',
        '42',
        '--max-error-rate',
        '0',
        '--fetch-outputs',
        '--prompt-timeout',
        '500ms',
        '--results-dir',
        '/tmp/r',
        '--name',
        'baseline.v1',
        '--label',
        'driver=550.54',
        '--label',
        'host=box',
        '--sim-gpu',
        'l4',
        '--sim-time-scale',
        '0.01',
        '--sim-fault',
        'http-500:rate=0.2,route=/prompt',
        '--sim-fault',
        'restart:every=5,down=1500',
        '--quiet-lookup',
        '10s',
        '--reconnect-timeout',
        '2m',
        '--json',
        '--quiet',
      ],
      {},
      s.dir,
    );
    expect(plan).toMatchObject({
      levels: [1, 2, 4, 8].map((concurrency) => ({ concurrency })),
      promptsPerLevel: 5,
      warmupPrompts: 0,
      seedPolicy: 'increment',
      seed: 42,
      maxErrorRate: 0,
      fetchOutputs: true,
      promptTimeoutMs: 500,
      resultsDir: '/tmp/r',
      name: 'baseline.v1',
      labels: { driver: '550.54', host: 'box' },
      emulator: {
        gpu: 'l4',
        timeScale: 0.01,
        seed: 42,
        faults: [
          { name: 'http-500', probability: 0.2, target: '/prompt' },
          { name: 'restart', every: 5, downMs: 1500 },
        ],
      },
      quietLookupMs: 10_000,
      reconnectTimeoutMs: 120_000,
    });
    expect(flags).toEqual({ json: true, quiet: true, verbose: false });
  });

  it('reads booleans and lists from the environment', async () => {
    const env = { COMFYLOAD_FETCH_OUTPUTS: 'yes', COMFYLOAD_CONCURRENCY: '2, 6', COMFYLOAD_LABEL: 'a=1,b=2', COMFYLOAD_JSON: '0' };
    const { plan, flags } = await planFrom(['--workflow', wf], env, s.dir);
    expect(plan.fetchOutputs).toBe(true);
    expect(plan.levels).toEqual([{ concurrency: 2 }, { concurrency: 6 }]);
    expect(plan.labels).toEqual({ a: '1', b: '2' });
    expect(flags.json).toBe(false);
  });

  it('--no-fetch-outputs overrides the environment', async () => {
    const { plan } = await planFrom(['--workflow', wf, '--no-fetch-outputs'], { COMFYLOAD_FETCH_OUTPUTS: 'true' }, s.dir);
    expect(plan.fetchOutputs).toBe(false);
  });

  it('returns a frozen plan', async () => {
    const { plan } = await planFrom(['--workflow', wf], {}, s.dir);
    expect(Object.isFrozen(plan)).toBe(true);
    expect(Object.isFrozen(plan.levels)).toBe(true);
    expect(Object.isFrozen(plan.workflow['3'])).toBe(true);
  });

  it('names the run after the workflow file, made safe for a folder name', async () => {
    const odd = s.write('SD 1.5 (api).json', JSON.stringify(API_WORKFLOW));
    const { plan } = await planFrom(['--workflow', odd], {}, s.dir);
    expect(plan.name).toBe('SD-1.5-api');
  });
});

describe('run options: targets and secrets', () => {
  it('moves URL credentials into an Authorization header and keeps them out of the URL', async () => {
    const { plan } = await planFrom(['--workflow', wf, '--url', 'https://alice:s3cr%40t@gpu.example:8443/comfy/'], {}, s.dir);
    expect(plan.targetKind).toBe('server');
    expect(plan.emulator).toBeUndefined();
    expect(plan.targets).toEqual([
      { url: 'https://gpu.example:8443/comfy', headers: { Authorization: `Basic ${Buffer.from('alice:s3cr@t').toString('base64')}` } },
    ]);
  });

  it('applies --header to every target and keeps secrets out of everything but targets[].headers', async () => {
    const { plan } = await planFrom(
      ['--workflow', wf, '--url', 'http://a:8188', '--url', 'http://b:8188', '--header', 'X-Api-Key: TOPSECRET', '--label', 'k=v'],
      {},
      s.dir,
    );
    expect(plan.targets.map((t) => t.url)).toEqual(['http://a:8188', 'http://b:8188']);
    for (const t of plan.targets) expect(t.headers).toEqual({ 'X-Api-Key': 'TOPSECRET' });
    const { targets, workflow, ...rest } = plan;
    void workflow;
    expect(JSON.stringify(rest)).not.toContain('TOPSECRET');
    expect(JSON.stringify(targets.map((t) => t.url))).not.toContain('TOPSECRET');
  });

  it('never echoes a secret in an error message', async () => {
    const header = await errorOf(() => planFrom(['--workflow', wf, '--header', 'Authorization Bearer TOPSECRET'], {}, s.dir));
    expect(header.code).toBe('COMFYLOAD_ERR_BAD_OPTION');
    expect(formatError(header, { verbose: false })).not.toContain('TOPSECRET');
    const url = await errorOf(() => planFrom(['--workflow', wf, '--url', 'ftp://bob:TOPSECRET@host'], {}, s.dir));
    expect(url.code).toBe('COMFYLOAD_ERR_BAD_URL');
    expect(formatError(url, { verbose: false })).not.toContain('TOPSECRET');
  });

  it('without --url or --workflow, runs the bundled SD 1.5 workflow on the emulator', async () => {
    const bundled = join(packageInfo().root, BUNDLED_WORKFLOW);
    if (existsSync(bundled)) {
      const { plan } = await planFrom([], {}, s.dir);
      expect(plan).toMatchObject({ targetKind: 'emulator', workflowPath: bundled, name: 'sd15-txt2img' });
    } else {
      // Checkouts before the fixture lands: the error names the path it looked for.
      const err = await errorOf(() => planFrom([], {}, s.dir));
      expect(err.code).toBe('COMFYLOAD_ERR_WORKFLOW_NOT_FOUND');
      expect(err.message).toContain(bundled);
    }
  });
});
