/**
 * Parsers of the workflow options of `run` and `validate`: `--set path=value`,
 * `--matrix key=v1,v2`, `--input [node=]file`. Types are checked later, against the server's
 * `/object_info`; here only the shapes.
 */
import { isAbsolute, resolve } from 'node:path';

import type { ParseContext } from './option-table.js';
import type { InputOption, MatrixOption, SetOption } from '../session/plan-values.js';
import { expected } from './value-parsers.js';

export function parseSetOption(raw: unknown, ctx: ParseContext): SetOption {
  const text = typeof raw === 'number' || typeof raw === 'boolean' ? String(raw) : raw;
  if (typeof text !== 'string') return expected(ctx, 'a `path=value` assignment', raw, 'KSampler.steps=30');
  const eq = text.indexOf('=');
  const path = eq < 0 ? '' : text.slice(0, eq).trim();
  if (path === '')
    return expected(
      ctx,
      'a `path=value` assignment such as `3.inputs.steps=30`, `KSampler.steps=30` or `title:Positive.text=a red fox`',
      raw,
      'KSampler.steps=30',
    );
  return { path, value: text.slice(eq + 1) };
}

export function parseMatrixOption(raw: unknown, ctx: ParseContext): MatrixOption {
  const what = 'a `key=v1,v2,…` list (key: an input name such as `steps`, or a --set path such as `KSampler.cfg`)';
  if (typeof raw !== 'string') return expected(ctx, what, raw, 'batch_size=1,2,4');
  const eq = raw.indexOf('=');
  const key = eq < 0 ? '' : raw.slice(0, eq).trim();
  const values =
    eq < 0
      ? []
      : raw
          .slice(eq + 1)
          .split(',')
          .map((v) => v.trim());
  if (key === '' || values.length === 0 || values.some((v) => v === '')) return expected(ctx, what, raw, 'batch_size=1,2,4');
  if (new Set(values).size !== values.length) return expected(ctx, `${what} without repeated values`, raw, 'batch_size=1,2,4');
  return { key, values };
}

/** Config files may write `matrix: {steps: [20, 30]}` or `set: {KSampler.steps: 30}`. */
export function assignmentFromEntry(key: string, value: unknown): string {
  return `${key}=${Array.isArray(value) ? value.map(String).join(',') : String(value)}`;
}

const NODE_SELECTOR = /^[A-Za-z0-9_ -]+$/;

export function parseInputOption(raw: unknown, ctx: ParseContext): InputOption {
  if (typeof raw !== 'string' || raw.trim() === '') return expected(ctx, 'an image file, optionally `node=file` (node id or title)', raw, 'photo.png');
  const eq = raw.indexOf('=');
  const selector = eq > 0 ? raw.slice(0, eq).trim() : '';
  const file = selector !== '' && NODE_SELECTOR.test(selector) ? raw.slice(eq + 1).trim() : raw.trim();
  const resolved = isAbsolute(file) ? file : resolve(ctx.baseDir, file);
  return { path: resolved, ...(selector !== '' && NODE_SELECTOR.test(selector) ? { node: selector } : {}) };
}
