/**
 * matrix.html: the GPU × model matrix as one offline page in report.html's style, a table and a
 * horizontal bar chart per column that decides a purchase (throughput, images/min, step time,
 * completion p50, cost per 1,000 images), drawn as plain HTML bars (no script needed).
 */
import type { MatrixResult, MatrixRow } from '../../metrics/matrix-types.js';
import { formatValue } from '../compare/compare-format.js';
import { esc } from './render-tables.js';
import { REPORT_STYLE } from './report-style.js';

interface BarChart {
  id: string;
  title: string;
  value: (r: MatrixRow) => number | null;
  text: (v: number) => string;
}

const CHARTS: BarChart[] = [
  {
    id: 'bars-throughput',
    title: 'Throughput at the best level (prompts/s, higher is better)',
    value: (r) => r.promptsPerSec,
    text: (v) => formatValue(v, '/s'),
  },
  { id: 'bars-images', title: 'Images per minute (higher is better)', value: (r) => r.imagesPerMin, text: (v) => formatValue(v, '/min') },
  { id: 'bars-step', title: 'Sampler step time p50 (s/it, lower is better)', value: (r) => r.stepSecPerIt, text: (v) => `${v.toFixed(3)} s/it` },
  {
    id: 'bars-completion',
    title: 'Completion p50 at the lowest concurrency (lower is better)',
    value: (r) => r.completionP50Ms,
    text: (v) => formatValue(v, 'ms'),
  },
  { id: 'bars-cost', title: 'Cost per 1,000 images (lower is better)', value: (r) => r.costPer1000Images, text: (v) => `$${v.toFixed(3)}` },
];

export function renderMatrixHtml(m: MatrixResult): string {
  const label = (r: MatrixRow): string =>
    `${r.gpu} · ${r.modelConfig}${new Set(m.rows.map((x) => x.comfyuiVersion)).size > 1 ? ` · ComfyUI ${r.comfyuiVersion}` : ''}`;
  const charts = CHARTS.map((c) => {
    const values = m.rows.map((r) => ({ r, v: c.value(r) })).filter((x): x is { r: MatrixRow; v: number } => x.v !== null && Number.isFinite(x.v));
    if (values.length === 0) return '';
    const max = Math.max(...values.map((x) => x.v));
    const bars = values
      .map(
        (x) =>
          `<div class="bar-row"><span class="bar-label">${esc(label(x.r))}</span><span class="bar search" style="width:${max > 0 ? Math.max(2, Math.round((x.v / max) * 360)) : 2}px"></span><span class="bar-value">${esc(c.text(x.v))}</span></div>`,
      )
      .join('');
    return `<h3>${esc(c.title)}</h3><div class="bars" id="${c.id}">${bars}</div>`;
  }).join('\n');
  const rows = m.rows
    .map(
      (r) =>
        `<tr><td class="text">${esc(r.gpu)}</td><td class="text">${esc(r.modelConfig)}</td><td class="text">${esc(r.comfyuiVersion)}</td><td>${r.runs}</td><td>${esc(formatValue(r.promptsPerSec, '/s'))}${r.promptsPerSecSpread !== null ? ` ± ${(r.promptsPerSecSpread * 100).toFixed(1)}%` : ''} @${esc(r.bestLevel)}</td><td>${esc(formatValue(r.imagesPerMin, '/min'))}</td><td>${r.stepSecPerIt === null ? '–' : `${r.stepSecPerIt.toFixed(3)} s/it (${r.stepItPerSec!.toFixed(2)} it/s)`}</td><td>${esc(formatValue(r.completionP50Ms, 'ms'))} / ${esc(formatValue(r.completionP95Ms, 'ms'))}</td><td>${esc(formatValue(r.vramPeakBytes, 'B'))}</td><td>${r.costPer1000Images === null ? '–' : `$${r.costPer1000Images.toFixed(3)}`}</td><td class="text">${esc(r.mixed.length > 0 ? `mixed: ${r.mixed.join(', ')}` : '')}</td></tr>`,
    )
    .join('');
  return `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>comfyload · GPU × model matrix</title>
<style>${REPORT_STYLE}
.bar-label { flex: 0 0 520px; }
</style></head>
<body>
<header><h1>comfyload · GPU × model matrix</h1><p class="sub">${m.rows.length} configurations, sorted by ${esc(m.sort)}</p></header>
<main>
<section><h2>Configurations</h2>
<div class="table-wrap"><table class="levels"><thead><tr><th>GPU</th><th>model config</th><th>ComfyUI</th><th>runs</th><th>throughput (best level)</th><th>images/min</th><th>step p50</th><th>completion p50 / p95</th><th>VRAM peak</th><th>$ / 1k images</th><th>flags</th></tr></thead><tbody>${rows}</tbody></table></div>
</section>
<section><h2>Bar charts</h2>
${charts}
</section>
<section><h2>How the columns are computed</h2><ul class="notes">${m.notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul></section>
</main>
</body>
</html>
`;
}
