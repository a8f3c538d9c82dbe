/**
 * The results folders of `comfyload merge`, read back and checked to be shards of one plan on one
 * kind of server before anything is combined: the same fingerprint (GPU, versions, server flags,
 * workflow hash, models, resolution, steps, batch, harness version), the same mode and levels,
 * one target each, and k6 execution segments of one test that do not overlap. Every mismatch is
 * listed at once, with the fix.
 *
 * Concurrency rule: the folders of one k6 test split by `--execution-segment` (same base seed)
 * are one run — each records the plan's concurrency and rate, taken once; every other folder is a
 * run of its own whose users add up (two machines at c=2 on one server are c=4 on it).
 */
import { ComfyloadError } from '../comfy/errors.js';
import { readHlogIntervals, type HlogInterval } from '../metrics/hlog-reader.js';
import { parseExecutionSegment } from '../metrics/k6-wire.js';
import type { RunSummary, VramSample } from '../metrics/result-types.js';
import { readResultsCsv, type CsvTable } from '../reporters/html/csv-read.js';
import { vramSamplesFromRows } from '../reporters/vram-csv.js';
import { readResultsFolder } from './results-folder.js';

/** Environment keys that must be equal: what was measured, on what, by which comfyload. */
export const FINGERPRINT_KEYS = [
  'gpu',
  'gpuCount',
  'gpuNames',
  'vramTotalBytes',
  'allocator',
  'ramTotalBytes',
  'comfyuiVersion',
  'pytorchVersion',
  'pythonVersion',
  'serverArgv',
  'harnessVersion',
  'workflowSha256',
  'models',
  'resolution',
  'steps',
  'batchSize',
  'sampler',
  'scheduler',
  'gpuSlug',
  'modelConfigSlug',
] as const;

export interface MergeInput {
  dir: string;
  summary: RunSummary;
  requests: CsvTable;
  vram: VramSample[] | undefined;
  intervals: HlogInterval[];
  /** k6 execution segment [from, to]; undefined for a whole run (Node engine, or k6 without a segment). */
  segment: [number, number] | undefined;
  /** Folders of one k6 test split by segments share a group; every other folder is its own. */
  group: string;
  engine: 'node' | 'k6';
}

export interface CheckedInputs {
  inputs: MergeInput[];
  warnings: string[];
  /** Per k6 test split by segments: which part of the plan the folders cover. */
  coverage: string[];
}

/** The settings that make two runs shards of one plan (the seed may differ). */
function planShape(s: RunSummary): string {
  const o = s.settings.openLoop;
  return JSON.stringify({
    mode: s.settings.mode,
    levels: s.settings.levels.map((l) => l.concurrency),
    promptsPerLevel: s.settings.promptsPerLevel ?? null,
    durationMs: s.settings.durationMs ?? null,
    seedPolicy: s.settings.seedPolicy,
    openLoop: o === undefined ? null : { arrival: o.arrival, rates: o.ratesPerSec ?? null, stages: o.stages ?? null, start: o.startRatePerSec ?? null },
  });
}

function readInput(dir: string, index: number): MergeInput {
  const files = readResultsFolder(dir);
  const summary = files.summary;
  const segmentText = summary.k6?.executionSegment ?? '';
  const segment = segmentText === '' ? undefined : parseExecutionSegment(segmentText);
  if (segmentText !== '' && segment === undefined)
    throw new ComfyloadError('COMFYLOAD_ERR_BAD_RESULTS', `${dir}/summary.json has an unreadable k6 execution segment \`${segmentText}\``);
  return {
    dir,
    summary,
    requests: readResultsCsv(files.requestsCsv),
    vram: files.vramCsv === undefined ? undefined : vramSamplesFromRows(readResultsCsv(files.vramCsv).rows),
    intervals: files.hlog === undefined ? [] : readHlogIntervals(files.hlog),
    segment,
    group: segment !== undefined ? `k6-segments:seed=${summary.settings.seed}` : `run:${index}`,
    engine: summary.engine ?? 'node',
  };
}

const fmtSegment = ([from, to]: [number, number]): string => `${+from.toFixed(4)}:${+to.toFixed(4)}`;

/** Reads and checks the folders; throws MERGE_MISMATCH listing every problem, with the fix. */
export function checkMergeInputs(dirs: readonly string[]): CheckedInputs {
  if (dirs.length < 2) {
    throw new ComfyloadError('COMFYLOAD_ERR_BAD_OPTION', `\`comfyload merge\` needs at least two results folders, got ${dirs.length}`, {
      hint: 'e.g. comfyload merge runner-0/ runner-1/ --out merged/',
    });
  }
  const inputs = dirs.map(readInput);
  const [first] = inputs as [MergeInput, ...MergeInput[]];
  const problems: string[] = [];
  for (const input of inputs.slice(1)) {
    for (const key of FINGERPRINT_KEYS) {
      const a = first.summary.environment[key] ?? '';
      const b = input.summary.environment[key] ?? '';
      if (a !== b) problems.push(`${key}: ${JSON.stringify(a)} in ${first.dir}, ${JSON.stringify(b)} in ${input.dir}`);
    }
    if (planShape(input.summary) !== planShape(first.summary))
      problems.push(`the plans differ (mode, levels, prompts or duration per level, seed policy, arrivals): ${first.dir} vs ${input.dir}`);
  }
  for (const input of inputs) {
    if (input.summary.targets.length > 1)
      problems.push(`${input.dir} is a fleet run (${input.summary.targets.length} targets): merge combines single-target runs`);
  }
  const seen = new Map<string, string>();
  for (const input of inputs) {
    const id = `${input.summary.runId}|${input.summary.k6?.executionSegment ?? ''}`;
    const other = seen.get(id);
    if (other !== undefined) problems.push(`${input.dir} and ${other} are the same run (runId ${input.summary.runId}): give each folder once`);
    seen.set(id, input.dir);
  }
  const coverage = segmentCoverage(inputs, problems);
  if (problems.length > 0) {
    throw new ComfyloadError(
      'COMFYLOAD_ERR_MERGE_MISMATCH',
      `These results folders are not shards of one plan on one kind of server (${problems.length} difference${problems.length === 1 ? '' : 's'})`,
      {
        details: problems,
        hint: 'merge only folders of the same plan run against identical servers by the same comfyload version (rerun the odd one), or compare them with `comfyload compare` instead.',
      },
    );
  }
  const warnings: string[] = [];
  if (new Set(inputs.map((i) => i.engine)).size > 1) warnings.push('merged results of both engines (node and k6): k6 stamps sends in whole milliseconds');
  const wholeRuns = inputs.filter((i) => i.segment === undefined && i.summary.settings.seedPolicy === 'random');
  const seeds = new Set(wholeRuns.map((i) => i.summary.settings.seed));
  if (seeds.size < wholeRuns.length)
    warnings.push(
      'two merged runs used the same --seed: their prompts repeated each other and a shared server may have served repeats from its cache (see the `cached` outcomes)',
    );
  for (const line of coverage)
    if (!line.endsWith('the whole plan')) warnings.push(`k6 execution segments cover ${line}: the merged result is that part of the plan`);
  return { inputs, warnings, coverage };
}

/** Segments of each k6 test: overlaps are problems; the covered part is returned per test. */
function segmentCoverage(inputs: readonly MergeInput[], problems: string[]): string[] {
  const groups = new Map<string, MergeInput[]>();
  for (const input of inputs) if (input.segment !== undefined) groups.set(input.group, [...(groups.get(input.group) ?? []), input]);
  const lines: string[] = [];
  for (const members of groups.values()) {
    const sorted = [...members].sort((a, b) => a.segment![0] - b.segment![0]);
    let covered = 0;
    let reached = 0;
    for (const [i, m] of sorted.entries()) {
      const [from, to] = m.segment!;
      const prev = sorted[i - 1];
      if (prev !== undefined && from < prev.segment![1] - 1e-12) {
        problems.push(
          `k6 execution segments overlap: ${fmtSegment(prev.segment!)} (${prev.dir}) and ${fmtSegment(m.segment!)} (${m.dir}); each runner runs its own share (0:1/2 and 1/2:1)`,
        );
      }
      covered += to - Math.max(from, reached);
      reached = Math.max(reached, to);
    }
    const parts = sorted.map((m) => fmtSegment(m.segment!)).join(' + ');
    lines.push(`${parts} = ${Math.abs(covered - 1) < 1e-9 ? 'the whole plan' : `${(covered * 100).toFixed(1)}% of the plan`}`);
  }
  return lines;
}
