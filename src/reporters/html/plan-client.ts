/**
 * The script plan.html runs in the browser: draws the predicted percentile vs GPU count (one line
 * per rate, its interval dashed, the SLO threshold in red) and, with several rates, the same
 * percentile vs rate (one line per GPU count). Plain ES2017 as a string, as report-client.ts;
 * each chart is registered on `window.__comfyloadCharts` so a browser test can read what it drew.
 */
export const PLAN_SCRIPT = String.raw`
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('plan-data').textContent);
  var charts = [];
  window.__comfyloadCharts = charts;
  var COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#bcbd22', '#7f7f7f'];
  var SLO = '#d62728';

  function widthOf(el) { return Math.max(320, Math.floor(el.getBoundingClientRect().width) - 4); }
  function fmtMs(v) {
    if (v === null || v === undefined || !isFinite(v)) return '–';
    return v >= 1000 ? (v / 1000).toFixed(v >= 10000 ? 1 : 2) + ' s' : v.toFixed(v < 10 ? 1 : 0) + ' ms';
  }
  function msTicks(u, vals) { return vals.map(fmtMs); }

  function addChart(id, title, opts, chartData) {
    var el = document.getElementById(id);
    if (!el) return;
    opts.title = title;
    opts.width = widthOf(el);
    opts.height = 340;
    charts.push({ id: id, title: title, chart: new uPlot(opts, chartData, el) });
  }

  function yRange(u, min, max) {
    var top = Math.max(max, data.thresholdMs === null ? 0 : data.thresholdMs * 1.15, 1);
    return [0, top * 1.08];
  }

  function drawByGpus() {
    var series = [{ label: 'GPUs', value: function (u, v) { return v === null ? '–' : v + ' GPUs'; } }];
    var cols = [data.gpus];
    data.series.forEach(function (s, i) {
      var color = COLORS[i % COLORS.length];
      series.push({ label: s.label, stroke: color, width: 2, points: { show: true, size: 8 }, value: function (u, v) { return fmtMs(v); } });
      series.push({ label: s.label + ' low', stroke: color, width: 1, dash: [5, 4], points: { show: false }, value: function (u, v) { return fmtMs(v); } });
      series.push({ label: s.label + ' high', stroke: color, width: 1, dash: [5, 4], points: { show: false }, value: function (u, v) { return fmtMs(v); } });
      cols.push(s.value, s.low, s.high);
    });
    if (data.thresholdMs !== null) {
      series.push({ label: 'SLO threshold', stroke: SLO, width: 1.5, dash: [10, 5], points: { show: false }, value: function (u, v) { return fmtMs(v); } });
      cols.push(data.gpus.map(function () { return data.thresholdMs; }));
    }
    addChart('plan-gpus', 'Predicted ' + data.label + ' vs GPU count, one line per arrival rate', {
      scales: { x: { time: false, range: function (u, min, max) { return [min - 0.5, max + 0.5]; } }, y: { range: yRange } },
      series: series,
      axes: [
        { label: 'GPUs', splits: function () { return data.gpus; }, values: function (u, vals) { return vals.map(function (v) { return v === null ? '' : String(v); }); } },
        { label: data.label, size: 70, values: msTicks },
      ],
    }, cols);
  }

  function drawByRates() {
    if (data.series.length < 2) return;
    var xs = data.series.map(function (s) { return s.ratePerMin; });
    var series = [{ label: 'rate', value: function (u, v) { return v === null ? '–' : v.toFixed(1) + '/min'; } }];
    var cols = [xs];
    data.gpus.forEach(function (g, gi) {
      series.push({ label: g + ' GPUs', stroke: COLORS[gi % COLORS.length], width: 2, points: { show: true, size: 7 }, value: function (u, v) { return fmtMs(v); } });
      cols.push(data.series.map(function (s) { return s.value[gi]; }));
    });
    if (data.thresholdMs !== null) {
      series.push({ label: 'SLO threshold', stroke: SLO, width: 1.5, dash: [10, 5], points: { show: false }, value: function (u, v) { return fmtMs(v); } });
      cols.push(xs.map(function () { return data.thresholdMs; }));
    }
    addChart('plan-rates', 'Predicted ' + data.label + ' vs arrival rate, one line per GPU count (a line ends where that size saturates)', {
      scales: { x: { time: false }, y: { range: yRange } },
      series: series,
      axes: [{ label: 'arrival rate (prompts/min)' }, { label: data.label, size: 70, values: msTicks }],
    }, cols);
  }

  function run(fn) { try { fn(); } catch (e) { console.error(e); } }
  run(drawByGpus);
  run(drawByRates);
})();
`;
