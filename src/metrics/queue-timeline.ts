/**
 * Server queue depth over time, per target: `queue_remaining` (pending + running, every client's
 * prompts) as the `status` messages report it and as periodic `GET /prompt` reads it. Samples are
 * kept in time order per target (capped), so the depth can be averaged over a level (Little's
 * law) and written to queue.csv.
 */
export type QueueSampleSource = 'ws' | 'http';

export interface QueueSample {
  target: number;
  /** ms since the run start. */
  atMs: number;
  queueRemaining: number;
  source: QueueSampleSource;
}

/** Samples kept per target; older halves are dropped beyond it (a soak at 1 Hz keeps ~14 h). */
const MAX_SAMPLES = 50_000;

export class QueueTimeline {
  readonly #byTarget = new Map<number, QueueSample[]>();
  readonly #listeners: ((sample: QueueSample) => void)[] = [];

  /** Adds a sample; out-of-order times are clamped to the previous one. */
  add(sample: QueueSample): void {
    let list = this.#byTarget.get(sample.target);
    if (list === undefined) {
      list = [];
      this.#byTarget.set(sample.target, list);
    }
    const prev = list[list.length - 1];
    const s = prev !== undefined && sample.atMs < prev.atMs ? { ...sample, atMs: prev.atMs } : { ...sample };
    if (list.length >= MAX_SAMPLES) list.splice(0, list.length >> 1);
    list.push(s);
    for (const listener of this.#listeners) listener(s);
  }

  /** Called with every sample as it is added (queue.csv is appended this way). */
  onSample(listener: (sample: QueueSample) => void): void {
    this.#listeners.push(listener);
  }

  /** The last sample of a target. */
  latest(target: number): QueueSample | undefined {
    const list = this.#byTarget.get(target);
    return list?.[list.length - 1];
  }

  samples(target: number): readonly QueueSample[] {
    return this.#byTarget.get(target) ?? [];
  }

  get targets(): number[] {
    return [...this.#byTarget.keys()].sort((a, b) => a - b);
  }

  /**
   * Time-weighted mean depth over [fromMs, toMs] (a step function: each sample holds until the
   * next); undefined when no sample precedes `toMs`. Targets given are summed.
   */
  timeAverage(targets: readonly number[], fromMs: number, toMs: number): number | undefined {
    if (!(toMs > fromMs)) return undefined;
    let total = 0;
    let any = false;
    for (const target of targets) {
      const list = this.samples(target);
      let area = 0;
      let covered = 0;
      for (let i = 0; i < list.length; i++) {
        const s = list[i] as QueueSample;
        const start = Math.max(s.atMs, fromMs);
        const end = Math.min(list[i + 1]?.atMs ?? toMs, toMs);
        if (end <= start) continue;
        area += s.queueRemaining * (end - start);
        covered += end - start;
      }
      if (covered > 0) {
        any = true;
        // Time before the first sample is unknown: average over what is covered.
        total += area / covered;
      }
    }
    return any ? total : undefined;
  }
}
