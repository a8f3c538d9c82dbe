/**
 * Model swaps of a mixed workload (`run --mix`), from its prompt records. A swap is a prompt whose model differs from the previous prompt's
 * on the same server, in the server's execution order. What a swap costs shows in the time from
 * `execution_start` to the first sampler step (model load + encode): `swapMs` of a kind `A→B` is
 * the mean of that time over B's prompts that followed an A prompt, minus its mean over B's
 * prompts that followed another B prompt (no swap). Only ok measured prompts give figures; every
 * prompt that ran sets what the next one follows. The first prompt of each model on a server is a
 * cold start (a first load from disk, whatever ran before it): counted apart, never a swap.
 */

export interface SwapRecord {
  target: number;
  /** Server execution order on the target (serverStartTs, or the client's executionStartMs). */
  startMs: number;
  /** What a swap is about: the checkpoint (or workflow) the prompt runs. */
  model: string;
  /** Counts towards the figures (ok, measured phase). */
  measured: boolean;
  /** The warm-up's swaps are counted in `swapCount` only, not in `measuredSwapCount`. Default `measure`. */
  phase?: 'warmup' | 'measure';
  /** execution_start → first sampler step, ms; undefined without steps. */
  firstStepAfterStartMs: number | undefined;
}

export interface SwapKind {
  /** `A→B`. */
  kind: string;
  from: string;
  to: string;
  /** Measured prompts of B after an A prompt (the swaps with a figure). */
  swaps: number;
  meanAfterSwapMs: number;
  /** Measured prompts of B after a B prompt. */
  noSwapPrompts: number;
  meanAfterNoSwapMs: number | null;
  /** meanAfterSwapMs − meanAfterNoSwapMs; null without a no-swap baseline. */
  swapMs: number | null;
}

export interface SwapSummary {
  /** Every prompt that followed a prompt of another model on its server, measured or not. */
  swapCount: number;
  /** Of those, the prompts of the measured phase (any outcome). */
  measuredSwapCount: number;
  /** Prompts that were the first of their model on their server: cold starts, neither swaps nor baselines. */
  coldCount: number;
  kinds: SwapKind[];
}

/** Swaps and their cost per kind, kinds sorted by name. */
export function modelSwaps(records: readonly SwapRecord[]): SwapSummary {
  const byTarget = new Map<number, SwapRecord[]>();
  for (const r of records) {
    const list = byTarget.get(r.target) ?? [];
    list.push(r);
    byTarget.set(r.target, list);
  }
  const afterSwap = new Map<string, number[]>();
  const afterSame = new Map<string, number[]>();
  let swapCount = 0;
  let measuredSwapCount = 0;
  let coldCount = 0;
  for (const list of byTarget.values()) {
    list.sort((a, b) => a.startMs - b.startMs);
    const seen = new Set<string>();
    for (const [i, cur] of list.entries()) {
      // The first prompt of a model on a server is a cold start (its files read from disk), not a swap.
      if (!seen.has(cur.model)) {
        seen.add(cur.model);
        coldCount++;
        continue;
      }
      const prev = list[i - 1] as SwapRecord;
      const swapped = prev.model !== cur.model;
      if (swapped) swapCount++;
      if (swapped && cur.phase !== 'warmup') measuredSwapCount++;
      if (!cur.measured || cur.firstStepAfterStartMs === undefined) continue;
      const key = swapped ? `${prev.model}→${cur.model}` : cur.model;
      const map = swapped ? afterSwap : afterSame;
      const values = map.get(key) ?? [];
      values.push(cur.firstStepAfterStartMs);
      map.set(key, values);
    }
  }
  const kinds = [...afterSwap.entries()]
    .map(([kind, values]): SwapKind => {
      const [from = '', to = ''] = kind.split('→');
      const base = afterSame.get(to) ?? [];
      const meanAfterSwapMs = mean(values);
      const meanAfterNoSwapMs = base.length > 0 ? mean(base) : null;
      return {
        kind,
        from,
        to,
        swaps: values.length,
        meanAfterSwapMs,
        noSwapPrompts: base.length,
        meanAfterNoSwapMs,
        swapMs: meanAfterNoSwapMs === null ? null : meanAfterSwapMs - meanAfterNoSwapMs,
      };
    })
    .sort((a, b) => a.kind.localeCompare(b.kind));
  return { swapCount, measuredSwapCount, coldCount, kinds };
}

function mean(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}
