/**
 * A mixed workload's weights and the order its prompts take (issue 17's `--mix`, pure parts only;
 * not wired into the engines yet). `parseMix` reads `3:1` (weights in --workflow order) or
 * `a=75%,b=25%` / `a=3,b=1` (by workflow name: the file name without `.json`), returning the
 * weights or a sentence saying what is wrong, for the CLI to word (as metrics/slo.ts does).
 * `MixOrder` turns weights into the workflow index of each next prompt, seeded by the run's seed:
 *  - `random`: each prompt draws its workflow by weight;
 *  - `alternate`: as evenly interleaved as the weights allow (smooth weighted round-robin: 3:1 →
 *    a a b a, repeating), so consecutive prompts change model as often as the mix can;
 *  - `batched:N`: runs of N prompts of one workflow, the runs interleaved by weight, to show what
 *    grouping by model saves.
 */
import { createRng } from './rng.js';

export type MixOrderKind = { kind: 'random' } | { kind: 'alternate' } | { kind: 'batched'; size: number };

/** Weights in --workflow order (> 0 each; they need not sum to anything). */
export type MixWeights = number[];

const PERCENT_TOLERANCE = 0.01;

/** The weights of `text` for workflows named `names` (in --workflow order), or what is wrong. */
export function parseMix(text: string, names: readonly string[]): MixWeights | string {
  const trimmed = text.trim();
  if (trimmed === '') return 'a mix such as `3:1` or `a=75%,b=25%`';
  if (!trimmed.includes('=')) return parseRatio(trimmed, names.length);
  const weights: (number | undefined)[] = names.map(() => undefined);
  let percents = 0;
  const items = trimmed.split(',').map((s) => s.trim());
  for (const item of items) {
    const m = /^([^=]+?)\s*=\s*(\d+(?:\.\d+)?)\s*(%?)$/.exec(item);
    if (m === null) return `\`name=weight\` items (\`a=75%\` or \`a=3\`), not \`${item}\``;
    const [, name = '', value = '', percent = ''] = m;
    const index = names.indexOf(name);
    if (index < 0) return `a workflow name (${names.map((n) => `\`${n}\``).join(', ')}), not \`${name}\``;
    if (weights[index] !== undefined) return `each workflow once, not \`${name}\` twice`;
    const weight = Number(value);
    if (!(weight > 0)) return `a weight > 0 for \`${name}\``;
    weights[index] = weight;
    if (percent === '%') percents++;
  }
  if (percents !== 0 && percents !== items.length) return 'all weights in % or none';
  const missing = names.filter((_, i) => weights[i] === undefined);
  if (missing.length > 0) return `a weight for every workflow (missing ${missing.map((n) => `\`${n}\``).join(', ')})`;
  const result = weights as number[];
  if (percents > 0) {
    const sum = result.reduce((a, b) => a + b, 0);
    if (Math.abs(sum - 100) > PERCENT_TOLERANCE) return `percentages that add up to 100%, not ${Number(sum.toFixed(4))}%`;
  }
  return result;
}

function parseRatio(text: string, count: number): MixWeights | string {
  const parts = text.split(':').map((s) => s.trim());
  if (!parts.every((p) => /^\d+(?:\.\d+)?$/.test(p))) return `a ratio of numbers such as \`3:1\`, not \`${text}\``;
  if (parts.length !== count) return `one weight per --workflow (${count}), not ${parts.length}`;
  const weights = parts.map(Number);
  if (!weights.every((w) => w > 0)) return 'weights > 0';
  return weights;
}

/** `random`, `alternate` or `batched:N` (N ≥ 1), or what is wrong. */
export function parseMixOrder(text: string): MixOrderKind | string {
  const t = text.trim();
  if (t === 'random' || t === 'alternate') return { kind: t };
  const m = /^batched:(\d+)$/.exec(t);
  if (m !== null && Number(m[1]) >= 1) return { kind: 'batched', size: Number(m[1]) };
  return '`random`, `alternate` or `batched:<N>` (N ≥ 1)';
}

/** The workflow index of each next prompt. */
export class MixOrder {
  readonly #weights: readonly number[];
  readonly #order: MixOrderKind;
  readonly #rng: () => number;
  readonly #total: number;
  readonly #current: number[];
  #batchLeft = 0;
  #batchWorkflow = 0;

  constructor(weights: MixWeights, order: MixOrderKind, seed: number) {
    if (weights.length === 0 || !weights.every((w) => w > 0 && Number.isFinite(w))) {
      throw new RangeError(`Expected weights > 0, got \`${weights.join(':')}\``);
    }
    if (order.kind === 'batched' && !(Number.isInteger(order.size) && order.size >= 1)) {
      throw new RangeError(`Expected a batch size >= 1, got \`${order.size}\``);
    }
    this.#weights = [...weights];
    this.#order = order;
    this.#rng = createRng(seed);
    this.#total = weights.reduce((a, b) => a + b, 0);
    this.#current = weights.map(() => 0);
  }

  next(): number {
    switch (this.#order.kind) {
      case 'random':
        return this.#draw();
      case 'alternate':
        return this.#smooth();
      case 'batched':
        if (this.#batchLeft === 0) {
          this.#batchWorkflow = this.#smooth();
          this.#batchLeft = this.#order.size;
        }
        this.#batchLeft--;
        return this.#batchWorkflow;
    }
  }

  /** A weighted draw from the seeded stream. */
  #draw(): number {
    let u = this.#rng() * this.#total;
    for (const [i, w] of this.#weights.entries()) {
      if (u < w) return i;
      u -= w;
    }
    return this.#weights.length - 1;
  }

  /** Smooth weighted round-robin (nginx's): every index gains its weight, the largest is taken and pays the total. */
  #smooth(): number {
    let best = 0;
    for (const [i, w] of this.#weights.entries()) {
      this.#current[i] = (this.#current[i] as number) + w;
      if ((this.#current[i] as number) > (this.#current[best] as number)) best = i;
    }
    this.#current[best] = (this.#current[best] as number) - this.#total;
    return best;
  }
}
