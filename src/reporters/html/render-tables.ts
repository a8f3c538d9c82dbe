/**
 * report.html's tables for arrival-rate runs: the open-loop levels (Little's law, queue-wait
 * slope, corrected vs uncorrected p99, drops), a fleet's per-target levels, and a capacity
 * search's headline and trials. Pure functions of the report data, HTML-escaped.
 */
import type { CapacityData } from './report-capacity.js';
import type { OpenLoopRow, TargetLevelRow } from './report-open-loop.js';

export function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}

export function ms(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '–';
  return Math.abs(v) >= 1000 ? `${(v / 1000).toFixed(2)} s` : `${v.toFixed(1)} ms`;
}

export function n(v: number | null | undefined, digits: number): string {
  return v === null || v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(digits);
}

/** `<table>` with a header row; cells are already HTML; `textColumns` are left-aligned prose. */
export function table(className: string, head: string[], rows: string[][], textColumns: readonly number[] = []): string {
  const body = rows.map((r) => `<tr>${r.map((c, i) => `<td${textColumns.includes(i) ? ' class="text"' : ''}>${c}</td>`).join('')}</tr>`).join('');
  return `<div class="table-wrap"><table class="levels ${className}"><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${body}</tbody></table></div>`;
}

function verdict(ok: boolean, text: string): string {
  return `<span class="${ok ? 'pass' : 'fail'}">${esc(text)}</span>`;
}

export function openLoopTable(rows: OpenLoopRow[]): string {
  const head = [
    'planned rate',
    'offered',
    'arrivals',
    'dropped',
    'ok throughput',
    'L: mean queue depth',
    'λ·W',
    "Little's law",
    'queue-wait slope',
    'R²',
    'completion p99 corrected',
    'completion p99 uncorrected',
    'scheduler late p99',
  ];
  const body = rows.map((r) => {
    const l = r.littleLaw;
    return [
      `${n(r.ratePerMin, 1)} /min`,
      `${n(r.offeredPerMin, 1)} /min`,
      String(r.arrivals),
      r.dropped > 0 ? verdict(false, String(r.dropped)) : '0',
      r.okPerMin === null ? '–' : `${n(r.okPerMin, 1)} /min`,
      n(r.meanQueueDepth ?? null, 2),
      l === undefined ? '–' : n(l.predicted, 2),
      l === undefined ? '–' : `${verdict(l.holds, l.holds ? 'holds' : 'off')} <small>L/λW ${l.ratio.toFixed(2)}, ±${(l.tolerance * 100).toFixed(0)}%</small>`,
      r.queueWaitSlopeMsPerSec === undefined ? '–' : `${r.queueWaitSlopeMsPerSec >= 0 ? '+' : ''}${r.queueWaitSlopeMsPerSec.toFixed(1)} ms/s`,
      n(r.queueWaitSlopeR2 ?? null, 2),
      ms(r.completionP99Ms),
      ms(r.completionUncorrectedP99Ms),
      ms(r.schedulerLateP99Ms),
    ];
  });
  return table('open-loop', head, body);
}

export function targetsTable(rows: TargetLevelRow[]): string {
  const head = [
    'target',
    'planned rate',
    'submitted',
    'ok',
    'not ok',
    'ok throughput',
    'completion p50',
    'completion p95',
    'completion p99',
    'queue wait p95',
    'step p50',
  ];
  const body = rows.map((r) => [
    esc(r.targetLabel),
    r.ratePerMin === null ? '–' : `${n(r.ratePerMin, 1)} /min`,
    String(r.submitted),
    String(r.ok),
    String(r.notOk),
    r.okPerMin === null ? '–' : `${n(r.okPerMin, 1)} /min`,
    ms(r.completionP50Ms),
    ms(r.completionP95Ms),
    ms(r.completionP99Ms),
    ms(r.queueWaitP95Ms),
    ms(r.stepIntervalP50Ms),
  ]);
  return table('targets', head, body, [0]);
}

/** The capacity headline: max rate, goodput, knee, first failing rate, probe, and the GPU-time comparison. */
export function capacityHeadline(c: CapacityData): string {
  const rate = (v: number | null): string => (v === null ? '–' : `${v.toFixed(1)} /min <small>(${(v / 60).toFixed(3)} /s)</small>`);
  const figure = (label: string, value: string, note: string): string =>
    `<div class="figure"><div class="label">${esc(label)}</div><div class="value">${value}</div><div class="note">${esc(note)}</div></div>`;
  const widest = Math.max(c.gpu.searchMs, c.gpu.gridEstimateMs, 1);
  const bar = (cls: string, label: string, valueMs: number): string =>
    `<div class="bar-row"><span class="bar-label">${esc(label)}</span><span class="bar ${cls}" style="width:${((60 * valueMs) / widest).toFixed(1)}%"></span><span class="bar-value">${esc(ms(valueMs))}</span></div>`;
  return `<div class="figures">
${figure('Max rate meeting every SLO', c.maxRatePerMin === null ? verdict(false, 'none') : rate(c.maxRatePerMin), `${c.slos.map((s) => s.slo).join(' and ')}: ${c.maxRateRule}`)}
${figure('Goodput at the max rate', rate(c.goodputPerMin), c.goodputTrial === null ? 'no passing trial' : `the max rate × the share of judged prompts meeting every SLO in trial ${c.goodputTrial}`)}
${figure('Knee (saturation throughput)', rate(c.kneePerMin), c.kneeRule)}
${figure('Lowest failing rate', rate(c.firstFailRatePerMin), `bisected to ${(c.precision * 100).toFixed(1)}%`)}
${figure('Probe', `${ms(c.probe.meanServiceMs)} <small>per prompt</small>`, `${c.probe.prompts} prompts one at a time → service rate ≈ ${c.probe.ratePerMin.toFixed(1)} /min`)}
</div>
<h3>GPU time: the search vs an 8-level grid sweep</h3>
<div class="bars">
${bar('search', 'this search (measured: Σ server execution time, probe and warm-up included)', c.gpu.searchMs)}
${bar('grid', 'an 8-level grid sweep (estimate)', c.gpu.gridEstimateMs)}
</div>
<p class="caption">Estimate = ${esc(c.gpu.formula)}.${c.gpu.ratio === null ? '' : ` The search spent ${(c.gpu.ratio * 100).toFixed(0)}% of it.`} Minimum prompts per trial to claim each SLO at ${(c.confidence * 100).toFixed(0)}% confidence (binomial early stopping): ${esc(c.minSamples.map(([s, k]) => `${s}: ${k}`).join(', '))}. Arrivals: ${esc(c.arrival)}.</p>`;
}

export function trialsTable(c: CapacityData): string {
  const head = [
    'trial',
    'phase',
    'rate',
    'verdict',
    'why (the same line as the console and trials.csv)',
    ...c.slos.map((s) => `${s.slo}: observed p${s.percentile ?? '?'} vs ${ms(s.thresholdMs)}`),
    'arrivals',
    'dropped',
    'ok',
    'failed',
    'cut',
    'throughput',
    'goodput',
    'queue-wait slope',
    'windows',
    'duration',
    'GPU time',
  ];
  const body = c.trials.map((t) => [
    String(t.trial),
    esc(t.phase),
    `${n(t.ratePerMin, 1)} /min`,
    verdict(t.verdict === 'pass', t.verdict.toUpperCase()),
    esc(t.explanation),
    ...c.slos.map((s) => {
      const cell = t.slos.find((x) => x.slo === s.slo);
      if (cell === undefined) return '–';
      const mark = cell.verdict === 'pass' ? '✓' : cell.verdict === 'fail' ? '✗' : '?';
      const cls = cell.verdict === 'pass' ? 'pass' : cell.verdict === 'fail' ? 'fail' : 'undecided';
      return `<span class="${cls}">${esc(`${mark} ${ms(cell.observedMs)}`)}</span> <small>${cell.samples} samples, ${cell.over} over, ${cell.required} needed${cell.verdict === 'undecided' ? ': too few to claim' : ''}</small>`;
    }),
    String(t.arrivals),
    String(t.dropped),
    String(t.ok),
    String(t.notOk),
    String(t.cut),
    `${n(t.throughputPerMin, 1)} /min`,
    `${n(t.goodputPerMin, 1)} /min`,
    t.queueWaitSlopeMsPerSec === null ? '–' : `${t.queueWaitSlopeMsPerSec >= 0 ? '+' : ''}${t.queueWaitSlopeMsPerSec.toFixed(1)} ms/s`,
    String(t.windows),
    ms(t.durationMs),
    ms(t.gpuMs),
  ]);
  return table('trials', head, body, [4]);
}
