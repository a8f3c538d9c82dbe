/**
 * capacity-checkpoint.json and what `capacity --resume` does with it before anything is sent: the
 * file round-trips (atomically written, no temp file left), keeps no secret, names what differs
 * when the target changed, and a resume refuses bad folders, a finished search and conflicting
 * options with their codes — each leaving the folder as it was.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resolveOptions } from '../../src/cli/option-table.js';
import { CAPACITY_OPTIONS } from '../../src/cli/options-capacity.js';
import type { SystemStats } from '../../src/comfy/http-types.js';
import { ComfyloadError } from '../../src/comfy/errors.js';
import type { CapacitySearchCheckpoint } from '../../src/harness/capacity-run.js';
import { buildFingerprint, type Fingerprint } from '../../src/harness/fingerprint.js';
import type { CapacityTrial, LevelSummary } from '../../src/metrics/result-types.js';
import { buildCapacityPlan } from '../../src/session/build-plan.js';
import {
  CHECKPOINT_FILE,
  checkpointFile,
  fingerprintDifferences,
  readCheckpoint,
  resumeFingerprint,
  writeCheckpoint,
} from '../../src/session/capacity-checkpoint.js';
import { continueCapacityFolder, resumeCapacity } from '../../src/session/capacity-resume.js';
import { packageInfo } from '../../src/session/package-info.js';
import type { RunPlan } from '../../src/session/plan.js';
import stats from '../traces/real-system_stats.json' with { type: 'json' };

const STATS = stats as unknown as SystemStats;
const ROOT = packageInfo().root;
const ctx = { packageRoot: ROOT, randomSeed: () => 4242 };

function resolved(flags: Record<string, unknown>, env: Record<string, string> = {}) {
  return resolveOptions(CAPACITY_OPTIONS, { flags, env, cwd: ROOT });
}

function fingerprint(plan: RunPlan, overrides: Partial<SystemStats['system']> = {}): Fingerprint {
  return buildFingerprint({
    targets: [{ stats: { ...STATS, system: { ...STATS.system, ...overrides } }, label: plan.targets[0]?.url ?? 'emulator' }],
    workflow: plan.workflow,
    workflowPath: plan.workflowPath,
    harnessVersion: '0.1.0',
    labels: {},
  });
}

function trial(n: number, ratePerSec: number, verdict: 'pass' | 'fail'): CapacityTrial {
  return {
    trial: n,
    level: n,
    session: 1,
    ratePerSec,
    phase: n === 1 ? 'below' : 'above',
    verdict,
    reason: verdict === 'pass' ? 'stable' : 'slo-failed:completionMs.p95<30000',
    confident: true,
    explanation: `trial ${n} at ${(ratePerSec * 60).toFixed(1)}/min: ${verdict.toUpperCase()} — …`,
    windows: 5,
    windowMs: 1000,
    durationMs: 5000,
    arrivals: 100,
    ok: 95,
    failed: 0,
    cut: 5,
    settling: 20,
    judged: 75,
    good: 75,
    dropped: 0,
    throughputPerSec: ratePerSec,
    goodputPerSec: ratePerSec,
    slos: [],
    queueWaitSlopeMsPerSec: 0.125,
    gpuMs: 4000.5,
  };
}

function searchState(trials: CapacityTrial[], status: CapacitySearchCheckpoint['status'] = 'running'): CapacitySearchCheckpoint {
  const passes = trials.filter((t) => t.verdict === 'pass').map((t) => t.ratePerSec);
  const fails = trials.filter((t) => t.verdict === 'fail').map((t) => t.ratePerSec);
  return {
    status,
    trials,
    serviceMs: [501.25, 498.0000001, 0.1 + 0.2],
    overheadMs: 12.5,
    search: {
      startRatePerSec: 1.6,
      guided: true,
      highestPassPerSec: passes.length > 0 ? Math.max(...passes) : null,
      lowestFailPerSec: fails.length > 0 ? Math.min(...fails) : null,
    },
    gpuMs: 12345.678,
    elapsedMs: 60_000,
    probe: { summary: { level: 0, submitted: 5 } as unknown as LevelSummary, percentiles: { 'completionMs.p95<30000': 520 } },
    expectedMs: { min: 10_000, max: 90_000 },
  };
}

let dir: string;
let plan: RunPlan;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'comfyload-checkpoint-'));
  plan = await buildCapacityPlan(
    resolved({
      url: ['http://user:pa55w0rd@127.0.0.1:8188'],
      header: ['X-Token: hunter2'],
      workflow: ['fixtures/workflows/sd15-txt2img.json'],
      slo: ['completionMs.p95<30000'],
      maxTrials: '6',
    }),
    ctx,
  );
  writeFileSync(join(dir, 'summary.json'), JSON.stringify({ settings: { mode: 'capacity' } }));
  writeFileSync(join(dir, 'requests.csv'), 'seq\n1\n');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function codeOf(fn: () => unknown): Promise<string> {
  return Promise.resolve()
    .then(fn)
    .then(
      () => 'no error',
      (err: unknown) => (err instanceof ComfyloadError ? err.code : String(err)),
    );
}

describe('capacity-checkpoint.json', () => {
  it('round-trips every figure exactly, atomically, and keeps no secret', () => {
    const trials = [trial(1, 1.5, 'pass'), trial(2, 1.9, 'fail')];
    const file = checkpointFile(plan, fingerprint(plan), Date.UTC(2026, 11, 2), searchState(trials), Date.UTC(2026, 11, 2, 1));
    writeCheckpoint(dir, file);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    const back = readCheckpoint(dir)!;
    expect(back).toEqual(file);
    expect(back.search.serviceMs).toEqual([501.25, 498.0000001, 0.1 + 0.2]);
    expect(back.seed).toBe(4242);
    expect(back.session).toBe(1);
    const text = readFileSync(join(dir, CHECKPOINT_FILE), 'utf8');
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain('pa55w0rd');
    expect(text).not.toContain(Buffer.from('user:pa55w0rd').toString('base64'));
    expect(back.options.secretHeaders).toEqual(['Authorization', 'X-Token']);
  });

  it('names what differs between the saved target and this one (harness version aside)', () => {
    const saved = resumeFingerprint(fingerprint(plan));
    expect(fingerprintDifferences(saved, resumeFingerprint(fingerprint(plan)))).toEqual([]);
    const upgraded = resumeFingerprint(fingerprint(plan, { comfyui_version: '0.3.70', pytorch_version: '2.9.0' }));
    expect(fingerprintDifferences(saved, upgraded)).toEqual([
      'ComfyUI version: saved 0.3.64, now 0.3.70',
      `PyTorch version: saved ${STATS.system.pytorch_version}, now 2.9.0`,
    ]);
    expect(fingerprintDifferences(saved, { ...saved, harnessVersion: '9.9.9' })).toEqual([]);
  });

  it('an unreadable or foreign checkpoint is RESUME_BAD_CHECKPOINT', async () => {
    writeFileSync(join(dir, CHECKPOINT_FILE), '{"kind": "comfyload-capacity-checkpoint", "schemaVersion": 1');
    expect(await codeOf(() => readCheckpoint(dir))).toBe('COMFYLOAD_ERR_RESUME_BAD_CHECKPOINT');
    writeFileSync(join(dir, CHECKPOINT_FILE), '{"kind": "something-else"}');
    expect(await codeOf(() => readCheckpoint(dir))).toBe('COMFYLOAD_ERR_RESUME_BAD_CHECKPOINT');
  });
});

describe('capacity --resume before anything is sent', () => {
  const resumeFlags = (extra: Record<string, unknown> = {}) =>
    resolved({ resume: dir, url: ['http://user:pa55w0rd@127.0.0.1:8188'], header: ['X-Token: hunter2'], ...extra });

  function save(trials: CapacityTrial[], status: CapacitySearchCheckpoint['status'] = 'running'): void {
    writeCheckpoint(dir, checkpointFile(plan, fingerprint(plan), Date.now(), searchState(trials, status)));
  }

  it('rebuilds the saved plan, continues the numbering and the seed stream, and moves nothing yet', async () => {
    save([trial(1, 1.5, 'pass'), trial(2, 1.9, 'fail')]);
    const before = readdirSync(dir).sort();
    const start = await resumeCapacity(dir, resumeFlags(), ctx);
    expect(start.kind).toBe('plan');
    const p = (start as { plan: RunPlan }).plan;
    expect(p.seed).toBe(plan.seed);
    expect(p.capacity!.slos).toEqual(plan.capacity!.slos);
    expect(p.capacity!.maxTrials).toBe(6);
    expect(p.capacity!.resume!.session).toBe(2);
    expect(p.capacity!.resume!.trials.map((t) => t.trial)).toEqual([1, 2]);
    expect(p.capacity!.resume!.sessions).toEqual([{ session: 1, trials: [1, 2], gpuMs: 12345.678, files: 'session-1/' }]);
    expect(p.seedStreamStart).toBeGreaterThan(0);
    expect(p.targets[0]!.headers).toEqual(plan.targets[0]!.headers);
    expect(readdirSync(dir).sort()).toEqual(before);
  });

  it('allows the budgets to change; refuses another SLO, seed or workflow, and a budget already spent', async () => {
    save([trial(1, 1.5, 'pass'), trial(2, 1.9, 'fail')]);
    const ok = await resumeCapacity(dir, resumeFlags({ maxTrials: '9', maxMinutes: '30' }), ctx);
    expect((ok as { plan: RunPlan }).plan.capacity!.maxTrials).toBe(9);
    // The same value as saved is no conflict (the same command line again, plus --resume).
    expect((await resumeCapacity(dir, resumeFlags({ slo: ['completionMs.p95<30000'] }), ctx)).kind).toBe('plan');
    expect(await codeOf(() => resumeCapacity(dir, resumeFlags({ slo: ['completionMs.p95<20000'] }), ctx))).toBe('COMFYLOAD_ERR_RESUME_CONFLICT');
    expect(await codeOf(() => resumeCapacity(dir, resumeFlags({ seed: '1' }), ctx))).toBe('COMFYLOAD_ERR_RESUME_CONFLICT');
    expect(await codeOf(() => resumeCapacity(dir, resolved({ resume: dir, url: ['http://user:pa55w0rd@127.0.0.1:8188'] }), ctx))).toBe(
      'COMFYLOAD_ERR_RESUME_CONFLICT',
    );
    expect(await codeOf(() => resumeCapacity(dir, resumeFlags({ maxTrials: '2' }), ctx))).toBe('COMFYLOAD_ERR_RESUME_CONFLICT');
    expect(await codeOf(() => resumeCapacity(dir, resumeFlags({ maxMinutes: '0.5' }), ctx))).toBe('COMFYLOAD_ERR_RESUME_CONFLICT');
    const err = await resumeCapacity(dir, resumeFlags({ slo: ['completionMs.p95<20000'], confidence: '0.9' }), ctx).catch((e: ComfyloadError) => e);
    expect((err as ComfyloadError).message).toMatch(
      /--slo: the search ran with .*completionMs\.p95<30000.*; --confidence: the search ran with 0\.99, 0\.9 given/,
    );
  });

  it('bad folders: missing, not a capacity search, no checkpoint, a checkpoint that does not replay', async () => {
    expect(await codeOf(() => resumeCapacity(join(dir, 'nope'), resumeFlags(), ctx))).toBe('COMFYLOAD_ERR_RESUME_NOT_FOUND');
    expect(await codeOf(() => resumeCapacity(dir, resumeFlags(), ctx))).toBe('COMFYLOAD_ERR_RESUME_NO_CHECKPOINT');
    writeFileSync(join(dir, 'summary.json'), JSON.stringify({ settings: { mode: 'open-loop' } }));
    expect(await codeOf(() => resumeCapacity(dir, resumeFlags(), ctx))).toBe('COMFYLOAD_ERR_RESUME_NOT_CAPACITY');
    const state = searchState([trial(1, 1.5, 'pass')]);
    state.search.highestPassPerSec = 2;
    writeCheckpoint(dir, checkpointFile(plan, fingerprint(plan), Date.now(), state));
    expect(await codeOf(() => resumeCapacity(dir, resumeFlags(), ctx))).toBe('COMFYLOAD_ERR_RESUME_BAD_CHECKPOINT');
  });

  it('a finished search is not run again: its answer, with the exit code it ended with', async () => {
    save([trial(1, 1.5, 'pass'), trial(2, 1.9, 'fail')], 'complete');
    const start = await resumeCapacity(dir, resumeFlags(), ctx);
    expect(start).toMatchObject({ kind: 'complete', exitCode: 0 });
    expect((start as { lines: string[] }).lines.join('\n')).toMatch(
      /nothing to resume: .* holds a finished search \(2 trials\)[\s\S]*trial 2 at 114\.0\/min: FAIL/,
    );
  });

  it('a target with another fingerprint is RESUME_MISMATCH naming what differs, the folder unchanged; the same one moves the old files to session-1/', async () => {
    save([trial(1, 1.5, 'pass'), trial(2, 1.9, 'fail')]);
    const p = ((await resumeCapacity(dir, resumeFlags(), ctx)) as { plan: RunPlan }).plan;
    const before = readdirSync(dir).sort();
    const err = await Promise.resolve()
      .then(() => continueCapacityFolder(p, fingerprint(p, { comfyui_version: '0.3.70' }), Date.now()))
      .catch((e: ComfyloadError) => e);
    expect((err as ComfyloadError).code).toBe('COMFYLOAD_ERR_RESUME_MISMATCH');
    expect((err as ComfyloadError).message).toContain('ComfyUI version: saved 0.3.64, now 0.3.70');
    expect(readdirSync(dir).sort()).toEqual(before);
    continueCapacityFolder(p, fingerprint(p), Date.now());
    expect(readdirSync(dir).sort()).toEqual([CHECKPOINT_FILE, 'session-1']);
    expect(readdirSync(join(dir, 'session-1')).sort()).toEqual(['requests.csv', 'summary.json']);
    expect(readFileSync(join(dir, 'session-1', 'requests.csv'), 'utf8')).toBe('seq\n1\n');
    const now = readCheckpoint(dir)!;
    expect(now.session).toBe(2);
    expect(now.sessions).toEqual([{ session: 1, trials: [1, 2], gpuMs: 12345.678, files: 'session-1/' }]);
    expect(now.search.trials).toEqual(readCheckpoint(dir)!.search.trials);
  });
});
