// Charts of the steering pages, drawn with Apache ECharts served from /static/vendor/echarts/.
//
// Every element [data-chart="<id>"] names a <script type="application/json" id="<id>"> written by
// Django's json_script: {"option": <an ECharts option built in Python>, "suffix": "%" | " 万元" | ""}.
// The option is used as it is; this file only adds what JSON cannot carry (the tooltip's value
// formatter), draws as SVG (crisp on paper), resizes on window resize and before printing, and
// draws again what htmx swaps in. Without ECharts the data table under each chart still holds
// every number.
(function () {
  "use strict";
  var charts = [];

  function locale() {
    var lang = (document.documentElement.lang || "").toLowerCase();
    return lang.indexOf("zh") === 0 ? "ZH" : "EN";
  }

  function payloadOf(el) {
    var source = document.getElementById(el.getAttribute("data-chart"));
    if (!source) return null;
    try {
      return JSON.parse(source.textContent);
    } catch (e) {
      return null;
    }
  }

  function draw(el) {
    if (el.getAttribute("data-chart-drawn") === "1") return;
    var payload = payloadOf(el);
    if (!payload || !payload.option) return;
    var suffix = payload.suffix || "";
    var option = payload.option;
    option.tooltip = option.tooltip || {};
    option.tooltip.valueFormatter = function (value) {
      return value === null || value === undefined || value === "-" ? "—" : value + suffix;
    };
    el.innerHTML = "";
    var chart = window.echarts.init(el, null, { renderer: "svg", locale: locale() });
    chart.setOption(option);
    el.setAttribute("data-chart-drawn", "1");
    charts.push(chart);
  }

  function drawAll(root) {
    if (!window.echarts) return;
    var scope = root && root.querySelectorAll ? root : document;
    var found = scope.querySelectorAll("[data-chart]");
    if (scope.matches && scope.matches("[data-chart]")) draw(scope);
    for (var i = 0; i < found.length; i++) draw(found[i]);
  }

  // Drop the charts whose element left the page (an htmx swap), resize the others.
  function resizeAll() {
    charts = charts.filter(function (chart) {
      var dom = chart.getDom();
      if (!dom || !dom.isConnected) {
        chart.dispose();
        return false;
      }
      chart.resize();
      return true;
    });
  }

  var pending = null;
  function onResize() {
    if (pending) window.clearTimeout(pending);
    pending = window.setTimeout(function () {
      pending = null;
      resizeAll();
    }, 150);
  }

  function start() {
    drawAll(document);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
  window.addEventListener("resize", onResize);
  // Printing lays the page out again (one chart per row, no sidebar): draw at the printed width.
  window.addEventListener("beforeprint", resizeAll);
  window.addEventListener("afterprint", resizeAll);
  if (window.matchMedia) {
    var print = window.matchMedia("print");
    if (print.addEventListener) print.addEventListener("change", resizeAll);
    else if (print.addListener) print.addListener(resizeAll);
  }
  document.addEventListener("htmx:load", function (event) {
    resizeAll();
    drawAll(event.target);
  });
  // A page restored from htmx's history cache holds the drawings but not the charts: draw again.
  document.addEventListener("htmx:historyRestore", function () {
    var drawn = document.querySelectorAll("[data-chart-drawn]");
    for (var i = 0; i < drawn.length; i++) drawn[i].removeAttribute("data-chart-drawn");
    resizeAll();
    drawAll(document);
  });
})();
