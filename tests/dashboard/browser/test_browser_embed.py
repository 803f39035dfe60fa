"""Embeds, chart images and the "What changed" view in real Chromium (the `chromium` fixture)."""
from __future__ import annotations

import re

import pandas as pd
import pytest

from conftest import start_server

# Real-browser tests on 2 shared cores: a rare timing failure is retried; a real one fails all 3 runs.
pytestmark = [pytest.mark.browser, pytest.mark.flaky(reruns=2, reruns_delay=3)]

EMBED = "/embed/mmp/trend?year=2019&region_group=Americas"


def _parent_page(local_server, body: str) -> str:
    """A page on ANOTHER origin (the local test server on its own port) holding `body`."""
    base, script = local_server
    script.add("/parent.html", (200, f"<html><body>{body}</body></html>".encode(), {"Content-Type": "text/html"}))
    return base + "/parent.html"


def test_embed_renders_inside_an_iframe_on_another_origin(chromium, dashboard_url, local_server):
    parent = _parent_page(local_server, f'<iframe id="embed" src="{dashboard_url}{EMBED}" width="800" height="600">'
                                        f'</iframe><iframe id="home" src="{dashboard_url}/" width="400" height="300">'
                                        "</iframe>")
    assert not parent.startswith(dashboard_url)
    page = chromium.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    try:
        page.goto(parent)
        frame = page.frame_locator("#embed")
        # the chart svg appears before its traces: wait for a drawn trace (generous: CI cores may be busy)
        frame.locator("#chart .bars path, #chart .trace").first.wait_for(timeout=60000)
        assert frame.locator("#chart .bars path, #chart .trace").count() > 0
        source = frame.locator("#embed-source").inner_text()
        assert source.startswith("Source: IOM Missing Migrants Project") and "retrieved" in source
        link = frame.locator("#embed-full")
        assert link.get_attribute("target") == "_top"
        assert link.get_attribute("href") == "/migration?year=2019&region_group=Americas&freq=month"
        # the dashboard itself may not be framed: Chromium replaces the frame with its error page
        home = page.locator("#home").element_handle().content_frame()
        for _ in range(120):  # until the refused frame has settled on its error page
            if home.url not in ("", "about:blank"):
                break
            page.wait_for_timeout(250)
        assert not home.url.startswith(dashboard_url), home.url  # chrome-error://, not the dashboard
        assert home.locator(".site-header").count() == 0
        embedded = page.locator("#embed").element_handle().content_frame()
        assert embedded.url == dashboard_url + EMBED
        assert not [e for e in errors if "Content Security Policy" in e and "frame-ancestors" not in e], errors
    finally:
        page.close()


def test_chart_tools_offer_png_svg_and_embed_code(chromium, dashboard_url, tmp_path):
    page = chromium.new_page(accept_downloads=True)
    try:
        page.goto(dashboard_url + "/migration?year=2019&region_group=Americas")
        tools = page.locator("#mig-trend-tools")
        tools.locator("a.image-link").first.wait_for(timeout=60000)
        snippet = tools.locator("textarea").input_value()
        assert re.match(r'<iframe src="http://127\.0\.0\.1:\d+/embed/mmp/trend\?', snippet), snippet
        assert "region_group=Americas" in snippet
        with page.expect_download(timeout=90000) as info:
            tools.get_by_text("PNG image").click()
        path = tmp_path / "trend.png"
        info.value.save_as(path)
        data = path.read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000
        assert info.value.suggested_filename.endswith(".png")
        with page.expect_download(timeout=90000) as info:
            tools.get_by_text("SVG image").click()
        svg = (info.value.path()).read_text()
        assert "Dead and missing over time" in svg and "Source: IOM Missing Migrants Project" in svg
    finally:
        page.close()


@pytest.mark.reference
def test_changes_view_after_two_ingests(chromium, reference, tmp_path):
    from ingest.cli import main

    mmp = reference / "mmp"
    old_file, new_file = "mmp_global_oldschema_2014-2020-01.csv", "mmp_global_fullschema_2014-2025-04.xlsx"
    data_dir = tmp_path / "data"
    for name in (old_file, new_file):
        assert main(["mmp", "--file", str(mmp / name), "--data-dir", str(data_dir), "--quiet"]) == 0
    # the expected numbers, straight from the raw files with plain pandas
    raw_old = pd.read_csv(mmp / old_file, dtype=str, keep_default_na=False)
    raw_old = raw_old[(raw_old["Reported Year"] == "2015") & (raw_old["Region of Incident"] == "Mediterranean")]
    old_total = int(pd.to_numeric(raw_old["Total Dead and Missing"].str.replace(",", "")).sum())
    raw_new = pd.read_excel(mmp / new_file, dtype=str, engine="calamine")
    raw_new = raw_new[raw_new["Incident Year"].str.startswith("2015", na=False)
                      & (raw_new["Region of Incident"] == "Mediterranean")]
    new_total = int(pd.to_numeric(raw_new["Total Number of Dead and Missing"]).sum())

    proc, base = start_server(["dashboard", "--data-dir", str(data_dir)])
    page = chromium.new_page()
    try:
        page.goto(base + "/changes?table=mmp_deaths")
        row = page.locator('#changes-totals tr[data-year="2015"][data-region-group="Mediterranean"]')
        row.wait_for(timeout=60000)
        cells = [c.strip() for c in row.locator("td").all_inner_texts()]

        def number(text: str) -> int:  # "1,234", "−56" (typographic minus) or "1 234"
            return int(re.sub(r"[^0-9-]", "", text.replace("\u2212", "-")))

        assert cells[:2] == ["2015", "Mediterranean"]
        assert number(cells[2]) == old_total and number(cells[3]) == new_total
        assert number(cells[4]) == new_total - old_total
        assert "revised" in page.locator("#changes-summary").inner_text()
    finally:
        page.close()
        proc.terminate()
        proc.wait(10)


def test_changes_view_without_versions_says_how(chromium, dashboard_url):
    page = chromium.new_page()
    try:
        page.goto(dashboard_url + "/changes?table=mmp_deaths")
        page.locator("#changes-howto").wait_for(timeout=60000)
        assert "python -m ingest" in page.locator("#changes-howto").inner_text()
    finally:
        page.close()
