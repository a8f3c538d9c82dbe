/**
 * Parsers of arrival rates and ramping stages (`--rate 12/min`, `--stages '2/min:5m,10/min:10m'`).
 * A rate always carries its unit (`/s`, `/min`, `/h`, or spelt out: `/second`, `/minute`, `/hour`): a bare number would be a guess between
 * prompts per second and per minute, which differ sixty-fold.
 */
import type { RateStage } from '../harness/arrival-schedule.js';
import type { ParseContext } from './option-table.js';
import { duration, expected, type Parser } from './value-parsers.js';

const RATE_TEXT = /^(\d+(?:\.\d+)?|\.\d+)\s*\/\s*(s|sec|second|m|min|minute|h|hr|hour)$/i;
const PER_SEC: Record<string, number> = { s: 1, sec: 1, second: 1, m: 1 / 60, min: 1 / 60, minute: 1 / 60, h: 1 / 3600, hr: 1 / 3600, hour: 1 / 3600 };

/** `12/min` → 0.2 (prompts per second); undefined when not a rate. */
export function rateTextToPerSec(text: string): number | undefined {
  const m = RATE_TEXT.exec(text.trim());
  if (m === null) return undefined;
  return Number(m[1]) * (PER_SEC[(m[2] ?? '').toLowerCase()] ?? Number.NaN);
}

/** One rate or a comma-separated list of rates > 0 (`6/min,12/min`; config: a list). */
export function rateList(fix: string): Parser<number[]> {
  const what = 'a rate with its unit (`12/min`, `0.5/s`, `30/h`) or a comma-separated list of them, each > 0';
  return (raw, ctx) => {
    const items = listItems(raw, ctx);
    const rates = items.map((item) => {
      const r = typeof item === 'string' ? rateTextToPerSec(item) : undefined;
      if (r === undefined || !(r > 0) || !Number.isFinite(r)) {
        const bare = typeof item === 'number' || (typeof item === 'string' && /^\s*[\d.]+\s*$/.test(item));
        return expected(ctx, what, shown(raw, ctx), fix, bare ? { hint: `add a unit, e.g. ${ctx.example(`${String(item).trim()}/min`)}` } : {});
      }
      return r;
    });
    if (rates.length === 0) expected(ctx, what, shown(raw, ctx), fix);
    return rates;
  };
}

/** `rate:duration` stages, comma-separated (`2/min:5m,10/min:10m`). */
export function stageList(fix: string): Parser<RateStage[]> {
  const what = 'comma-separated stages `<rate>:<duration>` (e.g. `2/min:5m,10/min:10m`)';
  const parseDuration = duration('5m');
  return (raw, ctx) => {
    const items = listItems(raw, ctx);
    if (items.length === 0) expected(ctx, what, shown(raw, ctx), fix);
    return items.map((item) => {
      const text = typeof item === 'string' ? item.trim() : '';
      const colon = text.lastIndexOf(':');
      const rate = colon > 0 ? rateTextToPerSec(text.slice(0, colon)) : undefined;
      if (rate === undefined || !(rate >= 0)) return expected(ctx, what, shown(raw, ctx), fix);
      let durationMs: number;
      try {
        durationMs = parseDuration(text.slice(colon + 1), { ...ctx, source: ctx.source === 'config' ? 'config' : 'flag' });
      } catch {
        return expected(ctx, what, shown(raw, ctx), fix, { hint: `each stage's duration takes a unit, e.g. ${ctx.example(fix)}` });
      }
      return { ratePerSec: rate, durationMs };
    });
  };
}

function listItems(raw: unknown, ctx: ParseContext): unknown[] {
  const value = Array.isArray(raw) && ctx.source === 'flag' ? raw[raw.length - 1] : raw;
  if (Array.isArray(value)) return value.flatMap((v) => (typeof v === 'string' ? v.split(',') : [v]));
  if (typeof value === 'string') return value.split(',').filter((s) => s.trim() !== '');
  return [value];
}

function shown(raw: unknown, ctx: ParseContext): unknown {
  return Array.isArray(raw) && ctx.source === 'flag' ? raw[raw.length - 1] : raw;
}
