/**
 * Number and cell formatting shared by compare's renderers (console, Markdown, JUnit, HTML), so
 * every output prints a figure the same way: times in ms or s, rates per s or min, VRAM in GiB,
 * differences as signed percentages (U+2212 minus), and benchstat's `± x%` spread.
 */
import type { MetricComparison } from '../../metrics/compare-stats.js';
import type { CompareRow } from '../../metrics/compare-types.js';

/** A value in its unit: `6.01 ms`, `1.23 s`, `3.21/s`, `192/min`, `3.2 GiB`. */
export function formatValue(v: number | null | undefined, unit: string): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '–';
  if (unit === 'ms') return v >= 1000 ? `${(v / 1000).toFixed(v >= 10_000 ? 1 : 2)} s` : `${v.toFixed(v >= 100 ? 1 : v >= 10 ? 2 : 3)} ms`;
  if (unit === 'B') return `${(v / 2 ** 30).toFixed(2)} GiB`;
  if (unit === '/s') return `${v.toFixed(v >= 10 ? 2 : 3)}/s`;
  if (unit === '/min') return `${v.toFixed(v >= 100 ? 0 : 1)}/min`;
  return v.toFixed(3);
}

/** A signed relative difference: `+3.1%`, `−0.4%`; `?` when unknown. */
export function formatPct(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '?';
  const a = Math.abs(v) * 100;
  const text = a >= 100 ? a.toFixed(0) : a >= 10 ? a.toFixed(1) : a.toFixed(2);
  return `${v < 0 ? '−' : '+'}${text}%`;
}

/** benchstat's spread: `± 2%` (half the median's interval, relative), `± ∞` when it has none. */
export function formatSpread(s: MetricComparison['baseline']): string {
  if (s.lo === null || s.hi === null || !(s.centre !== 0)) return '± ∞';
  const half = Math.max(Math.abs(s.hi - s.centre), Math.abs(s.centre - s.lo)) / Math.abs(s.centre);
  return `± ${half * 100 >= 10 ? (half * 100).toFixed(0) : (half * 100).toFixed(1)}%`;
}

/** `+3.1% [+2.0%, +4.2%]`, `~ [−1.0%, +0.8%]` or `too few samples`. */
export function formatDelta(row: CompareRow): string {
  const t = row.comparison.decisive;
  if (row.comparison.verdict === 'too few samples') return 'too few samples';
  const ci = `[${formatPct(t.lo)}, ${formatPct(t.hi)}]`;
  return row.comparison.verdict === '~' ? `~ ${ci}` : `${formatPct(t.delta)} ${ci}`;
}

/** benchstat's test note: `(p=0.008 n=20+20)`. */
export function formatTest(row: CompareRow): string {
  const t = row.comparison.decisive;
  const p = t.p === null ? '–' : t.p < 0.001 ? '<0.001' : t.p.toFixed(3);
  return `(p=${p} n=${t.n1}+${t.n2}${t.test === 'Welch t' ? ' runs' : ''})`;
}

/** Aligns rows of cells into columns (two spaces apart); `right[i]` right-aligns column i. */
export function alignColumns(rows: readonly (readonly string[])[], right: readonly boolean[] = []): string[] {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, [...c].length)));
  return rows.map((r) =>
    r
      .map((c, i) => {
        const pad = ' '.repeat((widths[i] ?? 0) - [...c].length);
        return right[i] === true ? pad + c : c + pad;
      })
      .join('  ')
      .trimEnd(),
  );
}
