/**
 * The script report.html runs in the browser: reads the embedded report data and draws every
 * chart with uPlot (inlined beside it). Plain ES2017 with no template literals, kept as a string
 * so the page needs no build step and no network. Each chart is registered on
 * `window.__comfyloadCharts` ({id, title, chart}) so a browser test can check its data. The
 * arrival-rate charts (queue depth, fleet, capacity) are a fragment of the same closure, in
 * report-client-rate.ts.
 */
import { RATE_CHARTS_SCRIPT } from './report-client-rate.js';

export const REPORT_SCRIPT = String.raw`
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('report-data').textContent);
  var charts = [];
  window.__comfyloadCharts = charts;
  var COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#bcbd22', '#7f7f7f'];
  var FIGURE_COLORS = { p50: '#2ca02c', p90: '#1f77b4', p95: '#9467bd', p99: '#ff7f0e', max: '#d62728' };

  function widthOf(el) { return Math.max(320, Math.floor(el.getBoundingClientRect().width) - 4); }

  function addChart(id, title, opts, chartData) {
    var el = document.getElementById(id);
    if (!el) return null;
    opts.title = title;
    opts.width = widthOf(el);
    opts.height = opts.height || 320;
    // Legends show values before any hover: those of the last point (the highest level, the run's end).
    var last = lastIndex(chartData);
    opts.hooks = opts.hooks || {};
    opts.hooks.setLegend = (opts.hooks.setLegend || []).concat([function (u) {
      if (u.legend.idx === null && last >= 0 && !u.__pinning) { u.__pinning = true; u.setLegend({ idx: last }); u.__pinning = false; }
    }]);
    var chart = new uPlot(opts, chartData, el);
    if (last >= 0) chart.setLegend({ idx: last });
    charts.push({ id: id, title: title, chart: chart });
    return chart;
  }

  function lastIndex(chartData) {
    var xs = chartData[0] || [];
    for (var i = xs.length - 1; i >= 0; i--) {
      for (var k = 1; k < chartData.length; k++) if (chartData[k][i] !== null && chartData[k][i] !== undefined) return i;
    }
    return xs.length - 1;
  }

  // Tick labels that never repeat: as many decimals as the ticks need to differ (1.35 s, 1.40 s, not 1.4 s, 1.4 s).
  function distinct(vals, label) {
    for (var digits = 0; digits <= 4; digits++) {
      var out = vals.map(function (v) { return v === null ? '' : label(v, digits); });
      var seen = {};
      var dup = out.some(function (t) { if (t === '') return false; if (seen[t]) return true; seen[t] = true; return false; });
      if (!dup) return out;
    }
    return out;
  }

  // Throughput axes start at zero: a flat 0.7401–0.7423 must not look like a jump.
  function fromZero(u, min, max) { return [0, max > 0 ? max * 1.1 : 1]; }

  function fmt(v, digits) {
    if (v === null || v === undefined || !isFinite(v)) return '–';
    var a = Math.abs(v);
    if (a >= 10000) return v.toFixed(0);
    if (a >= 100) return v.toFixed(digits === undefined ? 1 : digits);
    return v.toFixed(digits === undefined ? 2 : digits);
  }

  function msTicks(u, vals) {
    var seconds = vals.some(function (v) { return v !== null && v >= 1000; });
    return distinct(vals, function (v, d) { return seconds ? (v / 1000).toFixed(d) + ' s' : v.toFixed(d) + ' ms'; });
  }

  // Level bands behind the series: one shaded span per level, labelled at the top.
  function bandsHook(u) {
    var ctx = u.ctx;
    var top = u.bbox.top;
    var h = u.bbox.height;
    ctx.save();
    ctx.font = Math.round(11 * devicePixelRatio) + 'px sans-serif';
    ctx.textBaseline = 'top';
    data.bands.forEach(function (b, i) {
      var x0 = u.valToPos(b.fromS, 'x', true);
      var x1 = u.valToPos(b.toS, 'x', true);
      if (!isFinite(x0) || !isFinite(x1)) return;
      ctx.fillStyle = b.phase === 'warmup' ? 'rgba(160,160,160,0.16)' : (i % 2 === 0 ? 'rgba(31,119,180,0.07)' : 'rgba(255,127,14,0.08)');
      ctx.fillRect(x0, top, Math.max(1, x1 - x0), h);
      ctx.fillStyle = '#555';
      // A band too narrow for its label (a short warm-up or probe) stays unlabelled rather than overprinting its neighbour.
      if (ctx.measureText(b.label).width + 6 * devicePixelRatio <= x1 - x0) ctx.fillText(b.label, x0 + 3 * devicePixelRatio, top + 3 * devicePixelRatio);
    });
    ctx.restore();
  }

  var byRate = data.mode !== 'closed-loop';

  // x of the level charts: concurrency (log 2) in a closed loop, planned arrival rate per min (linear) otherwise.
  function levelAxis(xs) {
    // Rates can sit close together (a bisection): let uPlot space the ticks instead of one per level.
    if (byRate) return { label: data.levelAxis.label, size: 50, values: function (u, vals) { return vals.map(function (v) { return v === null ? '' : fmt(v, v >= 100 || v === Math.round(v) ? 0 : 1); }); } };
    return {
      label: data.levelAxis.label,
      splits: function () { return xs.filter(function (v, i) { return xs.indexOf(v) === i; }); },
      filter: function (u, splits) { return splits; },
      values: function (u, vals) { return vals.map(function (v) { return v === null ? '' : (byRate ? fmt(v, v >= 100 ? 0 : 1) + '/min' : String(v)); }); },
      size: 50,
    };
  }

  function levelScale() {
    if (!byRate) return { time: false, distr: 3, log: 2, range: function (u, min, max) { return [min / 1.4, max * 1.4]; } };
    return { time: false, range: function (u, min, max) { var pad = Math.max((max - min) * 0.08, max * 0.05, 0.5); return [Math.max(0, min - pad), max + pad]; } };
  }

  function levelValue(u, v) { return v === null ? '–' : (byRate ? fmt(v, 1) + ' /min' : 'c=' + v); }

  // Levels sorted by concurrency (uPlot wants ascending x).
  function byConcurrency(xs) {
    return xs.map(function (v, i) { return i; }).sort(function (a, b) { return xs[a] - xs[b]; });
  }

  function drawLatency() {
    var host = document.getElementById('latency-charts');
    // Every cell first, so the grid has its final columns before any chart measures its width.
    data.latency.forEach(function (m) {
      var box = document.createElement('div');
      box.className = 'chart';
      box.id = 'latency-' + m.metric;
      var caption = document.createElement('p');
      caption.className = 'caption';
      caption.textContent = m.metric + ': ' + m.description + '. Percentiles p50–max per level, ms.';
      var wrap = document.createElement('div');
      wrap.appendChild(box);
      wrap.appendChild(caption);
      host.appendChild(wrap);
    });
    data.latency.forEach(function (m) {
      var id = 'latency-' + m.metric;
      var order = byConcurrency(m.x);
      var xs = order.map(function (i) { return m.x[i]; });
      var figures = ['p50', 'p90', 'p95', 'p99', 'max'];
      var twin = m.uncorrected;
      // Markers shrink from p50 to max, so percentiles that coincide (one prompt per level) still show as nested rings.
      var sizes = { p50: 13, p90: 10, p95: 8, p99: 6, max: 4 };
      var series = [{ label: byRate ? 'rate' : 'concurrency', value: levelValue }].concat(figures.map(function (f) {
        return { label: twin ? f + ' corr.' : f, stroke: FIGURE_COLORS[f], width: 2, points: { show: true, size: sizes[f], fill: '#fff' }, value: function (u, v) { return fmt(v) + ' ms'; } };
      }));
      var d = [xs].concat(figures.map(function (f) { return order.map(function (i) { return m[f][i]; }); }));
      if (twin) {
        // Coordinated omission made visible: the uncorrected twin dashed beside each corrected figure.
        figures.forEach(function (f) {
          series.push({ label: f + ' uncorr.', stroke: FIGURE_COLORS[f], width: 1.5, dash: [6, 4], show: f === 'p50' || f === 'p99' || f === 'max', points: { show: true, size: 5 }, value: function (u, v) { return fmt(v) + ' ms'; } });
          d.push(order.map(function (i) { return twin[f][i]; }));
        });
      }
      addChart(id, m.metric + ' vs ' + (byRate ? 'planned rate' : 'concurrency') + (twin ? ': solid corrected, dashed uncorrected' : ''), {
        height: 260,
        scales: { x: levelScale() },
        series: series,
        axes: [levelAxis(xs), { label: 'latency', size: 70, values: msTicks }],
      }, d);
    });
  }

  function drawThroughput() {
    if (byRate) return drawRateThroughput();
    var order = byConcurrency(data.levels.map(function (l) { return l.concurrency; }));
    var levels = order.map(function (i) { return data.levels[i]; });
    var xs = levels.map(function (l) { return l.concurrency; });
    addChart('throughput', 'Throughput vs concurrency (ok prompts only)', {
      scales: { x: levelScale(), y: { range: fromZero }, ipm: { range: fromZero } },
      series: [
        { label: 'concurrency' },
        { label: 'prompts/s', stroke: COLORS[0], width: 2, points: { show: true, size: 7 }, value: function (u, v) { return fmt(v, 3) + ' /s'; } },
        { label: 'images/min', stroke: COLORS[1], width: 2, dash: [6, 4], scale: 'ipm', points: { show: true, size: 7 }, value: function (u, v) { return fmt(v) + ' /min'; } },
      ],
      axes: [
        levelAxis(xs),
        { label: 'prompts per second', size: 70, values: function (u, vals) { return distinct(vals, function (v, d) { return v.toFixed(Math.max(d, 1)); }); } },
        { label: 'images per minute', scale: 'ipm', side: 1, size: 70, grid: { show: false }, values: function (u, vals) { return distinct(vals, function (v, d) { return v.toFixed(d); }); } },
      ],
    }, [xs, levels.map(function (l) { return l.promptsPerSec; }), levels.map(function (l) { return l.imagesPerMin; })]);
  }

  // A percentile distribution (HdrHistogram plotter style): x = 1/(1−p) on a log axis; a level's variants share its colour.
  function percentileChart(id, title, sd, yLabel) {
    if (!sd) return;
    var colorOf = {};
    var series = [{ label: 'percentile', value: function (u, v) { return v === null ? '–' : pctLabel(v); } }].concat(sd.series.map(function (s) {
      var key = s.label.replace(/ (un)?corrected$/, '');
      if (colorOf[key] === undefined) colorOf[key] = COLORS[Object.keys(colorOf).length % COLORS.length];
      return { label: s.label, stroke: colorOf[key], width: s.dashed ? 1.5 : 2, dash: s.dashed ? [6, 4] : undefined, value: function (u, v) { return fmt(v) + ' ms'; } };
    }));
    addChart(id, title, {
      scales: { x: { time: false, distr: 3, log: 10 } },
      series: series,
      axes: [
        {
          label: 'percentile',
          splits: function (u, i, min, max) { return [1, 2, 10, 100, 1000, 10000, 100000].filter(function (v) { return v >= min && v <= max * 1.0001; }); },
          // uPlot's log axes blank non-decade splits by default; 2 (the median) is wanted.
          filter: function (u, splits) { return splits; },
          values: function (u, vals) { return vals.map(function (v) { return v === null ? '' : pctLabel(v); }); },
        },
        { label: yLabel, size: 70, values: msTicks },
      ],
    }, [sd.x].concat(sd.series.map(function (s) { return s.values; })));
  }

  function drawSteps() {
    percentileChart('steps', 'Sampler step interval: percentile distribution per level (ms; x log scale, as HdrHistogram plots)', data.stepDistribution, 'step interval');
  }

  function drawCoordinatedOmission() {
    percentileChart('coordinated-omission', 'Completion time percentiles per level: corrected (solid, from the intended send) vs uncorrected (dashed, from the actual send)', data.coordinatedOmission, 'completion time');
  }

  function pctLabel(x) {
    var p = 100 * (1 - 1 / x);
    if (p <= 0) return '0%';
    var digits = Math.max(0, Math.min(4, Math.ceil(-Math.log10(100 - p)) + 1));
    var text = p.toFixed(digits);
    if (text.indexOf('.') >= 0) text = text.replace(/0+$/, '').replace(/\.$/, '');
    return text + '%';
  }

  function drawVram() {
    (data.vram || []).forEach(drawVramChart);
  }

  // One chart per target. A CPU server's "VRAM" is the machine's RAM (ComfyUI --cpu reports it so): labelled so, without torch series.
  function drawVramChart(v) {
    var ram = v.memory === 'system-ram';
    var gib = function (digits) { return function (u, x) { return fmt(x, digits) + ' GiB'; }; };
    var series = [
      { label: 'time', value: function (u, t) { return t === null ? '–' : t.toFixed(2) + ' s'; } },
      { label: ram ? 'system RAM used (total − free)' : 'used (total − free)', stroke: '#d62728', width: 2, fill: 'rgba(214,39,40,0.08)', value: gib(2) },
    ];
    var columns = [v.t, v.used];
    if (!ram) {
      series.push({ label: 'torch reserved', stroke: '#1f77b4', width: 1.5, value: gib(2) });
      series.push({ label: 'torch active', stroke: '#2ca02c', width: 1.5, value: gib(2) });
      columns.push(v.reserved, v.active);
    }
    series.push({ label: ram ? 'system RAM total' : 'VRAM total', stroke: '#555', width: 1, dash: [8, 6], value: gib(1) });
    columns.push(v.total);
    if (!ram) {
      series.push({ label: 'system RAM used', stroke: '#8c564b', width: 1, dash: [2, 3], show: false, value: gib(1) });
      columns.push(v.ram);
    }
    var who = (data.vram.length > 1 ? 'target ' + v.target + ', ' : '') + v.device;
    var title = ram
      ? 'System RAM over the run (GiB, ' + who + ': a CPU server reports the machine RAM as its device memory); shaded: levels'
      : 'VRAM over the run (GiB, ' + who + '); shaded: levels';
    addChart(v.id, title, {
      height: 360,
      scales: { x: { time: false }, y: { range: fromZero } },
      series: series,
      axes: [{ label: 'seconds since run start' }, { label: 'GiB', size: 60 }],
      hooks: { drawClear: [bandsHook] },
    }, columns);
    // Prompts in flight on a chart of their own, on the same time axis: a count never shares the GiB axis.
    addChart(v.id + '-inflight', 'Prompts in flight at each VRAM sample' + (data.vram.length > 1 ? ' (target ' + v.target + ')' : ''), {
      height: 150,
      scales: { x: { time: false }, y: { range: function (u, min, max) { return [0, Math.max(1, max) * 1.15]; } } },
      series: [
        { label: 'time', value: function (u, t) { return t === null ? '–' : t.toFixed(2) + ' s'; } },
        { label: 'prompts in flight', stroke: '#9467bd', width: 1.5, paths: uPlot.paths.stepped({ align: 1 }), value: function (u, x) { return x === null ? '–' : String(x); } },
      ],
      axes: [{ label: 'seconds since run start' }, { label: 'prompts', size: 60, values: function (u, vals) { return distinct(vals, function (x, d) { return x.toFixed(d); }); } }],
      hooks: { drawClear: [bandsHook] },
    }, [v.t, v.inFlight]);
  }

  function outcomeColor(o) {
    if (o === 'ok') return '#2a7fba';
    if (o === 'cached') return '#bcbd22';
    if (o.indexOf('error:') === 0) return '#d62728';
    return '#ff7f0e';
  }

  function drawPrompts() {
    var p = data.prompts;
    var n = p.sentS.length;
    var order = p.sentS.map(function (v, i) { return i; }).sort(function (a, b) { return p.sentS[a] - p.sentS[b]; });
    var xs = order.map(function (i) { return p.sentS[i]; });
    var ys = order.map(function (i, rank) { return rank; });
    var maxEnd = 0;
    p.endS.forEach(function (e, i) { maxEnd = Math.max(maxEnd, e === null ? p.sentS[i] : e); });
    function drawBars(u) {
      var ctx = u.ctx;
      var rowPx = u.bbox.height / Math.max(1, n + 1);
      var h = Math.max(1, Math.min(12 * devicePixelRatio, rowPx * 0.8));
      ctx.save();
      order.forEach(function (i, rank) {
        var y = u.valToPos(rank, 'y', true) - h / 2;
        var sent = u.valToPos(p.sentS[i], 'x', true);
        var start = p.startS[i] === null ? null : u.valToPos(p.startS[i], 'x', true);
        var end = p.endS[i] === null ? null : u.valToPos(p.endS[i], 'x', true);
        ctx.fillStyle = 'rgba(140,140,140,0.55)';
        ctx.fillRect(sent, y, Math.max(1, (start !== null ? start : (end !== null ? end : sent)) - sent), h);
        if (start !== null && end !== null) {
          ctx.fillStyle = outcomeColor(p.outcome[i]);
          ctx.fillRect(start, y, Math.max(1, end - start), h);
        }
      });
      ctx.restore();
    }
    addChart('prompts', 'Per-prompt timeline: queue wait (grey) and execution (coloured by outcome), in submission order', {
      height: Math.min(700, Math.max(260, n * 6 + 80)),
      legend: { show: false },
      scales: { x: { time: false, range: function () { return [0, maxEnd * 1.01 + 0.001]; } }, y: { range: function () { return [-1, Math.max(1, n)]; } } },
      series: [{ label: 'sent' }, { label: 'prompt', stroke: 'rgba(0,0,0,0)', points: { show: false }, paths: function () { return null; } }],
      axes: [{ label: 'seconds since run start' }, { label: 'prompt # (by send time)', size: 60 }],
      hooks: { drawClear: [bandsHook], draw: [drawBars] },
    }, [xs, ys]);
  }

  function drawOverTime() {
    var o = data.overTime;
    if (!o) return;
    addChart('over-time-latency', 'Completion p50/p95 and ok throughput per window over the run; shaded: levels', {
      height: 300,
      scales: { x: { time: false }, y: { range: fromZero }, tp: { range: fromZero } },
      series: [
        { label: 'time', value: function (u, t) { return t === null ? '–' : t.toFixed(1) + ' s'; } },
        { label: 'completion p50', stroke: FIGURE_COLORS.p50, width: 2, points: { show: true, size: 7 }, value: function (u, v) { return fmt(v) + ' ms'; } },
        { label: 'completion p95', stroke: FIGURE_COLORS.p95, width: 2, points: { show: true, size: 5 }, value: function (u, v) { return fmt(v) + ' ms'; } },
        { label: 'ok prompts/min', stroke: COLORS[0], width: 1.5, dash: [6, 4], scale: 'tp', value: function (u, v) { return fmt(v, 1) + ' /min'; } },
      ],
      axes: [{ label: 'seconds since run start' }, { label: 'completion time', size: 70, values: msTicks }, { label: 'ok prompts per minute', scale: 'tp', side: 1, size: 60, grid: { show: false } }],
      hooks: { drawClear: [bandsHook] },
    }, [o.t, o.p50Ms, o.p95Ms, o.okPerMin]);
    if (o.ramGiB.some(function (v) { return v !== null; })) {
      addChart('over-time-ram', 'System RAM used per window (GiB, mean of the vram.csv samples)', {
        height: 300,
        scales: { x: { time: false } },
        series: [
          { label: 'time', value: function (u, t) { return t === null ? '–' : t.toFixed(1) + ' s'; } },
          { label: 'system RAM used', stroke: '#8c564b', width: 2, points: { show: true, size: 5 }, value: function (u, v) { return fmt(v, 2) + ' GiB'; } },
        ],
        axes: [{ label: 'seconds since run start' }, { label: 'GiB', size: 60, values: function (u, vals) { return distinct(vals, function (v, d) { return v.toFixed(d); }); } }],
        hooks: { drawClear: [bandsHook] },
      }, [o.t, o.ramGiB]);
    }
  }

  ${RATE_CHARTS_SCRIPT}

  function run(fn) {
    try { fn(); } catch (e) { console.error(e); }
  }
  run(drawThroughput);
  run(drawLatency);
  run(drawSteps);
  run(drawCoordinatedOmission);
  run(drawVram);
  run(drawPrompts);
  run(drawOverTime);
  run(drawQueue);
  run(drawTargets);
  run(drawCapacity);

  var resizeTimer = 0;
  window.addEventListener('resize', function () {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(function () {
      charts.forEach(function (c) {
        var el = document.getElementById(c.id);
        if (el) c.chart.setSize({ width: widthOf(el), height: c.chart.height });
      });
    }, 100);
  });
})();
`;
