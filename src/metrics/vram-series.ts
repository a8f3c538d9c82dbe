/**
 * One target's VRAM samples in the few numbers the figures need, in typed columns: time, and of
 * the primary device used, torch reserved and active, and system RAM used; whether the sample was
 * measured; and how many measured prompts completed just before it (the drift fit's points). A
 * sample costs 45 bytes here instead of the few hundred of a sample object (vram.csv keeps the
 * whole sample), and a prompt costs nothing: its completion is counted at the sample after it.
 *
 * The figures are those of vram-stats.ts over the same samples, to the last bit: level and run
 * peak, mean and nearest-rank p95, a prompt's peak during its execution, and the drift fit.
 */
import type { VramDrift, VramFigures, VramSample } from './result-types.js';
import { linearFitOfPoints } from './statistics.js';
import { DRIFT_MIN_PROMPTS, DRIFT_MIN_R2, DRIFT_MIN_SLOPE_MB, DRIFT_RULE, nearestRank } from './vram-stats.js';

const MB = 1024 * 1024;
const INITIAL_CAPACITY = 256;

export class VramSeries {
  #n = 0;
  #at = new Float64Array(INITIAL_CAPACITY);
  #used = new Float64Array(INITIAL_CAPACITY);
  #reserved = new Float64Array(INITIAL_CAPACITY);
  #active = new Float64Array(INITIAL_CAPACITY);
  #ram = new Float64Array(INITIAL_CAPACITY);
  #measured = new Uint8Array(INITIAL_CAPACITY);
  /** Measured prompts whose first measured sample at or after their completion is this one. */
  #completions = new Uint32Array(INITIAL_CAPACITY);
  /** Completion times not yet followed by a measured sample (at most one sampling interval's worth). */
  #pending: number[] = [];
  #firstSample: VramSample | undefined;

  get length(): number {
    return this.#n;
  }

  /** The first sample as it came (its device list names the devices). */
  get first(): VramSample | undefined {
    return this.#firstSample;
  }

  /** Adds a sample; samples of one target come in time order (one poll at a time), a late one is put in its place. */
  add(sample: VramSample): void {
    this.#firstSample ??= sample;
    if (this.#n === this.#at.length) this.#grow();
    let i = this.#n;
    while (i > 0 && (this.#at[i - 1] as number) > sample.atMs) i--;
    if (i < this.#n) this.#shiftFrom(i);
    const d = sample.devices[0];
    this.#at[i] = sample.atMs;
    this.#used[i] = d?.vramUsedBytes ?? 0;
    this.#reserved[i] = d?.torchReservedBytes ?? 0;
    this.#active[i] = d?.torchActiveBytes ?? 0;
    this.#ram[i] = sample.ramUsedBytes;
    this.#measured[i] = sample.phase === 'measure' ? 1 : 0;
    this.#completions[i] = 0;
    this.#n++;
    if (sample.phase === 'measure' && this.#pending.length > 0) {
      const still: number[] = [];
      for (const t of this.#pending) {
        if (t <= sample.atMs) this.#completions[i] = (this.#completions[i] ?? 0) + 1;
        else still.push(t);
      }
      this.#pending = still;
    }
  }

  /** A measured prompt completed at `completedMs`: a point of the drift fit, at the next measured sample. */
  noteCompletion(completedMs: number): void {
    for (let i = this.#firstAtOrAfter(completedMs); i < this.#n; i++) {
      if (this.#measured[i] === 1) {
        this.#completions[i] = (this.#completions[i] ?? 0) + 1;
        return;
      }
    }
    this.#pending.push(completedMs);
  }

  /** Peak, mean and p95 of used VRAM (and the peaks of the rest) over samples with `fromMs <= atMs <= toMs`. */
  figures(fromMs = -Infinity, toMs = Infinity): VramFigures | undefined {
    const start = this.#firstAtOrAfter(fromMs);
    let end = start;
    while (end < this.#n && (this.#at[end] as number) <= toMs) end++;
    if (end === start) return undefined;
    const used = this.#used.slice(start, end);
    let sum = 0;
    let reserved = 0;
    let active = 0;
    let ram = 0;
    for (let i = start; i < end; i++) {
      sum += this.#used[i] as number;
      reserved = Math.max(reserved, this.#reserved[i] as number);
      active = Math.max(active, this.#active[i] as number);
      ram = Math.max(ram, this.#ram[i] as number);
    }
    used.sort();
    return {
      samples: used.length,
      peakUsedBytes: used[used.length - 1] ?? 0,
      meanUsedBytes: Math.round(sum / used.length),
      p95UsedBytes: nearestRank(used as unknown as readonly number[], 95),
      peakTorchReservedBytes: reserved,
      peakTorchActiveBytes: active,
      peakRamUsedBytes: ram,
    };
  }

  /** Highest used VRAM among samples in [startMs, endMs]; undefined if none fell there. */
  peak(startMs: number, endMs: number): number | undefined {
    let peak: number | undefined;
    for (let i = this.#firstAtOrAfter(startMs); i < this.#n && (this.#at[i] as number) <= endMs; i++) peak = Math.max(peak ?? 0, this.#used[i] as number);
    return peak;
  }

  /** The drift fit over every measured prompt noted (see vram-stats.ts `vramDrift`, which it equals). */
  drift(): VramDrift | undefined {
    let points = 0;
    for (let i = 0; i < this.#n; i++) points += this.#completions[i] as number;
    const range = (from: number, to: number) => (visit: (x: number, y: number) => void) => {
      let x = 0;
      for (let i = 0; i < this.#n && x < to; i++) {
        const y = (this.#used[i] as number) / MB;
        for (let k = this.#completions[i] as number; k > 0 && x < to; k--, x++) if (x >= from) visit(x, y);
      }
    };
    const fit = linearFitOfPoints(range(0, points));
    if (fit === undefined) return undefined;
    const half = Math.floor(points / 2);
    const first = linearFitOfPoints(range(0, half));
    const second = linearFitOfPoints(range(half, points));
    const slope = fit.slope * 100;
    const halvesGrow =
      first !== undefined && second !== undefined && first.slope * 100 >= DRIFT_MIN_SLOPE_MB / 2 && second.slope * 100 >= DRIFT_MIN_SLOPE_MB / 2;
    return {
      prompts: points,
      slopeMbPer100Prompts: round3(slope),
      r2: round3(fit.r2),
      flagged: points >= DRIFT_MIN_PROMPTS && slope >= DRIFT_MIN_SLOPE_MB && fit.r2 >= DRIFT_MIN_R2 && halvesGrow,
      rule: DRIFT_RULE,
    };
  }

  /** Index of the first sample with `atMs >= t`. */
  #firstAtOrAfter(t: number): number {
    let lo = 0;
    let hi = this.#n;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.#at[mid] as number) < t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  #columns(): (Float64Array | Uint8Array | Uint32Array)[] {
    return [this.#at, this.#used, this.#reserved, this.#active, this.#ram, this.#measured, this.#completions];
  }

  /** Doubles every column (amortised O(1) per sample). */
  #grow(): void {
    const size = this.#at.length * 2;
    const f64 = (c: Float64Array): Float64Array<ArrayBuffer> => {
      const next = new Float64Array(size);
      next.set(c);
      return next;
    };
    this.#at = f64(this.#at);
    this.#used = f64(this.#used);
    this.#reserved = f64(this.#reserved);
    this.#active = f64(this.#active);
    this.#ram = f64(this.#ram);
    const measured = new Uint8Array(size);
    measured.set(this.#measured);
    this.#measured = measured;
    const completions = new Uint32Array(size);
    completions.set(this.#completions);
    this.#completions = completions;
  }

  #shiftFrom(i: number): void {
    for (const c of this.#columns()) c.copyWithin(i + 1, i, this.#n);
  }
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}
