/**
 * The script compare.html runs: overlaid percentile distributions of baseline and candidate per
 * metric and level, and throughput and latency against concurrency (or rate) for both sides,
 * drawn with the inlined uPlot. Plain ES2017 in a string, like report-client.ts; each chart is
 * registered on `window.__comfyloadCharts` for the browser test.
 */
export const COMPARE_SCRIPT = String.raw`
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('compare-data').textContent);
  var charts = [];
  window.__comfyloadCharts = charts;
  var BASE = '#1f77b4';
  var CAND = '#d62728';

  function widthOf(el) { return Math.max(320, Math.floor(el.getBoundingClientRect().width) - 4); }
  function fmt(v, d) { if (v === null || v === undefined || !isFinite(v)) return '–'; return v.toFixed(d === undefined ? (Math.abs(v) >= 100 ? 1 : 2) : d); }
  function msTicks(u, vals) { return vals.map(function (v) { return v >= 1000 ? (v / 1000).toFixed(v >= 10000 ? 0 : 1) + ' s' : fmt(v, v < 10 ? 1 : 0) + ' ms'; }); }
  function pctLabel(x) {
    var p = 100 * (1 - 1 / x);
    if (p <= 0) return '0%';
    var digits = Math.max(0, Math.min(4, Math.ceil(-Math.log10(100 - p)) + 1));
    var text = p.toFixed(digits);
    if (text.indexOf('.') >= 0) text = text.replace(/0+$/, '').replace(/\.$/, '');
    return text + '%';
  }

  function addChart(el, id, title, opts, chartData) {
    opts.title = title;
    opts.width = widthOf(el);
    opts.height = opts.height || 280;
    var chart = new uPlot(opts, chartData, el);
    charts.push({ id: id, title: title, chart: chart });
  }

  function side(label, color, dashed, unit) {
    return { label: label, stroke: color, width: 2, dash: dashed ? [6, 4] : undefined, points: { show: true, size: 6 }, value: function (u, v) { return fmt(v) + unit; } };
  }

  var byRate = data.byLevel.length > 0 && data.levelAxis === 'rate';
  var xs = data.byLevel.map(function (l) { return l.x; });
  var levelScale = byRate ? { time: false } : { time: false, distr: 3, log: 2, range: function (u, min, max) { return [min / 1.4, max * 1.4]; } };
  var levelAxis = {
    label: byRate ? 'planned arrival rate (prompts/min)' : 'concurrency',
    splits: function () { return xs; },
    filter: function (u, splits) { return splits; },
    values: function (u, vals) { return vals.map(function (v) { return v === null ? '' : String(+v.toFixed(2)); }); },
  };

  function drawLevels() {
    var el = document.getElementById('chart-throughput');
    var pick = function (sideName, key) { return data.byLevel.map(function (l) { return l[sideName][key]; }); };
    addChart(el, 'chart-throughput', 'Throughput vs ' + (byRate ? 'rate' : 'concurrency') + ': baseline (blue) and candidate (red)', {
      scales: { x: levelScale },
      series: [{ label: 'level' }, side('baseline prompts/s', BASE, false, ' /s'), side('candidate prompts/s', CAND, false, ' /s')],
      axes: [levelAxis, { label: 'ok prompts per second', size: 70 }],
    }, [xs, pick('baseline', 'promptsPerSec'), pick('candidate', 'promptsPerSec')]);
    var lat = document.getElementById('chart-latency');
    addChart(lat, 'chart-latency', 'Latency vs ' + (byRate ? 'rate' : 'concurrency') + ': completion p50 (solid), p95 (dashed), execution p50 (thin)', {
      scales: { x: levelScale },
      series: [
        { label: 'level' },
        side('baseline completion p50', BASE, false, ' ms'),
        side('candidate completion p50', CAND, false, ' ms'),
        side('baseline completion p95', BASE, true, ' ms'),
        side('candidate completion p95', CAND, true, ' ms'),
        { label: 'baseline exec p50', stroke: BASE, width: 1, value: function (u, v) { return fmt(v) + ' ms'; } },
        { label: 'candidate exec p50', stroke: CAND, width: 1, value: function (u, v) { return fmt(v) + ' ms'; } },
      ],
      axes: [levelAxis, { label: 'latency', size: 70, values: msTicks }],
    }, [xs, pick('baseline', 'completionP50Ms'), pick('candidate', 'completionP50Ms'), pick('baseline', 'completionP95Ms'), pick('candidate', 'completionP95Ms'), pick('baseline', 'execP50Ms'), pick('candidate', 'execP50Ms')]);
  }

  function drawDistributions() {
    var host = document.getElementById('distributions');
    var boxes = data.distributions.map(function (d, i) {
      var box = document.createElement('div');
      box.className = 'chart';
      box.id = 'dist-' + d.metric + '-' + i;
      host.appendChild(box);
      return box;
    });
    data.distributions.forEach(function (d, i) {
      addChart(boxes[i], boxes[i].id, d.metric + ' at ' + d.level + ': percentile distribution, baseline vs candidate', {
        height: 240,
        scales: { x: { time: false, distr: 3, log: 10 } },
        series: [
          { label: 'percentile', value: function (u, v) { return v === null ? '–' : pctLabel(v); } },
          { label: 'baseline', stroke: BASE, width: 2, value: function (u, v) { return fmt(v) + (d.metric === 'vramPeakBytes' ? ' B' : ' ms'); } },
          { label: 'candidate', stroke: CAND, width: 2, value: function (u, v) { return fmt(v) + (d.metric === 'vramPeakBytes' ? ' B' : ' ms'); } },
        ],
        axes: [
          {
            label: 'percentile',
            splits: function (u, i2, min, max) { return [1, 2, 10, 100, 1000, 10000, 100000].filter(function (v) { return v >= min && v <= max * 1.0001; }); },
            filter: function (u, splits) { return splits; },
            values: function (u, vals) { return vals.map(function (v) { return v === null ? '' : pctLabel(v); }); },
          },
          { label: d.metric, size: 70, values: msTicks },
        ],
      }, [d.x, d.baseline, d.candidate]);
    });
  }

  drawLevels();
  drawDistributions();
})();
`;
