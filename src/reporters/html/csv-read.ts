/**
 * Reads the results folder's CSV files back (RFC 4180: quoted fields with `""` escapes, commas
 * and line breaks inside quotes), skipping the `#` comment lines that carry the fingerprint.
 */

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
