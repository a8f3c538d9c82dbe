/**
 * Old results folders (test/fixtures/results-v2: written by comfyload before levels were numbered
 * from 1 in the files — the `level` columns and `-L<n>-` tags held the index, summary.json was
 * schemaVersion 2 with keyed targetLevels/workflowLevels) and the same measurement in today's
 * format read to the same levels in every reader: `report` (buildReportData), `compare`
 * (runSamples), `merge` (mergeResults) and `plan` (planFromResults).
 *
 * The new-format copy of each folder is made here by plain text rules, written out independently
 * of the code under test (the format as results/README.md states it): +1 on measured levels, 0 for
 * the warm-up, the `# levels: numbered from 1` line above each header, schemaVersion 3, arrays.
 * Every reading is also checked against the folder's own summary.json.
 */
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSamples } from '../../src/compare/run-samples.js';
import { parseTag } from '../../src/metrics/histogram-key.js';
import { readHlog } from '../../src/metrics/hlog-reader.js';
import { readResultsCsv } from '../../src/reporters/html/csv-read.js';
import { buildReportData } from '../../src/reporters/html/report-data.js';
import { mergeResults } from '../../src/session/merge-results.js';
import { planFromResults } from '../../src/session/plan-files.js';
import { readCompareFiles, readResultsFolder } from '../../src/session/results-folder.js';
import { readCsv } from '../helpers/csv-read.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'results-v2');
const FOLDERS = ['closed-a', 'closed-b', 'open', 'fleet', 'mix'] as const;
const MARKER = '# levels: numbered from 1 as on the console (level 1 = L1); the warm-up is level 0';
const LEVEL_CSVS = ['levels.csv', 'requests.csv', 'vram.csv', 'targets.csv', 'workflows.csv'];

const newLevel = (level: number, phase: string): number => (phase === 'warmup' ? 0 : level + 1);
const newTags = (text: string): string => text.replace(/-L(\d+)-(c\d+-measure)/g, (_, n: string, rest: string) => `-L${Number(n) + 1}-${rest}`);

/** A CSV of the old format in the new one: the marker above the header, levels numbered from 1. */
function convertCsv(text: string): string {
  const { comments, header, rows } = readCsv(text);
  const body = rows.map((r) => header.map((c) => (c === 'level' ? String(newLevel(Number(r.level), r.phase ?? 'measure')) : (r[c] ?? ''))));
  // The marker goes after the fingerprint, before the last comment (the units or the file's note).
  const lines = [...comments.slice(0, -1), MARKER, ...comments.slice(-1)];
  return lines.map((l) => `${l}\n`).join('') + stringify([header, ...body]);
}

function convertHlog(text: string): string {
  const [version, ...rest] = text.split('\n');
  return [version, MARKER, newTags(rest.join('\n'))].join('\n');
}

type Level = { level: number; phase: string; histogramTags?: Record<string, string[]> };
function convertSummary(text: string): string {
  const s = JSON.parse(newTags(text)) as Record<string, unknown> & {
    levels: Level[];
    warmup: Level | null;
    openLoop?: { level: number }[];
    targetLevels?: Record<string, Record<string, Level>>;
    workflowLevels?: Record<string, Record<string, Level>>;
    mix?: { workflows: { name: string }[] };
  };
  const level = (l: Level): Level => ({ ...l, level: newLevel(l.level, l.phase) });
  const inOrder = (o: Record<string, Level>): Level[] =>
    Object.entries(o)
      .sort(([a], [b]) => Number(a) - Number(b))
      .map(([, l]) => level(l));
  const out: Record<string, unknown> = { ...s, schemaVersion: 3, levels: s.levels.map(level), warmup: s.warmup === null ? null : level(s.warmup) };
  if (s.openLoop !== undefined) out.openLoop = s.openLoop.map((r) => ({ ...r, level: r.level + 1 }));
  if (s.targetLevels !== undefined)
    out.targetLevels = Object.entries(s.targetLevels)
      .sort(([a], [b]) => Number(a) - Number(b))
      .map(([, ls]) => inOrder(ls));
  if (s.workflowLevels !== undefined) out.workflowLevels = (s.mix?.workflows ?? []).map((w) => inOrder(s.workflowLevels![w.name] ?? {}));
  return `${JSON.stringify(out, null, 2)}\n`;
}

function convertFolder(from: string, to: string): void {
  cpSync(from, to, { recursive: true });
  for (const name of readdirSync(to)) {
    const path = join(to, name);
    if (LEVEL_CSVS.includes(name)) writeFileSync(path, convertCsv(readFileSync(path, 'utf8')));
    else if (name === 'histograms.hlog') writeFileSync(path, convertHlog(readFileSync(path, 'utf8')));
    else if (name === 'summary.json') writeFileSync(path, convertSummary(readFileSync(path, 'utf8')));
  }
}

describe('old (0-based) and new (numbered from 1) results folders read to the same levels', () => {
  let root: string;
  const oldDir = (name: string): string => join(FIXTURES, name);
  const newDir = (name: string): string => join(root, 'new', name);

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'comfyload-levels-'));
    for (const name of FOLDERS) convertFolder(oldDir(name), newDir(name));
  });
  afterAll(() => {
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('the fixtures are the old format and the copies the new one (the test would prove nothing otherwise)', () => {
    for (const name of FOLDERS) {
      const oldText = readFileSync(join(oldDir(name), 'requests.csv'), 'utf8');
      const newText = readFileSync(join(newDir(name), 'requests.csv'), 'utf8');
      expect(oldText).not.toContain(MARKER);
      expect(
        readCsv(oldText)
          .rows.filter((r) => r.phase === 'measure')
          .map((r) => r.level),
      ).toContain('0');
      expect(newText).toContain(MARKER);
      expect(
        readCsv(newText)
          .rows.filter((r) => r.phase === 'measure')
          .map((r) => r.level),
      ).not.toContain('0');
      expect(JSON.parse(readFileSync(join(oldDir(name), 'summary.json'), 'utf8')).schemaVersion).toBe(2);
    }
  });

  it.each(FOLDERS)("%s: every file's levels agree with the folder's own summary.json, old and new", (name) => {
    for (const dir of [oldDir(name), newDir(name)]) {
      const files = readResultsFolder(dir);
      const s = files.summary;
      const measured = s.levels.map((l) => l.level);
      expect(measured).toEqual(measured.map((_, i) => i));
      const levelRows = readResultsCsv(files.levelsCsv).rows.filter((r) => r.phase === 'measure');
      expect(levelRows.map((r) => [Number(r.level), Number(r.concurrency), Number(r.submitted)])).toEqual(
        s.levels.map((l) => [l.level, l.concurrency, l.submitted]),
      );
      const requests = readResultsCsv(files.requestsCsv).rows;
      for (const l of s.levels) expect(requests.filter((r) => r.phase === 'measure' && Number(r.level) === l.level)).toHaveLength(l.submitted);
      if (s.warmup !== null) expect(requests.filter((r) => r.phase === 'warmup' && r.level === '0')).toHaveLength(s.warmup.submitted);
      // Every tag summary.json names for a level is in the log, and parses to that level.
      const byTag = readHlog(files.hlog ?? '');
      for (const l of [...s.levels, ...(s.warmup !== null ? [s.warmup] : [])]) {
        for (const tags of Object.values(l.histogramTags)) {
          for (const tag of tags ?? []) {
            expect(byTag.has(tag), `${dir}: ${tag}`).toBe(true);
            expect(parseTag(tag)).toMatchObject({ level: l.level, phase: l.phase });
          }
        }
      }
      for (const [t, levels] of (s.targetLevels ?? []).entries()) {
        expect(levels.map((l) => [l.target, l.level])).toEqual(s.levels.map((l) => [t, l.level]));
      }
      for (const levels of s.workflowLevels ?? []) expect(levels.map((l) => l.level)).toEqual(s.levels.map((l) => l.level));
    }
  });

  it.each(FOLDERS)('%s: report.html is built from the same data', (name) => {
    const a = buildReportData(readResultsFolder(oldDir(name)));
    const b = buildReportData(readResultsFolder(newDir(name)));
    expect(b).toEqual(a);
    // Not vacuous: the report has its levels, labelled as on the console.
    expect(a.levels.length).toBeGreaterThan(1);
    expect(a.headline.errorRates.map((r) => r.label.split(' ')[0])).toEqual(a.levels.map((_, i) => `L${i + 1}`));
  });

  it.each(FOLDERS)('%s: compare takes the same samples per level', (name) => {
    const a = runSamples(readCompareFiles(oldDir(name)));
    const b = runSamples(readCompareFiles(newDir(name)));
    expect([...b.levels.keys()]).toEqual([...a.levels.keys()]);
    expect([...b.levels.values()]).toEqual([...a.levels.values()]);
    expect({ ...b.view, dir: '', schemaVersion: 0 }).toEqual({ ...a.view, dir: '', schemaVersion: 0 });
    // Each level's samples are its own prompts: as many ok prompts as summary.json counts.
    const s = readResultsFolder(oldDir(name)).summary;
    expect([...a.levels.values()].map((l) => l.okPrompts + Object.values(l.excluded).reduce((x, y) => x + y, 0))).toEqual(s.levels.map((l) => l.submitted));
  });

  it('merge of two old shards writes the same folder as merge of the same shards in the new format, in the new format', async () => {
    const a = await mergeResults([oldDir('closed-a'), oldDir('closed-b')], join(root, 'merged-old'));
    const b = await mergeResults([newDir('closed-a'), newDir('closed-b')], join(root, 'merged-new'));
    expect({ ...b.summary, merge: undefined }).toEqual({ ...a.summary, merge: undefined });
    for (const file of ['levels.csv', 'requests.csv', 'vram.csv', 'histograms.hlog', 'summary.json']) {
      const textOf = (dir: string): string => readFileSync(join(root, dir, file), 'utf8').replaceAll(join(root, 'new'), FIXTURES);
      expect(textOf('merged-new'), file).toBe(textOf('merged-old'));
    }
    const merged = readFileSync(join(root, 'merged-old', 'levels.csv'), 'utf8');
    expect(merged.split('\n').filter((l) => l === MARKER)).toHaveLength(1);
    expect(readCsv(merged).rows.map((r) => r.level)).toEqual(['1', '2']);
    const hlog = readFileSync(join(root, 'merged-old', 'histograms.hlog'), 'utf8');
    expect(hlog).toContain('completionMs@t0-L1-c2-measure');
    expect(hlog).toContain('completionMs@t0-L2-c4-measure');
    expect(hlog).not.toMatch(/-L0-c\d+-measure/);
    const json = JSON.parse(readFileSync(join(root, 'merged-old', 'summary.json'), 'utf8')) as { schemaVersion: number; levels: { level: number }[] };
    expect(json.schemaVersion).toBe(3);
    expect(json.levels.map((l) => l.level)).toEqual([1, 2]);
    // The merged counts are the shards' summed, level by level (their own summary.json).
    const shards = [oldDir('closed-a'), oldDir('closed-b')].map((d) => readResultsFolder(d).summary);
    expect(a.summary.levels.map((l) => l.submitted)).toEqual(shards[0]!.levels.map((l, i) => l.submitted + shards[1]!.levels[i]!.submitted));
  });

  it('plan from an old folder and from the new one is the same plan', () => {
    const question = {
      ratesPerSec: [1],
      slo: { text: 'completionMs.p95<3000', metric: 'completionMs' as const, percentile: 95, thresholdMs: 3000 },
      gpus: [1, 2],
      maxGpus: 4,
      dispatch: 'least-queue' as const,
      arrival: 'poisson' as const,
      burstiness: 1,
      replications: 3,
      arrivals: 200,
      confidence: 0.95,
      seed: 3,
    };
    const a = planFromResults({ dir: oldDir('closed-a'), question, outDir: join(root, 'plan-old') });
    const b = planFromResults({ dir: newDir('closed-a'), question, outDir: join(root, 'plan-new') });
    const strip = (p: typeof a.plan): unknown => ({ ...p, source: { ...p.source, dir: '' } });
    expect(strip(b.plan)).toEqual(strip(a.plan));
  });
});
