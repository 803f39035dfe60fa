// Draws the embedded chart from the JSON in #figure-data (no inline script: the CSP allows 'self' only).
(function () {
  var data = document.getElementById("figure-data");
  var target = document.getElementById("chart");
  if (!data || !target || !window.Plotly) { return; }
  var fig = JSON.parse(data.textContent);
  var config = {responsive: true, displaylogo: false, topojsonURL: "/assets/topojson/"};
  // the page's language for plotly's own texts (month names on date axes, modebar); plotly-locale-es.js
  // registers "es" (an unregistered locale falls back to English)
  var locale = target.getAttribute("data-locale");
  if (locale) { config.locale = locale; }
  window.Plotly.newPlot(target, fig.data || [], fig.layout || {}, config);
})();
