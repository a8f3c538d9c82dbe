/** What every engine's run ends with, a run cut short included, and the one way to build it. */
import type { DecodeStats } from '../comfy/decode-stats.js';
import type { ComfyloadError } from '../comfy/errors.js';
import type { LevelSummary } from '../metrics/result-types.js';

export interface RunOutcome {
  warmup: LevelSummary | null;
  levels: LevelSummary[];
  partial: boolean;
  partialReason?: string;
  /** Frames decoded, unknown and malformed messages, over every socket of the run. */
  decodeStats: DecodeStats;
  reconnects: number;
  /**
   * Set when the target itself ended the run early (every socket given up, or sockets that would
   * not open): the run is partial and the session ends with this error's code after writing results.
   */
  stoppedBy?: ComfyloadError;
}

/** A run is partial when it was stopped or its target ended it; the reason says which. */
export function runOutcome(o: {
  warmup: LevelSummary | null;
  levels: LevelSummary[];
  signal: AbortSignal;
  stoppedBy: ComfyloadError | undefined;
  decodeStats: DecodeStats;
  reconnects: number;
}): RunOutcome {
  const partial = o.signal.aborted || o.stoppedBy !== undefined;
  return {
    warmup: o.warmup,
    levels: o.levels,
    partial,
    ...(partial ? { partialReason: o.stoppedBy?.message ?? String(o.signal.reason ?? 'stopped') } : {}),
    decodeStats: o.decodeStats,
    reconnects: o.reconnects,
    ...(o.stoppedBy !== undefined ? { stoppedBy: o.stoppedBy } : {}),
  };
}
