/**
 * `OutcomeCounter`: submissions and settlements by outcome, for one level (or one target of one
 * level). Every submitted prompt ends in exactly one outcome, so once a level has drained,
 * `submitted === Σ outcomes`; `inFlight` is the difference while it runs, and `assertBalanced()`
 * turns a lost prompt into a loud error instead of a quietly wrong error rate.
 */
import type { Outcome } from '../comfy/marks.js';
import type { OutcomeCounts } from './result-types.js';

export class OutcomeCounter {
  #submitted = 0;
  #settled = 0;
  readonly #byOutcome = new Map<string, number>();
  readonly #okOutcomes: readonly Outcome[];

  /** `okOutcomes`: the outcomes that count as ok (`cached` too under `--cache-mode allow`). */
  constructor(okOutcomes: readonly Outcome[] = ['ok']) {
    this.#okOutcomes = okOutcomes;
  }

  /** Counts one prompt handed to the server (or to the arrival plan, for `dropped`). */
  submit(): void {
    this.#submitted++;
  }

  /** Counts one prompt's final outcome. */
  settle(outcome: Outcome): void {
    this.#settled++;
    this.#byOutcome.set(outcome, (this.#byOutcome.get(outcome) ?? 0) + 1);
  }

  get submitted(): number {
    return this.#submitted;
  }

  get settled(): number {
    return this.#settled;
  }

  /** Submitted but not yet settled. */
  get inFlight(): number {
    return this.#submitted - this.#settled;
  }

  /** Settled with an outcome that counts as ok (`ok`, and `cached` when cache hits are wanted). */
  get ok(): number {
    let sum = 0;
    for (const outcome of this.#okOutcomes) sum += this.#byOutcome.get(outcome) ?? 0;
    return sum;
  }

  /** Settled with any outcome that does not count as ok. */
  get notOk(): number {
    return this.#settled - this.ok;
  }

  /** Count of one outcome (0 if never seen). */
  count(outcome: Outcome): number {
    return this.#byOutcome.get(outcome) ?? 0;
  }

  /** Counts by outcome, keys sorted (`ok` first) for stable output. */
  counts(): OutcomeCounts {
    const keys = [...this.#byOutcome.keys()].sort(compareOutcomes);
    return Object.fromEntries(keys.map((key) => [key, this.#byOutcome.get(key) ?? 0]));
  }

  /** Whether every submitted prompt has settled. */
  isBalanced(): boolean {
    return this.#submitted === this.#settled;
  }

  /** Throws unless `submitted === Σ outcomes`. Call when a level has drained. */
  assertBalanced(): void {
    if (!this.isBalanced()) {
      throw new Error(`Outcome counts do not add up: ${this.#submitted} submitted, ${this.#settled} settled ` + `(${JSON.stringify(this.counts())})`);
    }
  }

  /** Adds another counter's counts into this one (targets into a level, levels into totals). */
  add(other: OutcomeCounter): void {
    this.#submitted += other.#submitted;
    this.#settled += other.#settled;
    for (const [outcome, count] of other.#byOutcome) {
      this.#byOutcome.set(outcome, (this.#byOutcome.get(outcome) ?? 0) + count);
    }
  }
}

function compareOutcomes(a: string, b: string): number {
  if (a === b) return 0;
  if (a === 'ok') return -1;
  if (b === 'ok') return 1;
  return a < b ? -1 : 1;
}
