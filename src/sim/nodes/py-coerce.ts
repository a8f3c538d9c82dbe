/**
 * Python's `int()`, `float()`, `str()` and `bool()` applied to JSON values, as ComfyUI's
 * validator coerces literal inputs. Failures throw a PyError carrying the exception type and the
 * exact message CPython 3.12 gives, which ends up in `invalid_input_type` details.
 */
import { pyRepr, pyStr, pyTypeName } from './py-format.js';

/** A Python exception as the validator would see it: `type(ex).__name__` and `str(ex)`. */
export class PyError extends Error {
  readonly pyType: string;
  /** The upstream statement that raises, shown as the emulated traceback's last frame. */
  readonly source: string | undefined;
  constructor(pyType: string, message: string, source?: string) {
    super(message);
    this.name = 'PyError';
    this.pyType = pyType;
    this.source = source;
  }
}

const DIGITS = String.raw`\d(?:_?\d)*`;
const INT_LITERAL = new RegExp(String.raw`^[+-]?${DIGITS}$`);
const FLOAT_LITERAL = new RegExp(String.raw`^[+-]?(?:(?:${DIGITS}(?:\.(?:${DIGITS})?)?|\.${DIGITS})(?:[eE][+-]?${DIGITS})?|inf|infinity|nan)$`, 'i');

/** `int(v)`: truncates floats, parses base-10 strings with surrounding whitespace and underscores. */
export function pyInt(v: unknown): number {
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'number') {
    if (Number.isNaN(v)) throw new PyError('ValueError', 'cannot convert float NaN to integer');
    if (!Number.isFinite(v)) throw new PyError('OverflowError', 'cannot convert float infinity to integer');
    return Math.trunc(v);
  }
  if (typeof v === 'string') {
    const text = v.trim();
    if (INT_LITERAL.test(text)) return Number(text.replace(/_/g, ''));
    throw new PyError('ValueError', `invalid literal for int() with base 10: ${pyRepr(v)}`);
  }
  throw new PyError('TypeError', `int() argument must be a string, a bytes-like object or a real number, not '${pyTypeName(v)}'`);
}

/** `float(v)`: also accepts "inf", "nan", exponents and underscores, as CPython does. */
export function pyFloat(v: unknown): number {
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    const text = v.trim();
    if (FLOAT_LITERAL.test(text)) {
      const lower = text.toLowerCase().replace(/^\+/, '');
      if (lower === 'inf' || lower === 'infinity') return Infinity;
      if (lower === '-inf' || lower === '-infinity') return -Infinity;
      if (lower.endsWith('nan')) return NaN;
      return Number(text.replace(/_/g, ''));
    }
    throw new PyError('ValueError', `could not convert string to float: ${pyRepr(v)}`);
  }
  throw new PyError('TypeError', `float() argument must be a string or a real number, not '${pyTypeName(v)}'`);
}

/** `str(v)`: never fails; `True` becomes "True", a dict its Python repr. */
export const pyStrCoerce = (v: unknown): string => pyStr(v);

/** `bool(v)`: Python truthiness ("false" is True, NaN is True). */
export function pyBool(v: unknown): boolean {
  if (v === null || v === undefined) return false;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v !== 0;
  if (typeof v === 'string') return v.length > 0;
  if (Array.isArray(v)) return v.length > 0;
  return Object.keys(v as object).length > 0;
}

/** Python `==` between JSON scalars: 1 == 1.0 == True, no cross-type string equality. */
export function pyEquals(a: unknown, b: unknown): boolean {
  const num = (x: unknown): number | undefined => (typeof x === 'number' ? x : typeof x === 'boolean' ? Number(x) : undefined);
  const na = num(a);
  const nb = num(b);
  if (na !== undefined && nb !== undefined) return na === nb;
  if (a === null || b === null) return a === b;
  if (typeof a === 'string' && typeof b === 'string') return a === b;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => pyEquals(x, b[i]));
  return false;
}
