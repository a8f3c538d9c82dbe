/**
 * The programmatic API as a user's project gets it: the package packed (`npm pack`), installed
 * into a temp project outside the repo (`npm install <tarball>`), imported by name, type-checked
 * against its shipped .d.ts, and run against an emulator it starts itself.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { root } from './run-cli.js';

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

const CONSUMER = `
import { run, startSim, validate, ComfyloadError } from 'comfyload';

const sim = await startSim({ timeScale: 0.02 });
const progress = [];
try {
  const checked = await validate({ url: sim.url, workflow: process.argv[2] });
  const result = await run({
    url: sim.url,
    workflow: process.argv[2],
    concurrency: [1, 2],
    prompts: 3,
    warmup: 1,
    resultsDir: 'results',
    onProgress: (e) => progress.push(e.type),
  });
  let badCode = '';
  try {
    await run({ url: sim.url, concurency: [1] });
  } catch (err) {
    badCode = err instanceof ComfyloadError ? err.code : String(err);
  }
  const truth = [...sim.groundTruth.prompts.values()].filter((t) => t.outcome === 'success').length;
  console.log(JSON.stringify({ resultsDir: result.resultsDir, exitCode: result.exitCode, levels: result.summary.levels, outputs: checked.outputNodes, progress, badCode, truth }));
} finally {
  await sim.close();
}
`;

const TYPED = `
import { run, type RunResult, type ProgressEvent } from 'comfyload';
const events: ProgressEvent['type'][] = [];
const result: RunResult = await run({ concurrency: [1], prompts: 1, onProgress: (e) => events.push(e.type) });
const code: number = result.exitCode;
// @ts-expect-error an option that does not exist is a type error too
await run({ concurency: [1] });
export { code };
`;

describe('the packed package, installed in a project of its own', () => {
  let project: string;
  let out: {
    resultsDir: string;
    exitCode: number;
    levels: unknown;
    outputs: string[];
    progress: string[];
    badCode: string;
    truth: number;
  };

  beforeAll(() => {
    project = mkdtempSync(join(tmpdir(), 'comfyload-api-'));
    execFileSync(npm, ['pack', '--silent', '--pack-destination', project], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
    const tarball = readdirSync(project).find((f) => f.endsWith('.tgz'));
    if (tarball === undefined) throw new Error('npm pack wrote no tarball');
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
    execFileSync(npm, ['install', '--no-audit', '--no-fund', '--prefer-offline', join(project, tarball)], {
      cwd: project,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    writeFileSync(join(project, 'bench.mjs'), CONSUMER);
    const workflow = join(project, 'node_modules/comfyload/fixtures/workflows/sd15-txt2img.json');
    const stdout = execFileSync(process.execPath, ['bench.mjs', workflow], { cwd: project, encoding: 'utf8', timeout: 90_000 });
    out = JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as typeof out;
  }, 180_000);

  afterAll(() => rmSync(project, { recursive: true, force: true }));

  it('runs `await run({...})` against `startSim()` and reads summary.levels', () => {
    expect(out.exitCode).toBe(0);
    expect(out.resultsDir.startsWith(join(project, 'results'))).toBe(true);
    const levels = Object.values(out.levels as Record<string, { concurrency: number; submitted: number; ok: number }>);
    expect(levels.map((l) => l.concurrency)).toEqual([1, 2]);
    for (const l of levels) expect(l.ok).toBe(3);
    // warm-up + 2 levels × 3 prompts all succeeded on the emulator, by its own record.
    expect(out.truth).toBe(7);
    const summary = JSON.parse(readFileSync(join(out.resultsDir, 'summary.json'), 'utf8')) as { name: string };
    expect(summary.name).toBe('sd15-txt2img');
  });

  it('validates, reports progress, and refuses an unknown key with the config error code', () => {
    expect(out.outputs).toEqual(['9']);
    expect(out.progress.filter((t) => t === 'prompt')).toHaveLength(7);
    expect(out.progress).toContain('level-end');
    expect(out.badCode).toBe('COMFYLOAD_ERR_BAD_CONFIG');
  });

  it('ships type declarations a TypeScript project compiles against', () => {
    writeFileSync(join(project, 'typed.ts'), TYPED);
    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, skipLibCheck: true, types: [] },
        files: ['typed.ts'],
      }),
    );
    const tsc = join(root, 'node_modules/typescript/bin/tsc');
    expect(() => execFileSync(process.execPath, [tsc, '-p', project], { cwd: project, encoding: 'utf8' })).not.toThrow();
  });
});
