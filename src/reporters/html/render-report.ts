/**
 * report.html: one self-contained page (no CDN, works offline) — uPlot's script and stylesheet
 * inlined, the report data embedded as JSON, tables rendered here and charts drawn in the page by
 * report-client.ts. A pure function of the data and the chart library's text.
 */
import type { LevelRow, ReportData } from './report-data.js';
import { REPORT_SCRIPT } from './report-client.js';
import { REPORT_STYLE } from './report-style.js';
import { mixSection } from './report-mix.js';
import { headlineSection } from './report-headline.js';
import { capacityHeadline, esc, openLoopTable, targetsTable, trialsTable } from './render-tables.js';

/** The chart library's files, read by the CLI from node_modules/uplot/dist. */
export interface ReportAssets {
  uplotJs: string;
  uplotCss: string;
}

export function renderReportHtml(data: ReportData, assets: ReportAssets): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(data.title)}</title>
<style>${assets.uplotCss}</style>
<style>${REPORT_STYLE}</style>
</head>
<body>
<header>
<h1>${esc(data.title)}</h1>
<p class="sub">${esc(data.subtitle)}</p>
${data.partial !== null ? `<p class="partial">Partial run: ${esc(data.partial)}</p>` : ''}
</header>
<main>
${levelSections(data)}${queueAndFleetSections(data)}${timelineSections(data)}${aboutSections(data)}</main>
<script id="report-data" type="application/json">${jsonForScript(data)}</script>
<script>${assets.uplotJs}</script>
<script>${REPORT_SCRIPT}</script>
</body>
</html>
`;
}

/** The answer per level: capacity result, warnings, the levels table, Little's law, throughput and latency charts. */
function levelSections(data: ReportData): string {
  return `${headlineSection(data.headline)}
${data.capacity !== null ? capacitySections(data) : ''}
${data.thresholds !== null ? thresholdsSection(data) : ''}
<section id="warnings-section">
<h2>Warnings</h2>
${data.warnings.length > 0 ? `<ul class="warnings">${data.warnings.map((w) => `<li>${esc(w)}</li>`).join('')}</ul>` : '<p class="ok">None: every prompt finished ok, nothing served from cache, no VRAM drift.</p>'}
</section>
<section>
<h2>Levels</h2>
${levelsTable(data)}
</section>
${
  data.openLoop !== null
    ? `<section>
<h2>Arrival rates: Little's law and queue growth per level</h2>
${openLoopTable(data.openLoop)}
<p class="caption">L = time-averaged server queue depth (queue.csv); λ·W = ok throughput × mean time in the server. Queue-wait slope ≈ 0 below saturation, ≈ (λ/μ − 1) × 1000 ms/s above. Corrected p99 counts from the intended send time, uncorrected from the actual send (coordinated omission).</p>
</section>`
    : ''
}
${
  data.mode !== 'capacity'
    ? `<section>
<h2>Throughput</h2>
<div class="chart" id="throughput"></div>
</section>`
    : ''
}
${
  data.coordinatedOmission !== null
    ? `<section>
<h2>Coordinated omission: corrected vs uncorrected completion time</h2>
<div class="chart" id="coordinated-omission"></div>
<p class="caption">Corrected latency counts from when the rate plan meant to send the prompt, so a stalled server or a late sender cannot hide; uncorrected counts from when it was actually sent. Where the dashed line runs below the solid one, the uncorrected figures understate what a user waiting on that schedule saw.</p>
</section>`
    : ''
}
<section>
<h2>Latency percentiles vs ${data.mode === 'closed-loop' ? 'concurrency' : 'planned arrival rate'}</h2>
${data.mode !== 'closed-loop' ? '<p class="caption">Solid: corrected (from the intended send time). Dashed: uncorrected (from the actual send), where the metric has both.</p>' : ''}
<div id="latency-charts"></div>
</section>
`;
}

/** A mix's workflows and swaps; open loop and fleets: the server queue depth and each target's figures. */
function queueAndFleetSections(data: ReportData): string {
  return `${data.mix !== null ? mixSection(data.mix) : ''}${
    data.queue !== null
      ? `<section>
<h2>Server queue depth</h2>
<div class="chart" id="queue"></div>
</section>`
      : ''
  }
${
  data.targets !== null
    ? `<section>
<h2>Per target (fleet)</h2>
${targetsTable(data.targets)}
<div class="pair"><div class="chart" id="targets-throughput"></div><div class="chart" id="targets-latency"></div></div>
</section>`
    : ''
}
`;
}

/** Over the run: step intervals, VRAM and every prompt's queue wait and execution. */
function timelineSections(data: ReportData): string {
  return `${data.overTime !== null ? overTimeSection(data) : ''}<section>
<h2>Sampler step intervals</h2>
${data.stepDistribution !== null ? '<div class="chart" id="steps"></div>' : '<p>No step intervals recorded (histograms.hlog missing or no sampler steps).</p>'}
</section>
<section>
<h2>VRAM</h2>
${data.vram !== null ? data.vram.map((v) => `<div class="chart" id="${v.id}"></div><div class="chart" id="${v.id}-inflight"></div>`).join('\n') : '<p>No VRAM samples (vram.csv missing or empty).</p>'}
</section>
<section>
<h2>Prompts</h2>
<div class="chart" id="prompts"></div>
<p class="legend"><span class="sw" style="background:rgba(140,140,140,0.55)"></span>queue wait (POST sent → execution_start)
<span class="sw" style="background:#2a7fba"></span>execution ok <span class="sw" style="background:#d62728"></span>execution error
<span class="sw" style="background:#ff7f0e"></span>interrupted / timeout / other <span class="sw" style="background:#bcbd22"></span>cached</p>
</section>
`;
}

function overTimeSection(data: ReportData): string {
  return `<section id="over-time">
<h2>Over time</h2>
<div class="pair"><div class="chart" id="over-time-latency"></div><div class="chart" id="over-time-ram"></div></div>
<p class="caption">Per window of histograms.hlog (the interval histograms, a few seconds each): ok prompts completed per minute and their completion p50/p95, read from each window's own histograms; system RAM is the mean of the vram.csv samples in the window.${data.overTime?.drift !== null && data.overTime?.drift !== undefined ? '' : ' No drift verdict was made for this run.'}</p>
${data.overTime?.drift !== null && data.overTime?.drift !== undefined ? `<p class="drift">${esc(data.overTime.drift)}</p>` : ''}
</section>
`;
}

/** Where the numbers come from: the environment and how to read them. */
function aboutSections(data: ReportData): string {
  return `<section>
<h2>Environment</h2>
<table class="env">${data.environment.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(v)}</td></tr>`).join('')}</table>
</section>
<section>
<h2>How to read these numbers</h2>
<ul class="notes">${data.notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>
</section>
`;
}

function capacitySections(data: ReportData): string {
  const c = data.capacity!;
  return `<section id="capacity">
<h2>Capacity search</h2>
${capacityHeadline(c)}
</section>
<section>
<h2>Trials</h2>
<div class="pair"><div class="chart" id="capacity-throughput"></div><div class="chart" id="capacity-slo"></div></div>
<div class="chart" id="capacity-path"></div>
${trialsTable(c)}
</section>`;
}

/** `run --threshold`: one row per rule, its verdict coloured. */
function thresholdsSection(data: ReportData): string {
  const cls = (v: string): string => (v === 'pass' ? 'pass' : v === 'fail' ? 'fail' : 'undecided');
  const rows = (data.thresholds ?? [])
    .map(
      (t) =>
        `<tr><td>${esc(t.threshold)}</td><td class="${cls(t.verdict)}">${esc(t.verdict)}</td><td>${esc(t.line.replace(/^threshold [^:]+: [A-Z ]+: /, ''))}</td></tr>`,
    )
    .join('');
  return `<section id="thresholds">
<h2>Thresholds</h2>
<table class="thresholds"><thead><tr><th>rule</th><th>verdict</th><th>figure and confidence</th></tr></thead><tbody>${rows}</tbody></table>
<p class="caption">Percentiles over every measured prompt (levels merged); errorRate = measured prompts not ok / submitted. A broken threshold makes the run exit 1; "too few samples" means met as observed but not yet claimable at the stated confidence (binomial test).</p>
</section>`;
}

function levelsTable(data: ReportData): string {
  const levels: LevelRow[] = data.levels;
  if (levels.length === 0) return '<p>No measured level completed.</p>';
  const first = data.mode === 'closed-loop' ? 'concurrency' : data.mode === 'capacity' ? 'trial / rate' : 'planned rate';
  const head = [
    first,
    'submitted',
    'ok',
    'not ok',
    'outcomes',
    'from /history',
    'prompts/s',
    'images/min',
    'sampler steps/s',
    'completion p50',
    'completion p95',
    'sampler start p50',
    'step p50',
    'VRAM used peak',
    'VRAM used p95',
  ];
  const gib = (b: number | null): string => (b === null ? '–' : `${(b / 2 ** 30).toFixed(2)} GiB`);
  const ms = (v: number | null): string => (v === null ? '–' : v >= 1000 ? `${(v / 1000).toFixed(2)} s` : `${v.toFixed(1)} ms`);
  const n = (v: number | null, d: number): string => (v === null ? '–' : v.toFixed(d));
  const rows = levels.map((l) =>
    [
      data.mode === 'closed-loop' ? String(l.concurrency) : l.label,
      String(l.submitted),
      String(l.ok),
      String(l.notOk),
      l.outcomes,
      l.settledFromHistory === null ? '–' : String(l.settledFromHistory),
      n(l.promptsPerSec, 3),
      n(l.imagesPerMin, 1),
      n(l.samplerStepsPerSec, 1),
      ms(l.completionP50Ms),
      ms(l.completionP95Ms),
      ms(l.samplerStartP50Ms),
      ms(l.stepIntervalP50Ms),
      gib(l.vramPeakBytes),
      gib(l.vramP95Bytes),
    ]
      .map((c, i) => `<td${i === 4 ? ' class="text"' : ''}>${esc(c)}</td>`)
      .join(''),
  );
  return `<div class="table-wrap"><table class="levels"><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r}</tr>`).join('')}</tbody></table></div>`;
}

/** JSON safe inside a <script> element: no `</script>`, no HTML comment openers, no U+2028/9. */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}
