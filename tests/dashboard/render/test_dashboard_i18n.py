"""English and Spanish: every visible string translated, numbers and dates per locale, the language
from ?lang= / the Referer / Accept-Language, links that keep it, and CSV file names and headers."""
from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from tests.fixtures.dashboard.dashboard_bundled import app, client  # noqa: E402,F401
from tests.fixtures.dashboard.dashboard_synth import dispatch  # noqa: E402

from dashboard.render import fmt
from dashboard import i18n  # noqa: E402
from dashboard.render.components import download  # noqa: E402
from dashboard.render.figures import crisis_sentence, nationality  # noqa: E402
from tests.fixtures.dashboard.plotly_view import as_go  # noqa: E402
from dashboard.i18n import _, use_lang  # noqa: E402
from dashboard.pages import crisis  # noqa: E402

REPO = Path(__file__).resolve().parents[3]
PO = REPO / "dashboard" / "locale" / "es" / "LC_MESSAGES" / "messages.po"
KEYWORDS = ["-k", "_", "-k", "N_", "-k", "ngettext:1,2", "-k", "NP_:1c,2", "-k", "pgettext:1c,2"]
SENTENCE_EN = "In 2019 the plan for Venezuela received 34.5 % of the US$222.7 million it asked for"
SENTENCE_ES = "En 2019 el plan para Venezuela recibió el 34,5 % de los US$222,7 millones solicitados"


def router(client, search: str, path: str = "/crisis") -> str:
    out = dispatch(client, "_pages_content", {"_pages_location.pathname": path, "_pages_location.search": search})
    return json.dumps(out["_pages_content"]["children"], ensure_ascii=False)


# ------------------------------------------------------------------------------------------ the catalog


def test_every_visible_string_has_a_spanish_translation(tmp_path):
    """Extract with Babel (as translators do) and compare with the committed .po: every msgid present,
    translated, not fuzzy, with the same {placeholders}."""
    pot = tmp_path / "messages.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg", *KEYWORDS,
                    "--no-location", "-o", str(pot), "."], cwd=REPO, check=True, capture_output=True)
    with pot.open("rb") as fh:
        extracted = {(m.context, m.id if isinstance(m.id, str) else m.id[0]) for m in read_po(fh) if m.id}
    with PO.open("rb") as fh:
        catalog = read_po(fh, locale="es")
    translated = {}
    for m in catalog:
        if m.id and m.string and "fuzzy" not in m.flags and (isinstance(m.string, str) or all(m.string)):
            translated[(m.context, m.id if isinstance(m.id, str) else m.id[0])] = m.string
    missing = sorted(extracted - set(translated), key=str)
    assert not missing, f"{len(missing)} strings without a Spanish translation (see dashboard/README.md, " \
                        f"Translations): {missing[:20]}"
    assert len(extracted) > 500
    import re
    field = re.compile(r"\{[^{}]*\}")
    for (context, msgid), msgstr in translated.items():
        if (context, msgid) in extracted and isinstance(msgstr, str):
            assert sorted(field.findall(msgid)) == sorted(field.findall(msgstr)), msgid


def test_compiled_catalog_is_current():
    mo = PO.with_suffix(".mo")
    assert mo.exists(), "compile the catalog: python -m babel.messages.frontend compile -d dashboard/locale"
    with use_lang("es"):
        assert _("Requirements") == "Requerimientos"
        assert _("People in need") == "Personas con necesidades"
        assert _("People targeted") == "Personas meta"
        assert _("% funded") == "% financiado"
        assert _("Unmet requirements") == "Necesidades no cubiertas"
        assert _("Cause of death") == "Causa de muerte"
        assert _("Migration route") == "Ruta migratoria"
        assert nationality("VEN", "Venezuela") == "venezolanos"
        assert i18n.pgettext("nationality", "Venezuelan") == "venezolana"
    assert _("Requirements") == "Requirements"  # outside: English


# ------------------------------------------------------------------------------------------ formats


def test_numbers_and_dates_in_both_languages():
    with use_lang("en"):
        assert fmt.number(1234.5) == "1,234.5"
        assert fmt.integer(1234567) == "1,234,567"
        assert fmt.usd(222724387) == "US$222,724,387"
        assert fmt.usd_short(222724387) == "US$222.7 million"
        assert fmt.usd_short(1.25e9) == "US$1.2 billion"
        assert fmt.percent(34.538) == "34.5 %"
        assert fmt.day("2019-08-15") == "15 Aug 2019"
        assert fmt.month("2019-08-01") == "August 2019"
    with use_lang("es"):
        assert fmt.number(1234.5) == "1.234,5"
        assert fmt.integer(1234567) == "1.234.567"
        assert fmt.usd(222724387) == "US$222.724.387"
        assert fmt.usd_short(222724387) == "US$222,7 millones"
        assert fmt.usd_short(1.25e9) == "US$1,2 mil millones"
        assert fmt.percent(34.538) == "34,5 %"
        assert fmt.day("2019-08-15") == "15 ago 2019"
        assert fmt.month("2019-08-01") == "agosto de 2019"
        assert fmt.integer(None) == "–"


def test_crisis_sentence_in_both_languages(app):
    ds = app.server.extensions["humdash"].current()
    facts = crisis.facts_for(ds, "VEN", 2019)
    with use_lang("en"):
        assert crisis_sentence(facts, "Venezuela").startswith(SENTENCE_EN)
    with use_lang("es"):
        sentence = crisis_sentence(facts, "Venezuela")
    assert sentence.startswith(SENTENCE_ES)
    assert "al menos 104 venezolanos murieron o desaparecieron en rutas migratorias" in sentence


def test_nationality_labels_are_spanish_on_a_spanish_page(app):
    """IOM publishes "Unknown", "Mixed/Unknown" and English country names; a Spanish chart shows neither."""
    from dashboard.queries import Filters, deaths_by_origin
    from dashboard.render.figures import deaths_by_origin as origin_figure
    from dashboard.render.figures import summary_origin

    ds = app.server.extensions["humdash"].current()
    rows = deaths_by_origin(ds.cube, Filters(years=(2019,)))
    published = set(rows["origin"].dropna())
    assert {"Unknown", "Venezuela (Bolivarian Republic of)"} <= published  # the data hold the English words
    with use_lang("es"):
        labels = [str(y) for trace in as_go(origin_figure(rows)).data for y in trace.y]
        summary = summary_origin(rows)
    with use_lang("en"):
        english = [str(y) for trace in as_go(origin_figure(rows)).data for y in trace.y]
    assert "Unknown" in english and not any("Unknown" in label or "Mixed" in label for label in labels)
    assert "Desconocida" in labels and "Unknown" not in summary
    assert not any(label.startswith("Venezuela (Bolivarian") for label in labels)


# ------------------------------------------------------------------------------------------ choosing the language


def test_choose_language():
    from werkzeug.datastructures import LanguageAccept, MultiDict

    es = LanguageAccept([("es-ES", 1), ("es", 0.9), ("en", 0.5)])
    en = LanguageAccept([("en-GB", 1)])
    assert i18n.choose(MultiDict({"lang": "es"}), None, en) == ("es", True)
    assert i18n.choose(MultiDict({"lang": "EN"}), None, es) == ("en", True)
    assert i18n.choose(MultiDict({"lang": "fr"}), None, es) == ("es", False)  # unknown: ignored
    assert i18n.choose(MultiDict(), "http://h/crisis?country=VEN&lang=es", en) == ("es", True)
    assert i18n.choose(MultiDict(), "http://h/crisis?country=VEN", es) == ("es", False)
    assert i18n.choose(MultiDict(), None, LanguageAccept([("de", 1)])) == ("en", False)
    assert i18n.choose(MultiDict(), None, None) == ("en", False)


def test_lang_in_the_url_renders_spanish(client):
    text = router(client, "?country=VEN&year=2019&lang=es")
    assert SENTENCE_ES in text
    assert "Elija el país y el año" in text and "Descargar CSV" in text
    assert "/funding?country=VEN&lang=es" in text  # links on the page keep the language
    assert "Ignorado en la dirección" not in text and "Ignored in the address" not in text
    english = router(client, "?country=VEN&year=2019")
    assert SENTENCE_EN in english and "lang=" not in english


def graph_configs(tree) -> dict[str, dict]:
    """id -> config of every dcc.Graph in a serialised layout."""
    found: dict[str, dict] = {}

    def walk(node):
        if isinstance(node, dict):
            if node.get("type") == "Graph" and "props" in node:
                found[node["props"]["id"]] = node["props"].get("config") or {}
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(tree)
    return found


@pytest.mark.parametrize("path, graph", [("/migration", "mig-trend-graph"), ("/crisis", "cr-trend-graph"),
                                         ("/funding", "fund-timeline-graph"), ("/", "ov-origin-graph")])
def test_spanish_pages_give_plotly_the_spanish_locale(client, path, graph):
    """Plotly's own texts (axis month names, modebar) follow the page: config locale es on Spanish pages."""
    spanish = graph_configs(dispatch(client, "_pages_content", {"_pages_location.pathname": path,
                                                                "_pages_location.search": "?lang=es"}))
    assert spanish[graph].get("locale") == "es", spanish[graph]
    assert all(config.get("locale") == "es" for config in spanish.values()), spanish
    english = graph_configs(dispatch(client, "_pages_content", {"_pages_location.pathname": path,
                                                                "_pages_location.search": ""}))
    assert "locale" not in english[graph] and english[graph]["displaylogo"] is False


def test_partial_plotly_bundle_registers_the_spanish_locale():
    from dashboard import vendor

    bundle = vendor.PARTIAL_PATH.read_text(encoding="utf-8")
    assert 'moduleType:"locale",name:"es"' in bundle
    assert 'shortMonths:["Ene","Feb","Mar","Abr"' in bundle


def layout_text(response) -> str:
    return json.dumps(response.get_json(), ensure_ascii=False)


def test_shell_and_nav_links_keep_the_language(client):
    layout = layout_text(client.get("/_dash-layout?lang=es"))
    assert "Financiación humanitaria y migrantes muertos" in layout
    assert '"/crisis?lang=es"' in layout and '"/funding?lang=es"' in layout and '"/about?lang=es"' in layout
    assert "Acerca de" in layout and "Migración" in layout
    # Dash fetches the layout from the page: the page's address (Referer) carries the language
    layout = client.get("/_dash-layout", headers={"Referer": "http://localhost/crisis?country=VEN&lang=es"})
    assert '"/crisis?lang=es"' in layout_text(layout)
    english = layout_text(client.get("/_dash-layout"))
    assert '"/crisis"' in english and "/crisis?lang" not in english and "Humanitarian funding and migrant deaths" in english


def test_accept_language_chooses_spanish(app):
    browser = app.server.test_client()
    browser.environ_base["HTTP_ACCEPT_LANGUAGE"] = "es-ES,es;q=0.9,en;q=0.5"
    assert browser.get("/crisis?country=VEN&year=2019").status_code == 200
    assert SENTENCE_ES in router(browser, "?country=VEN&year=2019")
    assert "Financiación humanitaria" in layout_text(browser.get("/_dash-layout"))
    # an explicit ?lang wins over the browser's preference
    assert SENTENCE_EN in router(browser, "?country=VEN&year=2019&lang=en")
    assert i18n.current() == "en"  # nothing leaks out of a request


def test_permalink_keeps_the_language(app):
    values = ("COL", 2019)
    with app.server.test_request_context():
        check_permalinks(values)


def check_permalinks(values):
    with use_lang("es", explicit=False):  # from Accept-Language: the link still says so
        out = crisis.STATE.sync(crisis.COUNTRY, "?country=VEN&year=2019&lang=es", *values)
    assert "lang=es" in out[-1] and "country=COL" in out[-1]
    with use_lang("en", explicit=False):
        out = crisis.STATE.sync(crisis.COUNTRY, "?country=VEN&year=2019", *values)
    assert "lang" not in out[-1]
    with use_lang("en", explicit=True):
        assert "lang=en" in crisis.STATE.sync(crisis.COUNTRY, "?lang=en", *values)[-1]


# ------------------------------------------------------------------------------------------ downloads


def test_csv_file_names_and_spanish_headers(client, app):
    response = client.get("/api/crisis/plans.csv?country=VEN&lang=es&headers=es")
    assert response.status_code == 200
    disposition = response.headers["Content-Disposition"]
    assert 'filename="crisis-planes_country-VEN_datos-' in disposition
    header = next(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert "Plan" in header and "Requerimientos (US$)" in header and "Financiación (US$)" in header
    # without headers=es: the tidy column names the API documents, whatever the language
    response = client.get("/api/crisis/plans.csv?country=VEN&lang=es")
    header = next(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert "requirements_usd" in header
    assert 'filename="crisis-plans_country-VEN_data-' in client.get("/api/crisis/plans.csv?country=VEN") \
        .headers["Content-Disposition"]
    assert client.get("/api/crisis/plans.csv?country=VEN&lang=xx").status_code == 400
    # the chart download button: the page's checklist value
    ds = app.server.extensions["humdash"].current()
    f = crisis.chart_filters("plans", "VEN", 2019)
    with use_lang("es"):
        data = download(ds, crisis.CHARTS["plans"], f, hxl=["hxl", "headers-es"])
    assert data["filename"].startswith("crisis-planes_country-VEN_datos-")
    lines = data["content"].splitlines()
    assert "Requerimientos (US$)" in lines[0] and "#activity+appeal+name" in lines[1]
    with use_lang("en"):
        data = download(ds, crisis.CHARTS["plans"], f, hxl=[])
    assert data["filename"].startswith("crisis-plans_country-VEN_data-") and "requirements_usd" in data["content"]
