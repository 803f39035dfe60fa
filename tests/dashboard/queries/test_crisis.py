"""/crisis: one country's plans and its nationals dead and missing on one time axis, on the bundled
snapshot. Every number the page states is checked against the parquet files read with plain pandas
(independently of dashboard.queries), and the summary sentence for Venezuela 2019 is checked word for word."""
from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pandas as pd
import plotly.utils
import pytest
from dash import no_update

from tests.fixtures.dashboard.dashboard_bundled import app, client  # noqa: E402,F401
from tests.fixtures.dashboard.dashboard_synth import dispatch, find  # noqa: E402
from tests.fixtures.dashboard.plotly_view import as_go  # noqa: E402

from dashboard import queries as q  # noqa: E402
from dashboard.render.figures import crisis_sentence, nationality  # noqa: E402
from dashboard.pages import crisis  # noqa: E402
from dashboard.queries.views import VIEWS, country_label, country_name_variants  # noqa: E402

REPO = Path(__file__).resolve().parents[3]
SNAPSHOT = REPO / "data" / "snapshot" / "tables"


# ------------------------------------------------------------------------------------------ fixtures


@pytest.fixture(scope="module")
def ds(app):
    return app.server.extensions["humdash"].current()


@pytest.fixture
def ctx(app):
    with app.server.test_request_context():
        yield


def tree_text(tree) -> str:
    return json.dumps(tree, cls=plotly.utils.PlotlyJSONEncoder)


# ------------------------------------------------------------------------------------------ by hand


def deaths_by_hand(iso3: str, year: int) -> dict:
    """Dead and missing of one nationality in one year, straight from the parquet file."""
    d = pd.read_parquet(SNAPSHOT / "mmp_deaths.parquet")
    d = d[d["year"] == year]
    codes = d["origin_iso3"].fillna("").str.split(";")
    has = codes.apply(lambda c: iso3 in c)
    single = d[has & (d["origin_group"] == "single")]
    multiple = d[has & (d["origin_group"] == "multiple")]
    regions = single.groupby("region")["dead_and_missing"].sum().sort_values(ascending=False)
    causes = single.groupby("cause_of_death")["dead_and_missing"].sum().sort_values(ascending=False)
    return {"n": int(single["dead_and_missing"].sum()), "multiple": int(multiple["dead_and_missing"].sum()),
            "regions": regions, "causes": causes}


def plan_by_hand(plan_id: int) -> pd.Series:
    p = pd.read_parquet(SNAPSHOT / "fts_plans.parquet")
    return p[p["plan_id"] == plan_id].iloc[0]


def test_venezuelans_2019_counted_by_hand():
    """The snapshot's Venezuelans in 2019, counted with plain pandas: 104 people of Venezuelan
    nationality alone (the 'at least N'), no incident with several nationalities including them,
    84 in the Caribbean and 85 drowned: both more than half, so 'most of them' is true."""
    hand = deaths_by_hand("VEN", 2019)
    assert hand["n"] == 104
    assert hand["multiple"] == 0
    assert hand["regions"].index[0] == "Caribbean" and hand["regions"].iloc[0] == 84
    assert hand["causes"].index[0] == "Drowning" and hand["causes"].iloc[0] == 85
    assert hand["regions"].iloc[0] * 2 > hand["n"] and hand["causes"].iloc[0] * 2 > hand["n"]


# ------------------------------------------------------------------------------------------ facts and sentence


def test_venezuela_2019_facts_match_the_snapshot(ds):
    hand = deaths_by_hand("VEN", 2019)
    plan = plan_by_hand(827)
    facts = crisis.facts_for(ds, "VEN", 2019)
    own = facts["own"]
    assert own["plan_codes"] == ["HVEN19"] and own["published"] is False
    assert own["requirements_usd"] == int(plan["requirements_usd"]) == 222_724_387
    assert own["funding_usd"] == int(plan["funding_usd"]) == 76_925_346
    assert round(own["percent_funded"], 1) == round(76_925_346 / 222_724_387 * 100, 1) == 34.5
    deaths = facts["deaths"]
    assert deaths["single"] == hand["n"]
    assert deaths["multiple"] == hand["multiple"]
    assert deaths["region"] == {"value": "Caribbean", "n": 84, "share_percent": pytest.approx(84 / 104 * 100),
                                "most": True}
    assert deaths["cause"]["value"] == "Drowning" and deaths["cause"]["n"] == 85 and deaths["cause"]["most"]


def test_venezuela_2019_sentence(ds):
    hand = deaths_by_hand("VEN", 2019)
    sentence = crisis.sentence_for(ds, "VEN", 2019)
    first = (f"In 2019 the plan for Venezuela received 34.5 % of the US$222.7 million it asked for, while at least "
             f"{hand['n']} Venezuelans died or went missing on migration routes, most of them in the Caribbean "
             f"({hand['regions'].iloc[0]}) and most by drowning ({hand['causes'].iloc[0]}).")
    assert sentence.startswith(first)
    # the RMRP 2019 (FTS plan 726): the sum of its 16 country rows in HDX's worldwide export,
    # US$595,694,700 required and US$362,371,465 funded (summed by hand from the CSV)
    assert ("Venezuela Regional Refugee and Migrant Response Plan (RMRP) 2019, a regional plan for Venezuelans, "
            "asked for US$595.7 million and was 60.8 % funded.") in sentence
    assert "published figures, not FTS data" not in sentence  # FTS has the plan: the R4V figure is not used


def test_sentence_numbers_come_from_the_chart_rows(ds):
    """The summary takes its numbers from the rows the charts draw (the same View.rows)."""
    facts = crisis.facts_for(ds, "VEN", 2019)
    region_rows = VIEWS["crisis/deaths-by-region"].rows(ds, crisis.year_filters("VEN", 2019))
    cause_rows = VIEWS["crisis/deaths-by-cause"].rows(ds, crisis.year_filters("VEN", 2019))
    single = region_rows[region_rows["origin_group"] == "single"]
    assert facts["deaths"]["single"] == int(single["dead_and_missing"].sum())
    assert int(cause_rows.loc[cause_rows["cause_of_death"] == "Drowning", "dead_and_missing"].sum()) == 85
    plans = VIEWS["crisis/plans"].rows(ds, crisis.plan_filters("VEN"))
    row = plans[plans["plan_id"] == 827].iloc[0]
    assert facts["own"]["requirements_usd"] == row["requirements_usd"]


def test_sentence_templates_are_translatable(ds, monkeypatch):
    """Every part of the sentence goes through _(): a fake translation changes every word we wrote."""
    import re

    import dashboard.render.figures.crisis as figures

    def shout(text: str) -> str:  # upper-case everything but the {placeholders}
        return "".join(part if part.startswith("{") else part.upper() for part in re.split(r"(\{[^}]*\})", text))

    monkeypatch.setattr(figures, "_", shout)
    text = figures.crisis_sentence(crisis.facts_for(ds, "VEN", 2019), "Venezuela")
    assert text.startswith("IN 2019 THE PLAN FOR Venezuela RECEIVED 34.5 % OF THE US$222.7 million IT ASKED FOR")
    assert "VENEZUELANS" in text and "IN THE CARIBBEAN" in text and "BY DROWNING" in text


# ------------------------------------------------------------------------------------------ plans


def test_plans_related_to_venezuela(ds):
    rows = VIEWS["crisis/plans"].rows(ds, crisis.plan_filters("VEN"))
    relation = dict(zip(rows["plan_id"], rows["relation"]))
    assert relation[827] == "country"  # HVEN19
    assert relation[1069] == "named"  # RMRP 2022: its countries are the hosts, its name names Venezuela
    assert relation[726] == "named"  # RMRP 2019 (FTS has it; the published R4V figure is not used)
    assert -1 not in relation
    assert relation[1525] == "named"  # Venezuela RMRP 2026 (no countries in the data)
    assert relation[952] == "covers"  # COVID-19 GHRP lists VEN among its countries
    assert 1090 not in relation  # Colombia's own plan is not Venezuela's
    rmrp22 = plan_by_hand(1069)
    assert "VEN" not in rmrp22["countries_iso3"].split(";")
    assert list(rows["year"]) == sorted(rows["year"])


@pytest.fixture
def without_fts_rmrp_2019(ds, monkeypatch):
    """The bundled data without FTS's RMRP 2019 (plan 726): the published R4V figure then stands in."""
    from dashboard.data import Dataset

    tables = {name: ds.tables[name] for name in ds.tables}
    tables["fts_plans"] = tables["fts_plans"][tables["fts_plans"]["plan_id"] != 726].reset_index(drop=True)
    loc = tables["fts_plan_locations"]
    tables["fts_plan_locations"] = loc[loc["plan_id"] != 726].reset_index(drop=True)
    other = Dataset.from_tables(tables, ds.provenance, token=("without 726",))
    monkeypatch.setattr(crisis, "current_dataset", lambda: other)
    return other


def test_rmrp_2019_is_marked_published_figure(without_fts_rmrp_2019, ctx):
    ds = without_fts_rmrp_2019
    rows = VIEWS["crisis/plans"].rows(ds, crisis.plan_filters("VEN"))
    rmrp = rows[rows["plan_id"] == -1].iloc[0]
    assert rmrp["figure_kind"] == "published figure"
    assert rmrp["figures_source"].startswith("published figure: R4V")
    assert (rmrp["requirements_usd"], rmrp["funding_usd"], rmrp["percent_funded"]) == (738_000_000, 383_760_000, 52.0)
    assert rmrp["people_targeted"] == 2_700_000
    assert set(rows.loc[rows["plan_id"] != -1, "figure_kind"]) == {"FTS"}
    # chart: hatched bars of its own, hover with the source
    fig, summary, table, source, href, title = crisis.update_chart("plans", "VEN", 2019)
    fig = as_go(fig)
    hatched = [t for t in fig.data if t.type == "bar" and t.marker.pattern and t.marker.pattern.shape == "/"]
    assert hatched and all(len(t.y) == 1 for t in hatched)
    assert sorted(float(t.y[0]) for t in hatched) == [383_760_000.0, 738_000_000.0]
    assert all("published figure: R4V" in t.hovertext[0] for t in hatched)
    solid = [t for t in fig.data if t.type == "bar" and not (t.marker.pattern and t.marker.pattern.shape)]
    assert 738_000_000 not in [float(y) for t in solid for y in t.y]
    assert "published figures, not FTS data (hatched)" in summary
    # table view: a label in words
    assert "published figure, not FTS data" in tree_text(table)
    assert href == "/api/crisis/plans.csv?country=VEN"
    # plan cards of 2019: a badge
    _summary, cards = crisis.update_content("VEN", 2019)
    text = tree_text(cards)
    assert "badge-published" in text and "published figure, not FTS data" in text
    assert "Regional Refugee and Migrant Response Plan" in text and "for its people" in text


def test_rmrp_2022_share_for_colombia_checked_by_hand(ds):
    """Colombia hosts Venezuelans: its part of the RMRP 2022 is FTS's location row for COL."""
    loc = pd.read_parquet(SNAPSHOT / "fts_plan_locations.parquet")
    col = loc[(loc["plan_id"] == 1069) & (loc["location_iso3"] == "COL")].iloc[0]
    plan = plan_by_hand(1069)
    # the plan's total: the sum of its 17 country rows in HDX's worldwide export (by hand from the CSV)
    assert (int(col["requirements_usd"]), int(plan["requirements_usd"])) == (802_903_743, 1_719_443_218)
    share = 802_903_743 / 1_719_443_218 * 100  # 46.70 %
    rows = VIEWS["crisis/plans"].rows(ds, crisis.plan_filters("COL"))
    rmrp = rows[rows["plan_id"] == 1069].iloc[0]
    assert rmrp["relation"] == "covers"
    assert rmrp["country_requirements_usd"] == 802_903_743
    assert rmrp["country_funding_usd"] == int(col["funding_usd"]) == 330_009_667
    assert rmrp["country_share_percent"] == pytest.approx(share)
    assert rmrp["country_funding_share_percent"] == pytest.approx(330_009_667 / 612_511_840 * 100)
    sentence = crisis.sentence_for(ds, "COL", 2022)
    assert "Colombia's part of it: US$802.9 million of the requirements (46.7 %)." in sentence
    assert "a regional or global plan that includes Colombia" in sentence
    # Venezuela has no location row in the RMRP 2022 (it is the origin, not a host)
    ven = VIEWS["crisis/plans"].rows(ds, crisis.plan_filters("VEN"))
    assert pd.isna(ven.loc[ven["plan_id"] == 1069, "country_requirements_usd"].iloc[0])


def test_country_part_marker_in_the_chart(ds, ctx):
    fig, *_ = crisis.update_chart("plans", "COL", 2022)
    fig = as_go(fig)
    diamonds = [t for t in fig.data if t.type == "scatter"]
    # Colombia's part of every RMRP (2019-2026) is in HDX's worldwide export; 2022's is 802,903,743
    assert len(diamonds) == 1 and 802_903_743.0 in [float(y) for y in diamonds[0].y]
    assert "Colombia's part" in diamonds[0].name


def test_name_matching_rules():
    names = {"SDN": ("Sudan",), "SSD": ("South Sudan",), "DMA": ("Dominica",), "DOM": ("Dominican Republic",),
             "NER": ("Niger",), "NGA": ("Nigeria",), "VEN": ("Venezuela",), "GIN": ("Guinea",),
             "PNG": ("Papua New Guinea",)}
    assert q.named_countries("South Sudan Regional Refugee Response Plan 2022", names) == {"SSD"}
    assert q.named_countries("Sudan and South Sudan appeal", names) == {"SDN", "SSD"}
    assert q.named_countries("Dominican Republic flash appeal", names) == {"DOM"}
    assert q.named_countries("Nigeria Regional Refugee Response Plan", names) == {"NGA"}
    assert q.named_countries("Plan for Venezuelans in Colombia", names) == {"VEN"}
    assert q.named_countries("Papua New Guinea earthquake", names) == {"PNG"}
    assert q.clean_country_names(["Venezuela (Bolivarian Republic of)", "AFG", "Bolivia, Plurinational State of"]) \
        == ["Venezuela (Bolivarian Republic of)", "Venezuela", "Bolivia, Plurinational State of", "Bolivia"]


def test_sudan_is_not_named_by_the_south_sudan_plan(ds):
    sdn = VIEWS["crisis/plans"].rows(ds, crisis.plan_filters("SDN"))
    ssd = VIEWS["crisis/plans"].rows(ds, crisis.plan_filters("SSD"))
    assert dict(zip(sdn["plan_code"], sdn["relation"]))["RSSDRRP22"] == "covers"  # SDN hosts South Sudanese
    assert dict(zip(ssd["plan_code"], ssd["relation"]))["RSSDRRP22"] == "named"


# ------------------------------------------------------------------------------------------ deaths


def test_single_and_multiple_nationalities_kept_apart(ds):
    """Venezuelans 2022: single-nationality rows are 'at least N'; incidents with several
    nationalities including Venezuelans are their own rows with all their dead, never split."""
    hand = deaths_by_hand("VEN", 2022)
    rows = VIEWS["crisis/deaths-by-region"].rows(ds, crisis.year_filters("VEN", 2022))
    by_group = rows.groupby("origin_group")["dead_and_missing"].sum()
    assert by_group["single"] == hand["n"] == 109
    assert by_group["multiple"] == hand["multiple"] == 58
    trend = VIEWS["crisis/deaths-trend"].rows(ds, crisis.trend_filters("VEN"))
    in_2022 = trend[trend["period"].str.startswith("2022")]
    assert in_2022.groupby("origin_group")["dead_and_missing"].sum().to_dict() == {"multiple": 58, "single": 109}
    sentence = crisis.sentence_for(ds, "VEN", 2022)
    assert "at least 109 Venezuelans" in sentence
    assert "A further 58 people died or went missing in" in sentence and "never split" in sentence


def test_trend_is_monthly_and_complete(ds):
    trend = VIEWS["crisis/deaths-trend"].rows(ds, crisis.trend_filters("VEN"))
    d = pd.read_parquet(SNAPSHOT / "mmp_deaths.parquet")
    has = d["origin_iso3"].fillna("").str.split(";").apply(lambda c: "VEN" in c)
    assert int(trend["dead_and_missing"].sum()) == int(d.loc[has, "dead_and_missing"].sum())
    months = trend.loc[trend["origin_group"] == "single", "period_start"]
    assert months.is_monotonic_increasing and months.diff().dropna().dt.days.between(28, 31).all()


def test_time_charts_share_one_axis(ds, ctx):
    plans, trend = (as_go(crisis.update_chart(key, "VEN", 2019)[0]) for key in ("plans", "trend"))
    assert plans.layout.xaxis.range == trend.layout.xaxis.range
    assert str(plans.layout.xaxis.range[0])[:10] == "2015-01-01"  # first Venezuelan death recorded: Dec 2015
    assert plans.layout.margin.l == trend.layout.margin.l
    assert [s.x0 for s in plans.layout.shapes] == [s.x0 for s in trend.layout.shapes]  # 2019 shaded in both


# ------------------------------------------------------------------------------------------ page and URL


def test_default_view_is_venezuela_2019(ds, ctx):
    f, messages = crisis.query_filters({})
    assert (f.countries, f.years, messages) == (("VEN",), (2019,), [])
    assert crisis.query_filters({"country": "VEN"})[0].years == (2019,)
    # other countries: the latest year with both a related plan and recorded deaths of their nationals
    assert crisis.query_filters({"country": "COL"})[0].years == (2026,)  # RMRP 2026 and the 2026 site export
    assert crisis.query_filters({"country": "COL", "year": "2020"})[0].years == (2020,)


def test_page_html_and_layout(client):
    response = client.get("/crisis?country=VEN&year=2019")
    assert response.status_code == 200
    assert "Crisis: plans and migrant deaths" in response.get_data(as_text=True)
    out = dispatch(client, "_pages_content", {"_pages_location.pathname": "/crisis", "_pages_location.search": ""})
    tree = out["_pages_content"]["children"]
    text = json.dumps(tree)
    assert find(tree, "cr-country")["value"] == "VEN" and find(tree, "cr-year")["value"] == 2019
    assert "In 2019 the plan for Venezuela received 34.5 % of the US$222.7 million it asked for" in text
    assert "OCHA Financial Tracking Service (CC BY-IGO 3.0), retrieved 2026-09-25" in text
    assert "IOM Missing Migrants Project (CC BY 4.0), retrieved 2026-05-06" in text
    for key in crisis.CHARTS:
        assert find(tree, f"cr-{key}-csv") is not None and find(tree, f"cr-{key}-summary") is not None


def test_bad_country_code_gives_a_message_and_the_default_view(client, ctx):
    for search, expected in (("?country=ven1", "expected a three-letter ISO3 code"),
                             ("?country=ZZZ&year=2022", "unknown country code 'ZZZ'; showing Venezuela")):
        out = dispatch(client, "_pages_content", {"_pages_location.pathname": "/crisis",
                                                  "_pages_location.search": search})
        tree = out["_pages_content"]["children"]
        assert expected in json.dumps(find(tree, "cr-issues")), search
        assert find(tree, "cr-country")["value"] == "VEN" and find(tree, "cr-year")["value"] == 2019
        assert "In 2019 the plan for Venezuela received 34.5 %" in json.dumps(tree)
    f, messages = crisis.query_filters({"country": ["COL", "VEN"], "year": "2022"})
    assert f.countries == ("COL",) and any("one country" in m for m in messages)


def test_country_without_plans_or_deaths(ds, ctx):
    """Iceland: a real country with no plan and no death in the data: messages, no crash."""
    f, messages = crisis.query_filters({"country": "ISL"})
    assert f.countries == ("ISL",) and f.years == () and messages == []
    tree = tree_text(crisis.layout(country="ISL"))
    assert "The data hold no humanitarian plan related to Iceland and no recorded death or disappearance" in tree
    for key in crisis.CHARTS:
        fig, summary, table, source, href, title = crisis.update_chart(key, "ISL", None)
        fig = as_go(fig)
        assert fig.layout.annotations and not fig.data, key  # a figure that says so in words
        assert "No " in summary or "no " in summary, key
        assert "No rows." in tree_text(table)
        assert "Iceland" in title and " in :" not in title and "None" not in title, title


def test_country_with_plans_but_no_deaths_and_deaths_but_no_plans(ds, ctx):
    # Aruba: hosts Venezuelans in the RMRP 2022, no Aruban recorded dead or missing
    sentence = crisis.sentence_for(ds, "ABW", 2022)
    assert "there was no humanitarian plan of Aruba's own" in sentence
    assert "recorded no people from Aruba dead or missing" in sentence
    assert "Aruba's part of it: US$5.3 million" in sentence
    fig, summary, *_ = crisis.update_chart("trend", "ABW", 2022)
    fig = as_go(fig)
    assert not fig.data and "No recorded deaths or disappearances of people from Aruba" in summary
    # Cuba in 2019: Cubans recorded dead and missing, no plan of Cuba's own that year (it has others)
    hand = deaths_by_hand("CUB", 2019)
    sentence = crisis.sentence_for(ds, "CUB", 2019)
    assert f"at least {hand['n']} Cubans" in sentence and "no humanitarian plan of Cuba's own" in sentence


def test_controls_write_the_query_string(ds, ctx):
    keys = [f"{c}.{p}" for c, p in crisis.CONTROLS]
    out = crisis.STATE.sync("cr-country", "", "COL", 2019)
    values = dict(zip(keys + ["year-options", "search"], out))
    assert values["cr-year.value"] is no_update  # Colombia has deaths in 2019: the year stays
    assert values["search"] == "?country=COL"
    out = crisis.STATE.sync("cr-country", "", "ISL", 2019)
    values = dict(zip(keys + ["year-options", "search"], out))
    assert values["cr-year.value"] is None and values["search"] == "?country=ISL&year="
    # back/forward: the controls follow the query string
    out = crisis.STATE.sync("cr-url", "?country=COL&year=2022", "VEN", 2019)
    assert out[:2] == ["COL", 2022]


def test_downloads_equal_the_api(client):
    out = dispatch(client, "cr-plans-download", {"cr-plans-csv.n_clicks": 1},
                   {"cr-hxl.value": [], "cr-country.value": "COL", "cr-year.value": 2022})
    data = out["cr-plans-download"]["data"]
    assert data["filename"].startswith("crisis-plans_country-COL_data-")
    assert client.get("/api/crisis/plans.csv?country=COL").get_data(as_text=True) == data["content"]
    rows = list(csv.DictReader(io.StringIO(data["content"])))
    rmrp = next(r for r in rows if r["plan_id"] == "1069")
    assert (rmrp["relation"], rmrp["country_requirements_usd"]) == ("covers", "802903743")
    out = dispatch(client, "cr-region-download", {"cr-region-csv.n_clicks": 1},
                   {"cr-hxl.value": ["hxl"], "cr-country.value": "VEN", "cr-year.value": 2019})
    data = out["cr-region-download"]["data"]
    api = client.get("/api/crisis/deaths-by-region.csv?origin_iso3=VEN&year=2019&hxl=1").get_data(as_text=True)
    assert api == data["content"] and "#region+name" in api
    views = [v["name"] for v in client.get("/api/views").get_json()]
    assert {"crisis/plans", "crisis/deaths-trend", "crisis/deaths-by-region", "crisis/deaths-by-route",
            "crisis/deaths-by-cause"} <= set(views)


def test_every_crisis_chart_answers_through_dash(client):
    # one callback answers every chart of the page (components.register_chart_callbacks)
    out = dispatch(client, f"cr-{next(iter(crisis.CHARTS))}-graph", {"cr-country.value": "VEN", "cr-year.value": 2019})
    for key in crisis.CHARTS:
        assert "figure" in out[f"cr-{key}-graph"], key
        assert out[f"cr-{key}-summary"]["children"], key
        assert out[f"cr-{key}-source"]["children"].startswith("Source:"), key
        assert out[f"cr-{key}-api"]["href"].startswith("/api/crisis/"), key
        assert "Venezuela" in out[f"cr-{key}-title"]["children"], key
    # the summary and the plan cards come with the same answer (one request for the page's charts)
    assert "most of them in the Caribbean (84)" in json.dumps(out["cr-summary-section"])
    assert "crisis-plan" in json.dumps(out["cr-plans-year"])


def test_colour_blind_safe_palette(ds, ctx):
    from dashboard.render.theme import COLOURS, OKABE_ITO

    allowed = set(OKABE_ITO.values()) | {COLOURS["neutral"]}
    for key in crisis.CHARTS:
        fig, *_ = crisis.update_chart(key, "VEN", 2022)
        fig = as_go(fig)
        for trace in fig.data:
            colours = trace.marker.color
            for colour in (colours if isinstance(colours, (list, tuple)) else [colours]):
                assert colour in allowed, (key, trace.name, colour)


def test_names_and_nationality_words(ds):
    assert country_label(ds, "VEN") == "Venezuela"
    assert "Venezuela" in country_name_variants(ds)["VEN"]
    assert nationality("VEN", "Venezuela", 1) == "Venezuelan"
    assert nationality("ISL", "Iceland") == "people from Iceland"
    sentence = crisis_sentence({"country": "VEN", "year": 2019, "own": None, "regional": [],
                                "deaths": {"single": 1, "single_incidents": 1, "multiple": 0, "multiple_incidents": 0,
                                           "region": None, "cause": None}}, "Venezuela")
    assert "at least 1 Venezuelan died" in sentence


def test_data_text_is_shown_literally_in_the_figures():
    """Plan and place names come from the data: in hover text, labels and legends they are escaped."""
    from tests.fixtures.dashboard.dashboard_synth import deaths, locations, plans

    from dashboard.render.figures import crisis_breakdown, crisis_plans

    table = plans()
    table.loc[table["plan_id"] == 700, "plan_name"] = "<b>Regional</b> plan for Venezuelans & <img src=x>"
    names = {"VEN": ("Venezuela",), "COL": ("Colombia",)}
    rows = q.crisis_plans(table, locations(), "VEN", names)
    assert dict(zip(rows["plan_id"], rows["relation"]))[700] == "covers"
    fig = as_go(crisis_plans(rows, year=2019, country="Venezuela <script>"))
    hover = " ".join(h for t in fig.data for h in (t.hovertext or ()))
    assert "&lt;b&gt;Regional&lt;/b&gt; plan for Venezuelans &amp; &lt;img src=x&gt;" in hover
    assert "<img" not in hover and "<script>" not in " ".join(str(t.name) for t in fig.data)
    cube_rows = deaths().assign(region="<i>Caribbean</i>")
    from dashboard.data import Dataset

    cube = Dataset.from_tables({"mmp_deaths": cube_rows}).cube
    by_region = q.crisis_deaths_by(cube, q.Filters(origins=("VEN",), years=(2019,)), ["region_group", "region"])
    fig = as_go(crisis_breakdown(by_region, "region", "VEN", "Venezuela"))
    assert list(fig.data[0].y) == ["&lt;i&gt;Caribbean&lt;/i&gt;"]


def test_every_country_offered_is_one_the_api_accepts(ds, client):
    """The picker offers only ISO3 codes (country_converter's table also holds made-up ones such as
    "BA1", which the API refuses), and each one opens a view: no 400 from the API for any of them."""
    values = [o["value"] for o in crisis.country_options(ds)]
    assert len(values) > 200 and "VEN" in values
    assert [v for v in values if not re.fullmatch(r"[A-Z]{3}", v)] == []
    refused = [v for v in values if client.get(f"/api/crisis/plans.json?country={v}").status_code != 200]
    assert refused == []
    assert client.get("/api/crisis/plans.json?country=BA1").status_code == 400  # what a stray code would get
