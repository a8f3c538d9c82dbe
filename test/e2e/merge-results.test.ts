/**
 * `comfyload merge` of Node-engine shards: two load machines, each running the plan at c=1 with
 * 4 prompts per level against one server at the same time, merge into the result one machine
 * gets at c=2 with 8 prompts — the same counts, the users added up; and folders that are not
 * shards of one plan on one kind of server are refused, with the fix, before anything is written.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mergeHistograms, summarizeHistogram } from '../../src/metrics/hdr.js';
import { readHlog } from '../../src/metrics/hlog-reader.js';
import { startSim, type SimHandle } from '../../src/sim/index.js';
import { findRunDirs, readRun, runCli, type CliResult, type RunFiles } from './run-cli.js';

const PROMPTS = 4;

describe('comfyload merge of two Node-engine shards of one plan', () => {
  let sim: SimHandle;
  let root: string;
  let shards: RunFiles[];
  let single: RunFiles;
  let merged: RunFiles;
  let mergeCli: CliResult;
  let mismatch: CliResult;
  let other: string;

  const run = (name: string, concurrency: number, prompts: number, extra: string[] = []): Promise<CliResult> =>
    runCli([
      'run',
      '--url',
      sim.url,
      '--workflow',
      'fixtures/workflows/sd15-txt2img.json',
      '--concurrency',
      String(concurrency),
      '--prompts',
      String(prompts),
      '--warmup',
      '0',
      '--results-dir',
      join(root, name),
      '--name',
      name,
      ...extra,
    ]);

  beforeAll(async () => {
    sim = await startSim({ timeScale: 0.02, seed: 9 });
    root = mkdtempSync(join(tmpdir(), 'comfyload-merge-'));
    const results = await Promise.all([run('shard-a', 1, PROMPTS, ['--seed', '1']), run('shard-b', 1, PROMPTS, ['--seed', '2'])]);
    for (const r of results) expect(r.code, r.stderr).toBe(0);
    const single1 = await run('single', 2, 2 * PROMPTS, ['--seed', '3']);
    expect(single1.code, single1.stderr).toBe(0);
    const fewerSteps = await run('other', 1, PROMPTS, ['--seed', '4', '--set', 'KSampler.steps=10']);
    expect(fewerSteps.code, fewerSteps.stderr).toBe(0);
    shards = ['shard-a', 'shard-b'].map((n) => readRun(findRunDirs(join(root, n))[0]!));
    single = readRun(findRunDirs(join(root, 'single'))[0]!);
    other = findRunDirs(join(root, 'other'))[0]!;
    mergeCli = await runCli(['merge', shards[0]!.dir, shards[1]!.dir, '--out', join(root, 'merged')]);
    mismatch = await runCli(['merge', shards[0]!.dir, other, '--out', join(root, 'refused')]);
    merged = readRun(join(root, 'merged'));
  }, 120_000);

  afterAll(async () => {
    await sim?.close();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it("equals one run's counts: one level at c=1+1=2, every prompt of both shards, outcomes that add up", () => {
    expect(mergeCli.code, mergeCli.stderr).toBe(0);
    expect(merged.levels.rows).toHaveLength(1);
    const m = merged.levels.rows[0]!;
    const s = single.levels.rows[0]!;
    for (const column of ['concurrency', 'submitted', 'ok', 'notOk', 'outcomes', 'completionMs_count', 'stepIntervalMs_count']) {
      expect(m[column], column).toBe(s[column]);
    }
    expect(merged.summary.totals).toEqual(single.summary.totals);
    expect(merged.requests.rows).toHaveLength(2 * PROMPTS);
    expect(new Set(merged.requests.rows.map((r) => r.runId))).toEqual(new Set(shards.map((x) => x.summary.runId)));
  });

  it("holds the sum of the shards' histograms, and its times on one base (the earlier shard's start)", () => {
    const got = readHlog(merged.hlog).get('completionMs@t0-L1-c2-measure')!;
    const parts = shards.map((x) => readHlog(x.hlog).get('completionMs@t0-L1-c1-measure')!);
    expect(summarizeHistogram(got)).toEqual(summarizeHistogram(mergeHistograms(parts)));
    const start = Math.min(...shards.map((x) => x.summary.startTimeEpochMs));
    expect(merged.summary.startTimeEpochMs).toBe(start);
    for (const shard of shards) {
      const shift = shard.summary.startTimeEpochMs - start;
      const row = shard.requests.rows[0]!;
      const same = merged.requests.rows.find((r) => r.promptId === row.promptId)!;
      expect(Number(same.sentMs)).toBeCloseTo(Number(row.sentMs) + shift, 2);
    }
  });

  it('refuses folders of another workflow, naming each difference and the fix, and writes nothing', () => {
    expect(mismatch.code).toBe(2);
    expect(mismatch.stderr).toContain('COMFYLOAD_ERR_MERGE_MISMATCH');
    expect(mismatch.stderr).toMatch(/workflowSha256: /);
    expect(mismatch.stderr).toMatch(/steps: "20" in .+, "10" in /);
    expect(mismatch.stderr).toMatch(/compare them with `comfyload compare` instead/);
    expect(existsSync(join(root, 'refused'))).toBe(false);
  });
});
