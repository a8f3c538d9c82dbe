/**
 * Line and column of a JSON.parse SyntaxError. V8 reports a character offset ("… at position 42",
 * newer versions also "(line 3 column 5)"), but not always: "Unexpected token '#', "…" is not
 * valid JSON" has none (a README given as --workflow used to be blamed on its last line), so the
 * text is then scanned for the first offset that cannot continue a JSON document.
 */
export interface TextPosition {
  /** 1-based. */
  line: number;
  /** 1-based, in UTF-16 code units like the offset V8 reports. */
  column: number;
}

export function jsonErrorPosition(err: unknown, text: string): TextPosition {
  const message = err instanceof Error ? err.message : '';
  const lineColumn = /\(line (\d+) column (\d+)\)/.exec(message);
  if (lineColumn) return { line: Number(lineColumn[1]), column: Number(lineColumn[2]) };
  const position = /at position (\d+)/.exec(message);
  return positionToLineColumn(text, position ? Number(position[1]) : firstErrorOffset(text));
}

/** The offset of the first character that cannot continue a JSON document (the text's length when it ends too early). */
export function firstErrorOffset(text: string): number {
  let i = 0;
  const ws = (): void => {
    while (i < text.length && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i++;
  };
  const fail = (): never => {
    throw i;
  };
  const expect = (ch: string): void => {
    if (text[i] !== ch) fail();
    i++;
  };
  const literal = (word: string): void => {
    for (const ch of word) expect(ch);
  };
  const string = (): void => {
    expect('"');
    while (i < text.length && text[i] !== '"') {
      const c = text.charCodeAt(i);
      if (c < 0x20) fail();
      if (text[i] === '\\') {
        i++;
        if (text[i] === 'u') {
          i++;
          for (let k = 0; k < 4; k++)
            if (!/[0-9a-fA-F]/.test(text[i] ?? '')) fail();
            else i++;
        } else if ('"\\/bfnrt'.includes(text[i] ?? 'x')) i++;
        else fail();
      } else i++;
    }
    expect('"');
  };
  // Sticky (matched at lastIndex): no copy of the rest of the text per number.
  const numberAt = /-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/y;
  const number = (): void => {
    numberAt.lastIndex = i;
    const m = numberAt.exec(text);
    if (m === null || m[0] === '') fail();
    i += m![0].length;
  };
  const value = (): void => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      ws();
      if (text[i] === '}') return void i++;
      for (;;) {
        ws();
        string();
        ws();
        expect(':');
        value();
        ws();
        if (text[i] === ',') i++;
        else return expect('}');
      }
    }
    if (c === '[') {
      i++;
      ws();
      if (text[i] === ']') return void i++;
      for (;;) {
        value();
        ws();
        if (text[i] === ',') i++;
        else return expect(']');
      }
    }
    if (c === '"') return string();
    if (c === 't') return literal('true');
    if (c === 'f') return literal('false');
    if (c === 'n') return literal('null');
    return number();
  };
  try {
    value();
    ws();
    if (i < text.length) fail();
    return text.length;
  } catch (offset) {
    if (typeof offset === 'number') return Math.min(offset, text.length);
    throw offset;
  }
}

export function positionToLineColumn(text: string, offset: number): TextPosition {
  const before = text.slice(0, Math.max(0, Math.min(offset, text.length)));
  const lastNewline = before.lastIndexOf('\n');
  const line = before.split('\n').length;
  return { line, column: before.length - lastNewline };
}

/** The SyntaxError's message without the offset (which the caller reports as line and column). */
export function jsonErrorReason(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.replace(/ in JSON at position \d+/, '').replace(/ \(line \d+ column \d+\)/, '');
}
