/**
 * `comfyload capacity --resume <dir>`: continue an interrupted capacity search in its own results
 * folder, like vLLM's sweep `--resume`. Before anything is sent: the folder must hold a capacity
 * search with a checkpoint (capacity-checkpoint.json); options given with --resume must match the
 * saved ones, except the budgets (--max-trials, --max-minutes), the target's address and headers
 * (--url, --header: secrets are never saved) and the output flags; the plan is rebuilt from the
 * saved options and seed. Once the target answered, its fingerprint must match the saved one
 * (else RESUME_MISMATCH, the folder unchanged); then the interrupted session's files move into
 * `session-<n>/` (nothing is overwritten or lost) and the new session writes the folder's top
 * level, its trials numbered after the decided ones. A finished search is not run again: its
 * answer is printed.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ComfyloadError } from '../comfy/errors.js';
import type { CapacityResume } from '../harness/capacity-run.js';
import { CapacitySearch } from '../harness/capacity-search.js';
import type { Fingerprint } from '../harness/fingerprint.js';
import type { CapacityResult, CapacitySession } from '../metrics/result-types.js';
import { formatCapacitySummary } from '../reporters/open-loop-files.js';
import { buildCapacityPlan, type RunPlanContext } from './build-plan.js';
import {
  CHECKPOINT_FILE,
  checkpointFile,
  fingerprintDifferences,
  readCheckpoint,
  resumeFingerprint,
  sanitized,
  writeCheckpoint,
  type CheckpointFile,
} from './capacity-checkpoint.js';
import { expandMatrix } from './matrix.js';
import type { CapacityPlanValues, Resolved, Source } from './plan-values.js';
import type { RunPlan } from './plan.js';

/** Options that may differ from the saved ones on --resume. */
const OVERRIDABLE = new Set(['maxTrials', 'maxMinutes', 'url', 'header']);
/** Options that change no measurement. */
const IGNORED = new Set(['config', 'json', 'quiet', 'verbose', 'resume']);
/** Seed-stream positions per session: a resumed session's prompts never repeat an earlier session's seeds. */
const SEED_POSITIONS_PER_SESSION = 1_000_000_000;

export type ResumeStart =
  | { kind: 'plan'; plan: RunPlan }
  /** The search in the folder is finished: its answer, and the exit code it ended with (0 a rate found, 1 none). */
  | { kind: 'complete'; lines: string[]; exitCode: number };

/** The plan that continues the search in `dir`, or its answer when it is finished. Throws RESUME_* (exit 2) for bad input. */
export async function resumeCapacity(dir: string, given: Resolved<CapacityPlanValues>, ctx: RunPlanContext): Promise<ResumeStart> {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new ComfyloadError('COMFYLOAD_ERR_RESUME_NOT_FOUND', `--resume ${dir}: no such folder`);
  }
  const checkpoint = readCheckpoint(dir);
  if (checkpoint === undefined) throw noCheckpoint(dir);
  const search = checkpoint.search;
  if (search.status === 'complete') return complete(dir, checkpoint);
  checkReplay(dir, checkpoint);
  const values = resumedValues(dir, checkpoint, given);
  const built = await buildCapacityPlan(values, ctx);
  const plan = checkpoint.combination !== null ? combinationPlan(built, checkpoint.combination, dir) : built;
  const cap = plan.capacity!;
  if (search.trials.length >= cap.maxTrials) {
    throw conflict(
      `the search in ${dir} already ran ${search.trials.length} trials: --max-trials ${cap.maxTrials} leaves none to run`,
      `give a larger budget, e.g. --max-trials ${search.trials.length + 3}.`,
    );
  }
  if (cap.maxMs !== undefined && search.elapsedMs >= cap.maxMs) {
    throw conflict(
      `the search in ${dir} already ran ${(search.elapsedMs / 60_000).toFixed(1)} min: --max-minutes ${(cap.maxMs / 60_000).toFixed(1)} leaves no time (it counts every session)`,
      `give a larger budget, e.g. --max-minutes ${Math.ceil(search.elapsedMs / 60_000 + 10)}.`,
    );
  }
  const session = checkpoint.session + 1;
  const resume: CapacityResume = { ...search, dir, session, sessions: [...checkpoint.sessions, lastSession(dir, checkpoint)] };
  return {
    kind: 'plan',
    plan: { ...plan, seedStreamStart: (session - 1) * SEED_POSITIONS_PER_SESSION, capacity: { ...cap, resume } },
  };
}

/**
 * The session's start in the folder, once the target answered: its fingerprint must match the
 * saved one (else RESUME_MISMATCH, nothing moved); then the earlier session's files move into
 * `session-<n>/` and the checkpoint names the new session. Returns a warning line, if any.
 */
export function continueCapacityFolder(plan: RunPlan, fingerprint: Fingerprint, startEpochMs: number): string[] {
  const resume = plan.capacity?.resume;
  if (resume === undefined) return [];
  const checkpoint = readCheckpoint(resume.dir);
  if (checkpoint === undefined) throw noCheckpoint(resume.dir);
  if (checkpoint.session !== resume.session - 1) {
    throw new ComfyloadError(
      'COMFYLOAD_ERR_RESUME_BAD_CHECKPOINT',
      `${join(resume.dir, CHECKPOINT_FILE)} changed while this resume started (another resume of the folder?)`,
      {
        hint: 'let the other one finish, then resume again.',
      },
    );
  }
  const now = resumeFingerprint(fingerprint);
  const differences = fingerprintDifferences(checkpoint.fingerprint, now);
  if (differences.length > 0) {
    throw new ComfyloadError(
      'COMFYLOAD_ERR_RESUME_MISMATCH',
      `the target is not the server the search in ${resume.dir} started on: ${differences.join('; ')}`,
      {
        hint: 'resume against that server (--url if only its address changed), or start a new search without --resume to measure this one; nothing was sent and the folder is unchanged.',
      },
    );
  }
  const last = resume.sessions[resume.sessions.length - 1] as CapacitySession;
  const into = join(resume.dir, last.files);
  mkdirSync(into, { recursive: true });
  for (const name of readdirSync(resume.dir)) {
    if (name === CHECKPOINT_FILE || /^session-\d+(-\d+)?$/.test(name)) continue;
    renameSync(join(resume.dir, name), join(into, name));
  }
  writeCheckpoint(resume.dir, checkpointFile(plan, fingerprint, startEpochMs, { ...checkpoint.search, status: 'running' }));
  const warnings: string[] = [];
  if (checkpoint.fingerprint.harnessVersion !== now.harnessVersion) {
    warnings.push(`the search started with comfyload ${checkpoint.fingerprint.harnessVersion}, this is ${now.harnessVersion}: trials of both are kept`);
  }
  return warnings;
}

function noCheckpoint(dir: string): ComfyloadError {
  const summary = readSummaryMode(dir);
  if (summary !== 'capacity') {
    const what = summary === undefined ? 'has no summary.json' : `holds a \`${summary}\` run`;
    return new ComfyloadError('COMFYLOAD_ERR_RESUME_NOT_CAPACITY', `--resume ${dir}: the folder ${what}, not a capacity search`, {
      hint: 'give the results folder of a `comfyload capacity` search (its `results in …` line).',
    });
  }
  return new ComfyloadError(
    'COMFYLOAD_ERR_RESUME_NO_CHECKPOINT',
    `--resume ${dir}: the search stopped before its first trial was decided, so it left no ${CHECKPOINT_FILE}: nothing to continue`,
    { hint: 'start a new search: the same command without --resume.' },
  );
}

/** summary.json's `settings.mode`, read as plain JSON (any schema version); undefined without one. */
function readSummaryMode(dir: string): string | undefined {
  const path = join(dir, 'summary.json');
  if (!existsSync(path)) return undefined;
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as { settings?: { mode?: unknown } };
    return typeof parsed.settings?.mode === 'string' ? parsed.settings.mode : 'unknown';
  } catch {
    return 'unreadable';
  }
}

/** A finished search: its answer from capacity.json (the checkpoint's trials when capacity.json is missing). */
function complete(dir: string, checkpoint: CheckpointFile): ResumeStart {
  const path = join(dir, 'capacity.json');
  const head = `capacity: nothing to resume: ${dir} holds a finished search (${checkpoint.search.trials.length} trials${checkpoint.search.refused !== undefined ? ', refused after the probe' : ''}); its answer:`;
  if (existsSync(path)) {
    try {
      const result = JSON.parse(readFileSync(path, 'utf8')) as CapacityResult;
      return { kind: 'complete', lines: [head, ...formatCapacitySummary(result)], exitCode: result.maxRatePerSec === null ? 1 : 0 };
    } catch {
      // fall through to the checkpoint's trials
    }
  }
  const lines = [head, ...checkpoint.search.trials.map((t) => `  ${t.explanation}`)];
  if (checkpoint.search.refused !== undefined) lines.push(checkpoint.search.refused);
  return { kind: 'complete', lines, exitCode: checkpoint.search.trials.some((t) => t.verdict === 'pass') ? 0 : 1 };
}

/** The checkpoint's trials must be numbered 1…n and replay into the saved search state. */
function checkReplay(dir: string, checkpoint: CheckpointFile): void {
  const s = checkpoint.search;
  const bad = (why: string): ComfyloadError =>
    new ComfyloadError('COMFYLOAD_ERR_RESUME_BAD_CHECKPOINT', `${join(dir, CHECKPOINT_FILE)} cannot be resumed from: ${why}`, {
      hint: 'start a new search (the same command without --resume); the folder is left as it is.',
    });
  s.trials.forEach((t, i) => {
    if (t.trial !== i + 1) throw bad(`its trial ${i + 1} is numbered ${t.trial}`);
  });
  if (s.trials.length === 0) throw bad('it holds no decided trial');
  const replayed = CapacitySearch.replay(
    s.search,
    s.trials.map((t) => ({ ratePerSec: t.ratePerSec, passed: t.verdict === 'pass', confident: t.confident })),
    { maxTrials: Number.MAX_SAFE_INTEGER, precision: 0.5 },
  );
  if ((replayed.highestPass ?? null) !== s.search.highestPassPerSec || (replayed.lowestFail ?? null) !== s.search.lowestFailPerSec) {
    throw bad(
      `its trials replay to highest pass ${replayed.highestPass ?? 'none'}/s, lowest failure ${replayed.lowestFail ?? 'none'}/s, but it says ${s.search.highestPassPerSec ?? 'none'}/s, ${s.search.lowestFailPerSec ?? 'none'}/s`,
    );
  }
}

/** The saved options with the given overrides; throws RESUME_CONFLICT for a given option that differs from its saved value. */
function resumedValues(dir: string, checkpoint: CheckpointFile, given: Resolved<CapacityPlanValues>): Resolved<CapacityPlanValues> {
  const saved = checkpoint.options;
  const givenValues = given.values as unknown as Record<string, unknown>;
  const givenSources = given.sources as unknown as Record<string, Source>;
  const givenNames = given.names as unknown as Record<string, string>;
  const values: Record<string, unknown> = { ...saved.values, seed: checkpoint.seed };
  const sources: Record<string, Source> = { ...saved.sources };
  const names: Record<string, string> = { ...saved.names };
  const conflicts: string[] = [];
  const savedUrls = saved.values['url'] as unknown[] | undefined;
  for (const [key, source] of Object.entries(givenSources)) {
    if (source === 'default' || IGNORED.has(key)) continue;
    const name = givenNames[key] ?? key;
    const value = givenValues[key];
    if (key === 'url') {
      const urls = value as unknown[];
      if (savedUrls === undefined) conflicts.push(`${name}: the search ran on the built-in emulator, not on a server`);
      else if (urls.length !== savedUrls.length) conflicts.push(`${name}: the search ran on ${savedUrls.length} target(s), ${urls.length} given`);
    } else if (!OVERRIDABLE.has(key)) {
      const before = key === 'seed' ? checkpoint.seed : saved.values[key];
      const now = sanitized(key, value);
      if (canonical(before) !== canonical(now)) conflicts.push(`${name}: the search ran with ${shown(before)}, ${shown(now)} given`);
      continue;
    }
    values[key] = value;
    sources[key] = source;
    names[key] = name;
  }
  if (conflicts.length > 0) {
    throw conflict(
      `options given with --resume ${dir} differ from the search's own: ${conflicts.join('; ')}`,
      'drop them (the search continues with its saved options), or start a new search without --resume.',
    );
  }
  // Header values are never saved: each header the search sent must be given again.
  const sent = new Set<string>([
    ...((values['header'] as [string, string][] | undefined) ?? []).map(([n]) => n),
    ...((values['url'] as { headers?: Record<string, string> }[] | undefined) ?? []).flatMap((t) => Object.keys(t.headers ?? {})),
  ]);
  const missing = saved.secretHeaders.filter((h) => !sent.has(h));
  if (missing.length > 0) {
    throw conflict(
      `the search in ${dir} sent the header(s) ${missing.join(', ')}, whose values are never saved`,
      `give them again with --resume, e.g. --header '${missing[0]}: …' (or the credentials in --url).`,
    );
  }
  return { values, sources, names } as unknown as Resolved<CapacityPlanValues>;
}

/** The one --matrix combination the folder measures. */
function combinationPlan(plan: RunPlan, combination: { key: string; value: string }[], dir: string): RunPlan {
  const found = expandMatrix(plan).find((p) => canonical(p.matrix) === canonical(combination));
  if (found === undefined) {
    throw new ComfyloadError('COMFYLOAD_ERR_RESUME_BAD_CHECKPOINT', `${join(dir, CHECKPOINT_FILE)} names a --matrix combination its options do not have`, {
      hint: 'start a new search without --resume.',
    });
  }
  return found;
}

/** The session that wrote the checkpoint, as the resumed search lists it: its files go to `session-<n>/`. */
function lastSession(dir: string, checkpoint: CheckpointFile): CapacitySession {
  const n = checkpoint.session;
  const earlierGpuMs = checkpoint.sessions.reduce((a, s) => a + s.gpuMs, 0);
  let files = `session-${n}`;
  for (let i = 2; existsSync(join(dir, files)); i++) files = `session-${n}-${i}`;
  return {
    session: n,
    trials: checkpoint.search.trials.filter((t) => (t.session ?? 1) === n).map((t) => t.trial),
    gpuMs: checkpoint.search.gpuMs - earlierGpuMs,
    files: `${files}/`,
  };
}

function conflict(message: string, hint: string): ComfyloadError {
  return new ComfyloadError('COMFYLOAD_ERR_RESUME_CONFLICT', message, { hint });
}

/** JSON with sorted keys (undefined as null), for comparing option values. */
function canonical(value: unknown): string {
  return JSON.stringify(value ?? null, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

function shown(value: unknown): string {
  const text = canonical(value);
  return text.length > 80 ? `${text.slice(0, 77)}…` : text;
}
