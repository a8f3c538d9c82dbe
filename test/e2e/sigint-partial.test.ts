/**
 * Stopping a run by signal on a shared server. First SIGINT: the run stops submitting, cancels
 * only its own prompts (pending ones deleted, the running one interrupted by its id), writes
 * partial results marked `"partial": true` and exits 130 — while another client's prompts on the
 * same emulator run to success untouched. A second signal exits at once, leaving files that parse.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type SimHandle } from '../../src/sim/index.js';
import { readCsv } from '../helpers/csv-read.js';
import { expectAccounted, tempDir, writeFastWorkflow, type FaultRun } from './fault-run.js';
import { cliPath, findRunDirs, readRun, root } from './run-cli.js';

/** Spawns the CLI; resolves once `ready()` holds, returns the child and its output so far. */
function spawnRun(args: string[]): { child: ChildProcess; out: { stderr: string; stdout: string }; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [cliPath, ...args], { cwd: root, env: { PATH: process.env.PATH }, stdio: ['ignore', 'pipe', 'pipe'] });
  const out = { stderr: '', stdout: '' };
  child.stderr!.on('data', (c: Buffer) => (out.stderr += c.toString()));
  child.stdout!.on('data', (c: Buffer) => (out.stdout += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, out, exited };
}

async function until(pred: () => boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Another user of the same GPU: its own socket, its own prompts, one every `everyMs`. */
class ForeignClient {
  readonly clientId = randomUUID();
  readonly ids: string[] = [];
  readonly #ws: WebSocket;
  readonly #timer: NodeJS.Timeout;

  constructor(url: string, everyMs: number) {
    this.#ws = new WebSocket(`${url.replace('http', 'ws')}/ws?clientId=${this.clientId}`);
    this.#timer = setInterval(() => void this.#submit(url), everyMs);
  }

  async #submit(url: string): Promise<void> {
    const id = randomUUID();
    this.ids.push(id);
    const prompt = {
      '1': { class_type: 'BenchFakeSampler', inputs: { steps: 5, step_ms: 200, seed: this.ids.length, vram_mb: 1, size: 8 } },
      '2': { class_type: 'PreviewImage', inputs: { images: ['1', 0] } },
    };
    await fetch(`${url}/prompt`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ prompt, client_id: this.clientId, prompt_id: id }),
    });
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#ws.close();
  }
}

describe('SIGINT during a run on a shared emulator', () => {
  let sim: SimHandle;
  let dir: string;
  let code: number | null;
  let stderr: string;
  let foreign: ForeignClient;
  let result: FaultRun;
  let runIds: Set<string>;

  beforeAll(async () => {
    sim = await startSim({ timeScale: 0.1, seed: 3 });
    dir = tempDir('comfyload-sigint-');
    const workflow = writeFastWorkflow(dir, 10, 200); // 200 ms a prompt at this time-scale
    foreign = new ForeignClient(sim.url, 300);
    const { child, out, exited } = spawnRun([
      'run',
      '--url',
      sim.url,
      '--workflow',
      workflow,
      '--concurrency',
      '3',
      '--prompts',
      '500',
      '--warmup',
      '0',
      '--results-dir',
      join(dir, 'results'),
      '--name',
      'sigint',
    ]);
    const isRun = (clientId: string | null): boolean => clientId !== null && clientId !== foreign.clientId;
    // Both users busy before the signal: the run has finished a few prompts, the other client has queued several.
    await until(
      () => foreign.ids.length >= 4 && [...sim.groundTruth.prompts.values()].filter((t) => isRun(t.clientId) && t.completedMs !== undefined).length >= 4,
      30_000,
    );
    foreign.stop(); // its last prompts are still queued or running when the signal comes
    child.kill('SIGINT');
    code = await exited;
    stderr = out.stderr;
    const dirs = findRunDirs(join(dir, 'results'));
    const run = readRun(dirs[0]!);
    const ids = run.requests.rows.map((r) => r.promptId!);
    const outcomes: Record<string, number> = {};
    for (const r of run.requests.rows) outcomes[r.outcome!] = (outcomes[r.outcome!] ?? 0) + 1;
    result = { cli: { code, signal: null, stdout: out.stdout, stderr }, run, ids, outcomes };
    runIds = new Set([...sim.groundTruth.prompts.values()].filter((t) => isRun(t.clientId)).map((t) => t.promptId));
  }, 60_000);

  afterAll(async () => {
    foreign?.stop();
    await sim?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('exits 130 with partial results that parse and account for every prompt it submitted', () => {
    expect(code).toBe(130);
    expect(stderr).toContain('SIGINT: stopping');
    expect(result.run.summary.partial).toBe(true);
    expectAccounted(result, result.ids.length);
    expect(result.ids.length).toBeLessThan(500);
    // Every prompt the server got from the run is in requests.csv.
    for (const id of runIds) expect(result.ids).toContain(id);
    expect(result.outcomes.interrupted).toBeGreaterThanOrEqual(1);
  });

  it('left nothing of its own on the server, and cancelled only its own prompts', async () => {
    const pending = sim.state!.queue.pending().map((e) => e.promptId);
    const running = sim.state!.queue.running().map((e) => e.promptId);
    for (const id of [...pending, ...running]) expect(runIds.has(id)).toBe(false);
    for (const row of result.run.requests.rows.filter((r) => r.outcome === 'interrupted')) {
      // Interrupted while running, or deleted while pending (never ran): nothing else.
      expect([undefined, 'interrupted']).toContain(sim.groundTruth.prompts.get(row.promptId!)?.outcome);
    }
    // The other client's prompts, queued around the signal, all run to success.
    await until(() => foreign.ids.every((id) => sim.groundTruth.prompts.get(id)?.completedMs !== undefined), 20_000);
    expect(foreign.ids.length).toBeGreaterThan(3);
    for (const id of foreign.ids) expect(sim.groundTruth.prompts.get(id)?.outcome, id).toBe('success');
  });
});

describe('a second signal', () => {
  it('exits 130 at once, leaving a requests.csv of whole lines', async () => {
    const sim = await startSim({ timeScale: 0.1, seed: 4 });
    const dir = tempDir('comfyload-sigint2-');
    try {
      const workflow = writeFastWorkflow(dir, 10, 200);
      const { child, out, exited } = spawnRun([
        'run',
        '--url',
        sim.url,
        '--workflow',
        workflow,
        '--concurrency',
        '2',
        '--prompts',
        '500',
        '--warmup',
        '0',
        '--results-dir',
        join(dir, 'results'),
        '--name',
        'sigint2',
      ]);
      await until(() => [...sim.groundTruth.prompts.values()].filter((t) => t.completedMs !== undefined).length >= 3, 30_000);
      child.kill('SIGTERM');
      await new Promise((r) => setTimeout(r, 30));
      const t0 = Date.now();
      child.kill('SIGINT');
      expect(await exited).toBe(130);
      expect(Date.now() - t0).toBeLessThan(1500);
      expect(out.stderr).toContain('stopped without cleanup');
      const runDir = findRunDirs(join(dir, 'results'))[0]!;
      const text = readFileSync(join(runDir, 'requests.csv'), 'utf8');
      expect(text.endsWith('\n')).toBe(true);
      const csv = readCsv(text);
      for (const row of csv.rows) expect(row.outcome).toMatch(/^(ok|interrupted|timeout|lost)$/);
      if (existsSync(join(runDir, 'summary.json'))) expect(() => JSON.parse(readFileSync(join(runDir, 'summary.json'), 'utf8')) as unknown).not.toThrow();
    } finally {
      await sim.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
