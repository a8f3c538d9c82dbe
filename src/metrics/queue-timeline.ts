/**
 * Server queue depth over time, per target: `queue_remaining` (pending + running, every client's
 * prompts) as the `status` messages report it and as periodic `GET /prompt` reads it. Listeners
 * hear every sample (queue.csv is appended that way); the timeline itself keeps, per target, the
 * latest sample (least-queue dispatch reads it) and the running time integral of the depth (a
 * step function: each sample holds until the next), with a ring of recent samples to read that
 * integral at any recent time. A level's time-averaged depth (Little's law) is a window opened at
 * its start and closed at its end — both recent when they happen — so the average is exact
 * however long the run, and memory does not grow with it (the old list of every sample did, by
 * three samples a prompt, and was cut in half past 50 000, losing early levels' figures).
 */
export type QueueSampleSource = 'ws' | 'http';

export interface QueueSample {
  target: number;
  /** ms since the run start. */
  atMs: number;
  queueRemaining: number;
  source: QueueSampleSource;
}

/** Recent samples kept per target to read the integral at a recent time (minutes of samples at any real prompt rate). */
const RING = 4096;

interface Point {
  atMs: number;
  queueRemaining: number;
  /** ∫ depth dt from the target's first sample to `atMs`. */
  area: number;
}

/** One target's integral: its first sample's time and a ring of recent points. */
class TargetTrack {
  firstAtMs: number | undefined;
  latest: QueueSample | undefined;
  readonly #ring: (Point | undefined)[] = new Array<Point | undefined>(RING);
  #next = 0;
  #count = 0;

  add(sample: QueueSample): void {
    const prev = this.#point(this.#count - 1);
    this.firstAtMs ??= sample.atMs;
    const area = prev === undefined ? 0 : prev.area + prev.queueRemaining * (sample.atMs - prev.atMs);
    this.#ring[this.#next] = { atMs: sample.atMs, queueRemaining: sample.queueRemaining, area };
    this.#next = (this.#next + 1) % RING;
    this.#count = Math.min(this.#count + 1, RING);
    this.latest = sample;
  }

  /**
   * ∫ depth dt from the first sample to `t` (0 before it). A `t` older than the ring is read at
   * its oldest point (`exact` false): windows are read when they open and close, never that late.
   */
  areaAt(t: number): { area: number; exact: boolean } {
    if (this.firstAtMs === undefined || t <= this.firstAtMs) return { area: 0, exact: true };
    for (let i = this.#count - 1; i >= 0; i--) {
      const p = this.#point(i) as Point;
      if (p.atMs <= t) return { area: p.area + p.queueRemaining * (t - p.atMs), exact: true };
    }
    const oldest = this.#point(0) as Point;
    return { area: oldest.area, exact: false };
  }

  /** The i-th kept point, oldest first. */
  #point(i: number): Point | undefined {
    if (i < 0 || i >= this.#count) return undefined;
    return this.#ring[(this.#next - this.#count + i + RING) % RING];
  }
}

/** A time window over some targets' depth, opened at `fromMs`; `average(toMs)` closes it. */
export interface QueueWindow {
  /**
   * Time-weighted mean depth over [fromMs, toMs], the targets summed (each averaged over the part
   * of the window after its first sample: time before it is unknown); undefined without cover.
   */
  average(toMs: number): number | undefined;
}

export class QueueTimeline {
  readonly #tracks = new Map<number, TargetTrack>();
  readonly #listeners: ((sample: QueueSample) => void)[] = [];

  /** Adds a sample; out-of-order times are clamped to the previous one. */
  add(sample: QueueSample): void {
    let track = this.#tracks.get(sample.target);
    if (track === undefined) {
      track = new TargetTrack();
      this.#tracks.set(sample.target, track);
    }
    const prevAt = track.latest?.atMs;
    const s = prevAt !== undefined && sample.atMs < prevAt ? { ...sample, atMs: prevAt } : { ...sample };
    track.add(s);
    for (const listener of this.#listeners) listener(s);
  }

  /** Called with every sample as it is added (queue.csv is appended this way). */
  onSample(listener: (sample: QueueSample) => void): void {
    this.#listeners.push(listener);
  }

  /** The last sample of a target. */
  latest(target: number): QueueSample | undefined {
    return this.#tracks.get(target)?.latest;
  }

  get targets(): number[] {
    return [...this.#tracks.keys()].sort((a, b) => a - b);
  }

  /** Opens a window at `fromMs` (now or a moment ago) over `targets`. */
  window(targets: readonly number[], fromMs: number): QueueWindow {
    const track = (target: number): TargetTrack => {
      let t = this.#tracks.get(target);
      if (t === undefined) {
        t = new TargetTrack();
        this.#tracks.set(target, t);
      }
      return t;
    };
    const opened = targets.map((target) => ({ track: track(target), fromArea: track(target).areaAt(fromMs).area }));
    return {
      average: (toMs) => {
        if (!(toMs > fromMs)) return undefined;
        let total = 0;
        let any = false;
        for (const { track: t, fromArea } of opened) {
          if (t.firstAtMs === undefined || t.firstAtMs >= toMs) continue;
          const covered = toMs - Math.max(fromMs, t.firstAtMs);
          if (covered <= 0) continue;
          any = true;
          total += (t.areaAt(toMs).area - fromArea) / covered;
        }
        return any ? total : undefined;
      },
    };
  }

  /** Time-weighted mean depth over [fromMs, toMs] of recent times (see {@link QueueWindow.average}). */
  timeAverage(targets: readonly number[], fromMs: number, toMs: number): number | undefined {
    return this.window(targets, fromMs).average(toMs);
  }
}
