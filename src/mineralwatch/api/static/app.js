// mineralwatch workbench: renders Plotly figure specs embedded as data-spec attributes.
// No inline scripts (the Content-Security-Policy forbids them); every asset is local.
(function () {
  "use strict";
  var CONFIG = { displaylogo: false, responsive: true, topojsonURL: "/static/topojson/",
                 modeBarButtonsToRemove: ["sendDataToCloud"] };
  function render(root) {
    if (!window.Plotly) { return; }
    (root || document).querySelectorAll(".plot[data-spec]").forEach(function (el) {
      if (el.dataset.rendered) { return; }
      var spec;
      try { spec = JSON.parse(el.dataset.spec); } catch (e) { el.textContent = "chart unavailable"; return; }
      el.dataset.rendered = "1";
      window.Plotly.newPlot(el, spec.data, spec.layout || {}, CONFIG);
    });
  }
  document.addEventListener("DOMContentLoaded", function () { render(document); });
  document.addEventListener("htmx:afterSwap", function (ev) { render(ev.target); });
})();
