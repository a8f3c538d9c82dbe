/**
 * Number formatting shared by the reporters. Times in files are ms with 3 decimals: recorded
 * values are whole microseconds, so a percentile read from a histogram prints exactly.
 */

/** ms with 3 decimals; '' for a missing value. */
export function formatMs(valueMs: number | undefined): string {
  return valueMs === undefined || !Number.isFinite(valueMs) ? '' : valueMs.toFixed(3);
}

/** A rate with 3 decimals; '' for a missing value. */
export function formatRate(value: number | undefined): string {
  return value === undefined || !Number.isFinite(value) ? '' : value.toFixed(3);
}

/** A human duration for the console: `850ms`, `12.4s`, `3m05s`. */
export function formatDurationShort(valueMs: number | undefined): string {
  if (valueMs === undefined || !Number.isFinite(valueMs)) return '-';
  if (valueMs < 1000) return `${Math.round(valueMs)}ms`;
  if (valueMs < 60_000) return `${(valueMs / 1000).toFixed(valueMs < 10_000 ? 2 : 1)}s`;
  const totalSec = Math.round(valueMs / 1000);
  const minutes = Math.floor(totalSec / 60);
  return `${minutes}m${String(totalSec % 60).padStart(2, '0')}s`;
}

/** A rate per second as the user would write it back: `12/min`, `1.5/s`. */
export function formatRateText(perSec: number): string {
  const perMin = perSec * 60;
  return perSec >= 1 ? `${round(perSec)}/s` : `${round(perMin)}/min`;
}

function round(n: number): string {
  return String(Number(n.toPrecision(6)));
}

/** A rate per second as per minute, one decimal: `769.8/min` (capacity lines and answer). */
export function formatPerMin(perSec: number): string {
  return `${(perSec * 60).toFixed(1)}/min`;
}
