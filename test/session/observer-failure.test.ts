/**
 * Regression (issue 11): an observer that fails mid-run (a results file on a full disk, an API
 * progress callback's bug) used to vanish in the open loop (`.catch(() => undefined)`: the run
 * ended `partial: false`) and to lose every finished level's summary in the closed loop. Now the
 * run stops with a clear error (its code and fix), its prompts in flight settle, and the results
 * so far are written, `"partial": true` with the reason.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { run, type ProgressEvent } from '../../src/api/api.js';
import { readCsv } from '../helpers/csv-read.js';

const roots: string[] = [];
afterAll(() => {
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

/** A progress callback that throws on the `n`-th settled prompt. */
function throwingOn(n: number): (e: ProgressEvent) => void {
  let prompts = 0;
  return (e) => {
    if (e.type === 'prompt' && ++prompts === n) throw new TypeError("Cannot read properties of undefined (reading 'push')");
  };
}

describe.each([
  ['closed loop', { concurrency: [1, 2], prompts: 6 }],
  ['open loop', { rate: '20/s', arrival: 'constant', prompts: 12 }],
])('an API observer that throws mid-run (%s)', (_, load) => {
  it('stops the run with COMFYLOAD_ERR_OBSERVER_FAILED and writes partial results that add up', async () => {
    const root = mkdtempSync(join(tmpdir(), 'comfyload-observer-'));
    roots.push(root);
    const result = await run({ ...load, warmup: 0, simTimeScale: 0.02, resultsDir: root, onProgress: throwingOn(4) });
    expect(result.error?.code).toBe('COMFYLOAD_ERR_OBSERVER_FAILED');
    expect(result.error?.message).toMatch(/onPromptSettled threw: TypeError: Cannot read properties of undefined/);
    expect(result.exitCode).toBe(2);
    const summary = JSON.parse(readFileSync(join(result.resultsDir, 'summary.json'), 'utf8')) as typeof result.summary;
    expect(summary.partial).toBe(true);
    expect(summary.partialReason).toMatch(/observer's onPromptSettled threw/);
    // What settled before and after the failure is on disk and adds up.
    const rows = readCsv(readFileSync(join(result.resultsDir, 'requests.csv'), 'utf8')).rows.filter((r) => r.phase === 'measure');
    expect(rows.length).toBeGreaterThanOrEqual(4);
    expect(summary.totals.submitted).toBe(Object.values(summary.totals.outcomes).reduce((a, b) => a + b, 0));
    expect(summary.totals.submitted).toBe(rows.length);
    expect(Object.keys(summary.levels).length).toBeGreaterThanOrEqual(1);
  }, 60_000);
});
