/* Chart tables ("Show the numbers as a table"): the chart callback sends the rows as one JSON attribute,
   data-table = {"columns": [{"label", "title", "num"}], "rows": [[cell text]], "note", "empty"}, on the
   table's box inside the <details>. The <table> is built here only while the <details> is open (and
   rebuilt when new rows arrive while it is open), so closed tables cost the page no DOM and no React
   components. Every text goes in through textContent / setAttribute: data are never parsed as HTML.
   Served from /assets (script-src 'self'): no inline script, no eval. */
(function () {
  'use strict';

  function clear(box) {
    while (box.firstChild) { box.removeChild(box.firstChild); }
  }

  function text(tag, value) {
    var el = document.createElement(tag);
    el.textContent = value == null ? '' : String(value);
    return el;
  }

  function build(box) {
    var raw = box.getAttribute('data-table') || '';
    if (box.__humdashTable === raw) { return; }
    box.__humdashTable = raw;
    clear(box);
    if (!raw) { return; }
    var data;
    try { data = JSON.parse(raw); } catch (e) { return; }
    var wrap = document.createElement('div');
    if (data.empty) {
      wrap.appendChild(text('p', data.empty));
      box.appendChild(wrap);
      return;
    }
    var columns = data.columns || [];
    var table = document.createElement('table');
    table.className = 'data';
    var head = document.createElement('thead');
    var headRow = document.createElement('tr');
    columns.forEach(function (c) {
      var th = text('th', c.label);
      th.setAttribute('scope', 'col');
      if (c.title) { th.setAttribute('title', c.title); }
      headRow.appendChild(th);
    });
    head.appendChild(headRow);
    var body = document.createElement('tbody');
    (data.rows || []).forEach(function (row) {
      var tr = document.createElement('tr');
      for (var i = 0; i < columns.length; i++) {
        var td = text('td', row[i]);
        if (columns[i].num) { td.className = 'num'; }
        tr.appendChild(td);
      }
      body.appendChild(tr);
    });
    table.appendChild(head);
    table.appendChild(body);
    wrap.appendChild(table);
    if (data.note) { wrap.appendChild(text('p', data.note)); }
    box.appendChild(wrap);
  }

  function boxOf(details) {
    return details.querySelector('.table-wrap[data-table]');
  }

  // <details> fires "toggle" (no bubbling; caught on the way down) when opened or closed, by mouse,
  // keyboard or script.
  document.addEventListener('toggle', function (event) {
    var details = event.target;
    if (!details || details.tagName !== 'DETAILS' || !details.classList.contains('table-view')) { return; }
    var box = boxOf(details);
    if (box && details.open) { build(box); }
  }, true);

  // New rows for a table: rebuild it if it is open, else drop the old one (built again on opening).
  function watch() {
    new MutationObserver(function (mutations) {
      mutations.forEach(function (m) {
        var box = m.target;
        var details = box.closest && box.closest('details.table-view');
        if (!details) { return; }
        if (details.open) { build(box); } else if (box.__humdashTable !== undefined) {
          box.__humdashTable = undefined;
          clear(box);
        }
      });
    }).observe(document.body, {attributes: true, attributeFilter: ['data-table'], subtree: true});
  }
  if (document.body) { watch(); } else { document.addEventListener('DOMContentLoaded', watch); }
}());
