/**
 * compare.html: one self-contained page like report.html (uPlot inlined, the data embedded as
 * JSON, report.html's stylesheet): the verdict, the gates, the fingerprint diff, the diff table
 * per level, throughput and latency against concurrency for both sides, and each metric's
 * percentile distributions overlaid. A pure function of the compare result.
 */
import type { CompareResult } from '../../metrics/compare-types.js';
import { formatDelta, formatSpread, formatTest, formatValue } from '../compare/compare-format.js';
import { COMPARE_SCRIPT } from './compare-client.js';
import type { ReportAssets } from './render-report.js';
import { jsonForScript } from './render-report.js';
import { esc } from './render-tables.js';
import { REPORT_STYLE } from './report-style.js';

export function renderCompareHtml(result: CompareResult, assets: ReportAssets): string {
  const pct = `${+(result.confidence * 100).toFixed(2)}%`;
  const chartData = {
    levelAxis: result.levels.some((l) => l.key.endsWith('/min')) ? 'rate' : 'concurrency',
    byLevel: result.byLevel,
    distributions: result.distributions,
  };
  const verdictClass = result.regression ? 'fail' : 'pass';
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>comfyload compare · ${esc(result.headline)}</title>
<style>${assets.uplotCss}</style>
<style>${REPORT_STYLE}
.verdict { font-size: 18px; }
table.diff td { white-space: nowrap; font-variant-numeric: tabular-nums; }
table.diff td.num { text-align: right; }
tr.slower td.v { color: #b02418; font-weight: 600; } tr.faster td.v { color: #2a6b2a; font-weight: 600; }
#distributions { display: grid; grid-template-columns: repeat(auto-fill, minmax(420px, 1fr)); gap: 0 16px; }
#distributions .chart { min-width: 0; }
</style>
</head>
<body>
<header>
<h1>comfyload compare</h1>
<p class="sub">baseline: ${esc(sideText(result.baseline))} · candidate: ${esc(sideText(result.candidate))} · confidence ${pct}</p>
${result.differentWorkflow ? `<p class="partial">${esc(result.notes[0] ?? 'different workloads compared')}</p>` : ''}
</header>
<main>
<section id="verdict">
<h2>Verdict</h2>
<p class="verdict ${verdictClass}">${esc(result.headline)}</p>
<ul>${result.gates.map((g) => `<li class="${g.verdict === 'fail' ? 'fail' : g.verdict === 'pass' ? 'pass' : 'undecided'}">${esc(g.line)}</li>`).join('')}</ul>
</section>
<section id="fingerprint">
<h2>What changed</h2>
${
  result.fingerprint.rows.length === 0
    ? '<p>Nothing: the same environment and workload on both sides.</p>'
    : `<table class="env"><thead><tr><th>key</th><th>baseline</th><th>candidate</th></tr></thead><tbody>${result.fingerprint.rows
        .map(
          (r) =>
            `<tr><th>${esc(r.key)}${r.kind === 'workload' ? ' (workload)' : ''}${r.mixed !== null ? ` (mixed: ${esc(r.mixed)})` : ''}</th><td>${esc(r.baseline)}</td><td>${esc(r.candidate)}</td></tr>`,
        )
        .join('')}</tbody></table>`
}
</section>
<section id="diff">
<h2>Differences per level</h2>
<div class="table-wrap"><table class="diff"><thead><tr><th>level</th><th>metric</th><th>baseline</th><th>candidate</th><th>vs base (${pct} CI)</th><th>verdict</th><th>test</th></tr></thead><tbody>
${result.rows
  .map(
    (r) =>
      `<tr class="${r.comparison.verdict === 'slower' ? 'slower' : r.comparison.verdict === 'faster' ? 'faster' : ''}"><td>${esc(r.level)}</td><td>${esc(r.metric)}</td><td class="num">${esc(`${formatValue(r.comparison.baseline.centre, r.unit)} ${formatSpread(r.comparison.baseline)}`)}</td><td class="num">${esc(`${formatValue(r.comparison.candidate.centre, r.unit)} ${formatSpread(r.comparison.candidate)}`)}</td><td>${esc(formatDelta(r))}</td><td class="v">${esc(r.comparison.verdict)}</td><td>${esc(`${formatTest(r)} ${r.comparison.method}`)}</td></tr>`,
  )
  .join('\n')}
</tbody></table></div>
</section>
<section>
<h2>Throughput and latency vs ${chartData.levelAxis === 'rate' ? 'planned rate' : 'concurrency'}</h2>
<div class="pair"><div class="chart" id="chart-throughput"></div><div class="chart" id="chart-latency"></div></div>
</section>
<section>
<h2>Percentile distributions, baseline (blue) vs candidate (red)</h2>
<p class="caption">Each prompt's value (step interval: each prompt's median step), pooled over a side's runs; x = 1/(1−p) on a log scale, as HdrHistogram plots.</p>
<div id="distributions"></div>
</section>
<section>
<h2>How these numbers were tested</h2>
<ul class="notes">${result.notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>
</section>
</main>
<script id="compare-data" type="application/json">${jsonForScript(chartData)}</script>
<script>${assets.uplotJs}</script>
<script>${COMPARE_SCRIPT}</script>
</body>
</html>
`;
}

function sideText(s: CompareResult['baseline']): string {
  return `${s.runs} run${s.runs === 1 ? '' : 's'}${s.names ? ` (${s.names})` : ''}`;
}
