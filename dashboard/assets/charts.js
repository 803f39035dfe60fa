/* One chart drawn per main-thread task. A filter change answers every chart of a page at once (one Dash
   callback, one request); dcc.Graph then calls Plotly.react for each chart from the same promise chain, so
   five charts used to be drawn in one task of up to a second on a slow machine, and nothing else (a click,
   a key, a paint) could run in between. Here each Plotly.react call waits for its own turn in a task of its
   own (setTimeout 0, in the order the calls came): the same drawings, the page responsive between them.
   dcc.Graph awaits the promise Plotly.react returns, so it sees the chart drawn as before.

   No resize pass when nothing changed size. dcc.Graph watches each chart's box and calls
   Plotly.Plots.resize when it changes, and a chart whose figure sets a new height (a bar per row) changes
   its own box: plotly then waited 100 ms and laid the chart out again at the size it already had, with the
   graph marked pending meanwhile (the last thing a filter change did, 100-150 ms after the charts were
   drawn). A chart whose drawn width and height are already its box's is left as it is; a real change of
   size (a window resized, a phone turned) is passed on to plotly as before.
   Served from /assets (script-src 'self'): no inline script, no eval. */
(function () {
  'use strict';

  function install() {
    var P = window.Plotly;
    if (!P || typeof P.react !== 'function' || P.__humdashOneTaskEach) { return !!P; }
    var react = P.react;
    P.react = function () {
      var self = this, args = arguments;
      return new Promise(function (resolve, reject) {
        setTimeout(function () {
          try {
            Promise.resolve(react.apply(self, args)).then(resolve, reject);
          } catch (err) {
            reject(err);
          }
        }, 0);
      });
    };
    P.__humdashOneTaskEach = true;
    if (P.Plots && typeof P.Plots.resize === 'function') {
      var resize = P.Plots.resize;
      P.Plots.resize = function (gd) {
        var div = typeof gd === 'string' ? document.getElementById(gd) : gd;
        var full = div && div._fullLayout, layout = div && div.layout;
        if (full && layout) {
          var box = div.getBoundingClientRect();
          if (Math.abs(box.width - full.width) < 1 && Math.abs(box.height - full.height) < 1) {
            return Promise.resolve(div);  // already the size a resize would give it
          }
        }
        return resize.apply(this, arguments);
      };
    }
    return true;
  }

  // plotly.js only on pages that draw a chart (dashboard/vendor: partial_url). dcc.Graph loads
  // window._dashPlotlyJSURL when window.Plotly is not set, and dash-renderer sets that name to plotly's
  // full bundle: here it names our partial bundle, from the page's <meta name="humdash-plotly"> (absent
  // with HUMDASH_FULL_PLOTLYJS=1, which keeps Dash's way). The wrapper above goes on as the bundle sets
  // window.Plotly, before dcc.Graph draws with it.
  var meta = document.querySelector('meta[name="humdash-plotly"]');
  if (meta && !window.Plotly) {
    var url = meta.getAttribute('content');
    Object.defineProperty(window, '_dashPlotlyJSURL', {
      configurable: true, get: function () { return url; }, set: function () {}
    });
    var plotly;
    Object.defineProperty(window, 'Plotly', {
      configurable: true,
      get: function () { return plotly; },
      set: function (value) { plotly = value; install(); }
    });
  }
  if (!install()) {
    document.addEventListener('DOMContentLoaded', install);
    window.addEventListener('load', install);
  }
}());
