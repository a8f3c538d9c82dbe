/**
 * capacity-checkpoint.json: what an interrupted capacity search needs to continue (`capacity
 * --resume <dir>`), written after every decided trial and once at the end, atomically (a temp
 * file renamed, as summary.json), so a search stopped by Ctrl-C, a crash, `kill -9` or
 * `--max-minutes` leaves the last decided trial on disk. It holds the options the search was
 * built from (secrets left out: header values and URL credentials are never written), the
 * target's fingerprint, the probe's findings (service times, overhead, percentiles), every decided
 * trial with its figures, the search state, the GPU time and time spent, and the sessions so far.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ComfyloadError } from '../comfy/errors.js';
import type { CapacitySearchCheckpoint } from '../harness/capacity-run.js';
import type { Fingerprint } from '../harness/fingerprint.js';
import type { CapacitySession } from '../metrics/result-types.js';
import { packageInfo } from './package-info.js';
import type { Resolved, Source } from './plan-values.js';
import type { RunPlan } from './plan.js';

export const CHECKPOINT_FILE = 'capacity-checkpoint.json';
const KIND = 'comfyload-capacity-checkpoint';
const SCHEMA_VERSION = 1;

/** The resolved options of the search, JSON, without secrets. */
export interface SavedOptions {
  values: Record<string, unknown>;
  sources: Record<string, Source>;
  names: Record<string, string>;
  /** Names of the headers the targets were sent (from --header or URL credentials): their values are never saved. */
  secretHeaders: string[];
}

/** What identifies the server and the work measured: a resumed search must find the same. */
export interface ResumeFingerprint {
  targets: {
    gpu: string;
    gpuCount: number;
    /** `name (vram bytes)` per device. */
    devices: string[];
    comfyuiVersion: string;
    pytorchVersion: string;
    pythonVersion: string;
    /** SHA-256 of the server's node classes (custom nodes), when read. */
    nodeRegistrySha256: string | null;
  }[];
  workflowSha256: string;
  models: string[];
  resolution: string;
  steps: string;
  batchSize: number;
  sampler: string;
  scheduler: string;
  emulator: { gpu: string; timeScale: number; faults: string[] } | null;
  harnessVersion: string;
}

export interface CheckpointFile {
  kind: typeof KIND;
  schemaVersion: number;
  writtenAt: string;
  /** The session that wrote it (its files are the folder's top level): 1, then 2 for the first resume… */
  session: number;
  sessionStartedAt: string;
  /** The sessions before it, their files in `session-<n>/`. */
  sessions: CapacitySession[];
  options: SavedOptions;
  /** The plan's base seed (the emulator's and the arrival stream's seed). */
  seed: number;
  /** A --matrix combination this folder measures. */
  combination: { key: string; value: string }[] | null;
  fingerprint: ResumeFingerprint;
  search: CapacitySearchCheckpoint;
}

/** Keys that change no measurement and are never saved. */
const OUTPUT_KEYS = new Set(['config', 'json', 'quiet', 'verbose', 'resume']);

/** The options a capacity plan was built from, as a checkpoint saves them (no header values, no URL credentials). */
export function saveCapacityOptions(resolved: Resolved<object>): SavedOptions {
  const values: Record<string, unknown> = {};
  const sources: Record<string, Source> = {};
  const names: Record<string, string> = {};
  const secret = new Set<string>();
  const all = resolved.values as Record<string, unknown>;
  for (const [key, value] of Object.entries(all)) {
    if (OUTPUT_KEYS.has(key)) continue;
    sources[key] = (resolved.sources as Record<string, Source>)[key] ?? 'default';
    names[key] = (resolved.names as Record<string, string>)[key] ?? key;
    values[key] = sanitized(key, value, secret);
  }
  return { values, sources, names, secretHeaders: [...secret].sort() };
}

/** A value as saved and compared: --url without its headers, --header by name only. */
export function sanitized(key: string, value: unknown, secret: Set<string> = new Set()): unknown {
  if (key === 'url' && Array.isArray(value)) {
    return value.map((t: { url: string; headers?: Record<string, string> }) => {
      for (const name of Object.keys(t.headers ?? {})) secret.add(name);
      return { url: t.url, headers: {} };
    });
  }
  if (key === 'header' && Array.isArray(value)) {
    for (const [name] of value as [string, string][]) secret.add(name);
    return undefined;
  }
  return value;
}

/** The fingerprint fields a resumed search must find unchanged. */
export function resumeFingerprint(f: Fingerprint): ResumeFingerprint {
  return {
    targets: f.targets.map((t) => ({
      gpu: t.gpu,
      gpuCount: t.gpuCount,
      devices: t.devices.map((d) => `${d.name} (${d.vramTotalBytes} bytes)`),
      comfyuiVersion: t.comfyuiVersion,
      pytorchVersion: t.pytorchVersion,
      pythonVersion: t.pythonVersion,
      nodeRegistrySha256: t.serverInventory?.nodeRegistrySha256 ?? null,
    })),
    workflowSha256: f.workflowSha256,
    models: [...f.models],
    resolution: f.resolution,
    steps: f.steps,
    batchSize: f.batchSize,
    sampler: f.sampler,
    scheduler: f.scheduler,
    emulator: f.emulator !== undefined ? { gpu: f.emulator.gpu, timeScale: f.emulator.timeScale, faults: [...f.emulator.faults] } : null,
    harnessVersion: f.harnessVersion,
  };
}

/** What differs between the saved and the current fingerprint, one `what: saved …, now …` each (harness version aside). */
export function fingerprintDifferences(saved: ResumeFingerprint, now: ResumeFingerprint): string[] {
  const out: string[] = [];
  const diff = (what: string, a: unknown, b: unknown): void => {
    const sa = typeof a === 'string' ? a : JSON.stringify(a);
    const sb = typeof b === 'string' ? b : JSON.stringify(b);
    if (sa !== sb) out.push(`${what}: saved ${sa}, now ${sb}`);
  };
  diff('targets', saved.targets.length, now.targets.length);
  saved.targets.forEach((t, i) => {
    const n = now.targets[i];
    if (n === undefined) return;
    const of = saved.targets.length > 1 ? ` of target ${i}` : '';
    diff(`GPU${of}`, t.gpu, n.gpu);
    diff(`GPU count${of}`, t.gpuCount, n.gpuCount);
    if (t.gpu === n.gpu) diff(`devices${of}`, t.devices, n.devices);
    diff(`ComfyUI version${of}`, t.comfyuiVersion, n.comfyuiVersion);
    diff(`PyTorch version${of}`, t.pytorchVersion, n.pytorchVersion);
    diff(`Python version${of}`, t.pythonVersion, n.pythonVersion);
    if (t.nodeRegistrySha256 !== null && n.nodeRegistrySha256 !== null) diff(`node classes (custom nodes)${of}`, t.nodeRegistrySha256, n.nodeRegistrySha256);
  });
  diff('workflow (SHA-256 of the graph sent)', saved.workflowSha256, now.workflowSha256);
  diff('models', saved.models, now.models);
  diff('resolution', saved.resolution, now.resolution);
  diff('steps', saved.steps, now.steps);
  diff('batch size', saved.batchSize, now.batchSize);
  diff('sampler', saved.sampler, now.sampler);
  diff('scheduler', saved.scheduler, now.scheduler);
  diff('emulator', saved.emulator, now.emulator);
  return out;
}

/** Writes the checkpoint atomically: a temp file renamed over the old one. */
export function writeCheckpoint(dir: string, file: CheckpointFile): void {
  const path = join(dir, CHECKPOINT_FILE);
  try {
    writeFileSync(`${path}.tmp`, `${JSON.stringify(file, null, 2)}\n`);
    renameSync(`${path}.tmp`, path);
  } catch (err) {
    throw new ComfyloadError('COMFYLOAD_ERR_RESULTS_WRITE', `cannot write ${path}: ${(err as Error).message}`, {
      hint: 'free space on the disk and resume with `comfyload capacity --resume <dir>`; the trials decided before are kept.',
      cause: err,
    });
  }
}

/** Reads a checkpoint; undefined when the folder has none; throws RESUME_BAD_CHECKPOINT when it cannot be used. */
export function readCheckpoint(dir: string): CheckpointFile | undefined {
  const path = join(dir, CHECKPOINT_FILE);
  if (!existsSync(path)) return undefined;
  const bad = (why: string, cause?: unknown): ComfyloadError =>
    new ComfyloadError('COMFYLOAD_ERR_RESUME_BAD_CHECKPOINT', `${path} cannot be resumed from: ${why}`, {
      hint: 'start a new search (the same command without --resume); the folder is left as it is.',
      ...(cause !== undefined ? { cause } : {}),
    });
  let file: CheckpointFile;
  try {
    file = JSON.parse(readFileSync(path, 'utf8')) as CheckpointFile;
  } catch (err) {
    throw bad((err as Error).message, err);
  }
  if (file === null || typeof file !== 'object' || file.kind !== KIND)
    throw bad(`not a capacity checkpoint (kind ${JSON.stringify((file as { kind?: unknown })?.kind)})`);
  if (file.schemaVersion !== SCHEMA_VERSION) throw bad(`schema version ${file.schemaVersion}, this comfyload ${packageInfo().version} reads ${SCHEMA_VERSION}`);
  const s = file.search as Partial<CapacitySearchCheckpoint> | undefined;
  if (
    s === undefined ||
    !Array.isArray(s.trials) ||
    !Array.isArray(s.serviceMs) ||
    s.probe === undefined ||
    s.search === undefined ||
    typeof file.options?.values !== 'object' ||
    !Number.isSafeInteger(file.seed)
  ) {
    throw bad('it lacks the search state (trials, service times, probe, options or seed)');
  }
  return file;
}

/** The checkpoint a session writes: the search's state with the plan's options, the fingerprint and the sessions. */
export function checkpointFile(
  plan: RunPlan,
  fingerprint: Fingerprint,
  sessionStartEpochMs: number,
  search: CapacitySearchCheckpoint,
  nowEpochMs = Date.now(),
): CheckpointFile {
  const cap = plan.capacity;
  const resume = cap?.resume;
  return {
    kind: KIND,
    schemaVersion: SCHEMA_VERSION,
    writtenAt: new Date(nowEpochMs).toISOString(),
    session: resume?.session ?? 1,
    sessionStartedAt: new Date(sessionStartEpochMs).toISOString(),
    sessions: resume?.sessions ?? [],
    options: (cap?.savedOptions as SavedOptions | undefined) ?? { values: {}, sources: {}, names: {}, secretHeaders: [] },
    seed: plan.seed,
    combination: plan.matrix ?? null,
    fingerprint: resumeFingerprint(fingerprint),
    search,
  };
}
