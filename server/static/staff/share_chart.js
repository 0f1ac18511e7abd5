// 持证上岗率 per day of the month on the director's dashboard, drawn by uPlot from the page's JSON block
// (the CSP allows no inline script). The words come from the page, in its language.
(function () {
  "use strict";

  function draw() {
    var holder = document.getElementById("share-chart");
    var block = document.getElementById("share-data");
    if (!holder || !block || typeof uPlot === "undefined") return;
    var data = JSON.parse(block.textContent);
    if (!data.x.length) return;
    var target = data.x.map(function () { return data.target; });
    var width = Math.max(240, holder.clientWidth || 300);
    var options = {
      width: width,
      height: 200,
      scales: { y: { range: [0, 100] } },
      axes: [{}, { values: function (u, ticks) { return ticks.map(function (t) { return t + "%"; }); } }],
      series: [
        { label: data.labels.day, value: "{YYYY}-{MM}-{DD}" },
        { label: data.labels.share, stroke: "#1b7f3b", width: 2, points: { show: true }, spanGaps: false },
        { label: data.labels.target, stroke: "#b3261e", width: 1, dash: [6, 4], points: { show: false } }
      ]
    };
    var chart = new uPlot(options, [data.x, data.share, target], holder);
    window.addEventListener("resize", function () {
      chart.setSize({ width: Math.max(240, holder.clientWidth || 300), height: 200 });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
