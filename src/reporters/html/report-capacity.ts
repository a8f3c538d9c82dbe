/**
 * The capacity-search parts of report.html's data, from capacity.json (else summary.json
 * `capacity`): the headline (max rate, goodput, knee, first failing rate), every trial with each
 * SLO's observed percentile against its threshold, the search path, and the GPU time the search
 * spent against the 8-level grid estimate with the estimate's formula.
 */
import type { CapacityResult } from '../../metrics/result-types.js';
import { parseSlo } from '../../metrics/slo.js';
import { perMinLabel } from './report-open-loop.js';

export interface CapacitySloCell {
  slo: string;
  /** The observed percentile of the trial, ms (null when no sample). */
  observedMs: number | null;
  thresholdMs: number | null;
  samples: number;
  over: number;
  required: number;
  verdict: string;
}

export interface CapacityTrialRow {
  /** 1-based, as the console prints it. */
  trial: number;
  level: number;
  /** The session that ran it (a resumed search: 1 for the interrupted one, then 2…). */
  session: number;
  label: string;
  phase: string;
  ratePerMin: number;
  verdict: 'pass' | 'fail' | 'stopped';
  reason: string;
  /** The one-line verdict, the same words as the console and trials.csv. */
  explanation: string;
  windows: number;
  durationMs: number;
  arrivals: number;
  dropped: number;
  ok: number;
  notOk: number;
  cut: number;
  throughputPerMin: number;
  goodputPerMin: number;
  queueWaitSlopeMsPerSec: number | null;
  gpuMs: number;
  slos: CapacitySloCell[];
}

export interface CapacityData {
  slos: { slo: string; thresholdMs: number | null; percentile: number | null; metric: string }[];
  confidence: number;
  minSamples: [string, number][];
  arrival: string;
  probe: { prompts: number; meanServiceMs: number; ratePerMin: number };
  maxRatePerMin: number | null;
  maxRateRule: string;
  goodputPerMin: number | null;
  goodputTrial: number | null;
  kneePerMin: number | null;
  kneeRule: string;
  firstFailRatePerMin: number | null;
  precision: number;
  gpu: { searchMs: number; gridEstimateMs: number; formula: string; ratio: number | null };
  rules: string[];
  trials: CapacityTrialRow[];
  /** Chart: trials sorted by rate; pass/fail split so each verdict gets its own marker. */
  byRate: {
    ratePerMin: number[];
    throughputPassPerMin: (number | null)[];
    throughputFailPerMin: (number | null)[];
    goodputPerMin: number[];
    /** Per SLO (same order as `slos`): the observed percentile at each rate, ms. */
    observedMs: (number | null)[][];
  };
  /** Chart: the search path in trial order. */
  path: { trial: number[]; ratePerMin: number[]; passPerMin: (number | null)[]; failPerMin: (number | null)[] };
}

export function capacityData(c: CapacityResult): CapacityData {
  const slos = c.slos.map((text) => {
    const parsed = parseSlo(text);
    return typeof parsed === 'string'
      ? { slo: text, thresholdMs: null, percentile: null, metric: text.split('.')[0] ?? text }
      : { slo: text, thresholdMs: parsed.thresholdMs, percentile: parsed.percentile, metric: parsed.metric };
  });
  const thresholdOf = new Map(slos.map((s) => [s.slo, s.thresholdMs]));
  const resumed = c.sessions !== undefined;
  const trials: CapacityTrialRow[] = c.trials.map((t) => ({
    trial: t.trial,
    level: t.level,
    session: t.session ?? 1,
    label: `trial ${t.trial} ${perMinLabel(t.ratePerSec * 60)} ${t.verdict}${resumed ? ` (session ${t.session ?? 1})` : ''}`,
    phase: t.phase,
    ratePerMin: t.ratePerSec * 60,
    verdict: t.verdict,
    reason: t.reason,
    explanation: t.explanation,
    windows: t.windows,
    durationMs: t.durationMs,
    arrivals: t.arrivals,
    dropped: t.dropped,
    ok: t.ok,
    notOk: t.failed,
    cut: t.cut,
    throughputPerMin: t.throughputPerSec * 60,
    goodputPerMin: t.goodputPerSec * 60,
    queueWaitSlopeMsPerSec: t.queueWaitSlopeMsPerSec,
    gpuMs: t.gpuMs,
    slos: t.slos.map((s) => ({
      slo: s.slo,
      observedMs: s.observedMs,
      thresholdMs: thresholdOf.get(s.slo) ?? null,
      samples: s.samples,
      over: s.over,
      required: s.required,
      verdict: s.verdict,
    })),
  }));
  const sorted = [...trials].sort((a, b) => a.ratePerMin - b.ratePerMin || a.trial - b.trial);
  const perMin = (v: number | null): number | null => (v === null ? null : v * 60);
  return {
    slos,
    confidence: c.confidence,
    minSamples: Object.entries(c.minSamples),
    arrival: c.burstiness !== undefined ? `${c.arrival} (burstiness ${c.burstiness})` : c.arrival,
    probe: { prompts: c.probe.prompts, meanServiceMs: c.probe.meanServiceMs, ratePerMin: c.probe.estimatedServiceRatePerSec * 60 },
    maxRatePerMin: perMin(c.maxRatePerSec),
    maxRateRule: c.maxRateRule ?? c.refused ?? '',
    goodputPerMin: perMin(c.goodputPerSec),
    goodputTrial: c.goodputTrial ?? null,
    kneePerMin: perMin(c.kneePerSec),
    kneeRule: c.kneeRule ?? '',
    firstFailRatePerMin: perMin(c.firstFailRatePerSec),
    precision: c.precision,
    gpu: { searchMs: c.gpuMs, gridEstimateMs: c.gridGpuMs, formula: c.gridRule, ratio: c.gridGpuMs > 0 ? c.gpuMs / c.gridGpuMs : null },
    rules: [...c.rules, ...sessionRules(c)],
    trials,
    byRate: {
      ratePerMin: sorted.map((t) => t.ratePerMin),
      throughputPassPerMin: sorted.map((t) => (t.verdict === 'pass' ? t.throughputPerMin : null)),
      throughputFailPerMin: sorted.map((t) => (t.verdict === 'fail' ? t.throughputPerMin : null)),
      goodputPerMin: sorted.map((t) => t.goodputPerMin),
      observedMs: slos.map((s) => sorted.map((t) => t.slos.find((x) => x.slo === s.slo)?.observedMs ?? null)),
    },
    path: {
      trial: trials.map((t) => t.trial),
      ratePerMin: trials.map((t) => t.ratePerMin),
      passPerMin: trials.map((t) => (t.verdict === 'pass' ? t.ratePerMin : null)),
      failPerMin: trials.map((t) => (t.verdict === 'fail' ? t.ratePerMin : null)),
    },
  };
}

/** A resumed search: which session ran which trials, and where the earlier sessions' prompt-level files are. */
function sessionRules(c: CapacityResult): string[] {
  if (c.sessions === undefined) return [];
  const each = c.sessions.map(
    (s) =>
      `session ${s.session} ran ${s.trials.length === 0 ? 'no decided trial' : `trial ${s.trials.join(', ')}`} (GPU ${(s.gpuMs / 1000).toFixed(1)} s${s.files === '.' ? ', the files of this folder' : `, its files in ${s.files}`})`,
  );
  return [
    `resumed (capacity --resume): ${each.join('; ')}. The trials and the answer count every session; the charts of levels and prompts show the last session's files (the earlier sessions' report.html is in their folders).`,
  ];
}
