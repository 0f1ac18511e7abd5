// The child's growth against the WHO Child Growth Standards (2006) on the health page, drawn by uPlot from the
// page's JSON block (the CSP allows no inline script): −2 SD, median and +2 SD curves and the child's points.
// The words come from the page, in its language.
(function () {
  "use strict";

  function draw() {
    var block = document.getElementById("growth-data");
    if (!block || typeof uPlot === "undefined") return;
    var data = JSON.parse(block.textContent);
    var labels = data.labels;
    var charts = [];
    data.charts.forEach(function (c) {
      var holder = document.getElementById("chart-" + c.id);
      if (!holder || !c.x.length) return;
      var width = function () { return Math.max(260, holder.clientWidth || 320); };
      var xLabel = c.x_unit === "months" ? labels.months : labels.cm;
      var options = {
        width: width(),
        height: 240,
        scales: { x: { time: false } },
        axes: [{ label: xLabel }, { label: labels[c.y_unit] || c.y_unit }],
        series: [
          { label: xLabel },
          { label: labels.lower, stroke: "#b3261e", width: 1, dash: [6, 4], points: { show: false } },
          { label: labels.median, stroke: "#1b7f3b", width: 2, points: { show: false } },
          { label: labels.upper, stroke: "#b3261e", width: 1, dash: [6, 4], points: { show: false } },
          { label: labels.child, stroke: "#1d4ed8", fill: "#1d4ed8", width: 0, spanGaps: true,
            paths: function () { return null; }, points: { show: true, size: 9, fill: "#1d4ed8" } }
        ]
      };
      var chart = new uPlot(options, [c.x, c.lower, c.median, c.upper, c.child], holder);
      holder.setAttribute("data-drawn", "1");
      charts.push({ chart: chart, width: width });
    });
    window.addEventListener("resize", function () {
      charts.forEach(function (c) { c.chart.setSize({ width: c.width(), height: 240 }); });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
