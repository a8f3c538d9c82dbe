import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ComfyloadError } from '../../src/comfy/errors.js';
import type { RunSummary } from '../../src/metrics/result-types.js';
import { checkMergeInputs } from '../../src/session/merge-inputs.js';

const root = mkdtempSync(join(tmpdir(), 'comfyload-merge-inputs-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const ENV = { gpu: 'NVIDIA GeForce RTX 4090', comfyuiVersion: '0.3.64', workflowSha256: 'abc', steps: '20', harnessVersion: '0.1.0' };

function folder(name: string, o: { runId?: string; seed?: number; segment?: string; env?: Record<string, string>; levels?: number[] } = {}): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  const summary = {
    schemaVersion: 1,
    runId: o.runId ?? name,
    startedAt: new Date(0).toISOString(),
    endedAt: new Date(1000).toISOString(),
    startTimeEpochMs: 0,
    settings: {
      mode: 'closed-loop',
      levels: (o.levels ?? [1, 2]).map((concurrency) => ({ concurrency })),
      promptsPerLevel: 4,
      seedPolicy: 'random',
      seed: o.seed ?? 1,
    },
    targets: [{ index: 0, kind: 'server', url: 'http://x' }],
    levels: {},
    warmup: null,
    environment: { ...ENV, ...o.env },
    ...(o.segment !== undefined ? { engine: 'k6', k6: { executionSegment: o.segment } } : {}),
  } as unknown as RunSummary;
  writeFileSync(join(dir, 'summary.json'), JSON.stringify(summary));
  writeFileSync(join(dir, 'levels.csv'), 'level\n');
  writeFileSync(join(dir, 'requests.csv'), '# units\nrunId\n');
  return dir;
}

function refusal(dirs: string[]): ComfyloadError {
  try {
    checkMergeInputs(dirs);
  } catch (err) {
    return err as ComfyloadError;
  }
  throw new Error('expected a refusal');
}

describe('the folders given to comfyload merge', () => {
  it('given the k6 segments of one test that cover it, then they are accepted as one run whose coverage is the whole plan', () => {
    const checked = checkMergeInputs([folder('s0', { runId: 't', segment: '0:1/2' }), folder('s1', { runId: 't', segment: '1/2:1' })]);
    expect(checked.inputs.map((i) => i.group)).toEqual(['k6-segments:seed=1', 'k6-segments:seed=1']);
    expect(checked.coverage).toEqual(['0:0.5 + 0.5:1 = the whole plan']);
    expect(checked.warnings).toEqual([]);
  });

  it('given segments that leave part of the plan out, then the merge goes ahead and says which part it is', () => {
    const checked = checkMergeInputs([folder('q0', { runId: 'q', segment: '0:1/4' }), folder('q1', { runId: 'q', segment: '1/2:3/4' })]);
    expect(checked.coverage).toEqual(['0:0.25 + 0.5:0.75 = 50.0% of the plan']);
    expect(checked.warnings[0]).toMatch(/the merged result is that part of the plan/);
  });

  it('given overlapping segments, then they are refused, naming both and the fix', () => {
    const err = refusal([folder('o0', { runId: 'o', segment: '0:1/2' }), folder('o1', { runId: 'o', segment: '1/4:1' })]);
    expect(err.code).toBe('COMFYLOAD_ERR_MERGE_MISMATCH');
    expect(err.details?.join('\n')).toMatch(/segments overlap: 0:0\.5 \(.*o0\) and 0\.25:1 \(.*o1\); each runner runs its own share/);
  });

  it('given different servers and plans, then every difference is listed at once, with the fix', () => {
    const err = refusal([folder('a'), folder('b', { env: { comfyuiVersion: '0.3.65', gpu: 'NVIDIA L4' }, levels: [1, 4] })]);
    expect(err.code).toBe('COMFYLOAD_ERR_MERGE_MISMATCH');
    const details = err.details?.join('\n') ?? '';
    expect(details).toMatch(/gpu: "NVIDIA GeForce RTX 4090" in .*a, "NVIDIA L4" in .*b/);
    expect(details).toMatch(/comfyuiVersion: "0\.3\.64" in .*a, "0\.3\.65" in .*b/);
    expect(details).toMatch(/the plans differ/);
    expect(err.hint).toMatch(/comfyload compare/);
  });

  it('given one folder twice, or only one, then it is refused', () => {
    const once = folder('once');
    expect(refusal([once, once]).details?.join('\n')).toMatch(/are the same run/);
    expect(refusal([once]).code).toBe('COMFYLOAD_ERR_BAD_OPTION');
  });

  it('given two whole runs with the same --seed, then they merge with a warning that their prompts repeated each other', () => {
    const checked = checkMergeInputs([folder('w1', { seed: 5 }), folder('w2', { seed: 5 })]);
    expect(checked.inputs.map((i) => i.group)).toEqual(['run:0', 'run:1']);
    expect(checked.warnings.join('\n')).toMatch(/same --seed/);
  });
});
