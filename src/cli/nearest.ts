/** "Did you mean" suggestions: the candidates nearest to a misspelt name by edit distance. */

/** Levenshtein distance (insert, delete, substitute), case-insensitive. */
export function editDistance(a: string, b: string): number {
  const s = a.toLowerCase();
  const t = b.toLowerCase();
  let previous = Array.from({ length: t.length + 1 }, (_, j) => j);
  for (let i = 1; i <= s.length; i++) {
    const current = [i];
    for (let j = 1; j <= t.length; j++) {
      const cost = s[i - 1] === t[j - 1] ? 0 : 1;
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost);
    }
    previous = current;
  }
  return previous[t.length] ?? 0;
}

/**
 * Up to `limit` candidates within a distance that grows with the name's length (a third of it,
 * at least 2), nearest first; a candidate that contains the name (or vice versa) also counts.
 */
export function nearest(name: string, candidates: readonly string[], limit = 3): string[] {
  const budget = Math.max(2, Math.floor(name.length / 3));
  const lower = name.toLowerCase();
  return candidates
    .map((c) => {
      const d = editDistance(name, c);
      const contains = lower.length >= 3 && (c.toLowerCase().includes(lower) || lower.includes(c.toLowerCase()));
      return { c, d: contains ? Math.min(d, budget) : d };
    })
    .filter(({ d }) => d <= budget)
    .sort((x, y) => x.d - y.d || x.c.localeCompare(y.c))
    .slice(0, limit)
    .map(({ c }) => c);
}
