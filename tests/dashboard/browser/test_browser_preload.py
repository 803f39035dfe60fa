"""The page's <link rel=preload>s in real Chromium: each preloaded file is the one the page then uses
(requested once, no "preloaded but not used" warning), and the page with its first charts comes with the
layout: a first visit sends neither a pages-router nor a chart callback request."""
from __future__ import annotations

import json
import re

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.flaky(reruns=2, reruns_delay=3)]


@pytest.mark.parametrize("path", ["/migration?lang=es", "/data", "/funding"])
def test_every_preload_is_used_once_and_no_chart_request_is_sent(chromium, dashboard_url, path):
    context = chromium.new_context(viewport={"width": 1366, "height": 900})
    try:
        page = context.new_page()
        console: list[str] = []
        requests: list[tuple[str, str]] = []
        outputs: list[str] = []  # what each callback request asks for
        page.on("console", lambda m: console.append(f"{m.type}: {m.text}"))
        page.on("request", lambda r: requests.append((r.method, r.url.removeprefix(dashboard_url))))
        answers: list = []  # the callback responses, read once the page has settled
        page.on("request", lambda r: outputs.append(json.loads(r.post_data)["output"]) if r.method == "POST" else None)
        page.on("response", lambda r: answers.append(r) if r.request.method == "POST" else None)
        page.goto(dashboard_url + path)
        page.wait_for_load_state("networkidle")
        page.wait_for_selector("#_pages_content > *", state="attached", timeout=30_000)
        preloads = page.eval_on_selector_all('link[rel="preload"]', "links => links.map(l => l.getAttribute('href'))")
        assert preloads, "the page preloads nothing"
        page.wait_for_timeout(3500)  # Chromium warns of an unused preload a few seconds after the load event
        for href in preloads:
            assert sum(1 for _m, url in requests if url == href) == 1, (href, [u for _m, u in requests])
        assert not [m for m in console if "preload" in m.lower()], console
        # the page and its first charts come with the layout: no pages-router request, and the one request
        # (the URL sync, which also answers the charts when a filter changes; on /data the grid's rows too)
        # sends no chart: the address it reports is the page's own
        assert outputs and not [o for o in outputs if "_pages_content" in o], outputs
        sent = [cid for r in answers if r.status == 200 for cid in r.json().get("response", {})]
        assert not [cid for cid in sent if cid.endswith(("-graph", "-summary", "-table"))], sent
        if "/data" not in path:
            assert page.locator(".js-plotly-plot .main-svg").count() >= 2
            assert len(outputs) == 1, outputs
    finally:
        context.close()
    assert re.match(r"/_dash-component-suites/dash/dcc/async-\w+\.js$|/_dash-component-suites/dash_ag_grid/|/assets/",
                    preloads[0])
