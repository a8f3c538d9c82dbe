/**
 * A minimal RFC 4180 reader for the tests (csv-parse is not a dependency): `#` comment lines
 * skipped, quoted fields with `""` escapes, commas and line breaks inside quotes.
 */
export interface CsvText {
  comments: string[];
  header: string[];
  rows: Record<string, string>[];
}

export function readCsv(text: string): CsvText {
  const comments: string[] = [];
  const records: string[][] = [];
  let field = '';
  let record: string[] = [];
  let quoted = false;
  let atLineStart = true;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (atLineStart && char === '#') {
      const end = text.indexOf('\n', i);
      comments.push(text.slice(i, end === -1 ? text.length : end));
      i = end === -1 ? text.length : end;
      continue;
    }
    atLineStart = false;
    if (quoted) {
      if (char === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (char === '"') {
        quoted = false;
      } else {
        field += char;
      }
    } else if (char === '"') {
      quoted = true;
    } else if (char === ',') {
      record.push(field);
      field = '';
    } else if (char === '\n') {
      record.push(field);
      records.push(record);
      field = '';
      record = [];
      atLineStart = true;
    } else if (char !== '\r') {
      field += char;
    }
  }
  if (field !== '' || record.length > 0) records.push([...record, field]);
  const [header = [], ...body] = records;
  const rows = body.map((cells) => Object.fromEntries(header.map((name, index) => [name, cells[index] ?? ''])));
  return { comments, header, rows };
}
