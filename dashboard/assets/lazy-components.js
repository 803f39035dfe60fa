/* Component libraries loaded when first drawn, not on every page (dashboard/vendor: load_on_demand).
   For each <meta name="humdash-lazy-NAMESPACE" content="URL">, window[NAMESPACE] holds stand-ins for
   the library's components until its bundle has run: drawn, a stand-in says the table is loading, adds
   the bundle's <script> (same origin: script-src 'self'), and once the bundle has replaced
   window[NAMESPACE] it renders the real component with the same props. Later draws use the real one. */
(function () {
  'use strict';
  var COMPONENTS = {dash_ag_grid: ['AgGrid']};
  var TEXT = {
    en: {loading: 'Loading the table…', failed: 'The table could not be loaded; the downloads and the API give every row.'},
    es: {loading: 'Cargando la tabla…', failed: 'No se pudo cargar la tabla; las descargas y la API dan todas las filas.'}
  };

  function words() {
    return TEXT[(document.documentElement.getAttribute('lang') || 'en').slice(0, 2)] || TEXT.en;
  }

  function standIns(namespace, url) {
    var loading = null;
    var ours = {};

    function load() {
      if (!loading) {
        loading = new Promise(function (resolve) {
          var script = document.createElement('script');
          script.src = url;
          script.onload = function () { resolve(true); };
          script.onerror = function () { loading = null; resolve(false); };
          document.head.appendChild(script);
        });
      }
      return loading;
    }

    function real(name) {
      var library = window[namespace];
      return library && library[name] && library[name] !== ours[name] ? library[name] : null;
    }

    COMPONENTS[namespace].forEach(function (name) {
      ours[name] = function LazyComponent(props) {
        var React = window.React;
        var state = React.useState(real(name) ? 'ready' : 'loading');
        React.useEffect(function () {
          if (state[0] !== 'loading') { return undefined; }
          var live = true;
          load().then(function (ok) { if (live) { state[1](ok && real(name) ? 'ready' : 'failed'); } });
          return function () { live = false; };
        }, []);
        if (state[0] === 'ready') { return React.createElement(real(name), props); }
        return React.createElement('p', {className: 'loading', role: 'status', id: props.id + '-loading'},
          words()[state[0]]);
      };
    });
    return ours;
  }

  Object.keys(COMPONENTS).forEach(function (namespace) {
    var meta = document.querySelector('meta[name="humdash-lazy-' + namespace + '"]');
    if (meta && !window[namespace]) {
      window[namespace] = standIns(namespace, meta.getAttribute('content'));
    }
  });
}());
