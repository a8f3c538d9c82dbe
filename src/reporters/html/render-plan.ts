/**
 * plan.html: `comfyload plan`'s answer as one self-contained page, like report.html (its
 * stylesheet, uPlot inlined, the data embedded as JSON): the verdicts, the table of predicted
 * points, the predicted percentile vs GPU count per rate with its interval and the SLO line, the
 * percentile vs rate per GPU count when several rates were asked, where each size saturates, the
 * measured service it all comes from and what the prediction assumes. A pure function of the plan.
 */
import { ci, formatMs, formatRate, percent } from '../../planner/plan-format.js';
import type { FleetPlan, FleetPrediction } from '../../planner/plan-types.js';
import { PLAN_SCRIPT } from './plan-client.js';
import type { ReportAssets } from './render-report.js';
import { jsonForScript } from './render-report.js';
import { esc } from './render-tables.js';
import { REPORT_STYLE } from './report-style.js';

/** What the page's script draws: per rate, the charted percentile at each GPU count. */
export interface PlanChartData {
  label: string;
  thresholdMs: number | null;
  gpus: number[];
  series: { ratePerMin: number; label: string; value: (number | null)[]; low: (number | null)[]; high: (number | null)[] }[];
}

export function planChartData(plan: FleetPlan): PlanChartData {
  const slo = plan.question.slo;
  const metric = slo?.metric ?? 'completionMs';
  const key = `p${slo?.percentile ?? 95}`;
  const gpus = [...new Set(plan.points.map((p) => p.gpus))].sort((a, b) => a - b);
  const rates = [...new Set(plan.points.map((p) => p.ratePerSec))].sort((a, b) => a - b);
  const series = rates.map((ratePerSec) => {
    const at = (g: number): FleetPrediction | undefined => plan.points.find((p) => p.ratePerSec === ratePerSec && p.gpus === g);
    const pick = (g: number, f: 'value' | 'low' | 'high'): number | null => {
      const p = at(g);
      const e = p === undefined || p.saturated ? undefined : p.metrics[metric]?.percentiles[key];
      return e === undefined ? null : e[f];
    };
    return {
      ratePerMin: ratePerSec * 60,
      label: formatRate(ratePerSec),
      value: gpus.map((g) => pick(g, 'value')),
      low: gpus.map((g) => pick(g, 'low')),
      high: gpus.map((g) => pick(g, 'high')),
    };
  });
  return { label: `${metric} ${key}`, thresholdMs: slo?.thresholdMs ?? null, gpus, series };
}

export function renderPlanHtml(plan: FleetPlan, assets: ReportAssets): string {
  const title = `Fleet plan: ${plan.source.gpu} · ${plan.source.modelConfig}`;
  const chart = planChartData(plan);
  const m = plan.measured;
  const q = plan.question;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>${assets.uplotCss}</style>
<style>${REPORT_STYLE}</style>
</head>
<body>
<header>
<h1>${esc(title)}</h1>
<p class="sub">${esc(`From ${m.prompts} measured prompts of run ${plan.source.name} · ${q.arrival} arrivals · ${q.dispatch} dispatch · ${q.replications} bootstrap replications, ${ci(q.confidence)}`)}</p>
</header>
<main>
<section id="answer">
<h2>Answer</h2>
${plan.verdicts.length > 0 ? `<ul class="verdicts">${plan.verdicts.map((v) => `<li class="${v.verdict === 'too-few' ? 'undecided' : v.verdict}">${esc(v.text)}</li>`).join('')}</ul>` : '<p>No SLO was given: the predictions below answer "what would N GPUs see?".</p>'}
</section>
<section>
<h2>${esc(chart.label)} vs GPU count</h2>
<div class="chart" id="plan-gpus"></div>
<p class="caption">Solid: the predicted ${esc(chart.label)} (median of the replications); dashed: its ${esc(ci(q.confidence))}${chart.thresholdMs !== null ? '; red: the SLO threshold' : ''}. A size missing from a line cannot keep up at that rate (saturated).</p>
</section>
${
  chart.series.length > 1
    ? `<section>
<h2>${esc(chart.label)} vs arrival rate</h2>
<div class="chart" id="plan-rates"></div>
</section>`
    : ''
}
<section>
<h2>Predicted points</h2>
${pointsTable(plan)}
</section>
<section>
<h2>Where each fleet size saturates</h2>
${saturationTable(plan)}
</section>
<section>
<h2>The measured service</h2>
<table class="env">${measuredRows(plan)
    .map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(v)}</td></tr>`)
    .join('')}</table>
</section>
<section id="warnings-section">
<h2>Warnings</h2>
${plan.warnings.length > 0 ? `<ul class="warnings">${plan.warnings.map((w) => `<li>${esc(w)}</li>`).join('')}</ul>` : '<p class="ok">None.</p>'}
</section>
<section>
<h2>How far to trust this</h2>
<ul class="notes">${plan.assumptions.map((a) => `<li>${esc(a)}</li>`).join('')}</ul>
</section>
<section>
<h2>Environment of the measured run</h2>
<table class="env">${Object.entries(plan.source.environment)
    .map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(v)}</td></tr>`)
    .join('')}</table>
</section>
</main>
<script id="plan-data" type="application/json">${jsonForScript(chart)}</script>
<script>${assets.uplotJs}</script>
<script>${PLAN_SCRIPT}</script>
</body>
</html>
`;
}

function pointsTable(plan: FleetPlan): string {
  const slo = plan.question.slo;
  const head = [
    'rate',
    'GPUs',
    'utilisation',
    'queue wait p50 / p95 / p99',
    'completion p50 / p95 / p99',
    ...(slo !== null ? [`${slo.metric} p${slo.percentile} [${ci(plan.question.confidence)}]`, 'SLO'] : []),
  ];
  const rows = [...plan.points]
    .sort((a, b) => a.ratePerSec - b.ratePerSec || a.gpus - b.gpus)
    .map((p) => {
      const trio = (metric: 'queueWaitMs' | 'completionMs'): string =>
        p.saturated ? 'saturated' : ['p50', 'p95', 'p99'].map((k) => formatMs(p.metrics[metric]?.percentiles[k]?.value ?? Number.NaN)).join(' / ');
      const e = slo !== null ? p.metrics[slo.metric]?.percentiles[`p${slo.percentile}`] : undefined;
      const cells = [
        formatRate(p.ratePerSec),
        String(p.gpus),
        `${percent(p.utilisation.value)} [${percent(p.utilisation.low)}–${percent(p.utilisation.high)}]`,
        trio('queueWaitMs'),
        trio('completionMs'),
      ];
      if (slo !== null)
        cells.push(
          p.saturated || e === undefined ? 'saturated' : `${formatMs(e.value)} [${formatMs(e.low)}–${formatMs(e.high)}]`,
          (p.verdict ?? '').toUpperCase(),
        );
      return `<tr>${cells.map((c, i) => `<td${i === cells.length - 1 && slo !== null ? ` class="${p.verdict ?? ''}"` : ''}>${esc(c)}</td>`).join('')}</tr>`;
    });
  return `<div class="table-wrap"><table class="levels"><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows.join('')}</tbody></table></div>`;
}

function saturationTable(plan: FleetPlan): string {
  const gpus = [...new Set(plan.points.map((p) => p.gpus))].sort((a, b) => a - b);
  const mu = plan.measured.serviceRatePerSec;
  const rows = gpus.map((g) => {
    const passing = plan.points.filter((p) => p.gpus === g && p.verdict === 'pass').map((p) => p.ratePerSec);
    const best = passing.length > 0 ? formatRate(Math.max(...passing)) : '–';
    return `<tr><td>${g}</td><td>${esc(formatRate(g * mu))}</td>${plan.question.slo !== null ? `<td>${esc(best)}</td>` : ''}</tr>`;
  });
  const sloHead = plan.question.slo !== null ? `<th>highest rate asked that meets ${esc(plan.question.slo.text)}</th>` : '';
  return `<table class="levels"><thead><tr><th>GPUs</th><th>saturates at (N × ${esc(formatRate(mu))})</th>${sloHead}</tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function measuredRows(plan: FleetPlan): [string, string][] {
  const m = plan.measured;
  const excluded = Object.entries(m.excluded)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
  return [
    ['results folder', plan.source.dir],
    ['measured prompts (samples)', String(m.prompts)],
    ['service time column', m.serviceColumn],
    [
      'service time p50 / p95 / p99',
      `${formatMs(m.serviceP50Ms)} / ${formatMs(m.serviceP95Ms)} / ${formatMs(m.serviceP99Ms)} (mean ${formatMs(m.meanServiceMs)})`,
    ],
    ['worker time between prompts', `${formatMs(m.betweenPromptsMs)} (mean of ${m.backToBackPairs} back-to-back pairs)`],
    ['prompts that found the GPU idle (overhead samples)', String(m.overheadPrompts)],
    ['one GPU serves', formatRate(m.serviceRatePerSec)],
    ['left out', excluded === '' ? 'none' : excluded],
  ];
}
