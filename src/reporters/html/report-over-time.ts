/**
 * "Over time" in report.html, for soaks and long runs: per window of histograms.hlog (the
 * recorder's interval histograms, a few seconds each) the ok completions per minute and the
 * completion p50/p95 of the window's prompts — read from the window's own histograms, never
 * averaged — and the system RAM of the vram.csv samples in it, with the drift verdict beside them.
 */
import type { readHlogIntervals } from '../../metrics/hlog-reader.js';
import { mergeHistograms, US_PER_MS } from '../../metrics/hdr.js';
import { parseTag } from '../../metrics/histogram-key.js';
import type { RunSummary } from '../../metrics/result-types.js';

export interface OverTime {
  /** Window midpoints, s since the run start. */
  t: number[];
  /** Ok prompts completed in the window, per minute of it. */
  okPerMin: number[];
  p50Ms: (number | null)[];
  p95Ms: (number | null)[];
  /** Mean system RAM used over the window's vram.csv samples, GiB (null: none in it). */
  ramGiB: (number | null)[];
  /** The drift verdict, with its rule and figures (null when none was made). */
  drift: string | null;
}

const GIB = 2 ** 30;

/** At least this many windows before the section is drawn (a short run has one or two). */
const MIN_WINDOWS = 3;

export function overTimeData(
  s: RunSummary,
  intervals: ReturnType<typeof readHlogIntervals>,
  ramSamples: readonly { atMs: number; ramUsedBytes?: number }[],
): OverTime | null {
  const windows = new Map<string, { startMs: number; endMs: number; histograms: (typeof intervals)[number]['histogram'][] }>();
  for (const interval of intervals) {
    const key = parseTag(interval.tag);
    if (key?.metric !== 'completionMs' || key.phase !== 'measure') continue;
    const id = `${interval.startEpochMs}-${interval.endEpochMs}`;
    const w = windows.get(id) ?? { startMs: interval.startEpochMs - s.startTimeEpochMs, endMs: interval.endEpochMs - s.startTimeEpochMs, histograms: [] };
    w.histograms.push(interval.histogram);
    windows.set(id, w);
  }
  const sorted = [...windows.values()].filter((w) => w.endMs > w.startMs).sort((a, b) => a.startMs - b.startMs);
  if (sorted.length < MIN_WINDOWS) return null;
  const out: OverTime = { t: [], okPerMin: [], p50Ms: [], p95Ms: [], ramGiB: [], drift: driftText(s) };
  for (const w of sorted) {
    const h = mergeHistograms(w.histograms);
    out.t.push(Math.round((w.startMs + w.endMs) / 2) / 1000);
    out.okPerMin.push((h.totalCount * 60_000) / (w.endMs - w.startMs));
    out.p50Ms.push(h.totalCount > 0 ? h.getValueAtPercentile(50) / US_PER_MS : null);
    out.p95Ms.push(h.totalCount > 0 ? h.getValueAtPercentile(95) / US_PER_MS : null);
    const ram = ramSamples.filter((x) => x.atMs >= w.startMs && x.atMs < w.endMs && x.ramUsedBytes !== undefined);
    out.ramGiB.push(ram.length > 0 ? Math.round((ram.reduce((a, x) => a + (x.ramUsedBytes ?? 0), 0) / ram.length / GIB) * 1000) / 1000 : null);
  }
  return out;
}

function driftText(s: RunSummary): string | null {
  const drift = s.vram?.drift;
  if (drift === undefined || drift === null) return s.vram?.driftSkipped !== undefined ? `No drift verdict: ${s.vram.driftSkipped}` : null;
  const verdict = drift.flagged ? 'memory keeps growing' : 'no drift';
  return `VRAM drift: ${verdict} — ${drift.slopeMbPer100Prompts.toFixed(1)} MB per 100 prompts, r² ${drift.r2.toFixed(2)} over ${drift.prompts} prompts (rule: ${drift.rule}).`;
}
