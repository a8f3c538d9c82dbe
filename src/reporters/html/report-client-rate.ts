/**
 * The arrival-rate charts of report.html, a fragment of report-client.ts's closure (it uses that
 * script's `data`, `addChart`, `fmt`, `msTicks`, `bandsHook`, `levelAxis`, `levelScale`,
 * `levelValue`, `byConcurrency` and `COLORS`): throughput against the planned rate, the server
 * queue depth over time, a fleet's per-target throughput and latency, and a capacity search's
 * trials (throughput and goodput by rate, each SLO's observed percentile against its threshold,
 * the search path). Plain ES2017, no template literals.
 */
export const RATE_CHARTS_SCRIPT = String.raw`
  var PASS = '#2ca02c';
  var FAIL = '#d62728';
  function perMin(u, v) { return v === null || v === undefined ? '–' : fmt(v, 1) + ' /min'; }
  function perMinTicks(u, vals) { return distinct(vals, function (v, d) { return v.toFixed(d); }); }
  function dotsOnly(color, label, size) {
    return { label: label, stroke: color, fill: color, width: 0, paths: function () { return null; }, points: { show: true, size: size || 10, fill: color, stroke: color }, value: perMin };
  }

  // A vertical marker at x = value, labelled at the top (the max rate).
  function markerHook(value, label, color) {
    return function (u) {
      if (value === null || value === undefined) return;
      var x = u.valToPos(value, 'x', true);
      if (!isFinite(x)) return;
      var ctx = u.ctx;
      ctx.save();
      ctx.strokeStyle = color;
      ctx.lineWidth = 1.5 * devicePixelRatio;
      ctx.setLineDash([4 * devicePixelRatio, 3 * devicePixelRatio]);
      ctx.beginPath();
      ctx.moveTo(x, u.bbox.top);
      ctx.lineTo(x, u.bbox.top + u.bbox.height);
      ctx.stroke();
      ctx.fillStyle = color;
      ctx.font = Math.round(11 * devicePixelRatio) + 'px sans-serif';
      ctx.textBaseline = 'top';
      ctx.textAlign = 'right';
      ctx.fillText(label, x - 4 * devicePixelRatio, u.bbox.top + 4 * devicePixelRatio);
      ctx.restore();
    };
  }

  function drawRateThroughput() {
    var levels = data.levels.filter(function (l) { return l.x !== null; });
    var order = byConcurrency(levels.map(function (l) { return l.x; }));
    levels = order.map(function (i) { return levels[i]; });
    var xs = levels.map(function (l) { return l.x; });
    var offered = {};
    (data.openLoop || []).forEach(function (r) { offered[r.level] = r.offeredPerMin; });
    addChart('throughput', 'Throughput vs planned arrival rate (prompts/min; ok prompts only)', {
      scales: { x: levelScale(), y: { range: function (u, min, max) { return [0, Math.max(max, 1) * 1.1]; } } },
      series: [
        { label: 'planned rate', value: levelValue },
        { label: 'ideal (throughput = planned rate)', stroke: '#999', width: 1.5, dash: [6, 4], points: { show: false }, value: perMin },
        { label: 'offered (arrivals sent or dropped)', stroke: COLORS[1], width: 1.5, points: { show: true, size: 6 }, value: perMin },
        { label: 'ok throughput', stroke: COLORS[0], width: 2.5, points: { show: true, size: 8 }, value: perMin },
      ],
      axes: [levelAxis(xs), { label: 'prompts per minute', size: 70, values: perMinTicks }],
    }, [xs, xs, levels.map(function (l) { return offered[l.level] === undefined ? null : offered[l.level]; }), levels.map(function (l) { return l.promptsPerSec === null ? null : l.promptsPerSec * 60; })]);
  }

  function drawQueue() {
    var q = data.queue;
    if (!q) return;
    var series = [{ label: 'time', value: function (u, t) { return t === null ? '–' : t.toFixed(2) + ' s'; } }];
    var d = [q.t];
    q.depth.forEach(function (s, i) {
      series.push({ label: q.targetLabels[i], stroke: COLORS[i % COLORS.length], width: 1, paths: uPlot.paths.stepped({ align: 1 }), value: function (u, v) { return v === null ? '–' : String(v); } });
      d.push(s);
    });
    if (q.total) {
      series.push({ label: 'all targets', stroke: '#333', width: 2, paths: uPlot.paths.stepped({ align: 1 }), value: function (u, v) { return v === null ? '–' : String(v); } });
      d.push(q.total);
    }
    addChart('queue', 'Server queue depth over the run (queue_remaining: pending + running prompts of every client); shaded: levels', {
      height: 320,
      scales: { x: { time: false }, y: { range: function (u, min, max) { return [0, Math.max(1, max) * 1.1]; } } },
      series: series,
      axes: [{ label: 'seconds since run start' }, { label: 'prompts queued or running', size: 60 }],
      hooks: { drawClear: [bandsHook] },
    }, d);
  }

  function drawTargets() {
    var rows = data.targets;
    if (!rows) return;
    var targets = [];
    var xs = [];
    rows.forEach(function (r) {
      if (targets.indexOf(r.target) < 0) targets.push(r.target);
      var x = r.ratePerMin === null ? r.level : r.ratePerMin;
      if (xs.indexOf(x) < 0) xs.push(x);
    });
    xs.sort(function (a, b) { return a - b; });
    function column(target, key) {
      return xs.map(function (x) {
        var r = rows.filter(function (r) { return r.target === target && (r.ratePerMin === null ? r.level : r.ratePerMin) === x; })[0];
        return r ? r[key] : null;
      });
    }
    function labelOf(t) { return rows.filter(function (r) { return r.target === t; })[0].targetLabel; }
    addChart('targets-throughput', 'Per-target ok throughput vs planned fleet rate (prompts/min)', {
      height: 280,
      scales: { x: levelScale(), y: { range: function (u, min, max) { return [0, Math.max(max, 1) * 1.15]; } } },
      series: [{ label: 'fleet rate', value: levelValue }].concat(targets.map(function (t, i) {
        return { label: labelOf(t), stroke: COLORS[i % COLORS.length], width: 2, points: { show: true, size: 10 }, value: perMin };
      })),
      axes: [levelAxis(xs), { label: 'ok prompts per minute', size: 70, values: perMinTicks }],
    }, [xs].concat(targets.map(function (t) { return column(t, 'okPerMin'); })));
    addChart('targets-latency', 'Per-target completion p95 vs planned fleet rate (corrected)', {
      height: 280,
      scales: { x: levelScale(), y: { range: function (u, min, max) { return [0, Math.max(max, 1) * 1.15]; } } },
      series: [{ label: 'fleet rate', value: levelValue }].concat(targets.map(function (t, i) {
        return { label: labelOf(t), stroke: COLORS[i % COLORS.length], width: 2, points: { show: true, size: 10 }, value: function (u, v) { return fmt(v) + ' ms'; } };
      })),
      axes: [levelAxis(xs), { label: 'completion p95', size: 70, values: msTicks }],
    }, [xs].concat(targets.map(function (t) { return column(t, 'completionP95Ms'); })));
  }

  function drawCapacity() {
    var c = data.capacity;
    if (!c) return;
    var b = c.byRate;
    var xs = b.ratePerMin;
    var maxLabel = c.maxRatePerMin === null ? '' : 'max rate ' + fmt(c.maxRatePerMin, 1) + '/min';
    var knee = xs.map(function () { return c.kneePerMin; });
    addChart('capacity-throughput', 'Trials: throughput and goodput vs arrival rate (prompts/min)', {
      height: 320,
      scales: { x: levelScale(), y: { range: function (u, min, max) { var pad = Math.max((max - min) * 0.15, max * 0.02, 0.5); return [Math.max(0, min - pad), max + pad]; } } },
      series: [
        { label: 'trial rate', value: levelValue },
        { label: 'ideal (= rate)', stroke: '#999', width: 1, dash: [6, 4], points: { show: false }, value: perMin },
        dotsOnly(PASS, 'throughput, trial passed'),
        dotsOnly(FAIL, 'throughput, trial failed'),
        { label: 'goodput (met every SLO)', stroke: COLORS[0], width: 2, points: { show: true, size: 6 }, value: perMin },
        { label: 'knee (saturation)', stroke: '#8c564b', width: 1.5, dash: [2, 3], points: { show: false }, value: perMin },
      ],
      axes: [levelAxis(xs), { label: 'prompts per minute', size: 70, values: perMinTicks }],
      hooks: { draw: [markerHook(c.maxRatePerMin, maxLabel, PASS)] },
    }, [xs, xs, b.throughputPassPerMin, b.throughputFailPerMin, b.goodputPerMin, knee]);

    var sloSeries = [{ label: 'trial rate', value: levelValue }];
    var sloData = [xs];
    c.slos.forEach(function (s, i) {
      var color = COLORS[(i + 3) % COLORS.length];
      sloSeries.push({ label: s.slo + ' observed p' + s.percentile, stroke: color, width: 2, points: { show: true, size: 8 }, value: function (u, v) { return fmt(v) + ' ms'; } });
      sloData.push(b.observedMs[i]);
      sloSeries.push({ label: 'threshold ' + fmt(s.thresholdMs, 0) + ' ms', stroke: color, width: 1.5, dash: [8, 5], points: { show: false }, value: function (u, v) { return fmt(v) + ' ms'; } });
      sloData.push(xs.map(function () { return s.thresholdMs; }));
    });
    addChart('capacity-slo', 'Each SLO: observed percentile per trial vs its threshold (ms)', {
      height: 320,
      scales: { x: levelScale(), y: { range: function (u, min, max) { return [0, Math.max(max, 1) * 1.12]; } } },
      series: sloSeries,
      axes: [levelAxis(xs), { label: 'latency', size: 70, values: msTicks }],
      hooks: { draw: [markerHook(c.maxRatePerMin, maxLabel, PASS)] },
    }, sloData);

    var p = c.path;
    addChart('capacity-path', 'Search path: arrival rate of each trial in order (green passed, red failed)', {
      height: 260,
      scales: { x: { time: false, range: function (u, min, max) { return [min - 0.5, max + 0.5]; } }, y: { range: function (u, min, max) { return [Math.min(min, c.probe.ratePerMin) * 0.85, max * 1.08]; } } },
      series: [
        { label: 'trial', value: function (u, v) { return v === null ? '–' : '#' + v; } },
        { label: 'rate tried', stroke: '#888', width: 1.5, value: perMin },
        dotsOnly(PASS, 'passed', 11),
        dotsOnly(FAIL, 'failed', 11),
        { label: 'max rate found', stroke: PASS, width: 1, dash: [4, 3], points: { show: false }, value: perMin },
        { label: 'probe estimate of the service rate', stroke: '#9467bd', width: 1, dash: [2, 3], points: { show: false }, value: perMin },
      ],
      axes: [
        { label: 'trial # (in the order run)', splits: function () { return p.trial; }, values: function (u, vals) { return vals.map(function (v) { return v === null ? '' : '#' + v; }); } },
        { label: 'arrival rate (prompts/min)', size: 70, values: perMinTicks },
      ],
    }, [p.trial, p.ratePerMin, p.passPerMin, p.failPerMin, p.trial.map(function () { return c.maxRatePerMin; }), p.trial.map(function () { return c.probe.ratePerMin; })]);
  }
`;
