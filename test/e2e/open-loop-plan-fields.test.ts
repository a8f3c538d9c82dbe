/**
 * The open loop honours the plan like the closed loop: `--prompt-file` texts rotate through the
 * positive prompt (the emulator's own history shows the graphs it ran), and `--fetch-outputs`
 * downloads and checks every output image (outputFetchMs), as summary.json says it does.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type SimHandle } from '../../src/sim/index.js';
import { findRunDirs, readRun, runCli, type CliResult, type RunFiles } from './run-cli.js';

const TEXTS = ['a red fox in the snow', 'a lighthouse at dusk', 'a bowl of ramen, top view'];
const PROMPTS = 6;

describe('comfyload run --rate … --prompt-file … --fetch-outputs', () => {
  let sim: SimHandle;
  let root: string;
  let cli: CliResult;
  let run: RunFiles;

  beforeAll(async () => {
    sim = await startSim({ timeScale: 0.02, seed: 5 });
    root = mkdtempSync(join(tmpdir(), 'comfyload-open-fields-'));
    const promptFile = join(root, 'prompts.txt');
    writeFileSync(promptFile, `${TEXTS.join('\n')}\n`);
    cli = await runCli([
      'run',
      '--url',
      sim.url,
      '--workflow',
      'fixtures/workflows/sd15-txt2img.json',
      '--rate',
      '300/min',
      '--prompts',
      String(PROMPTS),
      '--warmup',
      '0',
      '--prompt-file',
      promptFile,
      '--fetch-outputs',
      '--results-dir',
      join(root, 'results'),
    ]);
    run = readRun(findRunDirs(join(root, 'results'))[0]!);
  }, 120_000);

  afterAll(async () => {
    await sim?.close();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('exits 0 with every arrival in exactly one outcome', () => {
    expect(cli.code, cli.stderr).toBe(0);
    const t = run.summary.totals;
    expect(t.submitted).toBe(PROMPTS);
    expect(Object.values(t.outcomes).reduce((a, n) => a + n, 0)).toBe(t.submitted);
    expect(t.outcomes.ok).toBe(PROMPTS);
  });

  it('sends the prompt-file texts in rotation: the emulator ran them', async () => {
    const history = (await (await fetch(`${sim.url}/history`)).json()) as Record<
      string,
      { prompt: [number, string, Record<string, { inputs: { text?: string } }>] }
    >;
    const bySeq = [...run.requests.rows].sort((a, b) => Number(a.seq) - Number(b.seq));
    const ran = bySeq.map((r) => history[r.promptId!]!.prompt[2]['6']!.inputs.text);
    expect(ran).toEqual(Array.from({ length: PROMPTS }, (_, i) => TEXTS[i % TEXTS.length]));
  });

  it('downloads every output (outputFetchMs per prompt and in levels.csv), as summary.json says', () => {
    expect(run.summary.settings.fetchOutputs).toBe(true);
    for (const row of run.requests.rows) {
      expect(Number(row.outputFetchMs), row.promptId).toBeGreaterThan(0);
      expect(row.outputFetchedMs).not.toBe('');
    }
    expect(Number(run.levels.rows[0]!.outputFetchMs_count)).toBe(PROMPTS);
  });
});
