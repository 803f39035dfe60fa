"""Figures and summaries are pure: DataFrame in, Figure/sentence out, including empty selections."""
from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from tests.fixtures.dashboard import dashboard_synth as synth  # noqa: E402
from tests.fixtures.dashboard.plotly_view import as_go  # noqa: E402

from dashboard.render import figures as fg  # noqa: E402
from dashboard import queries as q  # noqa: E402
from dashboard.data import Dataset  # noqa: E402
from dashboard.queries import Filters  # noqa: E402
from dashboard.render.theme import COLOURS, OKABE_ITO  # noqa: E402

AMERICAS_2019 = Filters(date_from=date(2019, 1, 1), date_to=date(2019, 12, 31), region_groups=("Americas",))


@pytest.fixture(scope="module")
def ds() -> Dataset:
    return Dataset.from_tables(synth.all_tables())


def _text(fig: go.Figure) -> str:
    return " ".join(a.text.replace("<br>", " ") for a in fig.layout.annotations)


def _y(fig: go.Figure, trace: int = 0) -> list:
    return list(fig.data[trace].y)


def test_empty_frames_give_a_message_not_an_empty_axis(ds):
    empty = Filters(years=(1999,))
    cases = [
        (fg.deaths_by_origin, q.deaths_by_origin(ds.cube, empty)),
        (fg.deaths_trend, q.deaths_trend(ds.cube, empty)),
        (fg.deaths_by_region, q.deaths_by_region(ds.cube, empty)),
        (fg.deaths_by_cause, q.deaths_by_cause(ds.cube, empty)),
        (fg.incident_map, q.incident_bins(ds.geo, empty)),
        (fg.requirements_vs_funding, q.plan_rows(ds.tables["fts_plans"], Filters(countries=("ZZZ",)))),
        (fg.cluster_coverage, q.cluster_rows(ds.tables["fts_clusters"], ds.tables["fts_plans"],
                                             Filters(plan_ids=(827,)))),
        (fg.top_donors, q.donor_rows(ds.tables["fts_donors"], ds.tables["fts_plans"], Filters(plan_ids=(827,)))),
        (fg.funding_timeline, q.funding_timeline(ds.tables["fts_flows"], ds.tables["fts_plans"],
                                                 Filters(plan_ids=(827, 1)).but(date_from=date(2030, 1, 1)))),
    ]
    for figure, rows in cases:
        assert rows.empty, figure.__name__
        fig = as_go(figure(rows))
        assert len(fig.data) == 0 and _text(fig), figure.__name__
        assert fig.layout.xaxis.visible is False
    custom = as_go(fg.cluster_coverage(cases[6][1], empty_message="No cluster breakdown in this data for HVEN19 (2019)."))
    assert "HVEN19" in _text(custom)


def test_long_messages_are_wrapped():
    fig = as_go(fg.message_figure("word " * 40))
    lines = fig.layout.annotations[0].text.split("<br>")
    assert len(lines) > 3 and all(len(line) <= 44 for line in lines)


def test_summaries_of_empty_frames_say_so(ds):
    empty = Filters(years=(1999,))
    assert "No recorded" in fg.summary_origin(q.deaths_by_origin(ds.cube, empty))
    assert "No recorded" in fg.summary_trend(q.deaths_trend(ds.cube, empty))
    assert "no cluster breakdown" in fg.summary_clusters(q.cluster_rows(
        ds.tables["fts_clusters"], ds.tables["fts_plans"], Filters(plan_ids=(827,))))
    assert "no donor breakdown" in fg.summary_donors(ds.tables["fts_donors"].iloc[:0])


def test_nationality_chart_bars(ds):
    rows = q.deaths_by_origin(ds.cube, AMERICAS_2019)
    fig = as_go(fg.deaths_by_origin(rows))
    dead, missing = fig.data
    assert (dead.name, missing.name) == ("Dead", "Missing")
    assert dead.marker.color == COLOURS["dead"] and missing.marker.color == COLOURS["missing"]
    labels = list(dead.customdata)
    # the Colombian-Venezuelan incident counts towards each nationality's bar, named by the country alone
    assert {"Colombia", "Venezuela (Bolivarian Republic of)", "Unknown"} <= set(labels)
    assert not any(label.startswith("Multiple") for label in labels)
    assert sum(dead.x) + sum(missing.x) == rows["dead_and_missing"].sum()
    assert fig.layout.barmode == "relative"


def test_nationality_chart_collapses_the_tail_but_keeps_unknown_and_mixed():
    names = [f"Country {i:02d}" for i in range(30)]
    rows = pd.DataFrame({
        "origin": names + ["Unknown", "Mixed"], "origin_iso3": [None] * 32,
        "origin_group": ["single"] * 30 + ["unknown", "mixed"],
        "dead": list(range(100, 70, -1)) + [1, 1], "missing": [0] * 32,
        "dead_and_missing": list(range(100, 70, -1)) + [1, 1], "incidents": [1] * 32})
    fig = as_go(fg.deaths_by_origin(rows, top=5))
    labels = list(fig.data[0].customdata)
    assert labels[:5] == names[:5]
    assert "Unknown" in labels and "Mixed" in labels
    assert labels[-1].startswith("Other nationalities (25 groups")
    assert sum(fig.data[0].x) == rows["dead"].sum()  # nothing lost


def test_long_names_are_truncated_on_the_axis_but_whole_in_hover(ds):
    rows = q.deaths_by_origin(ds.cube, AMERICAS_2019)
    fig = as_go(fg.deaths_by_origin(rows))
    assert all(len(label) <= fg.LABEL_WIDTH for label in fig.data[0].y)
    assert any(len(label) > fg.LABEL_WIDTH for label in fig.data[0].customdata)


def test_requirements_vs_funding_stacks_to_requirements(ds):
    rows = q.plan_rows(ds.tables["fts_plans"], Filters(countries=("VEN",), include_regional=False))
    fig = as_go(fg.requirements_vs_funding(rows))
    funded, unmet = fig.data
    assert list(funded.x) == ["2019 HVEN19", "2020 HVEN20", "2021 HVEN21"]
    assert [a + b for a, b in zip(funded.y, unmet.y)] == [float(v) for v in rows["requirements_usd"]]
    assert funded.text[0] == "34.5 %"
    assert "3 plan(s), 2019–2021" in fg.summary_requirements(rows)


def test_cluster_chart_shows_over_100_and_unassigned_rows(ds):
    rows = q.cluster_rows(ds.tables["fts_clusters"], ds.tables["fts_plans"], Filters(plan_ids=(929,)))
    fig = as_go(fg.cluster_coverage(rows))
    requirements, funding = fig.data
    assert "150 %" in list(funding.text)
    assert "Shared (several clusters)" in list(funding.customdata)
    assert "Not specified (no cluster reported)" in list(funding.customdata)
    assert list(funding.text).count("no requirement") == 3  # Protection (no funding figure), shared, not specified
    assert "more than their requirements" in fg.summary_clusters(rows)


def test_donor_chart_top_ten_and_the_rest(ds):
    rows = q.donor_rows(ds.tables["fts_donors"], ds.tables["fts_plans"], Filters(plan_ids=(929,)))
    fig = as_go(fg.top_donors(rows))
    labels = list(fig.data[0].customdata)
    assert len(labels) == 11 and labels[-1] == "All other donors (2)"
    assert sum(fig.data[0].x) == rows["funding_usd"].sum()
    assert fig.data[0].text[0] == "42.9 %"


def test_trend_chart_draws_only_placed_periods(ds):
    monthly = Dataset.from_tables(synth.aggregate_tables())
    rows = q.deaths_trend(monthly.cube, AMERICAS_2019)
    fig = as_go(fg.deaths_trend(rows))
    assert len(fig.data[0].x) == 12
    assert "without a month" in fg.summary_trend(rows)


def test_map_figure_is_small_even_with_many_cells():
    rng = np.random.default_rng(0)
    n = 1500
    bins = pd.DataFrame({"lat": rng.uniform(-60, 70, n).round(0) + 0.5, "lon": rng.uniform(-179, 179, n).round(0) + 0.5,
                         "bin_degrees": 1.0, "dead": rng.integers(1, 500, n), "missing": rng.integers(0, 50, n)})
    bins["dead_and_missing"] = bins["dead"] + bins["missing"]
    bins["incidents"] = rng.integers(1, 40, n)
    fig = as_go(fg.incident_map(bins))
    assert len(fig.to_json().encode()) <= 150 * 1024
    assert fig.data[0].type == "scattergeo" and len(fig.data) == 1


def test_map_from_real_incidents(ds):
    bins = q.incident_bins(ds.geo, Filters())
    fig = as_go(fg.incident_map(bins))
    assert len(fig.data[0].lat) == len(bins) == 3
    assert "50 dead and missing" in fg.summary_map(bins)


def test_palette_is_okabe_ito():
    palette = set(OKABE_ITO.values())
    for role in ("funding", "unmet", "requirements", "dead", "missing"):
        assert COLOURS[role] in palette, role
    assert COLOURS["dead"] != COLOURS["missing"] and COLOURS["funding"] != COLOURS["unmet"]


def test_every_figure_is_responsive(ds):
    fig = as_go(fg.deaths_by_region(q.deaths_by_region(ds.cube, AMERICAS_2019)))
    assert fig.layout.autosize is True and fig.layout.width is None
    assert fig.layout.template.layout.paper_bgcolor == "#ffffff"


def test_long_axis_titles_break_into_short_lines():
    assert fg.common.axis_title("Dead and missing") == "Dead and missing"
    assert fg.common.axis_title("Funding, US dollars") == "Funding, US dollars"
    wrapped = fg.common.axis_title("Muertos y desaparecidos")
    assert wrapped == "Muertos y<br>desaparecidos"
    long = fg.common.axis_title("Financiación, dólares estadounidenses")
    assert all(len(line) <= 18 for line in long.split("<br>")) and long.replace("<br>", " ") == (
        "Financiación, dólares estadounidenses")
