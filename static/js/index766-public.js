/* The public 766 page: one bar chart of the agencies' scores (Chart.js, served by the portal). */
(function () {
  "use strict";
  var el = document.getElementById("chart-ranking");
  if (!el) { return; }
  var rows = JSON.parse(document.getElementById("ix-public").textContent);
  new Chart(el, {
    type: "bar",
    data: { labels: rows.map(function (r) { return r.name; }),
      datasets: [{ data: rows.map(function (r) { return r.score; }), backgroundColor: "#0b4f9c" }] },
    options: { indexAxis: "y", maintainAspectRatio: false, animation: false,
      plugins: { legend: { display: false } }, scales: { x: { min: 0, max: 100 } } }
  });
  document.documentElement.setAttribute("data-charts-drawn", "1");
})();
