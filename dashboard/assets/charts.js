/* How charts are drawn (dcc.Graph calls Plotly.react; the wrapper below decides when).

   One chart drawn per main-thread task. A filter change answers every chart of a page at once (one Dash
   callback, one request); dcc.Graph then calls Plotly.react for each chart from the same promise chain, so
   five charts used to be drawn in one task of up to a second on a slow machine, and nothing else (a click,
   a key, a paint) could run in between. Here each Plotly.react call waits for its own turn in a task of its
   own (setTimeout 0, in the order the calls came): the same drawings, the page responsive between them.

   A chart far from the window is redrawn when it comes near it. After a filter change, a chart already
   drawn whose box is more than NEAR_PX above or below the window (or not displayed: zero size) keeps its
   figure aside (class chart-deferred) and is redrawn with it as soon as it comes within NEAR_PX of the
   window (IntersectionObserver), before it can be seen; a newer figure for it replaces the one kept. The
   charts in view are redrawn at once, so what is seen is never a chart of the previous selection under a
   summary of the new one, and a change costs the charts the reader looks at, not all five (the world map
   at the foot of /migration is a third of plotly's time). The summaries, tables and links under every
   chart follow the change at once as before (they are not plotly's). A chart's first drawing is never
   deferred. Printing draws every chart kept aside first (beforeprint), as does
   window.humdashCharts.drawAll() (the filter-change benchmark times it; kept() counts what waits).

   No resize pass when nothing changed size. dcc.Graph watches each chart's box and calls
   Plotly.Plots.resize when it changes, and a chart whose figure sets a new height (a bar per row) changes
   its own box: plotly then waited 100 ms and laid the chart out again at the size it already had, with the
   graph marked pending meanwhile (the last thing a filter change did, 100-150 ms after the charts were
   drawn). A chart whose drawn width and height are already its box's is left as it is, as is a chart kept
   aside (its drawing will take the size its box has then); a real change of size (a window resized, a
   phone turned) is passed on to plotly as before.
   Room for the labels of a horizontal bar chart, measured before it is drawn. plotly.js lays a chart out
   with the margins it has, measures the labels (automargin), and when they need another left margin lays
   out and draws the whole chart again: on every change whose labels (nationalities, clusters, regions) are
   wider or narrower than the last ones, which was most changes, and a third to half of the chart's drawing
   time. Here the widest category label of a chart whose y axis holds only horizontal bars is measured on a
   canvas in the axis's font, and the left margin set to it plus the gap plotly.js leaves (LABEL_GAP_PX: its
   automargin gives the label width + 9 px with the ticks off, as our template has them): plotly.js then finds
   the labels fit and draws once. automargin stays on, so a label wider than measured (another font, a title
   on the axis) still gets its room, as before, with the second drawing. Not when the labels would take more
   than 40 % of the chart's width (a phone, long labels): plotly.js's own limits apply there.
   The same for vertical bars over categories with a dollar axis (/funding's plans per year): plotly.js chose
   the labels' angle (flat, 30° or upright) and both margins after a first layout, and laid the chart out again
   whenever a country's plans needed other ones (a 50-90 ms task on countries with many plans). Here the labels
   lie flat when each fits its category's width and stand upright otherwise (30° labels hang left of the chart
   and pushed its left margin to 200 px), the bottom margin is the widest label + 9 px (what automargin gives
   upright labels; 25 px flat, 13 px font), and the left margin the widest tick label the axis can have
   (plotly.js's SI exponent for the range's end, the digits it leaves, "$" and the unit) + 36 px for the gap and
   the axis title: up to 13 px more than plotly.js would take, never less.
   The template: a page's figures name it ("humdash") instead of carrying the same 6.5 kB each (two thirds of
   an answer on /migration, which Dash's renderer stored and compared and the server hashed for every chart);
   the page holds it once (<script type="application/json" id="humdash-template">) and it is put back in
   here, one object for every chart, before plotly.js draws.
   Served from /assets (script-src 'self'): no inline script, no eval. */
(function () {
  'use strict';

  var NEAR_PX = 300;
  var LABEL_GAP_PX = 10;
  var LABELS_AT_MOST = 0.4;  // of the chart's width
  var Y_TITLE_AND_GAP_PX = 36;  // plotly.js's automargin: the widest y tick label + 35-36 px with a y title
  var FLAT_GAP_PX = 6;  // between two flat x labels
  var FLAT_ROOM_PX = 25;  // automargin's bottom margin for one line of flat x labels (13 px font)
  var kept = new Map();  // chart div -> [this, arguments] of the Plotly.react call kept aside
  var observer = null;

  function divOf(gd) {
    return typeof gd === 'string' ? document.getElementById(gd) : gd;
  }

  function nearWindow(div) {
    var box = div.getBoundingClientRect();
    if (!box.width && !box.height) { return false; }
    var height = window.innerHeight || document.documentElement.clientHeight;
    return box.bottom > -NEAR_PX && box.top < height + NEAR_PX;
  }

  function later(fn) {
    return new Promise(function (resolve, reject) {
      setTimeout(function () {
        try {
          Promise.resolve(fn()).then(resolve, reject);
        } catch (err) {
          reject(err);
        }
      }, 0);
    });
  }

  function release(div) {
    var call = kept.get(div);
    kept.delete(div);
    if (observer) { observer.unobserve(div); }
    div.classList.remove('chart-deferred');
    return call;
  }

  function keep(div, self, args) {
    kept.set(div, [self, args]);
    div.classList.add('chart-deferred');
    if (!observer) {
      observer = new IntersectionObserver(function (entries) {
        entries.forEach(function (entry) {
          if (entry.isIntersecting && kept.has(entry.target)) { drawKept(entry.target, true); }
        });
      }, {rootMargin: NEAR_PX + 'px 0px'});
    }
    observer.observe(div);
  }

  var react = null;
  var measure = null;
  var ENTITIES = {'&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'", '&#x27;': "'"};

  function lines(value) {  // a label as plotly.js shows it: lines at <br>, no tags, entities read
    return String(value == null ? '' : value).split(/<br\s*\/?>/i).map(function (line) {
      return line.replace(/<[^>]*>/g, '').replace(/&(amp|lt|gt|quot|#39|#x27);/g, function (e) { return ENTITIES[e]; });
    });
  }

  function onLeftAxis(trace) {
    return (trace.yaxis || 'y') === 'y' && trace.visible !== false;
  }

  function axisFont(layout, axis) {  // an axis's tick labels' font
    return Object.assign({}, layout.font || {}, axis.tickfont || {});
  }

  // [gd, figure, ...] with the figure's left margin set to its bar labels' width (see the top).
  function withLabelRoom(div, args) {
    var fig = args[1];
    if (!div || !fig || typeof fig !== 'object' || !Array.isArray(fig.data) || !fig.layout) { return args; }
    var layout = fig.layout, yaxis = layout.yaxis || {};
    if (yaxis.automargin === false || yaxis.visible === false || yaxis.side === 'right' ||
        (yaxis.title && (yaxis.title.text || typeof yaxis.title === 'string'))) { return args; }
    var left = fig.data.filter(onLeftAxis);
    if (!left.length || !left.every(function (t) {
      return t.type === 'bar' && t.orientation === 'h' && Array.isArray(t.y);
    })) { return args; }
    var font = axisFont(layout, yaxis);
    measure = measure || document.createElement('canvas').getContext('2d');
    if (!measure || !font.size || !font.family) { return args; }
    measure.font = font.size + 'px ' + font.family;
    var widest = 0;
    left.forEach(function (t) {
      t.y.forEach(function (label) {
        lines(label).forEach(function (line) { widest = Math.max(widest, measure.measureText(line).width); });
      });
    });
    var margin = layout.margin || {};
    var room = Math.ceil(widest) + LABEL_GAP_PX;
    var width = div.getBoundingClientRect().width;
    if (!widest || !width || room > width * LABELS_AT_MOST || room <= (margin.l == null ? 80 : margin.l)) {
      return args;
    }
    var out = Array.prototype.slice.call(args);
    out[1] = Object.assign({}, fig, {layout: Object.assign({}, layout, {margin: Object.assign({}, margin, {l: room})})});
    return out;
  }

  // Vertical bars over categories (/funding's plans): the x labels' angle chosen here (flat when every label
  // fits its category's width, else upright) and the bottom margin set to the labels' room; the left margin to
  // the widest tick label the y axis can have ($ and an SI unit) and its title. See the top.
  function widestTick(layout, yaxis, top) {  // plotly.js's SI tick exponent for the range's end (autoTickRound)
    var decimal = (layout.separators || '.,').charAt(0), widest = 0;
    [top, top * 1.12].forEach(function (end) {
      var exp = Math.floor(Math.log(end) / Math.LN10 + 0.01);
      if (exp <= 3 || exp >= 15) { widest = Infinity; return; }
      var unit = 3 * Math.round((exp - 1) / 3), digits = exp - unit;
      var text = yaxis.tickprefix + '8888'.slice(0, digits + 1) + (digits === 0 ? decimal + '8' : '') +
        {3: 'k', 6: 'M', 9: 'B', 12: 'T'}[unit];
      widest = Math.max(widest, measure.measureText(text).width);
    });
    return widest;
  }

  function withColumnRoom(div, args) {
    var fig = args[1];
    if (!div || !fig || typeof fig !== 'object' || !Array.isArray(fig.data) || !fig.layout) { return args; }
    var layout = fig.layout, xaxis = layout.xaxis || {}, yaxis = layout.yaxis || {};
    var bars = fig.data.filter(onLeftAxis);
    if (xaxis.type !== 'category' || xaxis.automargin !== true || xaxis.tickangle != null ||
        yaxis.automargin === false || yaxis.exponentformat !== 'B' || typeof yaxis.tickprefix !== 'string' ||
        !(yaxis.title && yaxis.title.text) || !bars.length || bars.length !== fig.data.length ||
        !bars.every(function (t) { return t.type === 'bar' && t.orientation !== 'h' && Array.isArray(t.x) && Array.isArray(t.y); })) {
      return args;
    }
    var xfont = axisFont(layout, xaxis), yfont = axisFont(layout, yaxis);
    var width = div.getBoundingClientRect().width, height = layout.height;
    measure = measure || document.createElement('canvas').getContext('2d');
    if (!measure || !xfont.size || !xfont.family || !yfont.size || !yfont.family || !width || !height) { return args; }
    var stacked = layout.barmode === 'stack' || layout.barmode === 'relative', tops = {}, labels = [];
    bars.forEach(function (t) {
      t.x.forEach(function (label, i) {
        var key = String(label), value = Number(t.y[i]) || 0;
        if (!(key in tops)) { labels.push(key); tops[key] = 0; }
        tops[key] = stacked ? tops[key] + Math.max(value, 0) : Math.max(tops[key], value);
      });
    });
    var top = Math.max.apply(null, labels.map(function (k) { return tops[k]; }));
    measure.font = yfont.size + 'px ' + yfont.family;
    var left = Math.ceil(widestTick(layout, yaxis, top)) + Y_TITLE_AND_GAP_PX;
    measure.font = xfont.size + 'px ' + xfont.family;
    var widest = 0;
    labels.forEach(function (label) {
      lines(label).forEach(function (line) { widest = Math.max(widest, measure.measureText(line).width); });
    });
    var margin = layout.margin || {}, right = margin.r == null ? 80 : margin.r;
    var flat = (widest + FLAT_GAP_PX) * labels.length <= width - left - right;
    var bottom = flat ? FLAT_ROOM_PX : Math.ceil(widest) + LABEL_GAP_PX - 1;
    if (!top || !isFinite(left) || left > width * LABELS_AT_MOST || bottom > height * LABELS_AT_MOST) { return args; }
    var out = Array.prototype.slice.call(args);
    out[1] = Object.assign({}, fig, {layout: Object.assign({}, layout, {
      margin: Object.assign({}, margin, {l: Math.max(left, margin.l || 0), b: Math.max(bottom, margin.b || 0)}),
      xaxis: Object.assign({}, xaxis, {tickangle: flat ? 0 : 90})
    })});
    return out;
  }

  // The figure with its template put back (render/figures/builder.py Figure.for_page: a page's figures name
  // the template, which the page holds once in <script id="humdash-template">). One object for every chart.
  var TEMPLATE_NAME = 'humdash';
  var template = null;

  function withTemplate(args) {
    var fig = args[1];
    if (!fig || typeof fig !== 'object' || !fig.layout || fig.layout.template !== TEMPLATE_NAME) { return args; }
    if (template === null) {
      var block = document.getElementById('humdash-template');
      try {
        template = block ? JSON.parse(block.textContent) : false;
      } catch (err) {
        template = false;
      }
    }
    if (!template) { return args; }  // plotly.js ignores the name: its own defaults
    var out = Array.prototype.slice.call(args);
    out[1] = Object.assign({}, fig, {layout: Object.assign({}, fig.layout, {template: template})});
    return out;
  }

  function withRoom(div, args) {
    return withColumnRoom(div, withLabelRoom(div, withTemplate(args)));
  }

  function drawKept(div, ownTask) {
    var call = release(div);
    var run = function () { return react.apply(call[0], withRoom(div, call[1])); };
    var done = ownTask ? later(run) : Promise.resolve(run());
    return done.catch(function (err) { console.error(err); });
  }

  function drawAll() {
    return Promise.all(Array.from(kept.keys()).map(function (div) { return drawKept(div, false); }));
  }

  function install() {
    var P = window.Plotly;
    if (!P || typeof P.react !== 'function' || P.__humdashOneTaskEach) { return !!P; }
    react = P.react;
    P.react = function (gd) {
      var self = this, args = arguments;
      return later(function () {
        var div = divOf(gd);
        if (div && div._fullLayout && div.isConnected && typeof IntersectionObserver === 'function' &&
            !nearWindow(div)) {
          keep(div, self, args);
          return div;
        }
        if (div && kept.has(div)) { release(div); }
        return react.apply(self, withRoom(div, args));
      });
    };
    P.__humdashOneTaskEach = true;
    if (typeof P.purge === 'function') {
      var purge = P.purge;
      P.purge = function (gd) {
        var div = divOf(gd);
        if (div && kept.has(div)) { release(div); }
        return purge.apply(this, arguments);
      };
    }
    if (P.Plots && typeof P.Plots.resize === 'function') {
      var resize = P.Plots.resize;
      P.Plots.resize = function (gd) {
        var div = divOf(gd);
        if (div && kept.has(div)) { return Promise.resolve(div); }  // drawn at its box's size when near
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

  window.humdashCharts = {
    drawAll: drawAll,
    kept: function () { return kept.size; }
  };
  window.addEventListener('beforeprint', drawAll);

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
