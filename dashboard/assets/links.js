/* Links that keep the reader's filters (served from this server: CSP script-src 'self').

   * A page states the filters it applied, defaults included (`data-canonical-search` on a hidden
     element): the address bar is set to them once (history.replaceState: no new history entry, no
     reload), so the URL always says what the page shows.
   * The header's page links (`[data-carry] a`) carry the current filters that the target page takes
     (its parameter names are in `data-carry`); from /crisis to /migration the country becomes the
     nationality (`origin_iso3`) with every region, from /migration one nationality becomes /crisis's
     country. A link never adds a restriction the current page does not have.
   * The language links keep the whole query and set `lang`.
   * They change with the address: when a filter change pushes it, and on a timer as a fallback.
   Without JavaScript the links still work; they just start from each page's defaults. */
(function () {
  "use strict";

  function carried(holder, link, from, params) {
    var target = new URL(link.getAttribute("data-base") || link.getAttribute("href"), window.location.href);
    var accepts = (holder.getAttribute("data-carry") || "").split(" ").filter(Boolean);
    var out = new URLSearchParams();
    var lang = params.get("lang");
    var to = target.pathname;
    params.forEach(function (value, key) {
      if (key !== "lang" && accepts.indexOf(key) >= 0) out.append(key, value);
    });
    if (from === "/crisis" && to === "/migration" && params.get("country")) {
      out.delete("country");
      out.set("origin_iso3", params.get("country"));
      if (!out.has("region_group")) out.set("region_group", "");
    }
    if (from === "/migration" && to === "/crisis") {
      var origins = params.getAll("origin_iso3").join(",").split(",").filter(Boolean);
      if (origins.length === 1) out.set("country", origins[0]);
    }
    if (lang) out.set("lang", lang);
    var search = out.toString();
    return to + (search ? "?" + search : "");
  }

  function summarise(el) {
    var out = el.querySelector(".filters-current");
    if (!out) return;
    var parts = [];
    el.querySelectorAll(".field").forEach(function (field) {
      if (field.querySelector(".dash-checklist")) return;  // download options, switches
      var text = "";
      var dates = field.querySelectorAll("input.dash-datepicker-input");
      if (dates.length) {
        text = Array.prototype.map.call(dates, function (i) { return i.value; }).filter(Boolean).join(" – ");
      } else if (field.querySelector(".dash-dropdown-value")) {
        text = field.querySelector(".dash-dropdown-value").textContent;
      } else if (field.querySelector("[aria-selected='true'] .dash-options-list-option-text")) {
        text = field.querySelector("[aria-selected='true'] .dash-options-list-option-text").textContent;
      }
      text = (text || "").replace(/\s+/g, " ").trim();
      if (text) parts.push(text);
    });
    var summary = parts.length ? ": " + parts.join(" · ") : "";
    if (out.textContent !== summary) out.textContent = summary;
  }

  // The address the links were last written for: with the same address, a refresh writes only links it has
  // not seen (a pointer moving over the page refreshes on every element it enters; a filter change pushes a
  // new address, which rewrites them all).
  var writtenFor = null;

  function refresh(event) {
    var typed = !!event && (event.type === "change" || event.type === "keyup");
    var params = new URLSearchParams(window.location.search);
    var from = window.location.pathname;
    var moved = window.location.href !== writtenFor;
    writtenFor = window.location.href;
    document.querySelectorAll("[data-carry]").forEach(function (holder) {
      var link = holder.tagName === "A" ? holder : holder.querySelector("a");
      if (!link || (!moved && link.hasAttribute("data-base"))) return;
      if (!link.hasAttribute("data-base")) link.setAttribute("data-base", link.getAttribute("href"));
      var href = carried(holder, link, from, params);
      if (link.getAttribute("href") !== href) link.setAttribute("href", href);
    });
    document.querySelectorAll("a[data-lang]").forEach(function (link) {
      if (!moved && link.hasAttribute("data-written")) return;
      link.setAttribute("data-written", "1");
      var next = new URLSearchParams(window.location.search);
      next.set("lang", link.getAttribute("data-lang"));
      var href = window.location.pathname + "?" + next.toString();
      if (link.getAttribute("href") !== href) link.setAttribute("href", href);
    });
    // the filter panel starts closed on a phone (the charts come first), open on wider screens
    document.querySelectorAll("details[data-collapse-narrow]:not([data-seen])").forEach(function (el) {
      el.setAttribute("data-seen", "1");
      if (window.matchMedia("(max-width: 600px)").matches) el.removeAttribute("open");
    });
    // what the folded panel holds, said in its summary: the filters applied are never out of sight; the
    // summary follows the controls as they change (an observer per panel), not only at the next refresh
    document.querySelectorAll("details[data-collapse-narrow]").forEach(function (el) {
      var first = !el.__humdashWatched;
      if (first && window.MutationObserver) {
        el.__humdashWatched = true;
        new MutationObserver(function () { summarise(el); })
          .observe(el, {subtree: true, childList: true, characterData: true, attributes: true,
                        attributeFilter: ["value", "aria-selected", "aria-checked", "class"]});
      }
      // an input's value (a date typed in) is no attribute: said again on a change, a key, a new address
      if (first || moved || typed || !window.MutationObserver) summarise(el);
    });
    document.querySelectorAll("[data-canonical-search]").forEach(function (el) {
      var search = el.getAttribute("data-canonical-search");
      if (el.getAttribute("data-applied") === search) return;
      el.setAttribute("data-applied", search);
      if (search && window.location.search !== search) {
        window.history.replaceState(window.history.state, "", window.location.pathname + search + window.location.hash);
        refresh();
      }
    });
  }

  // dcc.Link navigates with the href it was rendered with, not the element's: navigate ourselves
  // (the same way dcc.Link does) before React sees the click.
  window.addEventListener("click", function (event) {
    var link = event.target && event.target.closest && event.target.closest("[data-carry] a, a[data-carry]");
    if (!link || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    refresh();
    event.preventDefault();
    event.stopPropagation();
    window.history.pushState({}, "", link.getAttribute("href"));
    window.dispatchEvent(new CustomEvent("_dashprivate_pushstate"));
    window.scrollTo(0, 0);
  }, true);
  ["focusin", "pointerover", "pointerdown", "popstate", "keyup", "change"].forEach(function (name) {
    window.addEventListener(name, refresh, true);
  });
  // a page's URL sync writes the new filters with history.pushState (dcc.Location, refresh=False), which
  // fires no event: the links follow in the same task, not at the next tick of the timer below
  var pushState = window.history.pushState;
  window.history.pushState = function () {
    var out = pushState.apply(this, arguments);
    try { refresh(); } catch (err) { window.setTimeout(function () { throw err; }, 0); }
    return out;
  };
  window.setInterval(refresh, 300);
})();
