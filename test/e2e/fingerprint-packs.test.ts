/**
 * The fingerprint names what else runs inside the server. A run against an emulator that loads an
 * extra custom node pack records the pack (and the bench nodes' pack) in summary.json, in every
 * CSV and .hlog header and in report.html — checked against what that emulator itself serves on
 * /object_info, /extensions and /features. A run against an older server (no /features) behind a
 * proxy that hides /extensions still works and says, in a warning and in the environment, what
 * it could not read.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ObjectInfo } from '../../src/comfy/http-types.js';
import { startSim, type SimHandle, type SimOptions } from '../../src/sim/index.js';
import { readCsv } from '../helpers/csv-read.js';
import { findRunDirs, readRun, runCli, type CliResult, type RunFiles } from './run-cli.js';

const PACK = { name: 'ComfyUI-Impact-Pack', classes: ['ImpactSwitch', 'ImpactWildcardProcessor', 'ImpactImageBatchToImageList'] };
const HEADED_FILES = ['levels.csv', 'requests.csv', 'vram.csv', 'histograms.hlog'];

interface Served {
  sim: SimHandle;
  cli: CliResult;
  run: RunFiles;
  report: string;
  headers: Record<string, string[]>;
}

const roots: string[] = [];
const sims: SimHandle[] = [];

async function runAgainst(opts: Partial<SimOptions>): Promise<Served> {
  const sim = await startSim({ timeScale: 0.05, ...opts });
  sims.push(sim);
  const root = mkdtempSync(join(tmpdir(), 'comfyload-packs-'));
  roots.push(root);
  const cli = await runCli([
    'run',
    '--url',
    sim.url,
    '--workflow',
    'fixtures/workflows/sd15-txt2img.json',
    '--concurrency',
    '1',
    '--prompts',
    '2',
    '--warmup',
    '0',
    '--results-dir',
    root,
  ]);
  const dir = findRunDirs(root)[0]!;
  const headers = Object.fromEntries(
    HEADED_FILES.map((f) => {
      const text = readFileSync(join(dir, f), 'utf8');
      return [f, f.endsWith('.csv') ? readCsv(text).comments : text.split('\n').filter((l) => l.startsWith('#'))];
    }),
  );
  return { sim, cli, run: readRun(dir), report: readFileSync(join(dir, 'report.html'), 'utf8'), headers };
}

async function served(sim: SimHandle, path: string): Promise<unknown> {
  return (await fetch(sim.url + path)).json();
}

afterAll(async () => {
  await Promise.all(sims.map((s) => s.close()));
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

describe('a server with an extra custom node pack', () => {
  let s: Served;
  let objectInfo: ObjectInfo;
  beforeAll(async () => {
    s = await runAgainst({ customPacks: [PACK] });
    objectInfo = (await served(s.sim, '/object_info')) as ObjectInfo;
  }, 90_000);

  it('runs and records every pack with its class count, as the server lists them', () => {
    expect(s.cli.code, s.cli.stderr).toBe(0);
    const inv = s.run.summary.environment.serverInventory!;
    const classesOf = (module: string): number => Object.values(objectInfo).filter((n) => n.python_module === module).length;
    expect(classesOf('custom_nodes.ComfyUI-Impact-Pack')).toBe(PACK.classes.length);
    expect(inv.nodePacks.filter((p) => p.kind === 'custom')).toEqual([
      { pack: 'bench_nodes', kind: 'custom', classes: classesOf('custom_nodes.bench_nodes'), modules: ['custom_nodes.bench_nodes'] },
      { pack: 'ComfyUI-Impact-Pack', kind: 'custom', classes: PACK.classes.length, modules: ['custom_nodes.ComfyUI-Impact-Pack'] },
    ]);
    expect(inv.nodePacks.find((p) => p.pack === 'nodes')?.classes).toBe(classesOf('nodes'));
    expect(inv.nodeClasses).toBe(Object.keys(objectInfo).length);
    expect(inv.nodeRegistrySha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('keeps /extensions and /features as the server gives them, typed, and warns about nothing', async () => {
    const inv = s.run.summary.environment.serverInventory!;
    expect(inv.extensions).toEqual(await served(s.sim, '/extensions'));
    expect(inv.extensions).toEqual(['/extensions/ComfyUI-Impact-Pack/ComfyUI-Impact-Pack.js']);
    expect(inv.features).toEqual(await served(s.sim, '/features'));
    expect(inv.features?.supports_preview_metadata).toBe(true);
    expect(inv.unread).toEqual([]);
    expect(s.run.summary.warnings ?? []).not.toContainEqual(expect.stringMatching(/could not read/));
  });

  it('heads every CSV and the .hlog with the packs, the registry hash, the extensions and the features', () => {
    const sha = s.run.summary.environment.serverInventory!.nodeRegistrySha256;
    for (const [file, comments] of Object.entries(s.headers)) {
      const text = comments.join('\n');
      expect(text, file).toContain('# node_packs: custom: bench_nodes 2, ComfyUI-Impact-Pack 3; core: nodes ');
      expect(text, file).toContain(`sha256=${sha}`);
      expect(text, file).toContain('# extensions: 1 script (ComfyUI-Impact-Pack 1); features: supports_preview_metadata=true max_upload_size=104857600');
    }
  });

  it('lists them in the environment table of report.html', () => {
    expect(s.report).toContain('<th>Custom node packs</th><td>bench_nodes (2 classes), ComfyUI-Impact-Pack (3 classes)</td>');
    expect(s.report).toContain('<th>Frontend extensions</th><td>/extensions/ComfyUI-Impact-Pack/ComfyUI-Impact-Pack.js</td>');
    expect(s.report).toContain('<th>Server features</th><td>supports_preview_metadata = true, max_upload_size = 104857600</td>');
    expect(s.report).toContain(`<th>Node registry</th><td>${Object.keys(objectInfo).length} classes, SHA-256 `);
  });
});

describe('an older server (no /features) behind a proxy that hides /extensions', () => {
  let s: Served;
  beforeAll(async () => {
    s = await runAgainst({ protocol: 'legacy', faults: [{ name: 'http-404', target: '/extensions' }] });
  }, 90_000);

  it('still runs every prompt', async () => {
    expect(s.cli.code, s.cli.stderr).toBe(0);
    expect(s.run.summary.totals).toMatchObject({ submitted: 2, ok: 2 });
    expect((await fetch(`${s.sim.url}/features`)).status).toBe(404);
  });

  it('warns, once per endpoint, what it could not read', () => {
    const expected = [
      `could not read GET /extensions of ${s.sim.url} (answered 404): the fingerprint lacks its frontend extension scripts`,
      `could not read GET /features of ${s.sim.url} (answered 404): the fingerprint lacks its feature flags (ComfyUI before July 2025 has no /features)`,
    ];
    for (const w of expected) {
      expect(s.run.summary.warnings).toContain(w);
      expect(s.cli.stderr).toContain(w);
      expect(s.report).toContain(w.replace(/\(ComfyUI.*\)$/, ''));
    }
  });

  it('says so in the environment, the CSV headers and the report, with the node packs still there', () => {
    const inv = s.run.summary.environment.serverInventory!;
    expect(inv).toMatchObject({ extensions: null, features: null });
    expect(inv.unread).toEqual([
      { endpoint: '/extensions', reason: 'answered 404' },
      { endpoint: '/features', reason: 'answered 404' },
    ]);
    expect(inv.nodePacks.filter((p) => p.kind === 'custom').map((p) => p.pack)).toEqual(['bench_nodes']);
    for (const [file, comments] of Object.entries(s.headers)) {
      expect(comments.join('\n'), file).toContain('# extensions: not read (answered 404); features: not read (answered 404)');
      expect(comments.join('\n'), file).toContain('# pytorch_version: unknown');
    }
    expect(s.report).toContain('<th>Server features</th><td>not read: GET /features answered 404</td>');
    expect(s.report).toContain('<th>Frontend extensions</th><td>not read: GET /extensions answered 404</td>');
  });
});
