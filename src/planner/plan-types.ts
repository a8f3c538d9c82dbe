/**
 * Types of a fleet plan: the question, each predicted (GPU count, rate) point and the answer per
 * rate. plan.json is a `FleetPlan`; the console table and plan.html are rendered from it alone.
 */
import type { ArrivalProcess } from '../harness/arrival-schedule.js';
import type { FleetDispatch } from './fleet-simulation.js';
import type { Estimate } from './sample-stats.js';

/** The metrics a fleet simulation can predict: every per-prompt time the GPU queue decides. */
export const PREDICTED_METRICS = ['completionMs', 'queueWaitMs', 'timeToFirstStepMs', 'execMs', 'serverExecMs'] as const;

export type PredictedMetric = (typeof PREDICTED_METRICS)[number];

export function isPredictedMetric(name: string): name is PredictedMetric {
  return (PREDICTED_METRICS as readonly string[]).includes(name);
}

export interface MetricPrediction {
  mean: Estimate;
  /** Keyed `p50`, `p95`, `p99` (and the SLO's percentile, e.g. `p99.9`). */
  percentiles: Record<string, Estimate>;
}

/** pass: the interval lies below the threshold; fail: above; undecided: it straddles it. */
export type PlanVerdict = 'pass' | 'fail' | 'undecided';

/** One verdict on its line: the rule, the figures, the confidence. */
export interface PlanVerdictLine {
  /** `too-few`: fewer measured prompts than a verdict needs. */
  verdict: PlanVerdict | 'too-few';
  text: string;
}

export interface FleetPrediction {
  gpus: number;
  ratePerSec: number;
  /** Offered load per GPU, λ·E[occupancy]/N, over the bootstrap of the service times. */
  utilisation: Estimate;
  /** The point utilisation is ≥ 1: queues grow without bound and no percentile exists. */
  saturated: boolean;
  /** Arrivals simulated per replication after the warm-up ones (0 when saturated). */
  arrivals: number;
  replications: number;
  /** Empty when saturated. */
  metrics: Partial<Record<PredictedMetric, MetricPrediction>>;
  /** Against the SLO, when one was asked. */
  verdict?: PlanVerdict;
}

export interface PlanSlo {
  text: string;
  metric: PredictedMetric;
  percentile: number;
  thresholdMs: number;
}

/** The answer for one rate: the fewest GPUs that meet the SLO, and the count one below. */
export interface RateAnswer {
  ratePerSec: number;
  /** null when no count up to `maxGpus` passed. */
  gpus: number | null;
  /** The fewest GPUs that keep up at all (utilisation < 1). */
  minStableGpus: number;
  /** One line: the rule, the figures and the confidence. */
  verdictLine: string;
}

export interface MeasuredSummary {
  /** ok measured prompts the service times come from. */
  prompts: number;
  serviceColumn: string;
  meanServiceMs: number;
  /** Service time percentiles of the samples (ms). */
  serviceP50Ms: number;
  serviceP95Ms: number;
  serviceP99Ms: number;
  betweenPromptsMs: number;
  backToBackPairs: number;
  /** Prompts that found their GPU idle (the client-side overhead samples). */
  overheadPrompts: number;
  /** Prompts per second one GPU serves: 1000 / mean occupancy. */
  serviceRatePerSec: number;
  excluded: Record<string, number>;
  targets: number[];
}

export interface FleetPlan {
  kind: 'comfyload-plan';
  schemaVersion: 1;
  /** The results folder planned from, and its fingerprint. */
  source: { dir: string; runId: string; name: string; gpu: string; modelConfig: string; environment: Record<string, string> };
  question: {
    ratesPerSec: number[];
    slo: PlanSlo | null;
    /** GPU counts asked with --gpus (null: searched). */
    gpus: number[] | null;
    maxGpus: number;
    dispatch: FleetDispatch;
    arrival: ArrivalProcess;
    burstiness?: number;
    replications: number;
    confidence: number;
    seed: number;
  };
  measured: MeasuredSummary;
  points: FleetPrediction[];
  /** With an SLO and no --gpus: one per rate. */
  answers: RateAnswer[];
  /** The verdict lines, in order (a search's are also in `answers`). */
  verdicts: PlanVerdictLine[];
  /** What the prediction assumes. */
  assumptions: string[];
  warnings: string[];
}
