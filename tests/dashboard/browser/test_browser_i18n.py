"""Spanish in real headless Chromium against a real `python -m dashboard` (bundled snapshot): the
crisis summary with Spanish numbers, links and permalinks that keep `lang=es`, and Accept-Language."""
from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import pytest

from conftest import start_server

# Real-browser tests on 2 shared cores: a rare timing failure is retried; a real one fails all 3 runs.
pytestmark = [pytest.mark.browser, pytest.mark.flaky(reruns=2, reruns_delay=3)]

TIMEOUT = 30_000
DESKTOP = {"width": 1280, "height": 900}

try:
    from playwright.sync_api import expect

    expect.set_options(timeout=TIMEOUT)
except ImportError:  # the `chromium` fixture skips (or, in CI, fails) these tests first
    expect = None


@pytest.fixture(scope="module")
def dashboard_url(module_dashboard_url):
    """conftest's bundled-snapshot server, but one per module (this module's pages only)."""
    return module_dashboard_url


@pytest.fixture
def open_page(chromium):
    contexts = []

    def opener(url: str, **context_args):
        context = chromium.new_context(viewport=DESKTOP, **context_args)
        context.set_default_timeout(TIMEOUT)
        contexts.append(context)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.goto(url)
        page.wait_for_load_state("networkidle")
        page.wait_for_function("() => !document.querySelector('[data-dash-is-loading=\"true\"]')")
        return page, errors

    yield opener
    for context in contexts:
        context.close()


def query_of(url: str) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(url).query))


def test_crisis_page_in_spanish(open_page, dashboard_url):
    page, errors = open_page(f"{dashboard_url}/crisis?country=VEN&year=2019&lang=es")
    sentence = page.locator("#cr-sentence")
    expect(sentence).to_contain_text("En 2019 el plan para Venezuela recibió el 34,5 % de los US$222,7 millones "
                                     "solicitados")
    text = sentence.inner_text()
    assert "34,5" in text and "222,7" in text and "venezolanos" in text
    expect(page.locator("h1")).to_have_text("Crisis: planes humanitarios y migrantes muertos de un país")
    expect(page.locator("#cr-plans-title")).to_contain_text("Planes humanitarios relacionados con Venezuela")
    expect(page.locator("#cr-trend-summary")).not_to_be_empty()
    assert page.get_by_role("button", name="Descargar CSV").count() == 5
    # the navigation keeps the language
    nav = page.locator("header nav").first
    href = nav.get_by_role("link", name="Financiación").get_attribute("href")
    assert query_of(href).get("lang") == "es", href
    nav.get_by_role("link", name="Financiación").click()
    page.wait_for_url(lambda url: "/funding?" in url and query_of(url).get("lang") == "es")
    assert query_of(page.url).get("country") == "VEN", page.url  # the crisis's country is carried over
    expect(page.locator("h1")).to_contain_text("Financiación humanitaria")
    page.go_back()
    expect(page.locator("#cr-sentence")).to_contain_text("34,5 %")
    # a filter change writes a permalink that keeps lang=es
    page.locator("#cr-year").click()
    page.locator(".dash-dropdown-option", has_text="2020").first.click()
    page.wait_for_function("() => location.search.includes('year=2020')")
    assert query_of(page.url).get("lang") == "es", page.url
    expect(page.locator("#cr-sentence")).to_contain_text("En 2020")
    assert not errors, errors


def test_accept_language_spanish(open_page, dashboard_url):
    page, errors = open_page(f"{dashboard_url}/crisis?country=VEN&year=2019", locale="es-ES",
                             extra_http_headers={"Accept-Language": "es-ES,es;q=0.9"})
    expect(page.locator("#cr-sentence")).to_contain_text("recibió el 34,5 % de los US$222,7 millones solicitados")
    expect(page.locator("h1")).to_contain_text("Crisis: planes humanitarios")
    assert not errors, errors


def test_english_by_default(open_page, dashboard_url):
    page, errors = open_page(f"{dashboard_url}/crisis?country=VEN&year=2019", locale="en-GB")
    expect(page.locator("#cr-sentence")).to_contain_text(
        "In 2019 the plan for Venezuela received 34.5 % of the US$222.7 million it asked for")
    href = page.locator("header nav").first.get_by_role("link", name="Funding").get_attribute("href")
    assert "lang" not in href
    assert not errors, errors


# ------------------------------------------------------------------------------------------ plotly's locale

SPANISH_MONTH = r"\b(Ene|Abr|Ago|Dic)\b"  # the abbreviations that differ from English (Jan, Apr, Aug, Dec)
ENGLISH_MONTH = r"\b(Jan|Apr|Aug|Dec)\b"


def tick_texts(scope, chart: str) -> list[str]:
    """The x-axis tick labels of a drawn chart (waits until plotly has drawn them)."""
    ticks = scope.locator(f"{chart} .xaxislayer-above .xtick text")
    ticks.first.wait_for(timeout=60000)
    return ticks.evaluate_all("texts => texts.map(t => t.textContent)")  # SVG <text>: no innerText


def test_spanish_chart_axes_have_spanish_month_names(open_page, dashboard_url):
    """config={"locale": "es"} on the page's graphs + the es locale in the partial plotly.js bundle."""
    import re

    page, errors = open_page(f"{dashboard_url}/migration?lang=es")
    page.locator("#mig-trend-graph .trace").first.wait_for(timeout=60000)
    page.wait_for_function("() => /\\b(Ene|Abr|Ago|Dic)\\b/.test(Array.from(document.querySelectorAll("
                           "'#mig-trend-graph .xtick text')).map(t => t.textContent).join(' '))", timeout=60000)
    ticks = " ".join(tick_texts(page, "#mig-trend-graph"))
    assert re.search(SPANISH_MONTH, ticks) and not re.search(ENGLISH_MONTH, ticks), ticks
    assert not errors, errors
    english, errors = open_page(f"{dashboard_url}/migration?lang=en")
    english.locator("#mig-trend-graph .trace").first.wait_for(timeout=60000)
    english.wait_for_function("() => /\\b(Jan|Apr|Jul|Oct)\\b/.test(Array.from(document.querySelectorAll("
                              "'#mig-trend-graph .xtick text')).map(t => t.textContent).join(' '))", timeout=60000)
    assert not re.search(SPANISH_MONTH, " ".join(tick_texts(english, "#mig-trend-graph")))
    assert not errors, errors


def test_spanish_embed_has_spanish_month_names_and_link_back(open_page, dashboard_url):
    import re

    page, errors = open_page(f"{dashboard_url}/embed/mmp/trend?year=2019&region_group=Americas&lang=es")
    page.locator("#chart .trace").first.wait_for(timeout=60000)
    ticks = " ".join(tick_texts(page, "#chart"))
    assert re.search(SPANISH_MONTH, ticks) and not re.search(ENGLISH_MONTH, ticks), ticks
    assert page.locator("html").get_attribute("lang") == "es"
    assert query_of(page.locator("#embed-full").get_attribute("href")).get("lang") == "es"
    expect(page.locator("#embed-source")).to_contain_text("Fuente: ")
    assert not errors, errors


@pytest.fixture(scope="module")
def full_plotly_url(tmp_path_factory):
    """The dashboard serving plotly's full bundle (HUMDASH_FULL_PLOTLYJS=1), which has no es locale."""
    proc, base = start_server(["dashboard", "--data-dir", str(tmp_path_factory.mktemp("empty-data-full"))],
                              env={"HUMDASH_FULL_PLOTLYJS": "1"})
    yield base
    proc.terminate()
    proc.wait(10)


def test_full_plotly_without_the_spanish_locale_still_draws(open_page, full_plotly_url):
    """locale es unknown to the full bundle: plotly falls back to English month names, nothing breaks."""
    import re

    page, errors = open_page(f"{full_plotly_url}/migration?lang=es")
    assert page.locator("script[src*='plotly-partial']").count() == 0  # really the full bundle
    page.locator("#mig-trend-graph .trace").first.wait_for(timeout=60000)
    ticks = " ".join(tick_texts(page, "#mig-trend-graph"))
    assert re.search(r"\b(19|2019)\b", ticks), ticks  # the axis is drawn, in plotly's fallback (English)
    expect(page.locator("h1")).to_contain_text("Migrantes")
    assert not errors, errors
