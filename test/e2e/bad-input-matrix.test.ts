/**
 * Bad input, end to end: the built CLI is spawned with a bad flag, config file, workflow file or
 * URL, or pointed at a server that answers wrong (401, 403, 413, HTML, a non-ComfyUI JSON API,
 * plain-text 500s, no WebSocket, a socket destroyer, a closed port) — purpose-built servers on
 * port 0, one per misbehaviour. Each case checks the exit code, the error code, that no stack
 * trace is printed, that no secret leaks, and that the results folder is either not written or
 * holds files that parse.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type SimHandle } from '../../src/sim/index.js';
import { readCsv } from '../helpers/csv-read.js';
import { expectNoSecrets, SECRET_PASSWORD, SECRET_TOKEN, tempDir, writeFastWorkflow } from './fault-run.js';
import { findRunDirs, runCli } from './run-cli.js';

type Handler = (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => void;

const servers: Server[] = [];
async function serve(handler: Handler): Promise<string> {
  const server = createServer((req, res) => {
    req.resume();
    handler(req, res);
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

// Made at load: the case table names files in it.
const dir = tempDir('comfyload-bad-input-');
let wf: string;
const urls: Record<string, string> = {};
const sims: SimHandle[] = [];

beforeAll(async () => {
  wf = writeFastWorkflow(dir);
  const file = (name: string, text: string): void => writeFileSync(join(dir, name), text);
  file('truncated.json', '{\n  "1": {');
  file('array.json', '[1, 2]');
  file('empty.json', '{}');
  file('no-class.json', JSON.stringify({ '1': { inputs: {} } }));
  file('dangling.json', JSON.stringify({ '2': { class_type: 'PreviewImage', inputs: { images: ['9', 0] } } }));
  file('ui.json', JSON.stringify({ nodes: [{ id: 1, type: 'KSampler' }], links: [], version: 0.4 }));
  file('binary.json', '\u0000\u0001PNG\u0002');
  file('bad.yaml', 'prompts: 5\nconcurrency: [1, 2\n');
  file('unknown-key.yaml', 'concurency: [1, 2]\n');
  file('bad-value.yaml', 'maxErrorRate: 7\n');
  file('list.yaml', '- 1\n- 2\n');
  mkdirSync(join(dir, 'folder.json'));

  const json = (res: import('node:http').ServerResponse, status: number, body: unknown): void => {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  };
  urls.unauthorized = await serve((_req, res) => res.writeHead(401, { 'www-authenticate': 'Basic realm="comfy"' }).end('401: Unauthorized'));
  urls.forbidden = await serve((_req, res) => res.writeHead(403).end());
  urls.html = await serve((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><html><body>Sign in</body></html>'));
  urls.otherJson = await serve((_req, res) => json(res, 200, { status: 'ok', service: 'not-comfy' }));
  urls.plain500 = await serve((_req, res) =>
    res.writeHead(500, { 'content-type': 'text/plain' }).end('500 Internal Server Error\n\nServer got itself in trouble'),
  );
  urls.notFound = await serve((_req, res) => res.writeHead(404, { 'content-type': 'text/plain' }).end('404: Not Found'));
  urls.destroyer = await serve((req) => req.socket.destroy());
  const closed = await serve(() => undefined);
  const last = servers.pop()!;
  await new Promise<void>((r) => last.close(() => r()));
  urls.closed = closed;
  // Answers /system_stats and /object_info as the emulator does, but has no /ws.
  const sim = await startSim({ timeScale: 0.1 });
  sims.push(sim);
  const stats = await (await fetch(`${sim.url}/system_stats`)).text();
  const info = await (await fetch(`${sim.url}/object_info`)).text();
  urls.noWs = await serve((req, res) => {
    if (req.url?.startsWith('/system_stats') === true) res.writeHead(200, { 'content-type': 'application/json' }).end(stats);
    else if (req.url?.startsWith('/object_info') === true) res.writeHead(200, { 'content-type': 'application/json' }).end(info);
    else json(res, 200, {});
  });
  // A real emulator whose body limit is smaller than any prompt: every POST /prompt is a 413.
  const tiny = await startSim({ timeScale: 0.1, maxUploadSizeMb: 0.0002 });
  sims.push(tiny);
  urls.tooLarge = tiny.url;
}, 30_000);

afterAll(async () => {
  for (const s of servers) s.closeAllConnections();
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  await Promise.all(sims.map((s) => s.close()));
  rmSync(dir, { recursive: true, force: true });
});

interface Case {
  name: string;
  args: () => string[];
  exit: number;
  code: string;
  /** Substrings expected on stderr besides the code. */
  says?: string[];
  env?: NodeJS.ProcessEnv;
  /** True when the run got far enough to write a results folder (which must then parse). */
  writesResults?: boolean;
}

const F = (name: string): string => join(dir, name);
const RUN =
  (...rest: string[]) =>
  () => ['run', '--workflow', wf, '--prompts', '2', '--warmup', '0', '--concurrency', '1', ...rest];
const AT =
  (key: string, ...rest: string[]) =>
  () => [
    'run',
    '--url',
    urls[key]!,
    '--workflow',
    wf,
    '--prompts',
    '2',
    '--warmup',
    '0',
    '--concurrency',
    '1',
    '--header',
    `Authorization: Bearer ${SECRET_TOKEN}`,
    ...rest,
  ];

const CASES: Case[] = [
  // flags
  { name: 'unknown flag', args: RUN('--concurency', '2'), exit: 2, code: 'COMFYLOAD_ERR_BAD_OPTION', says: ['--concurrency'] },
  { name: 'concurrency not a number', args: RUN('--concurrency', 'many'), exit: 2, code: 'COMFYLOAD_ERR_BAD_OPTION' },
  { name: 'concurrency zero', args: RUN('--concurrency', '0'), exit: 2, code: 'COMFYLOAD_ERR_BAD_OPTION' },
  { name: 'prompts negative', args: RUN('--prompts', '-3'), exit: 2, code: 'COMFYLOAD_ERR_BAD_OPTION' },
  { name: 'duration without unit', args: RUN('--duration', '90'), exit: 2, code: 'COMFYLOAD_ERR_BAD_OPTION' },
  { name: 'prompt timeout gibberish', args: RUN('--prompt-timeout', 'soon'), exit: 2, code: 'COMFYLOAD_ERR_BAD_OPTION' },
  { name: 'max error rate above 1', args: RUN('--max-error-rate', '1.5'), exit: 2, code: 'COMFYLOAD_ERR_BAD_OPTION' },
  { name: 'bad seed policy', args: RUN('--seed-policy', 'chaos'), exit: 2, code: 'COMFYLOAD_ERR_BAD_OPTION' },
  { name: 'name with a slash', args: RUN('--name', '../escape'), exit: 2, code: 'COMFYLOAD_ERR_BAD_OPTION' },
  { name: 'label without =', args: RUN('--label', 'driver'), exit: 2, code: 'COMFYLOAD_ERR_BAD_OPTION' },
  { name: 'header without colon (secret not echoed)', args: RUN('--header', `Bearer-${SECRET_TOKEN}`), exit: 2, code: 'COMFYLOAD_ERR_BAD_OPTION' },
  {
    name: 'bad env value',
    args: RUN(),
    env: { COMFYLOAD_MAX_ERROR_RATE: 'lots' },
    exit: 2,
    code: 'COMFYLOAD_ERR_BAD_OPTION',
    says: ['COMFYLOAD_MAX_ERROR_RATE'],
  },
  {
    name: 'sim: unknown fault name',
    args: () => ['sim', '--port', '0', '--fault', 'meteor-strike'],
    exit: 2,
    code: 'COMFYLOAD_ERR_BAD_OPTION',
    says: ['unknown fault'],
  },
  { name: 'sim: bad fault key value', args: () => ['sim', '--port', '0', '--fault', 'ws-drop:every=0'], exit: 2, code: 'COMFYLOAD_ERR_BAD_OPTION' },
  // config files
  { name: 'config file missing', args: RUN('--config', F('nope.yaml')), exit: 2, code: 'COMFYLOAD_ERR_CONFIG_NOT_FOUND' },
  { name: 'config invalid YAML', args: RUN('--config', F('bad.yaml')), exit: 2, code: 'COMFYLOAD_ERR_BAD_CONFIG' },
  { name: 'config unknown key', args: RUN('--config', F('unknown-key.yaml')), exit: 2, code: 'COMFYLOAD_ERR_BAD_CONFIG' },
  { name: 'config bad value', args: RUN('--config', F('bad-value.yaml')), exit: 2, code: 'COMFYLOAD_ERR_BAD_CONFIG' },
  { name: 'config is a list', args: RUN('--config', F('list.yaml')), exit: 2, code: 'COMFYLOAD_ERR_BAD_CONFIG' },
  // workflow files
  { name: 'workflow missing', args: () => ['run', '--workflow', F('missing.json')], exit: 2, code: 'COMFYLOAD_ERR_WORKFLOW_NOT_FOUND' },
  { name: 'workflow is a folder', args: () => ['run', '--workflow', F('folder.json')], exit: 2, code: 'COMFYLOAD_ERR_BAD_WORKFLOW', says: ['is a folder'] },
  { name: 'workflow truncated JSON', args: () => ['run', '--workflow', F('truncated.json')], exit: 2, code: 'COMFYLOAD_ERR_BAD_WORKFLOW' },
  { name: 'workflow binary garbage', args: () => ['run', '--workflow', F('binary.json')], exit: 2, code: 'COMFYLOAD_ERR_BAD_WORKFLOW' },
  { name: 'workflow is an array', args: () => ['run', '--workflow', F('array.json')], exit: 2, code: 'COMFYLOAD_ERR_BAD_WORKFLOW' },
  { name: 'workflow empty', args: () => ['run', '--workflow', F('empty.json')], exit: 2, code: 'COMFYLOAD_ERR_BAD_WORKFLOW' },
  { name: 'workflow node without class_type', args: () => ['run', '--workflow', F('no-class.json')], exit: 2, code: 'COMFYLOAD_ERR_BAD_WORKFLOW' },
  { name: 'workflow link to a missing node', args: () => ['run', '--workflow', F('dangling.json')], exit: 2, code: 'COMFYLOAD_ERR_BAD_WORKFLOW' },
  // URLs
  { name: 'url ws://', args: RUN('--url', 'ws://127.0.0.1:8188/ws'), exit: 2, code: 'COMFYLOAD_ERR_BAD_URL' },
  { name: 'url ftp://', args: RUN('--url', 'ftp://127.0.0.1/'), exit: 2, code: 'COMFYLOAD_ERR_BAD_URL' },
  { name: 'url without scheme', args: RUN('--url', '127.0.0.1:8188'), exit: 2, code: 'COMFYLOAD_ERR_BAD_URL' },
  { name: 'url with a query', args: RUN('--url', 'http://127.0.0.1:8188/?token=abc'), exit: 2, code: 'COMFYLOAD_ERR_BAD_URL' },
  { name: 'url not a URL (password not echoed)', args: RUN('--url', `http://bench:${SECRET_PASSWORD}@[::1`), exit: 2, code: 'COMFYLOAD_ERR_BAD_URL' },
  { name: '--url without --workflow', args: () => ['run', '--url', 'http://127.0.0.1:8188'], exit: 2, code: 'COMFYLOAD_ERR_BAD_OPTION' },
  // server answers
  { name: 'server answers 401', args: AT('unauthorized'), exit: 3, code: 'COMFYLOAD_ERR_TARGET_AUTH' },
  { name: 'server answers 403 (Origin or auth)', args: AT('forbidden'), exit: 3, code: 'COMFYLOAD_ERR_TARGET_AUTH' },
  { name: 'server answers an HTML page', args: AT('html'), exit: 3, code: 'COMFYLOAD_ERR_NOT_COMFYUI' },
  { name: 'server is another JSON API', args: AT('otherJson'), exit: 3, code: 'COMFYLOAD_ERR_NOT_COMFYUI' },
  { name: 'server answers plain-text 500s', args: AT('plain500'), exit: 3, code: 'COMFYLOAD_ERR_NOT_COMFYUI' },
  { name: 'server answers 404 everywhere', args: AT('notFound'), exit: 3, code: 'COMFYLOAD_ERR_NOT_COMFYUI' },
  { name: 'server destroys every connection', args: AT('destroyer'), exit: 3, code: 'COMFYLOAD_ERR_TARGET_UNREACHABLE' },
  { name: 'nothing listens on the port', args: AT('closed'), exit: 3, code: 'COMFYLOAD_ERR_TARGET_UNREACHABLE' },
  { name: 'server without a WebSocket', args: AT('noWs'), exit: 3, code: 'COMFYLOAD_ERR_TARGET_UNREACHABLE', says: ['WebSocket'] },
];

describe('bad input, end to end', () => {
  it('has at least 30 cases', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(30);
  });

  it.each(CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const results = join(dir, 'results', c.name.replace(/[^a-z0-9]+/gi, '-'));
    const args = c.args();
    const withResults = args[0] === 'run' ? [...args, '--results-dir', results] : args;
    const r = await runCli(withResults, { env: c.env ?? {}, timeoutMs: 30_000 });
    expect(r.code, r.stderr).toBe(c.exit);
    expect(r.stderr).toContain(`code: ${c.code}`);
    for (const s of c.says ?? []) expect(r.stderr).toContain(s);
    expect(r.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
    expect(r.stderr).toMatch(/fix: \S/);
    expect(r.stdout).toBe('');
    if (existsSync(results)) {
      // Whatever was written before the failure parses.
      for (const runDir of findRunDirs(results)) {
        const summary = join(runDir, 'summary.json');
        if (existsSync(summary)) expect(() => JSON.parse(readFileSync(summary, 'utf8')) as unknown).not.toThrow();
        const requests = join(runDir, 'requests.csv');
        if (existsSync(requests)) expect(() => readCsv(readFileSync(requests, 'utf8'))).not.toThrow();
      }
      expectNoSecrets(results, [r.stderr]);
    } else expectNoSecrets(dir, [r.stderr, r.stdout].concat());
  });

  it('a server whose body limit refuses every prompt (413): each prompt is rejected:http_413, exit 1, files parse', async () => {
    const results = join(dir, 'results', 'too-large');
    const r = await runCli([...AT('tooLarge')(), '--results-dir', results], { timeoutMs: 30_000 });
    expect(r.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
    expect(r.code, r.stderr).toBe(1);
    const runDir = findRunDirs(results)[0]!;
    const csv = readCsv(readFileSync(join(runDir, 'requests.csv'), 'utf8'));
    expect(csv.rows.map((row) => row.outcome)).toEqual(['rejected:http_413', 'rejected:http_413']);
    expect(JSON.parse(readFileSync(join(runDir, 'summary.json'), 'utf8'))).toMatchObject({ partial: false, totals: { submitted: 2, notOk: 2 } });
    expectNoSecrets(join(dir, 'results'), [r.stderr]);
  });
});
