/**
 * Line and column of a JSON.parse SyntaxError. V8 reports a character offset ("… at position 42",
 * newer versions also "(line 3 column 5)"); "Unexpected end of JSON input" has none and means the
 * end of the text.
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
  return positionToLineColumn(text, position ? Number(position[1]) : text.length);
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
