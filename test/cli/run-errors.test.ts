/**
 * Every bad input of `comfyload run` ends in a ComfyloadError with the right code and exit code,
 * a message that names the fix, and no stack trace in what the user sees.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { ErrorCode } from '../../src/comfy/errors.js';
import { formatError } from '../../src/cli/errors.js';
import { API_WORKFLOW, errorOf, planFrom, Scratch } from './helpers.js';

let s: Scratch;
let wf: string;

beforeAll(() => {
  s = new Scratch();
  wf = s.path('workflow.json');
  s.write('bad.json', '{\n  "3": {\n    "class_type": "KSampler"\n    "inputs": {}\n  }\n}\n');
  s.write('truncated.json', '{\n  "3": {');
  s.write('empty.json', '{}');
  s.write('array.json', '[1, 2]');
  s.write('no-class.json', JSON.stringify({ '3': { inputs: {} } }));
  s.write('dangling.json', JSON.stringify({ '8': { class_type: 'VAEDecode', inputs: { samples: ['3', 0] } } }));
  s.write('body.json', JSON.stringify({ prompt: API_WORKFLOW, client_id: 'x' }));
  s.write('unknown-key.yaml', 'concurency: [1, 2]\nprompts: 5\n');
  s.write('invalid.yaml', 'prompts: 5\nconcurrency: [1, 2\nwarmup: 1\n');
  s.write('invalid.json', '{\n  "prompts": 5,\n}\n');
  s.write('list.yaml', '- 1\n- 2\n');
  s.write('bad-value.yaml', 'maxErrorRate: 2\n');
  s.write('both.yaml', 'prompts: 5\nduration: 1m\n');
  s.write('folder/keep', '');
});
afterAll(() => s.remove());

interface Case {
  name: string;
  argv: () => string[];
  env?: NodeJS.ProcessEnv;
  code: ErrorCode;
  exit: number;
  /** Substrings of the message. */
  message: string[];
  /** Substrings of the hint (the fix). */
  fix: string[];
}

const W =
  (...rest: string[]) =>
  () => ['--workflow', wf, ...rest];

const CASES: Case[] = [
  {
    name: 'concurrency with a non-number',
    argv: W('--concurrency', '1,x'),
    code: 'COMFYLOAD_ERR_BAD_OPTION',
    exit: 2,
    message: ['Expected `--concurrency` to be a comma-separated list of positive integers, got `1,x` (string)'],
    fix: ['e.g. --concurrency 1,2,4'],
  },
  {
    name: 'concurrency of zero',
    argv: W('--concurrency', '0'),
    code: 'COMFYLOAD_ERR_BAD_OPTION',
    exit: 2,
    message: ['`--concurrency`', 'got `0`'],
    fix: ['--concurrency 1,2,4'],
  },
  {
    name: 'concurrency with repeats',
    argv: W('--concurrency', '1,1'),
    code: 'COMFYLOAD_ERR_BAD_OPTION',
    exit: 2,
    message: ['without repeats'],
    fix: ['--concurrency 1,2,4'],
  },
  {
    name: 'negative prompts',
    argv: W('--prompts', '-5'),
    code: 'COMFYLOAD_ERR_BAD_OPTION',
    exit: 2,
    message: ['Expected `--prompts` to be a positive integer, got `-5` (string)'],
    fix: ['e.g. --prompts 20'],
  },
  {
    name: 'fractional prompts from env',
    argv: W(),
    env: { COMFYLOAD_PROMPTS: '2.5' },
    code: 'COMFYLOAD_ERR_BAD_OPTION',
    exit: 2,
    message: ['Expected `COMFYLOAD_PROMPTS` to be a positive integer, got `2.5`'],
    fix: ['COMFYLOAD_PROMPTS=20'],
  },
  {
    name: 'both --prompts and --duration',
    argv: W('--prompts', '5', '--duration', '1m'),
    code: 'COMFYLOAD_ERR_BAD_OPTION',
    exit: 2,
    message: ['`--prompts` and `--duration` exclude each other'],
    fix: ['either a prompt count'],
  },
  {
    name: 'both prompts and duration in a config file',
    argv: () => ['--workflow', wf, '--config', s.path('both.yaml')],
    code: 'COMFYLOAD_ERR_BAD_CONFIG',
    exit: 2,
    message: ['`prompts` and `duration` exclude each other'],
    fix: ['either'],
  },
  {
    name: 'duration without a unit',
    argv: W('--duration', '90'),
    code: 'COMFYLOAD_ERR_BAD_OPTION',
    exit: 2,
    message: ['Expected `--duration` to be a duration with a unit', 'got `90` (string)'],
    fix: ['add a unit, e.g. --duration 5m'],
  },
  {
    name: 'duration with an unknown unit',
    argv: W('--prompt-timeout', '5 minutes'),
    code: 'COMFYLOAD_ERR_BAD_OPTION',
    exit: 2,
    message: ['`--prompt-timeout`', 'got `5 minutes`'],
    fix: ['--prompt-timeout 10m'],
  },
  {
    name: 'url that is not a URL',
    argv: W('--url', 'localhost:8188'),
    code: 'COMFYLOAD_ERR_BAD_URL',
    exit: 2,
    message: ['Expected `--url` to be an http:// or https:// URL'],
    fix: ['http://'],
  },
  {
    name: 'url without scheme',
    argv: W('--url', 'gpu-box'),
    code: 'COMFYLOAD_ERR_BAD_URL',
    exit: 2,
    message: ['got `gpu-box`'],
    fix: ['add the scheme, e.g. --url http://gpu-box'],
  },
  {
    name: 'ws:// url',
    argv: W('--url', 'ws://127.0.0.1:8188/ws'),
    code: 'COMFYLOAD_ERR_BAD_URL',
    exit: 2,
    message: ['got `ws://127.0.0.1:8188/ws`'],
    fix: ['--url http://127.0.0.1:8188', 'opens the event socket'],
  },
  {
    name: 'url with a query',
    argv: W('--url', 'http://h:8188/?token=abc'),
    code: 'COMFYLOAD_ERR_BAD_URL',
    exit: 2,
    message: ['without query or fragment'],
    fix: ['--header'],
  },
  {
    name: 'the same url twice',
    argv: W('--url', 'http://h:8188', '--url', 'http://h:8188/'),
    code: 'COMFYLOAD_ERR_BAD_URL',
    exit: 2,
    message: ['given twice'],
    fix: ['--concurrency'],
  },
  {
    name: '--url without --workflow',
    argv: () => ['--url', 'http://h:8188'],
    code: 'COMFYLOAD_ERR_BAD_OPTION',
    exit: 2,
    message: ['Missing `--workflow`'],
    fix: ['--workflow workflow_api.json', 'Export (API)'],
  },
  {
    name: 'emulator flag with --url',
    argv: W('--url', 'http://h:8188', '--sim-gpu', 'l4'),
    code: 'COMFYLOAD_ERR_BAD_OPTION',
    exit: 2,
    message: ['`--sim-gpu` applies only to the built-in emulator'],
    fix: ['drop'],
  },
  {
    name: 'emulator fault with --url',
    argv: W('--url', 'http://h:8188', '--sim-fault', 'http-500:rate=0.2'),
    code: 'COMFYLOAD_ERR_BAD_OPTION',
    exit: 2,
    message: ['`--sim-fault` applies only to the built-in emulator'],
    fix: ['drop `--sim-fault`'],
  },
  {
    name: 'unknown emulator fault',
    argv: W('--sim-fault', 'meteor'),
    code: 'COMFYLOAD_ERR_BAD_OPTION',
    exit: 2,
    message: ['`--sim-fault`', 'unknown fault `meteor`'],
    fix: ['--sim-fault ws-drop:every=50'],
  },
  {
    name: 'emulator fault with a bad value',
    argv: W('--sim-fault', 'restart:down=soon'),
    code: 'COMFYLOAD_ERR_BAD_OPTION',
    exit: 2,
    message: ['`down` must be a number >= 0'],
    fix: [],
  },
  {
    name: 'quiet look-up without a unit',
    argv: W('--quiet-lookup', '30'),
    code: 'COMFYLOAD_ERR_BAD_OPTION',
    exit: 2,
    message: ['`--quiet-lookup`'],
    fix: ['--quiet-lookup 30s'],
  },
  {
    name: 'unknown emulator GPU',
    argv: W('--sim-gpu', 'rtx4090'),
    code: 'COMFYLOAD_ERR_BAD_OPTION',
    exit: 2,
    message: ['Expected `--sim-gpu` to be one of', 'got `rtx4090`'],
    fix: ['--sim-gpu rtx-4090'],
  },
  {
    name: 'unknown config key',
    argv: () => ['--workflow', wf, '--config', s.path('unknown-key.yaml')],
    code: 'COMFYLOAD_ERR_BAD_CONFIG',
    exit: 2,
    message: ['Unknown key', '`concurency`: did you mean `concurrency`?'],
    fix: ['use only these keys', 'seedPolicy'],
  },
  {
    name: 'config file not found',
    argv: () => ['--workflow', wf, '--config', 'nope.yaml'],
    code: 'COMFYLOAD_ERR_CONFIG_NOT_FOUND',
    exit: 2,
    message: ['nope.yaml does not exist'],
    fix: ['--config'],
  },
  {
    name: 'config file is a list',
    argv: () => ['--workflow', wf, '--config', s.path('list.yaml')],
    code: 'COMFYLOAD_ERR_BAD_CONFIG',
    exit: 2,
    message: ['must hold a mapping', 'a list'],
    fix: ['concurrency: [1, 2, 4]'],
  },
  {
    name: 'invalid YAML config',
    argv: () => ['--workflow', wf, '--config', s.path('invalid.yaml')],
    code: 'COMFYLOAD_ERR_BAD_CONFIG',
    exit: 2,
    message: ['is not valid YAML at line 3, column 1'],
    fix: ['key: value'],
  },
  {
    name: 'invalid JSON config with line and column',
    argv: () => ['--workflow', wf, '--config', s.path('invalid.json')],
    code: 'COMFYLOAD_ERR_BAD_CONFIG',
    exit: 2,
    message: ['is not valid JSON at line 3, column 1'],
    fix: ['trailing comma'],
  },
  {
    name: 'invalid value in a config file',
    argv: () => ['--workflow', wf, '--config', s.path('bad-value.yaml')],
    code: 'COMFYLOAD_ERR_BAD_CONFIG',
    exit: 2,
    message: ['Expected `maxErrorRate` to be a number from 0 to 1, got `2` (number)'],
    fix: ['maxErrorRate: 0.05 (in '],
  },
  {
    name: 'workflow missing',
    argv: () => ['--workflow', 'missing.json'],
    code: 'COMFYLOAD_ERR_WORKFLOW_NOT_FOUND',
    exit: 2,
    message: ['missing.json does not exist'],
    fix: ['--workflow'],
  },
  {
    name: 'workflow is a folder',
    argv: () => ['--workflow', s.path('folder')],
    code: 'COMFYLOAD_ERR_BAD_WORKFLOW',
    exit: 2,
    message: ['is a folder'],
    fix: ['workflow JSON file'],
  },
  {
    name: 'workflow with invalid JSON (line and column)',
    argv: () => ['--workflow', s.path('bad.json')],
    code: 'COMFYLOAD_ERR_BAD_WORKFLOW',
    exit: 2,
    message: ['is not valid JSON at line 4, column 5'],
    fix: ['Export (API)'],
  },
  {
    name: 'truncated workflow JSON',
    argv: () => ['--workflow', s.path('truncated.json')],
    code: 'COMFYLOAD_ERR_BAD_WORKFLOW',
    exit: 2,
    message: ['is not valid JSON at line 2, column 9'],
    fix: ['Export (API)'],
  },
  {
    name: 'empty workflow',
    argv: () => ['--workflow', s.path('empty.json')],
    code: 'COMFYLOAD_ERR_BAD_WORKFLOW',
    exit: 2,
    message: ['has no nodes'],
    fix: ['Export (API)'],
  },
  {
    name: 'workflow that is an array',
    argv: () => ['--workflow', s.path('array.json')],
    code: 'COMFYLOAD_ERR_BAD_WORKFLOW',
    exit: 2,
    message: ['got an array'],
    fix: ['Export (API)'],
  },
  // A UI-format file is accepted here and converted with the server's /object_info before the run;
  // the ones that cannot be converted are in test/e2e/bad-workflow-matrix.test.ts.
  {
    name: 'set path that matches no node',
    argv: W('--set', 'KSamplr.steps=30'),
    code: 'COMFYLOAD_ERR_BAD_OPTION',
    exit: 2,
    message: ['--set KSamplr.steps', 'no node has id or class_type "KSamplr"'],
    fix: ['node id, class or title'],
  },
  {
    name: 'matrix key no node has',
    argv: W('--matrix', 'batch_sise=1,2'),
    code: 'COMFYLOAD_ERR_BAD_OPTION',
    exit: 2,
    message: ['--matrix batch_sise', 'no node of the workflow has a literal input'],
    fix: ['node id, class or title'],
  },
  {
    name: 'matrix without values',
    argv: W('--matrix', 'steps='),
    code: 'COMFYLOAD_ERR_BAD_OPTION',
    exit: 2,
    message: ['`--matrix`', 'key=v1,v2'],
    fix: ['--matrix batch_size=1,2,4'],
  },
  {
    name: 'prompt file missing',
    argv: W('--prompt-file', 'no-such-prompts.txt'),
    code: 'COMFYLOAD_ERR_BAD_OPTION',
    exit: 2,
    message: ['--prompt-file', 'does not exist'],
    fix: ['check the path'],
  },
  { name: 'bad cache mode', argv: W('--cache-mode', 'off'), code: 'COMFYLOAD_ERR_BAD_OPTION', exit: 2, message: ['`--cache-mode`'], fix: ['--cache-mode'] },
  {
    name: 'node without class_type',
    argv: () => ['--workflow', s.path('no-class.json')],
    code: 'COMFYLOAD_ERR_BAD_WORKFLOW',
    exit: 2,
    message: ['node "3" has no class_type'],
    fix: ['"class_type"'],
  },
  {
    name: 'link to a missing node',
    argv: () => ['--workflow', s.path('dangling.json')],
    code: 'COMFYLOAD_ERR_BAD_WORKFLOW',
    exit: 2,
    message: ['links to node "3", which is not in the workflow'],
    fix: ['Export (API)'],
  },
  {
    name: 'a /prompt request body',
    argv: () => ['--workflow', s.path('body.json')],
    code: 'COMFYLOAD_ERR_BAD_WORKFLOW',
    exit: 2,
    message: ['POST /prompt request body'],
    fix: ['under `prompt`'],
  },
  {
    name: 'bad seed policy',
    argv: W('--seed-policy', 'sequential'),
    code: 'COMFYLOAD_ERR_BAD_OPTION',
    exit: 2,
    message: ['Expected `--seed-policy` to be one of `random`, `fixed`, `increment`, got `sequential` (string)'],
    fix: ['--seed-policy random'],
  },
  { name: 'negative seed', argv: W('--seed', '-1'), code: 'COMFYLOAD_ERR_BAD_OPTION', exit: 2, message: ['`--seed`', 'got `-1`'], fix: ['--seed 42'] },
  {
    name: 'max error rate above 1',
    argv: W('--max-error-rate', '5%'),
    code: 'COMFYLOAD_ERR_BAD_OPTION',
    exit: 2,
    message: ['Expected `--max-error-rate` to be a number from 0 to 1, got `5%` (string)'],
    fix: ['--max-error-rate 0.05'],
  },
  {
    name: 'label without =',
    argv: W('--label', 'gpu'),
    code: 'COMFYLOAD_ERR_BAD_OPTION',
    exit: 2,
    message: ['Expected `--label` to be a label `key=value`', 'got `gpu`'],
    fix: ['--label gpu=rtx-4090'],
  },
  {
    name: 'label given twice',
    argv: W('--label', 'a=1', '--label', 'a=2'),
    code: 'COMFYLOAD_ERR_BAD_OPTION',
    exit: 2,
    message: ['Label `a` is given twice'],
    fix: ['once'],
  },
  {
    name: 'header without colon',
    argv: W('--header', 'X-Token abc'),
    code: 'COMFYLOAD_ERR_BAD_OPTION',
    exit: 2,
    message: ['Expected `--header` to be a header `Name: value`', '<11 characters, hidden>'],
    fix: ["--header 'Authorization: Bearer <token>'"],
  },
  {
    name: 'URL credentials and an Authorization header',
    argv: W('--url', 'http://u:p@h:8188', '--header', 'Authorization: Bearer x'),
    code: 'COMFYLOAD_ERR_BAD_OPTION',
    exit: 2,
    message: ['credentials in its URL and an Authorization header'],
    fix: ['keep one'],
  },
  {
    name: 'bad name',
    argv: W('--name', '../up'),
    code: 'COMFYLOAD_ERR_BAD_OPTION',
    exit: 2,
    message: ['Expected `--name` to be a name of letters'],
    fix: ['--name sd15-baseline'],
  },
  {
    name: 'bad boolean from env',
    argv: W(),
    env: { COMFYLOAD_FETCH_OUTPUTS: 'maybe' },
    code: 'COMFYLOAD_ERR_BAD_OPTION',
    exit: 2,
    message: ['Expected `COMFYLOAD_FETCH_OUTPUTS` to be a boolean'],
    fix: ['COMFYLOAD_FETCH_OUTPUTS=true'],
  },
  {
    name: 'missing value after a flag',
    argv: W('--concurrency'),
    code: 'COMFYLOAD_ERR_BAD_OPTION',
    exit: 2,
    message: ['`--concurrency`', 'got an empty value'],
    fix: ['--concurrency 1,2,4'],
  },
  {
    name: 'unknown flag',
    argv: W('--concurency', '4'),
    code: 'COMFYLOAD_ERR_BAD_OPTION',
    exit: 2,
    message: ['Unknown flag `--concurency`'],
    fix: ['did you mean `--concurrency`?'],
  },
  { name: 'unknown command', argv: () => ['rnu'], code: 'COMFYLOAD_ERR_BAD_OPTION', exit: 2, message: ['Unknown command `rnu`'], fix: ['comfyload run'] },
  {
    name: 'workflow given as a positional',
    argv: () => ['run', 'workflow.json'],
    code: 'COMFYLOAD_ERR_BAD_OPTION',
    exit: 2,
    message: ['Unexpected argument `workflow.json`'],
    fix: ['--workflow workflow.json'],
  },
];

describe('run: every bad input gets its code, exit code and fix', () => {
  it.each(CASES)('$name', async (c) => {
    const err = await errorOf(() => planFrom(c.argv(), c.env ?? {}, s.dir));
    expect(err.code).toBe(c.code);
    expect(err.exitCode).toBe(c.exit);
    for (const part of c.message) expect(err.message).toContain(part);
    for (const part of c.fix) expect(err.hint).toContain(part);
    const printed = formatError(err, { verbose: false });
    expect(printed).toMatch(/^comfyload: .+\n/);
    expect(printed).toContain(`\n  fix: ${err.hint}\n  code: ${c.code}\n`);
    expect(printed).not.toMatch(/\n\s+at /); // no stack frames
  });

  it('reports every invalid option at once', async () => {
    const err = await errorOf(() => planFrom(['--workflow', wf, '--concurrency', 'x', '--prompts', '0', '--seed-policy', 'nope'], {}, s.dir));
    expect(err.message).toBe('3 invalid options:');
    expect(err.details).toHaveLength(3);
    expect(err.details).toContainEqual(expect.stringContaining('Expected `--concurrency`'));
    expect(err.details).toContainEqual(expect.stringMatching(/Expected `--prompts`.*\. Fix: e\.g\. --prompts 20$/));
  });

  it('reports several unknown config keys with their nearest valid keys', async () => {
    const config = s.write('typos.yaml', 'promts: 5\nmaxErrorRte: 0.1\nbanana: 1\n');
    const err = await errorOf(() => planFrom(['--workflow', wf, '--config', config], {}, s.dir));
    expect(err.code).toBe('COMFYLOAD_ERR_BAD_CONFIG');
    expect(err.details).toEqual(['`promts`: did you mean `prompts`?', '`maxErrorRte`: did you mean `maxErrorRate`?', '`banana`: not an option']);
  });
});
