/**
 * One level numbering for everything a user reads: the console's `L1/3`, the report, the .hgrm
 * names, the `level` columns of every CSV, the `-L<n>-` of histograms.hlog tags and summary.json
 * (schemaVersion 3) all number the measured levels from 1; the warm-up is level 0 (its phase,
 * `warmup`, says it too). In memory a level is its index (0 = L1, the warm-up also 0, told apart
 * by its phase): `levelNumber` is the way out to a file, `levelIndex` the way back in, `levelName`
 * the label (`L1`, `warmup`).
 *
 * Folders written before this numbering hold the index in those places. Each file says which it
 * is: CSVs and histograms.hlog carry the comment line `LEVELS_FROM_ONE_COMMENT`, summary.json
 * `schemaVersion` 3. A file without its marker is read as the index, so old and new folders read
 * to the same levels.
 */
import type { Phase } from './result-types.js';

/** The `#` comment line (without `# `) written above the header of every CSV and in the .hlog header. */
export const LEVELS_FROM_ONE_COMMENT = 'levels: numbered from 1 as on the console (level 1 = L1); the warm-up is level 0';

/** The level's number in files and on the console: L1 is 1, the warm-up 0. */
export function levelNumber(index: number, phase: Phase): number {
  return phase === 'warmup' ? 0 : index + 1;
}

/** `L1`, `L2`… (index 0 is L1), or `warmup`: the console, the report and the .hgrm names. */
export function levelName(index: number, phase: Phase = 'measure'): string {
  return phase === 'warmup' ? 'warmup' : `L${index + 1}`;
}

/**
 * The level index of a level as a file holds it: `fromOne` when the file numbers levels from 1
 * (it has the marker), else the file holds the index already (folders written before the marker).
 */
export function levelIndex(fileLevel: number, phase: Phase, fromOne: boolean): number {
  if (!fromOne) return fileLevel;
  return phase === 'warmup' ? 0 : fileLevel - 1;
}

/** Whether comment lines (without `# `) include the marker of files that number levels from 1. */
export function levelsFromOne(comments: readonly string[]): boolean {
  return comments.some((c) => c.trim() === LEVELS_FROM_ONE_COMMENT);
}

/** Comment lines without the marker (a file's comments carried into another file, which writes its own). */
export function withoutLevelsMarker(comments: readonly string[]): string[] {
  return comments.filter((c) => c.trim() !== LEVELS_FROM_ONE_COMMENT);
}

/** A phase read from a file: `warmup`, anything else measured. */
export function phaseOf(text: string | undefined): Phase {
  return text === 'warmup' ? 'warmup' : 'measure';
}
