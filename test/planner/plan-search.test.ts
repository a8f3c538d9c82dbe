/**
 * The fleet plan from measured service samples: the bootstrap prediction against M/M/1's
 * closed-form percentiles, the search for the fewest GPUs, the questions no fleet answers, and
 * the verdict of too few samples.
 */
import { describe, expect, it } from 'vitest';
import { isComfyloadError } from '../../src/comfy/errors.js';
import { createRng } from '../../src/harness/rng.js';
import { predictFleet, type PredictionSettings } from '../../src/planner/fleet-prediction.js';
import type { MeasuredService } from '../../src/planner/measured-service.js';
import { planFleet, type PlanQuestion } from '../../src/planner/plan-search.js';
import type { PlanSlo } from '../../src/planner/plan-types.js';

function service(serviceMs: readonly number[]): MeasuredService {
  return {
    samples: serviceMs.map((ms) => ({ serviceMs: ms, execMs: ms, firstStepAfterStartMs: 0 })),
    overheads: [],
    betweenPromptsMs: 0,
    backToBackPairs: 1,
    serviceColumns: { serverExecMs: serviceMs.length, execMs: 0 },
    excluded: { warmup: 0, notOk: {}, fromHistory: 0, suspectCached: 0, noTiming: 0, otherTargets: 0 },
    targets: [0],
  };
}

function exponentialSamples(n: number, meanMs: number, seed: number): number[] {
  const rng = createRng(seed);
  return Array.from({ length: n }, () => -Math.log(1 - rng()) * meanMs);
}

const settings: PredictionSettings = {
  dispatch: 'least-queue',
  arrival: 'poisson',
  burstiness: 1,
  replications: 40,
  arrivals: 20_000,
  confidence: 0.95,
  seed: 7,
  metrics: ['completionMs', 'queueWaitMs'],
  percentiles: [50, 95, 99],
};

const slo = (thresholdMs: number, percentile = 95): PlanSlo => ({
  text: `completionMs.p${percentile}<${thresholdMs}`,
  metric: 'completionMs',
  percentile,
  thresholdMs,
});

const question = (over: Partial<PlanQuestion>): PlanQuestion => ({
  ratesPerSec: [2.5],
  slo: slo(1500),
  gpus: undefined,
  maxGpus: 16,
  dispatch: 'least-queue',
  arrival: 'poisson',
  burstiness: 1,
  replications: 30,
  arrivals: 5000,
  confidence: 0.95,
  seed: 1,
  ...over,
});

describe('given exponential service times measured on one GPU', () => {
  const samples = exponentialSamples(4000, 1000, 3);
  const muPerSec = 1000 / (samples.reduce((a, b) => a + b, 0) / samples.length);

  it('when one GPU takes Poisson arrivals (M/M/1, ρ = 0.6), then completion p95 is ln 20/(μ − λ) and wait p95 ln(ρ/0.05)/(μ − λ) within 5%, inside the interval', () => {
    const lambda = 0.6;
    const p = predictFleet(service(samples), 1, lambda, settings);
    const completion = p.metrics.completionMs!.percentiles['p95']!;
    const wait = p.metrics.queueWaitMs!.percentiles['p95']!;
    // Closed forms: the sojourn time of M/M/1 is exponential with rate μ − λ; the wait is 0 with probability 1 − ρ, else the same.
    const completionExpected = (Math.log(20) / (muPerSec - lambda)) * 1000;
    const waitExpected = (Math.log(lambda / muPerSec / 0.05) / (muPerSec - lambda)) * 1000;
    expect(Math.abs(completion.value / completionExpected - 1)).toBeLessThan(0.05);
    expect(Math.abs(wait.value / waitExpected - 1)).toBeLessThan(0.05);
    const trueCompletion = (Math.log(20) / (1 - lambda)) * 1000; // with the true μ = 1/s
    expect(completion.low).toBeLessThan(trueCompletion);
    expect(completion.high).toBeGreaterThan(trueCompletion);
    expect(p.utilisation.value).toBeCloseTo(lambda / muPerSec, 1);
  });

  it('when fewer prompts were measured, then the interval is wider', () => {
    const width = (n: number): number => {
      const e = predictFleet(service(exponentialSamples(n, 1000, 11)), 1, 0.5, settings).metrics.completionMs!.percentiles['p95']!;
      return (e.high - e.low) / e.value;
    };
    expect(width(40)).toBeGreaterThan(2 * width(2000));
  });

  it('when arrivals are burstier (gamma 0.25) or regular (constant), then waits grow or shrink against Poisson', () => {
    const wait = (arrival: PredictionSettings['arrival'], burstiness = 1): number =>
      predictFleet(service(samples), 2, 1.2, { ...settings, arrival, burstiness, replications: 20, arrivals: 10_000 }).metrics.queueWaitMs!.mean.value;
    expect(wait('gamma', 0.25)).toBeGreaterThan(1.5 * wait('poisson'));
    expect(wait('constant')).toBeLessThan(0.8 * wait('poisson'));
  });

  it('when the fleet cannot keep up, then the point is saturated with no percentiles', () => {
    const p = predictFleet(service(samples), 1, 1.2, settings);
    expect(p.saturated).toBe(true);
    expect(p.metrics).toEqual({});
    expect(p.utilisation.value).toBeGreaterThan(1);
  });
});

describe('given the question "how many GPUs" at 2.5 prompts/s of ~1 s each', () => {
  const samples = Array.from({ length: 210 }, (_, i) => 900 + (i % 21) * 10); // 900–1100 ms, mean 1000

  it('when searched, then the answer passes, the count below does not, and the search starts at the fewest that keep up', () => {
    const plan = planFleet(service(samples), question({}));
    const answer = plan.answers[0]!;
    expect(answer.minStableGpus).toBe(3);
    expect(answer.gpus).not.toBeNull();
    const at = (gpus: number) => plan.points.find((p) => p.gpus === gpus)!;
    expect(at(answer.gpus!).verdict).toBe('pass');
    expect(at(answer.gpus! - 1).verdict).not.toBe('pass');
    expect(at(2).saturated).toBe(true);
    expect(answer.verdictLine).toMatch(
      new RegExp(
        `^plan: completionMs.p95<1500 at 150/min \\(poisson, least-queue\\) needs ${answer.gpus} GPUs PASS with p95 .* < 1.50 s .*; ${answer.gpus! - 1} GPUs (FAIL|UNDECIDED).*rule: PASS when the 95% CI`,
      ),
    );
  });

  it('when asked twice with one seed, then the plan is the same; round-robin needs at least as many GPUs as least-queue', () => {
    const a = planFleet(service(samples), question({}));
    expect(planFleet(service(samples), question({}))).toEqual(a);
    const rr = planFleet(service(samples), question({ dispatch: 'round-robin' }));
    expect(rr.answers[0]!.gpus!).toBeGreaterThanOrEqual(a.answers[0]!.gpus!);
  });

  it('when given --gpus, then each size is predicted and judged, the saturated ones failing', () => {
    const plan = planFleet(service(samples), question({ gpus: [2, 8] }));
    expect(plan.points.map((p) => [p.gpus, p.verdict])).toEqual([
      [2, 'fail'],
      [8, 'pass'],
    ]);
    expect(plan.verdicts[0]!.text).toMatch(/on 2 GPUs FAIL: saturated/);
  });

  it('when the rate needs more GPUs than --max-gpus just to keep up, then it is refused before any simulation', () => {
    expect(() => planFleet(service(samples), question({ maxGpus: 2 }))).toThrow(
      expect.objectContaining({ code: 'COMFYLOAD_ERR_PLAN_UNREACHABLE', message: expect.stringMatching(/needs at least 3 GPUs .* more than --max-gpus 2/) }),
    );
  });

  it('when the SLO is below what a prompt takes on an idle GPU, then no fleet size can meet it', () => {
    let error: unknown;
    try {
      planFleet(service(samples), question({ slo: slo(1050) }));
    } catch (err) {
      error = err;
    }
    expect(isComfyloadError(error) && error.code).toBe('COMFYLOAD_ERR_PLAN_UNREACHABLE');
    expect((error as Error).message).toMatch(/even with a GPU free for every prompt, p95 of completionMs is 1.0\d s/);
  });

  it('when fewer than 30 prompts were measured, then the verdict is "too few samples" and no count is claimed', () => {
    const plan = planFleet(service(samples.slice(0, 12)), question({}));
    expect(plan.answers[0]!.gpus).toBeNull();
    expect(plan.verdicts[0]!.text).toMatch(/TOO FEW SAMPLES: 12 measured prompts, at least 30/);
  });
});
