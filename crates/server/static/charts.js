// Charts: each <figure data-chart> holds its ECharts option as JSON in a
// <script type="application/json"> child (data, not code: the CSP allows no inline script).
// The same numbers are always in a table next to the chart, so nothing depends on this file.
(function () {
  "use strict";
  function init() {
    if (typeof echarts === "undefined") { return; }
    document.querySelectorAll("figure[data-chart]").forEach(function (fig) {
      if (fig.getAttribute("data-chart-ready")) { return; }
      var src = fig.querySelector("script[type='application/json']");
      var box = fig.querySelector(".chart-canvas");
      if (!src || !box) { return; }
      var option;
      try { option = JSON.parse(src.textContent); } catch (e) { return; }
      var chart = echarts.init(box, null, { renderer: "canvas" });
      chart.setOption(option);
      fig.setAttribute("data-chart-ready", "1");
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }
  document.addEventListener("DOMContentLoaded", init);
  document.addEventListener("htmx:afterSettle", init);
})();
