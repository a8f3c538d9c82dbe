/**
 * Parsers of option values, shared by the options tables. Each takes the raw value (a string from
 * flags and env, any JSON/YAML value from a config file) and returns the typed value or throws a
 * ComfyloadError whose message has one shape:
 *   Expected `--concurrency` to be a comma-separated list of positive integers, got `1,x` (string)
 * and whose hint is the fix ("e.g. --concurrency 1,2,4").
 */
import { isAbsolute, resolve } from 'node:path';

import { ComfyloadError, type ErrorCode } from '../comfy/errors.js';
import type { ParseContext } from './option-table.js';

export type Parser<V> = (raw: unknown, ctx: ParseContext) => V;

/** Throw the house validation error for `raw`. `fixValue` is a valid value for the "e.g." hint. */
export function expected(
  ctx: ParseContext,
  what: string,
  raw: unknown,
  fix: string,
  options: { secret?: boolean; code?: ErrorCode; hint?: string } = {},
): never {
  const code = options.code ?? (ctx.source === 'config' ? 'COMFYLOAD_ERR_BAD_CONFIG' : 'COMFYLOAD_ERR_BAD_OPTION');
  const got = raw === '' ? 'an empty value' : `\`${options.secret === true ? hidden(raw) : show(raw)}\` (${typeName(raw)})`;
  throw new ComfyloadError(code, `Expected \`${ctx.name}\` to be ${what}, got ${got}`, {
    hint: options.hint ?? `e.g. ${ctx.example(fix)}`,
  });
}

/** A short rendering of a raw value for messages. */
export function show(raw: unknown): string {
  let text: string;
  if (typeof raw === 'string') text = raw;
  else {
    try {
      text = JSON.stringify(raw) ?? String(raw);
    } catch {
      text = String(raw);
    }
  }
  return text.length > 80 ? `${text.slice(0, 79)}…` : text;
}

/** Stand-in for a secret value: its length only. */
export function hidden(raw: unknown): string {
  const length = typeof raw === 'string' ? raw.length : show(raw).length;
  return `<${length} characters, hidden>`;
}

export function typeName(raw: unknown): string {
  if (raw === null) return 'null';
  if (Array.isArray(raw)) return 'array';
  return typeof raw;
}

/** A flag given twice yields an array; for single-valued options the last one wins, as in most CLIs. */
function single(raw: unknown, ctx: ParseContext): unknown {
  return Array.isArray(raw) && ctx.source === 'flag' ? raw[raw.length - 1] : raw;
}

const NUMBER_TEXT = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?$/i;

function toNumber(raw: unknown): number | undefined {
  if (typeof raw === 'number') return Number.isFinite(raw) ? raw : undefined;
  if (typeof raw === 'string' && NUMBER_TEXT.test(raw.trim())) return Number(raw.trim());
  return undefined;
}

export function integer(what: string, min: number, fix: string, max = Number.MAX_SAFE_INTEGER): Parser<number> {
  return (raw, ctx) => {
    const value = single(raw, ctx);
    const n = toNumber(value);
    if (n === undefined || !Number.isSafeInteger(n) || n < min || n > max) expected(ctx, what, value, fix);
    return n;
  };
}

export const positiveInteger = (fix: string): Parser<number> => integer('a positive integer', 1, fix);
export const nonNegativeInteger = (fix: string): Parser<number> => integer('an integer >= 0', 0, fix);

/** A finite number in [min, max] (or (min, max] with `exclusiveMin`). */
export function finiteNumber(what: string, fix: string, range: { min?: number; exclusiveMin?: number; max?: number }): Parser<number> {
  return (raw, ctx) => {
    const value = single(raw, ctx);
    const n = toNumber(value);
    const ok =
      n !== undefined &&
      (range.min === undefined || n >= range.min) &&
      (range.exclusiveMin === undefined || n > range.exclusiveMin) &&
      (range.max === undefined || n <= range.max);
    if (!ok) expected(ctx, what, value, fix);
    return n as number;
  };
}

/** `1,2,4` (flags, env) or `[1, 2, 4]` (config): positive integers, duplicates rejected. */
export function positiveIntegerList(fix: string): Parser<number[]> {
  const what = 'a comma-separated list of positive integers';
  return (raw, ctx) => {
    const items: unknown[] = Array.isArray(raw)
      ? raw.flatMap((r) => (typeof r === 'string' ? r.split(',') : [r]))
      : typeof raw === 'string'
        ? raw.split(',')
        : [raw];
    const shown = Array.isArray(raw) && ctx.source === 'flag' ? raw.join(',') : raw;
    const list: number[] = [];
    for (const item of items) {
      const n = toNumber(typeof item === 'string' ? item.trim() : item);
      if (n === undefined || !Number.isSafeInteger(n) || n < 1) expected(ctx, what, shown, fix);
      list.push(n);
    }
    if (list.length === 0) expected(ctx, what, shown, fix);
    if (new Set(list).size !== list.length) expected(ctx, `${what} without repeats`, shown, fix);
    return list;
  };
}

const DURATION_PART = /(\d+(?:\.\d+)?)(ms|h|m|s)/g;
const DURATION_TEXT = /^(?:\d+(?:\.\d+)?(?:ms|h|m|s))+$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** `500ms`, `90s`, `5m`, `1h30m` → milliseconds (> 0). A bare number is refused: its unit would be a guess. */
export function duration(fix: string): Parser<number> {
  return (raw, ctx) => {
    const value = single(raw, ctx);
    const text = typeof value === 'string' ? value.trim() : '';
    let ms = 0;
    if (DURATION_TEXT.test(text)) {
      for (const m of text.matchAll(DURATION_PART)) ms += Number(m[1]) * (UNIT_MS[m[2] ?? ''] ?? Number.NaN);
    }
    if (!(ms > 0) || !Number.isFinite(ms)) {
      const bare = toNumber(value) !== undefined;
      expected(ctx, 'a duration with a unit (ms, s, m or h) greater than 0', value, fix, bare ? { hint: `add a unit, e.g. ${ctx.example(fix)}` } : {});
    }
    return Math.round(ms);
  };
}

const TRUE_TEXT = new Set(['true', '1', 'yes', 'on']);
const FALSE_TEXT = new Set(['false', '0', 'no', 'off']);

export function boolean(): Parser<boolean> {
  return (raw, ctx) => {
    const value = single(raw, ctx);
    if (typeof value === 'boolean') return value;
    if (typeof value === 'string') {
      const t = value.trim().toLowerCase();
      if (TRUE_TEXT.has(t)) return true;
      if (FALSE_TEXT.has(t)) return false;
    }
    return expected(ctx, 'a boolean (true/false, 1/0, yes/no)', value, 'true');
  };
}

export function oneOf<C extends string>(choices: readonly C[]): Parser<C> {
  return (raw, ctx) => {
    const value = single(raw, ctx);
    if (typeof value === 'string' && (choices as readonly string[]).includes(value)) return value as C;
    return expected(ctx, `one of ${choices.map((c) => `\`${c}\``).join(', ')}`, value, choices[0] ?? '');
  };
}

/** A non-empty string matching `pattern` (described by `what`). */
export function text(what: string, fix: string, pattern?: RegExp): Parser<string> {
  return (raw, ctx) => {
    const value = single(raw, ctx);
    if (typeof value !== 'string' || value.trim() === '' || (pattern !== undefined && !pattern.test(value))) expected(ctx, what, value, fix);
    return value;
  };
}

/** A file or folder path, made absolute against the cwd (flags, env) or the config file's folder. */
export function path(fix: string): Parser<string> {
  const parseText = text('a path', fix);
  return (raw, ctx) => {
    const value = parseText(raw, ctx);
    return isAbsolute(value) ? value : resolve(ctx.baseDir, value);
  };
}

/**
 * A repeatable option: each item parsed by `item`. Config files may give a list, a single string,
 * or (with `fromMapping`) a mapping such as `label: {gpu: 4090}`.
 */
export function repeatable<V>(item: Parser<V>, fromMapping?: (key: string, value: unknown) => string): Parser<V[]> {
  return (raw, ctx) => {
    let items: unknown[];
    if (Array.isArray(raw)) items = raw;
    else if (raw !== null && typeof raw === 'object' && fromMapping !== undefined) items = Object.entries(raw).map(([k, v]) => fromMapping(k, v));
    else items = [raw];
    return items.map((i) => item(i, ctx));
  };
}
