/**
 * How the planner writes its figures, shared by its verdict lines and the reporters' table and
 * page so a number reads the same everywhere: `850 ms`, `21.3 s`, `600/min`, `95% CI`.
 */

export function ci(confidence: number): string {
  return `${Number((confidence * 100).toFixed(1))}% CI`;
}

export function percent(fraction: number): string {
  return `${(fraction * 100).toFixed(0)}%`;
}

/** ms as a person reads it: `850 ms`, `21.3 s`, `2.5 min`. */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return '∞';
  if (ms < 1000) return `${ms < 10 ? ms.toFixed(1) : ms.toFixed(0)} ms`;
  if (ms < 120_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  return `${(ms / 60_000).toFixed(1)} min`;
}

/** A rate per second as a person writes it: per minute (`600/min`, `12.5/min`), the unit GPU prompts are planned in. */
export function formatRate(perSec: number): string {
  return `${Number((perSec * 60).toPrecision(4))}/min`;
}
