/* The image links and embed code under each chart follow the chart's API link ("Same data from the API").
   The page arrives with them (the server's embed.tools_for); after a filter change the chart's callback
   sends only the new API link, and the PNG and SVG links, the embed preview and the <iframe> code are
   rewritten here from it, as embed.tools_links writes them: the link's query without `hxl`, the page's
   `lang` kept where the link lacks it (the language is the page's for its whole life), the embed on the
   same host. Sending them from the server cost the Dash renderer a component tree per chart per change.
   tests/dashboard/browser/test_browser_filter_change.py compares these links with the server's.
   Served from /assets (script-src 'self'). */
(function () {
  "use strict";

  var EMBED = "/embed/";  // embed.EMBED_PREFIX

  function escapeHtml(text) {  // Python's html.escape(text, quote=True)
    return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
      .replace(/"/g, "&quot;").replace(/'/g, "&#x27;");
  }

  function follow(api) {
    var tools = document.getElementById(api.id.replace(/-api$/, "-tools"));
    var href = api.getAttribute("href") || "";
    if (!tools || href.indexOf("/api/") !== 0) return;
    var images = tools.querySelectorAll("a.image-link");
    var preview = tools.querySelector("a[target='_blank']");
    var snippet = tools.querySelector("textarea");
    if (images.length < 2 || !preview || !snippet) return;
    var cut = href.indexOf("?");
    var path = cut < 0 ? href : href.slice(0, cut);
    var name = path.slice("/api/".length).replace(/\.[^.]*$/, "");
    var pairs = (cut < 0 ? "" : href.slice(cut + 1)).split("&").filter(Boolean).map(function (p) {
      var at = p.indexOf("=");
      return at < 0 ? [p, ""] : [p.slice(0, at), p.slice(at + 1)];
    }).filter(function (kv) { return kv[0] !== "hxl"; });
    if (!pairs.some(function (kv) { return kv[0] === "lang"; })) {
      var lang = new URL(images[0].getAttribute("href"), window.location.href).searchParams.get("lang");
      if (lang) pairs.push(["lang", lang]);
    }
    var q = pairs.length ? "?" + pairs.map(function (kv) { return kv[0] + "=" + kv[1]; }).join("&") : "";
    var embed = new URL(preview.getAttribute("href"), window.location.href).origin + EMBED + name + q;
    images[0].setAttribute("href", "/api/chart/" + name + ".png" + q);
    images[1].setAttribute("href", "/api/chart/" + name + ".svg" + q);
    preview.setAttribute("href", embed);
    snippet.value = snippet.value.replace(/src="[^"]*"/, 'src="' + escapeHtml(embed) + '"');
  }

  function watch() {
    new MutationObserver(function (records) {
      records.forEach(function (r) {
        var el = r.target;
        if (el.id && /-api$/.test(el.id) && el.classList.contains("api-link")) follow(el);
      });
    }).observe(document.documentElement, {subtree: true, attributes: true, attributeFilter: ["href"]});
  }

  if (window.MutationObserver) watch();
}());
