import { describe, expect, it } from 'vitest';
import { buildK6Plan, webSocketUrl } from '../../src/harness/k6/k6-plan.js';
import type { RunPlan } from '../../src/session/plan.js';
import { k6Thresholds, k6VersionFromUserAgent, outcomeCounter, parseExecutionSegment, type K6RunInfo } from '../../src/metrics/k6-wire.js';

const E = 1000;

function runPlan(extra: Partial<RunPlan> = {}): RunPlan {
  return {
    name: 'p',
    targetKind: 'server',
    targets: [{ url: 'https://gpu.example/base/', headers: { Authorization: 'Bearer x' } }],
    workflowPath: 'w.json',
    workflow: { '3': { class_type: 'KSampler', inputs: { seed: 1 } } },
    levels: [{ concurrency: 1 }, { concurrency: 4 }],
    promptsPerLevel: 10,
    warmupPrompts: 2,
    seedPolicy: 'random',
    seed: 5,
    maxErrorRate: 0.05,
    fetchOutputs: false,
    promptTimeoutMs: 600_000,
    resultsDir: 'results',
    labels: {},
    vramIntervalMs: 250,
    ...extra,
  };
}

const build = (plan: RunPlan) =>
  buildK6Plan({ plan, runId: 'r', expected: { completionMs: E, coldMs: 5000, source: 'test' }, devices: 1, run: {} as K6RunInfo, textTargets: [] });

describe('the k6 plan of a run plan', () => {
  it('given a closed loop, then levels are chained by startTime without overlap, sized from the expected completion, with disjoint seed ranges', () => {
    const k6 = build(runPlan());
    expect(k6.scenarios.map((s) => [s.name, s.executor, s.vus, s.iterations, s.seqBase])).toEqual([
      ['warmup', 'shared-iterations', 1, 2, 0],
      ['L1', 'shared-iterations', 1, 10, 2],
      ['L2', 'shared-iterations', 4, 10, 12],
    ]);
    // warm-up: the cold prompt, then warm ones, ×2 + 1 s; levels 2·(N + c)·E + 1 s; gracefulStop 2·(c + 1)·E + 1 s.
    expect(k6.scenarios.map((s) => [s.durationMs, s.gracefulStopMs])).toEqual([
      [2 * (5000 + 1000) + 1000, 2 * 2 * E + 1000],
      [2 * 11 * E + 1000, 2 * 2 * E + 1000],
      [2 * 14 * E + 1000, 2 * 5 * E + 1000],
    ]);
    for (const [i, s] of k6.scenarios.entries()) {
      const next = k6.scenarios[i + 1];
      expect(s.endMs).toBeLessThan(s.startTimeMs + s.durationMs + s.gracefulStopMs);
      if (next) expect(next.startTimeMs).toBe(s.startTimeMs + s.durationMs + s.gracefulStopMs);
    }
    expect(k6.url).toBe('https://gpu.example/base');
    expect(k6.wsUrl).toBe('wss://gpu.example/base/ws');
    expect(JSON.stringify(k6)).not.toContain('Bearer');
    expect(k6.vram).toMatchObject({ intervalMs: 250, lastStartMs: k6.scenarios[2]!.startTimeMs, devices: 1 });
  });

  it('given --prompt-timeout shorter than the sizing, then no graceful stop outlasts it', () => {
    const k6 = build(runPlan({ promptTimeoutMs: 3000 }));
    for (const s of k6.scenarios) expect(s.gracefulStopMs).toBeLessThanOrEqual(3000);
  });

  it('given --rate levels, then each is a constant-arrival-rate of exactly N arrivals, maxVUs = --max-in-flight capped by rate × timeout', () => {
    const plan = runPlan({
      levels: [],
      promptsPerLevel: 7,
      openLoop: { arrival: 'constant', burstiness: 1, ratesPerSec: [0.2, 3], maxInFlight: 50, dispatch: 'least-queue' },
      promptTimeoutMs: 60_000,
    });
    const levels = build(plan).scenarios.filter((s) => s.phase === 'measure');
    for (const [s, rate] of [
      [levels[0]!, 0.2],
      [levels[1]!, 3],
    ] as const) {
      expect(s.executor).toBe('constant-arrival-rate');
      expect(s.rate! / s.timeUnitMs!).toBeCloseTo(rate / 1000, 12);
      // k6 starts arrivals at 0, 1/λ, 2/λ… while t < duration: count them.
      let arrivals = 0;
      while ((arrivals * s.timeUnitMs!) / s.rate! < s.durationMs) arrivals++;
      expect(arrivals).toBe(7);
      expect(s.maxVUs).toBe(Math.min(50, Math.ceil(rate * 60)));
      expect(s.preAllocatedVUs).toBeLessThanOrEqual(s.maxVUs!);
      expect(s.openLoop).toBe(true);
    }
  });

  it('given --stages, then one ramping-arrival-rate with integer targets per an exact time unit, a level per stage', () => {
    const plan = runPlan({
      levels: [],
      promptsPerLevel: undefined,
      openLoop: {
        arrival: 'constant',
        burstiness: 1,
        startRatePerSec: 2 / 60,
        stages: [
          { ratePerSec: 10 / 60, durationMs: 60_000 },
          { ratePerSec: 10 / 60, durationMs: 30_000 },
        ],
        maxInFlight: 200,
        dispatch: 'least-queue',
      },
    });
    const ramp = build(plan).scenarios.find((s) => s.name === 'ramp')!;
    expect(ramp).toMatchObject({
      executor: 'ramping-arrival-rate',
      timeUnitMs: 60_000,
      rate: 2,
      stages: [
        { target: 10, durationMs: 60_000 },
        { target: 10, durationMs: 30_000 },
      ],
      durationMs: 90_000,
    });
    expect(ramp.levels.map((l) => [l.level, l.fromMs])).toEqual([
      [0, 0],
      [1, 60_000],
    ]);
  });
});

describe('the k6 wire helpers', () => {
  it('turn --threshold texts into k6 thresholds on measured prompts', () => {
    expect(k6Thresholds(['completionMs.p95<30000', 'completionMs.p99.9<60000', 'queueWaitMs.p50<100'])).toEqual({
      'completionMs{phase:measure}': ['p(95)<30000', 'p(99.9)<60000'],
      'queueWaitMs{phase:measure}': ['p(50)<100'],
    });
  });

  it('name a counter per outcome kind and read k6 versions and segments as k6 writes them', () => {
    expect(outcomeCounter('error:torch.OutOfMemoryError')).toBe('promptsError');
    expect(outcomeCounter('rejected:prompt_outputs_failed_validation')).toBe('promptsRejected');
    expect(outcomeCounter('ok')).toBe('promptsOk');
    expect(k6VersionFromUserAgent('k6/0.49.0 (https://k6.io/)')).toBe('0.49.0');
    expect(k6VersionFromUserAgent('curl/8')).toBe('');
    expect(parseExecutionSegment('0:1/2')).toEqual([0, 0.5]);
    expect(parseExecutionSegment('1/2:1')).toEqual([0.5, 1]);
    expect(parseExecutionSegment('25%:50%')).toEqual([0.25, 0.5]);
    expect(parseExecutionSegment('1/3')).toEqual([0, 1 / 3]);
    expect(parseExecutionSegment('')).toEqual([0, 1]);
    expect(parseExecutionSegment('1/2:1/4')).toBeUndefined();
    expect(webSocketUrl('http://127.0.0.1:8188')).toBe('ws://127.0.0.1:8188/ws');
  });
});
