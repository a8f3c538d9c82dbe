/**
 * The capacity search's queue model against M/D/1 and M/M/1 figures known in closed form or from
 * the literature: a deterministic 500 ms service with Poisson arrivals meets completion p95 < 4 s
 * up to ≈ 0.81 μ; an exponential service's sojourn is exponential with rate μ − λ.
 */
import { describe, expect, it } from 'vitest';
import { QueueModel } from '../../src/harness/capacity-model.js';
import { createRng } from '../../src/harness/rng.js';
import type { SloSpec } from '../../src/metrics/slo.js';

const slo = (metric: 'completionMs' | 'queueWaitMs', percentile: number, thresholdMs: number): SloSpec => ({
  text: `${metric}.p${percentile}<${thresholdMs}`,
  metric,
  percentile,
  thresholdMs,
});

describe('QueueModel', () => {
  it('M/D/1: completion p95 < 8 service times binds at ≈ 0.81 μ', () => {
    const m = new QueueModel({ serviceMs: [500], overheadMs: 0, arrival: 'poisson', burstiness: 1, targets: 1 });
    expect(m.serviceRatePerSec).toBe(2);
    const rho = m.crossingRate(slo('completionMs', 95, 4000)) / 2;
    expect(rho).toBeGreaterThan(0.8);
    expect(rho).toBeLessThan(0.825);
  });

  it('M/D/1: completion p95 < 30 service times binds at ≈ 0.948 μ (400 000-arrival simulation), not at the 0.97 μ a short run suggests', () => {
    const m = new QueueModel({ serviceMs: [500], overheadMs: 0, arrival: 'poisson', burstiness: 1, targets: 1 });
    const rho = m.crossingRate(slo('completionMs', 95, 15_000)) / 2;
    expect(rho).toBeGreaterThan(0.938);
    expect(rho).toBeLessThan(0.958);
  });

  it('M/M/1: sojourn p95 = ln(20) / (μ − λ)', () => {
    const rng = createRng(3);
    const serviceMs = Array.from({ length: 4000 }, () => -Math.log(1 - rng()) * 100);
    const m = new QueueModel({ serviceMs, overheadMs: 0, arrival: 'poisson', burstiness: 1, targets: 1 });
    const mu = m.serviceRatePerSec;
    const p95 = m.percentileMs(slo('completionMs', 95, 1), 0.6 * mu);
    expect(p95 / ((Math.log(20) / (0.4 * mu)) * 1000)).toBeGreaterThan(0.85);
    expect(p95 / ((Math.log(20) / (0.4 * mu)) * 1000)).toBeLessThan(1.15);
  });

  it('constant arrivals and service: no queue below μ, so a loose SLO binds at μ', () => {
    const m = new QueueModel({ serviceMs: [100], overheadMs: 5, arrival: 'constant', burstiness: 1, targets: 1 });
    expect(m.percentileMs(slo('completionMs', 99, 1), 9.9)).toBeCloseTo(105, 6);
    expect(m.crossingRate(slo('completionMs', 99, 200)) / 10).toBeGreaterThan(0.999);
  });

  it('a threshold below the service time is met at no rate; SLOs off the queue are not modelled', () => {
    const m = new QueueModel({ serviceMs: [150], overheadMs: 4, arrival: 'poisson', burstiness: 1, targets: 1 });
    expect(m.crossingRate(slo('completionMs', 95, 100))).toBe(0);
    expect(m.maxRate([{ text: 'execMs.p95<1000', metric: 'execMs', percentile: 95, thresholdMs: 1000 }])).toBeUndefined();
  });

  it('two targets serve twice the rate at the same SLO', () => {
    const one = new QueueModel({ serviceMs: [500], overheadMs: 0, arrival: 'poisson', burstiness: 1, targets: 1 });
    const two = new QueueModel({ serviceMs: [500], overheadMs: 0, arrival: 'poisson', burstiness: 1, targets: 2 });
    const s = slo('queueWaitMs', 90, 1000);
    expect(two.crossingRate(s) / one.crossingRate(s)).toBeCloseTo(2, 2);
  });
});
