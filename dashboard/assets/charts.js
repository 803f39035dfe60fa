/* One chart drawn per main-thread task. A filter change answers every chart of a page at once (one Dash
   callback, one request); dcc.Graph then calls Plotly.react for each chart from the same promise chain, so
   five charts used to be drawn in one task of up to a second on a slow machine, and nothing else (a click,
   a key, a paint) could run in between. Here each Plotly.react call waits for its own turn in a task of its
   own (setTimeout 0, in the order the calls came): the same drawings, the page responsive between them.
   dcc.Graph awaits the promise Plotly.react returns, so it sees the chart drawn as before.
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
    return true;
  }

  if (!install()) {
    document.addEventListener('DOMContentLoaded', install);
    window.addEventListener('load', install);
  }
}());
