/** plan's table and page rendered from a plan: rows in order, verdicts on their lines, a page that needs no network. */
import { describe, expect, it } from 'vitest';
import type { MeasuredService } from '../../src/planner/measured-service.js';
import { planFleet } from '../../src/planner/plan-search.js';
import type { FleetPlan } from '../../src/planner/plan-types.js';
import { planChartData, renderPlanHtml } from '../../src/reporters/html/render-plan.js';
import { formatPlan } from '../../src/reporters/plan-console.js';

const service: MeasuredService = {
  samples: Array.from({ length: 100 }, (_, i) => ({ serviceMs: 900 + (i % 5) * 50, execMs: 1000, firstStepAfterStartMs: 100 })),
  overheads: [{ queueWaitMs: 5, completionMs: 8 }],
  betweenPromptsMs: 2,
  backToBackPairs: 10,
  serviceColumns: { serverExecMs: 100, execMs: 0 },
  excluded: { warmup: 3, notOk: { cached: 1 }, fromHistory: 0, suspectCached: 0, noTiming: 0, otherTargets: 0 },
  targets: [0],
};

function plan(): FleetPlan {
  const question = {
    ratesPerSec: [1, 2],
    slo: { text: 'completionMs.p95<3000', metric: 'completionMs' as const, percentile: 95, thresholdMs: 3000 },
    gpus: [1, 2, 3],
    maxGpus: 8,
    dispatch: 'least-queue' as const,
    arrival: 'poisson' as const,
    burstiness: 1,
    replications: 20,
    arrivals: 2000,
    confidence: 0.95,
    seed: 3,
  };
  const o = planFleet(service, question);
  return {
    kind: 'comfyload-plan',
    schemaVersion: 1,
    source: { dir: '/r', runId: 'id', name: 'one', gpu: 'NVIDIA L4', modelConfig: 'sd15', environment: { gpu: 'NVIDIA L4' } },
    question: { ...question, ratesPerSec: [1, 2], gpus: [1, 2, 3] },
    ...o,
    assumptions: ['One worker per GPU.'],
  };
}

describe('given a plan of 2 rates × 3 GPU counts', () => {
  const p = plan();

  it('when printed, then the table has a row per point by rate then GPUs, saturated sizes marked, then one verdict line each', () => {
    const lines = formatPlan(p);
    const header = lines.findIndex((l) => l.startsWith('rate '));
    expect(lines[header]).toMatch(/^rate\s+GPUs\s+util\s+wait p50 .* completionMs p95 \[95% CI\]\s+SLO$/);
    const rows = lines.slice(header + 1, header + 7);
    expect(rows.map((r) => r.split(/\s+/).slice(0, 2).join(' '))).toEqual(['60/min 1', '60/min 2', '60/min 3', '120/min 1', '120/min 2', '120/min 3']);
    expect(rows[3]).toMatch(/saturated\s+FAIL$/);
    expect(lines.filter((l) => l.startsWith('plan: completionMs.p95<3000 at '))).toHaveLength(6);
  });

  it('when rendered as a page, then it inlines its assets, embeds the chart data and links nothing outside', () => {
    const html = renderPlanHtml(p, { uplotJs: '/*uplot*/', uplotCss: '/*css*/' });
    expect(html).toContain('/*uplot*/');
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href=|https?:\/\//);
    const chart = planChartData(p);
    expect(chart.gpus).toEqual([1, 2, 3]);
    expect(chart.series.map((s) => s.label)).toEqual(['60/min', '120/min']);
    expect(chart.series[1]!.value[0]).toBeNull(); // 1 GPU at 120/min cannot keep up
    expect(chart.thresholdMs).toBe(3000);
  });
});
