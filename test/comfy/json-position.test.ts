/**
 * Where a JSON file is broken, as --workflow and --config report it (issue 15): V8's messages
 * carry an offset for some errors only ("Unexpected token '#', "…" is not valid JSON" has none,
 * and a README given as --workflow was blamed on its last line). Each layout marks the error by
 * hand; the expected line and column are those of the mark, not of the tool's own scan.
 */
import { describe, expect, it } from 'vitest';
import { firstErrorOffset, jsonErrorPosition } from '../../src/comfy/json-position.js';

/** `text` with `⟨` before the character that is wrong: returns the text without it and where it was. */
function marked(withMark: string): { text: string; line: number; column: number } {
  const at = withMark.indexOf('⟨');
  const before = withMark.slice(0, at);
  const lines = before.split('\n');
  return { text: withMark.replace('⟨', ''), line: lines.length, column: (lines.at(-1) ?? '').length + 1 };
}

function positionOf(text: string): { line: number; column: number } {
  try {
    JSON.parse(text);
  } catch (err) {
    return jsonErrorPosition(err, text);
  }
  throw new Error('parsed');
}

const LAYOUTS: [string, string][] = [
  ['a Markdown file (README.md as --workflow)', '⟨# comfyload\n\nLoad testing for ComfyUI.\n\n## Quick start\n\n```sh\nnpm ci\n```\n'],
  ['a stray x on line 3', '{\n  "a": 1,\n  ⟨x\n  "b": 2\n}\n'],
  ['a trailing comma', '{\n  "3": {\n    "inputs": { "steps": 20 },\n  ⟨}\n}\n'],
  ['a bad literal inside an object', '{\n  "a": tru⟨x\n}'],
  ['a double comma in an array', '[1,\n2,⟨,\n3]'],
  ['CRLF line ends', '{\r\n "a": 1,\r\n ⟨x\r\n}'],
  ['a single-quoted string on line 4', '{\n  "1": {\n    "class_type": "KSampler",\n    "inputs": {⟨\'seed\': 1}\n  }\n}'],
  ['a control character in a string', '{\n "text": "a⟨\tb"\n}'],
  ['garbage after the document', '{"a": 1}\n\n⟨{"b": 2}'],
  ['a byte-order mark', '⟨\ufeff{}'],
];

describe('JSON error positions', () => {
  it.each(LAYOUTS)('%s', (_name, layout) => {
    const { text, line, column } = marked(layout);
    expect(positionOf(text)).toEqual({ line, column });
  });

  it('a document cut short is reported at its end', () => {
    const text = '{\n  "a": [1, 2,\n';
    expect(positionOf(text)).toEqual({ line: 3, column: 1 });
    expect(firstErrorOffset(text)).toBe(text.length);
  });

  it('agrees with JSON.parse: no error offset in a valid document', () => {
    for (const text of ['{}', '[]', ' {"a": [1, -2.5e3, true, false, null, "x\\u00e9\\n"]} ', '"s"', '0']) {
      expect(() => JSON.parse(text) as unknown).not.toThrow();
      expect(firstErrorOffset(text)).toBe(text.length);
    }
  });
});
