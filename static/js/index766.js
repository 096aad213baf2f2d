/* The 766 dashboard: draws its charts with Chart.js (served by the portal) and refreshes the figures
   from the API every minute, so the operations centre's screen stays current without a reload. */
(function () {
  "use strict";
  var script = document.currentScript;
  var data = JSON.parse(document.getElementById("ix-data").textContent);
  var api = script.getAttribute("data-api");
  var red = "#a50e24", blue = "#0b4f9c", green = "#1e6b35", grey = "#c9ced4";
  var charts = {};

  function pct(points, max) { return points === null || !max ? null : Math.round(points / max * 1000) / 10; }

  function groupsChart() {
    var el = document.getElementById("chart-groups");
    if (!el) { return; }
    charts.groups = new Chart(el, {
      type: "bar",
      data: {
        labels: data.groups.map(function (g) { return g.name; }),
        datasets: [{ data: data.groups.map(function (g) { return pct(g.points, g.max); }),
          backgroundColor: data.groups.map(function (g) {
            var p = pct(g.points, g.max); return p === null ? grey : p >= 80 ? green : p >= 50 ? blue : red; }) }]
      },
      options: { indexAxis: "y", maintainAspectRatio: false, animation: false,
        plugins: { legend: { display: false }, tooltip: { callbacks: { label: function (c) {
          var g = data.groups[c.dataIndex]; return g.points === null ? "—" : g.points + " / " + g.max; } } } },
        scales: { x: { min: 0, max: 100, ticks: { callback: function (v) { return v + "%"; } } } } }
    });
  }

  function trendChart() {
    var el = document.getElementById("chart-trend");
    if (!el) { return; }
    charts.trend = new Chart(el, {
      type: "line",
      data: { labels: data.trend.map(function (t) { return t.label; }),
        datasets: [{ data: data.trend.map(function (t) { return t.score; }), borderColor: red,
          backgroundColor: red, spanGaps: true, tension: 0.2 }] },
      options: { maintainAspectRatio: false, animation: false, plugins: { legend: { display: false } },
        scales: { y: { min: 0, max: 100 } } }
    });
  }

  /* The province's own targets: the agency's rate month by month, and the target as a dashed line. */
  function targetCharts() {
    (data.targets || []).forEach(function (t) {
      var el = document.getElementById("chart-target-" + t.code);
      if (!el) { return; }
      charts["target-" + t.code] = new Chart(el, {
        type: "line",
        // "03/2025" as "03/25": twelve months fit under a small chart without turning their labels.
        data: { labels: data.trend.map(function (m) { return m.label.slice(0, 3) + m.label.slice(-2); }),
          datasets: [
            { label: t.label, data: t.trend, borderColor: blue, backgroundColor: blue, spanGaps: true, tension: 0.2 },
            { label: data.target_label + " ≥ " + t.target + "%", data: t.trend.map(function () { return t.target; }),
              borderColor: red, borderDash: [6, 4], borderWidth: 2, pointRadius: 0, fill: false }
          ] },
        options: { maintainAspectRatio: false, animation: false, layout: { padding: { top: 8 } },
          plugins: { legend: { display: true, position: "bottom", labels: { boxWidth: 18 } } },
          scales: { x: { ticks: { maxRotation: 0, autoSkip: true } },
            y: { min: 0, max: 100, ticks: { stepSize: 20, callback: function (v) { return v + "%"; } } } } }
      });
    });
  }

  function rankingChart() {
    var el = document.getElementById("chart-ranking");
    if (!el) { return; }
    var rows = data.ranking.filter(function (r) { return r.score !== null; });
    charts.ranking = new Chart(el, {
      type: "bar",
      data: { labels: rows.map(function (r) { return r.name; }),
        datasets: [{ data: rows.map(function (r) { return r.score; }), backgroundColor: blue }] },
      options: { indexAxis: "y", maintainAspectRatio: false, animation: false,
        plugins: { legend: { display: false } }, scales: { x: { min: 0, max: 100 } } }
    });
  }

  function fmt(value) { return value === null ? "—" : value.toFixed(2).replace(".", ","); }

  function refresh() {
    fetch(api, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (body) {
        if (!body) { return; }
        document.getElementById("ix-score").firstChild.nodeValue = fmt(body.score);
        var measured = document.getElementById("ix-measured-score");
        if (measured) { measured.textContent = fmt(body.measured_score); }
        var computed = document.getElementById("ix-computed");
        computed.setAttribute("datetime", body.computed_at);
        computed.textContent = new Date(body.computed_at).toLocaleString("vi-VN");
        body.groups.forEach(function (g, n) {
          var card = document.querySelector('[data-group="' + g.code + '"] .ix-gp');
          if (card) { card.textContent = fmt(g.points); }
          if (charts.groups) { charts.groups.data.datasets[0].data[n] = pct(g.points, g.max); }
        });
        if (charts.groups) { charts.groups.update(); }
      })
      .catch(function () { /* offline for a moment: the next tick tries again */ });
  }

  groupsChart();
  trendChart();
  targetCharts();
  rankingChart();
  document.documentElement.setAttribute("data-charts-drawn", Object.keys(charts).length);
  if (api) { window.setInterval(refresh, 60000); }
})();
