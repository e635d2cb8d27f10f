/* motcua — the dashboard's charts, drawn with uPlot (vendor/uPlot.iife.min.js, loaded before
 * this file and only on the dashboard).
 *
 * The data come from <script type="application/json"> blocks written by the server (data, not
 * code: the Content-Security-Policy runs no inline script). Each chart box names its block:
 *   <div class="chart-box" data-chart="ID"></div>  <script id="ID" type="application/json">
 * and the block holds {kind: "stacked" | "bars", category, labels: [...], unit, max?, series:
 * [{label, colour, values}]} (category: what a label is, "Month", shown in the legend).
 * "stacked": one stacked bar per label (months); "bars": one horizontal bar per label
 * (agencies), a missing value (null) drawn as no bar.
 *
 * Charts are decoration for sighted users: every chart has a table with the same numbers on
 * the page, and the boxes are aria-hidden. Without script, or if uPlot is missing, the tables
 * remain and nothing breaks.
 */
(function () {
  "use strict";

  if (typeof window.uPlot !== "function") {
    return;
  }
  var uPlot = window.uPlot;
  var lang = document.documentElement.getAttribute("lang") || "vi";
  var counts = new Intl.NumberFormat(lang);
  var rates = new Intl.NumberFormat(lang, {minimumFractionDigits: 2, maximumFractionDigits: 2});
  var GRID = {stroke: "#d5dbe1", width: 1};
  var AXIS = {stroke: "#1b1f24", font: "12px system-ui, sans-serif", grid: GRID, ticks: {show: false}};
  var drawn = [];

  function read(box) {
    var source = document.getElementById(box.getAttribute("data-chart"));
    if (!source) {
      return null;
    }
    try {
      return JSON.parse(source.textContent);
    } catch (error) {
      return null;
    }
  }

  function format(spec, value) {
    if (value === null || value === undefined) {
      return "—";
    }
    return spec.unit === "%" ? rates.format(value) + " %" : counts.format(value);
  }

  function shorten(text, size) {
    return text.length > size ? text.slice(0, size - 1) + "…" : text;
  }

  function range(n) {
    var out = [];
    for (var i = 0; i < n; i++) {
      out.push(i);
    }
    return out;
  }

  // The legend's first entry: the category under the cursor (the month, the agency).
  function categorySeries(spec) {
    return {
      label: spec.category || "",
      value: function (u, v) { return v === null || v === undefined ? "—" : spec.labels[v] || "—"; }
    };
  }

  function bars() {
    return uPlot.paths.bars({size: [0.7, 48], align: 0});
  }

  // Categories on an axis: every label when they fit, else every k-th one.
  function categoryAxis(spec, base, room) {
    var indices = range(spec.labels.length);
    return Object.assign({}, AXIS, base, {
      splits: function (u) {
        var length = base.side === 3 ? u.bbox.height : u.bbox.width;
        var step = Math.max(1, Math.ceil((indices.length * room * devicePixelRatio) / Math.max(1, length)));
        return indices.filter(function (i) { return i % step === 0; });
      },
      values: function (u, splits) {
        return splits.map(function (i) { return shorten(spec.labels[i] || "", base.side === 3 ? 28 : 10); });
      },
      grid: {show: false}
    });
  }

  // Stacked bars: each series is drawn as the running total up to it, the tallest first, so
  // that every lower part is painted over the one above it. The legend shows the real values.
  function stacked(spec, width) {
    var n = spec.labels.length;
    var running = range(n).map(function () { return 0; });
    var totals = spec.series.map(function (s) {
      running = running.map(function (sum, i) { return sum + (s.values[i] || 0); });
      return running.slice();
    });
    var order = range(spec.series.length).reverse();
    var top = Math.max.apply(null, [1].concat(running));
    return {
      options: {
        width: width,
        height: 260,
        scales: {
          x: {time: false, range: function () { return [-0.5, n - 0.5]; }},
          y: {range: function () { return [0, top * 1.08]; }}
        },
        axes: [
          categoryAxis(spec, {side: 2}, 56),
          Object.assign({}, AXIS, {values: function (u, values) { return values.map(function (v) { return format(spec, v); }); }})
        ],
        series: [categorySeries(spec)].concat(order.map(function (k) {
          var s = spec.series[k];
          return {
            label: s.label,
            stroke: s.colour,
            fill: s.colour,
            width: 0,
            paths: bars(),
            points: {show: false},
            value: function (u, v, si, i) { return i === null || i === undefined ? "—" : format(spec, s.values[i]); }
          };
        })),
        legend: {live: true},
        cursor: {drag: {x: false, y: false}, points: {show: false}}
      },
      data: [range(n)].concat(order.map(function (k) { return totals[k]; }))
    };
  }

  // Horizontal bars, one per label (agency names are long): the chart grows with the list.
  function horizontal(spec, width) {
    var n = spec.labels.length;
    var s = spec.series[0];
    var longest = spec.labels.reduce(function (m, l) { return Math.max(m, Math.min(28, l.length)); }, 4);
    return {
      options: {
        width: width,
        height: Math.max(140, 26 * n + 70),
        scales: {
          x: {time: false, ori: 1, dir: -1, range: function () { return [-0.5, n - 0.5]; }},
          y: {ori: 0, range: function () { return [0, spec.max || 100]; }}
        },
        axes: [
          categoryAxis(spec, {side: 3, size: Math.min(width / 2, longest * 7 + 16)}, 22),
          Object.assign({}, AXIS, {side: 2, values: function (u, values) { return values.map(function (v) { return format(spec, v); }); }})
        ],
        series: [categorySeries(spec), {
          label: s.label,
          stroke: s.colour,
          fill: s.colour,
          width: 0,
          paths: bars(),
          points: {show: false},
          value: function (u, v) { return format(spec, v); }
        }],
        legend: {live: true},
        cursor: {drag: {x: false, y: false}, points: {show: false}}
      },
      data: [range(n), s.values]
    };
  }

  function draw(box) {
    var spec = read(box);
    if (!spec || !spec.labels || !spec.labels.length) {
      return;
    }
    var width = Math.max(240, box.clientWidth);
    var built = spec.kind === "bars" ? horizontal(spec, width) : stacked(spec, width);
    var chart = new uPlot(built.options, built.data, box);
    drawn.push({box: box, chart: chart});
  }

  var pending = null;
  function resize() {
    drawn.forEach(function (item) {
      item.chart.setSize({width: Math.max(240, item.box.clientWidth), height: item.chart.height});
    });
  }
  window.addEventListener("resize", function () {
    if (pending) {
      window.clearTimeout(pending);
    }
    pending = window.setTimeout(resize, 150);
  });

  Array.prototype.forEach.call(document.querySelectorAll(".chart-box[data-chart]"), draw);
})();
