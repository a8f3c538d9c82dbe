/**
 * JSON text exactly as Python's `json.dumps` writes it (aiohttp's `json_response` and
 * `send_json` use it): `", "` and `": "` separators, ASCII-only output with `\uXXXX` escapes,
 * and floats that keep their `.0` (`0.0`, `1.0`, `104857600.0`).
 *
 * JavaScript has a single number type, so a value that Python holds as a float is wrapped in
 * {@link PyFloat}; every bare integer-valued number is written as a Python int. The emulator
 * needs this because the traces show `progress_state` values as `0.0`/`1.0` next to integer
 * step counts, and a client that parses with a strict int/float distinction must see the same.
 */

/** A number that Python holds as a float: written with a decimal point even when integral. */
export class PyFloat {
  readonly value: number;
  constructor(value: number) {
    this.value = value;
  }
  /** Plain JSON.stringify (tests, logs) sees the number. */
  toJSON(): number {
    return this.value;
  }
}

export function pyFloat(value: number): PyFloat {
  return new PyFloat(value);
}

/** Serialises like `json.dumps(value)` with default arguments. */
export function pyDumps(value: unknown): string {
  const parts: string[] = [];
  writeValue(value, parts);
  return parts.join('');
}

function writeValue(value: unknown, out: string[]): void {
  if (value === null || value === undefined) {
    out.push('null');
  } else if (value instanceof PyFloat) {
    out.push(formatFloat(value.value));
  } else if (typeof value === 'number') {
    // An integral JS number is a Python int unless wrapped; NaN/Infinity only come from floats.
    out.push(Number.isInteger(value) ? formatInt(value) : formatFloat(value));
  } else if (typeof value === 'bigint') {
    out.push(value.toString());
  } else if (typeof value === 'boolean') {
    out.push(value ? 'true' : 'false');
  } else if (typeof value === 'string') {
    out.push(quote(value));
  } else if (Array.isArray(value)) {
    writeArray(value, out);
  } else if (typeof value === 'object') {
    writeObject(value as Record<string, unknown>, out);
  } else {
    out.push('null');
  }
}

function writeArray(items: readonly unknown[], out: string[]): void {
  if (items.length === 0) {
    out.push('[]');
    return;
  }
  out.push('[');
  items.forEach((item, i) => {
    if (i > 0) out.push(', ');
    writeValue(item, out);
  });
  out.push(']');
}

function writeObject(obj: Record<string, unknown>, out: string[]): void {
  const keys = Object.keys(obj).filter((k) => obj[k] !== undefined);
  if (keys.length === 0) {
    out.push('{}');
    return;
  }
  out.push('{');
  keys.forEach((key, i) => {
    if (i > 0) out.push(', ');
    out.push(quote(key), ': ');
    writeValue(obj[key], out);
  });
  out.push('}');
}

function formatInt(n: number): string {
  // -0 is an int 0 in Python (`-0` where the server negates counter 0 for `front`).
  if (Object.is(n, -0)) return '0';
  return BigInt(n).toString();
}

/** Python's float repr: `1.0`, `0.5`, `1e+16`, `Infinity`, `NaN`. */
export function formatFloat(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return 'Infinity';
  if (n === -Infinity) return '-Infinity';
  if (Number.isInteger(n) && Math.abs(n) < 1e16) return `${Object.is(n, -0) ? '-0' : n.toFixed(0)}.0`;
  // Python switches to exponent form from 1e16 up and pads exponents to two digits.
  const s = Number.isInteger(n) ? n.toExponential() : String(n);
  return s.replace(/e([+-])(\d)$/, 'e$10$2');
}

const ESCAPES: Record<string, string> = {
  '"': '\\"',
  '\\': '\\\\',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\b': '\\b',
  '\f': '\\f',
};

/** `ensure_ascii=True`: everything outside printable ASCII becomes `\uXXXX` (UTF-16 units). */
function quote(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i] as string;
    const code = s.charCodeAt(i);
    const esc = ESCAPES[ch];
    if (esc !== undefined) out += esc;
    else if (code < 0x20 || code > 0x7e) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return out + '"';
}
