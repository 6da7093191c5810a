/* octoup insights: SVG charts and the run grid, no dependencies, no network. */
"use strict";
var Octoup = (function () {
  var NS = "http://www.w3.org/2000/svg";
  var COLORS = ["#1f6feb", "#d1242f", "#1a7f37", "#9a6700", "#8250df", "#bf3989", "#0a7ea4", "#57606a"];

  function data(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }
  function el(name, attrs, parent) {
    var node = document.createElementNS(NS, name);
    for (var k in attrs) node.setAttribute(k, attrs[k]);
    if (parent) parent.appendChild(node);
    return node;
  }
  function text(parent, x, y, s, anchor, cls) {
    var t = el("text", {x: x, y: y, "text-anchor": anchor || "start", "class": cls || ""}, parent);
    t.textContent = s;
    return t;
  }
  function fmt(v) {
    if (typeof v !== "number") return String(v);
    var a = Math.abs(v);
    return a !== 0 && (a >= 1e5 || a < 1e-3) ? v.toExponential(2) : String(+v.toPrecision(4));
  }
  function extent(values) {
    var lo = Infinity, hi = -Infinity;
    values.forEach(function (v) { if (v < lo) lo = v; if (v > hi) hi = v; });
    if (lo === hi) { lo -= 1; hi += 1; }
    return [lo, hi];
  }
  function scale(d, r) { return function (v) { return r[0] + (v - d[0]) / (d[1] - d[0]) * (r[1] - r[0]); }; }
  function ticks(d, n) {
    var out = [];
    for (var i = 0; i <= n; i++) out.push(d[0] + (d[1] - d[0]) * i / n);
    return out;
  }

  /* Lines (or dots) of [x, y] series in an SVG; xLabel formats x ticks. */
  function plot(container, series, opts) {
    opts = opts || {};
    var W = opts.width || 460, H = opts.height || 240, m = {l: 56, r: 36, t: 12, b: 34};
    var svg = el("svg", {viewBox: "0 0 " + W + " " + H, width: "100%", role: "img"});
    var xs = [], ys = [];
    series.forEach(function (s) { s.points.forEach(function (p) { xs.push(p[0]); ys.push(p[1]); }); });
    if (!xs.length) { container.textContent = "no data"; return; }
    var xd = extent(xs), yd = extent(ys);
    var x = scale(xd, [m.l, W - m.r]), y = scale(yd, [H - m.b, m.t]);
    var axes = el("g", {"class": "axis"}, svg);
    ticks(yd, 4).forEach(function (v) {
      el("line", {x1: m.l, x2: W - m.r, y1: y(v), y2: y(v), "class": "gridline"}, axes);
      text(axes, m.l - 6, y(v) + 4, fmt(v), "end");
    });
    ticks(xd, 4).forEach(function (v) {
      text(axes, x(v), H - m.b + 16, opts.xLabel ? opts.xLabel(v) : fmt(v), "middle");
    });
    if (opts.xTitle) text(axes, (m.l + W - m.r) / 2, H - 4, opts.xTitle, "middle", "title");
    series.forEach(function (s, i) {
      var color = s.color || COLORS[i % COLORS.length];
      if (opts.dots) {
        s.points.forEach(function (p) {
          var c = el("circle", {cx: x(p[0]), cy: y(p[1]), r: 3.5, fill: color, "class": "dot"}, svg);
          if (p[2]) { el("title", {}, c).textContent = p[2]; c.addEventListener("click", function () { location.href = p[3]; }); }
        });
      } else {
        var d = s.points.map(function (p, j) { return (j ? "L" : "M") + x(p[0]).toFixed(1) + "," + y(p[1]).toFixed(1); }).join("");
        el("path", {d: d, fill: "none", stroke: color, "stroke-width": 1.6}, svg);
        if (s.points.length === 1) el("circle", {cx: x(s.points[0][0]), cy: y(s.points[0][1]), r: 3, fill: color}, svg);
      }
    });
    container.innerHTML = "";
    container.appendChild(svg);
  }

  /* Parallel coordinates: one axis per numeric param, the metric last; one line per run. */
  function parallel(container, runs, metric) {
    var have = runs.filter(function (r) { return typeof r.metrics[metric] === "number"; });
    var keys = {};
    have.forEach(function (r) { for (var k in r.params) if (!isNaN(parseFloat(r.params[k]))) keys[k] = (keys[k] || 0) + 1; });
    var axes = Object.keys(keys).filter(function (k) { return keys[k] === have.length; }).sort().slice(0, 8);
    if (!have.length || !axes.length) { container.textContent = "no runs with numeric params and " + metric; return; }
    var dims = axes.map(function (k) { return {name: k, get: function (r) { return parseFloat(r.params[k]); }}; });
    dims.push({name: metric, get: function (r) { return r.metrics[metric]; }});
    var W = 460, H = 260, m = {l: 30, r: 30, t: 24, b: 20};
    var svg = el("svg", {viewBox: "0 0 " + W + " " + H, width: "100%", role: "img"});
    var step = (W - m.l - m.r) / Math.max(dims.length - 1, 1);
    dims.forEach(function (d, i) {
      d.x = m.l + i * step;
      d.domain = extent(have.map(d.get));
      d.y = scale(d.domain, [H - m.b, m.t]);
    });
    var md = dims[dims.length - 1].domain;
    have.forEach(function (r) {
      var t = (r.metrics[metric] - md[0]) / (md[1] - md[0]);
      var color = "hsl(" + Math.round(220 - 200 * t) + ",70%,45%)";
      var path = dims.map(function (d, i) { return (i ? "L" : "M") + d.x.toFixed(1) + "," + d.y(d.get(r)).toFixed(1); }).join("");
      var line = el("path", {d: path, fill: "none", stroke: color, "stroke-opacity": 0.6, "stroke-width": 1.4}, svg);
      el("title", {}, line).textContent = (r.name || r.id) + ": " + metric + " = " + fmt(r.metrics[metric]);
    });
    dims.forEach(function (d) {
      var g = el("g", {"class": "axis"}, svg);
      el("line", {x1: d.x, x2: d.x, y1: m.t, y2: H - m.b, stroke: "#57606a"}, g);
      text(g, d.x, m.t - 10, d.name, "middle", "title");
      text(g, d.x + 3, m.t + 4, fmt(d.domain[1]));
      text(g, d.x + 3, H - m.b + 12, fmt(d.domain[0]));
    });
    container.innerHTML = "";
    container.appendChild(svg);
  }

  function metricNames(runs) {
    var seen = {};
    runs.forEach(function (r) { for (var k in r.metrics) seen[k] = 1; });
    return Object.keys(seen).sort();
  }
  function fill(select, names) {
    select.innerHTML = "";
    names.forEach(function (n) { var o = document.createElement("option"); o.textContent = n; select.appendChild(o); });
  }
  function day(ms) { return new Date(ms).toISOString().slice(5, 16).replace("T", " "); }
  /* Tick labels for times: the date only matters when the runs span more than a day. */
  function timeLabel(values) {
    var d = extent(values);
    return d[1] - d[0] < 864e5 ? function (ms) { return new Date(ms).toISOString().slice(11, 19); } : day;
  }

  function insightsPage() {
    var runs = data("runs-data") || [];
    var names = metricNames(runs);
    var tm = document.getElementById("time-metric"), pm = document.getElementById("pc-metric");
    if (!tm || !names.length) return;
    fill(tm, names); fill(pm, names);
    function drawTime() {
      var k = tm.value;
      var pts = runs.filter(function (r) { return typeof r.metrics[k] === "number"; })
        .map(function (r) { return [r.start, r.metrics[k], (r.name || r.id) + ": " + fmt(r.metrics[k]), "runs/" + r.id + ".html"]; });
      var starts = pts.map(function (p) { return p[0]; });
      plot(document.getElementById("time-chart"), [{name: k, points: pts}],
        {dots: true, xLabel: timeLabel(starts), xTitle: "run start (UTC)"});
    }
    function drawPc() { parallel(document.getElementById("pc-chart"), runs, pm.value); }
    tm.addEventListener("change", drawTime); pm.addEventListener("change", drawPc);
    drawTime(); drawPc();
  }

  function experimentsPage() {
    var runs = data("runs-data") || [];
    var metrics = metricNames(runs).slice(0, 12);
    var params = {};
    runs.forEach(function (r) { for (var k in r.params) params[k] = 1; });
    params = Object.keys(params).sort().slice(0, 8);
    var cols = [["run", function (r) { return r.name || r.id.slice(0, 8); }], ["experiment", function (r) { return r.exp; }],
      ["status", function (r) { return r.status; }], ["started", function (r) { return r.start; }]];
    params.forEach(function (k) { cols.push([k, function (r) { var v = r.params[k]; var f = parseFloat(v); return v === undefined ? null : isNaN(f) ? v : f; }]); });
    metrics.forEach(function (k) { cols.push([k, function (r) { var v = r.metrics[k]; return v === undefined ? null : v; }]); });
    var sortCol = 3, desc = true;
    var grid = document.getElementById("runs-grid"), thead = grid.tHead, tbody = grid.tBodies[0];
    var expSel = document.getElementById("exp-filter"), textIn = document.getElementById("text-filter");
    var head = document.createElement("tr");
    cols.forEach(function (c, i) {
      var th = document.createElement("th");
      th.textContent = c[0];
      th.addEventListener("click", function () { desc = sortCol === i ? !desc : false; sortCol = i; render(); });
      head.appendChild(th);
    });
    thead.appendChild(head);
    function render() {
      var exp = expSel.value, q = textIn.value.toLowerCase();
      var rows = runs.filter(function (r) {
        if (exp && r.exp !== exp) return false;
        if (!q) return true;
        return (r.name + " " + r.id + " " + r.status + " " + JSON.stringify(r.params)).toLowerCase().indexOf(q) >= 0;
      });
      var get = cols[sortCol][1];
      rows.sort(function (a, b) {
        var x = get(a), y = get(b);
        if (x === null) return 1; if (y === null) return -1;
        var c = x < y ? -1 : x > y ? 1 : 0;
        return desc ? -c : c;
      });
      Array.prototype.forEach.call(head.children, function (th, i) { th.className = i === sortCol ? (desc ? "desc" : "asc") : ""; });
      var html = rows.map(function (r) {
        return "<tr>" + cols.map(function (c, i) {
          var v = c[1](r);
          if (i === 0) return '<td><a href="runs/' + r.id + '.html">' + esc(v) + (r.parent ? ' <span class="child">child</span>' : "") + "</a></td>";
          if (i === 2) return '<td><span class="status ' + esc(String(v).toLowerCase()) + '">' + esc(v) + "</span></td>";
          if (i === 3) return "<td>" + day(v) + "</td>";
          return '<td class="num">' + (v === null ? "" : esc(fmt(v))) + "</td>";
        }).join("") + "</tr>";
      }).join("");
      tbody.innerHTML = html;
      document.getElementById("shown").textContent = rows.length + " of " + runs.length + " runs";
    }
    expSel.addEventListener("change", render); textIn.addEventListener("input", render);
    render();
  }
  function esc(s) { return String(s).replace(/[&<>"]/g, function (c) { return {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}[c]; }); }

  /* MLflow's metric file: "timestamp value step" per line; non-finite values are left out. */
  function parseMetric(text) {
    return text.split("\n").map(function (line) { return line.trim().split(/\s+/); })
      .filter(function (w) { return w.length >= 2 && isFinite(parseFloat(w[1])); })
      .map(function (w) { return [+w[0], parseFloat(w[1]), w.length > 2 ? +w[2] : 0]; });
  }

  function runPage() {
    var hist = data("history-data") || {}, run = data("run-data");
    var box = document.getElementById("metric-charts"), axis = document.getElementById("x-axis");
    if (!box) return;
    function draw() {
      var mode = axis.value;
      box.innerHTML = "";
      Object.keys(hist).sort().forEach(function (k) {
        var card = document.createElement("div");
        card.className = "card metric";
        var h = document.createElement("h3");
        h.textContent = k;
        card.appendChild(h);
        var chart = document.createElement("div");
        card.appendChild(chart);
        box.appendChild(card);
        var pts = parseMetric(hist[k]).map(function (p) {
          return [mode === "step" ? p[2] : mode === "time" ? p[0] : (p[0] - run.start) / 1000, p[1]];
        }).sort(function (a, b) { return a[0] - b[0]; });
        if (pts.length === 1) {  /* one value: show it, a chart of one dot says nothing */
          chart.className = "single";
          chart.textContent = fmt(pts[0][1]);
          return;
        }
        plot(chart, [{name: k, points: pts}], {height: 200, xLabel: mode === "time" ? function (v) { return new Date(v).toISOString().slice(11, 19); } : null,
          xTitle: mode === "step" ? "step" : mode === "time" ? "wall time (UTC)" : "seconds since start"});
      });
    }
    axis.addEventListener("change", draw);
    draw();
  }
  return {plot: plot, parallel: parallel, insightsPage: insightsPage, experimentsPage: experimentsPage, runPage: runPage};
})();
