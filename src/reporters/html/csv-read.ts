/**
 * Reads the results folder's CSV files back (RFC 4180: quoted fields with `""` escapes, commas
 * and line breaks inside quotes), skipping the `#` comment lines that carry the fingerprint.
 * `readResultsCsv` is the one to read a results CSV with: its `level` column comes back as the
 * level index whichever numbering the file has (src/metrics/level-number.ts).
 */
import { levelIndex, levelsFromOne, phaseOf } from '../../metrics/level-number.js';

export interface CsvTable {
  /** The `# ` comment lines, without the `# `. */
  comments: string[];
  header: string[];
  /** Rows keyed by header name. */
  rows: Record<string, string>[];
}

export function readCsvTable(text: string): CsvTable {
  const comments: string[] = [];
  const records: string[][] = [];
  let field = '';
  let record: string[] = [];
  let quoted = false;
  let lineStart = true;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (lineStart && char === '#') {
      const end = text.indexOf('\n', i);
      comments.push(
        text
          .slice(i, end === -1 ? text.length : end)
          .replace(/^#\s?/, '')
          .replace(/\r$/, ''),
      );
      i = end === -1 ? text.length : end;
      continue;
    }
    lineStart = false;
    if (quoted) {
      if (char === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (char === '"') quoted = false;
      else field += char;
    } else if (char === '"') quoted = true;
    else if (char === ',') {
      record.push(field);
      field = '';
    } else if (char === '\n' || char === '\r') {
      if (char === '\r' && text[i + 1] === '\n') i++;
      record.push(field);
      records.push(record);
      record = [];
      field = '';
      lineStart = true;
    } else field += char;
  }
  if (field !== '' || record.length > 0) {
    record.push(field);
    records.push(record);
  }
  const [header = [], ...body] = records;
  const rows = body.filter((r) => !(r.length === 1 && r[0] === '')).map((r) => Object.fromEntries(header.map((name, i) => [name, r[i] ?? ''])));
  return { comments, header, rows };
}

/**
 * A results CSV (levels.csv, requests.csv, vram.csv, targets.csv, workflows.csv) read back with
 * its `level` column as the level index (0 = L1, the warm-up 0), as this build holds levels in
 * memory: from a file that numbers levels from 1 (it has the `levels:` marker line) or from one
 * written before, which held the index. `levelsFromOne` says which the file was.
 */
export function readResultsCsv(text: string): CsvTable & { levelsFromOne: boolean } {
  const table = readCsvTable(text);
  const fromOne = levelsFromOne(table.comments);
  if (fromOne && table.header.includes('level')) {
    for (const row of table.rows) {
      const level = row.level;
      if (level === undefined || level === '' || !Number.isFinite(Number(level))) continue;
      row.level = String(levelIndex(Number(level), phaseOf(row.phase), true));
    }
  }
  return { ...table, levelsFromOne: fromOne };
}
