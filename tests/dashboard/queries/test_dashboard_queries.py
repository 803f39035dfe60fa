"""Pure queries and the migration cube: numbers, honest grouping, empty selections, date precision."""
from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from tests.fixtures.dashboard import dashboard_synth as synth  # noqa: E402

from dashboard import queries as q  # noqa: E402
from dashboard.data import Dataset, build_cube  # noqa: E402
from dashboard.queries import Filters  # noqa: E402

AMERICAS_2019 = Filters(date_from=date(2019, 1, 1), date_to=date(2019, 12, 31), region_groups=("Americas",))
NOTHING = Filters(years=(1999,))


@pytest.fixture(scope="module")
def monthly() -> Dataset:
    return Dataset.from_tables(synth.aggregate_tables())


@pytest.fixture(scope="module")
def daily() -> Dataset:
    return Dataset.from_tables(synth.all_tables())


# ------------------------------------------------------------------------------------------ cube

def test_cube_is_monthly_without_incidents_and_daily_with_them(monthly, daily):
    assert monthly.precision == "month"
    assert daily.precision == "day"
    # monthly: one cube row per mmp_deaths row, totals preserved
    assert len(monthly.cube) == len(synth.DEATH_ROWS)
    assert monthly.cube["dead_and_missing"].sum() == synth.deaths()["dead_and_missing"].sum()
    # daily: incidents summed per day; totals preserved; counts of incidents kept
    assert daily.cube["dead_and_missing"].sum() == synth.incidents()["dead_and_missing"].sum()
    assert daily.cube["incidents"].sum() == len(synth.incidents())


def test_cube_periods(monthly, daily):
    row = monthly.cube[(monthly.cube["year"] == 2019) & (monthly.cube["month"] == 8)].iloc[0]
    assert (row["date"], row["date_end"], row["precision"]) == (pd.Timestamp("2019-08-01"),
                                                                 pd.Timestamp("2019-08-31"), "month")
    no_month = monthly.cube[monthly.cube["month"].isna()].iloc[0]
    assert (no_month["date"], no_month["date_end"], no_month["precision"]) == (
        pd.Timestamp("2019-01-01"), pd.Timestamp("2019-12-31"), "year")
    undated = daily.cube[daily.cube["precision"] == "month"]  # incident i4 has no date: its month
    assert list(undated["date"]) == [pd.Timestamp("2019-03-01")]


def test_empty_cube_has_columns_and_dtypes():
    cube, precision = build_cube({})
    assert cube.empty and precision == "month"
    assert list(cube.columns) == q.CUBE_COLUMNS
    assert str(cube["dead"].dtype) == "int64"


# ------------------------------------------------------------------------------------------ nationality

def test_deaths_by_origin_counts_each_nationality(monthly):
    rows = q.deaths_by_origin(monthly.cube, AMERICAS_2019)
    assert list(rows.columns) == q.ORIGIN_COLUMNS
    # the totals count every incident once; the rows count the two-nationality incident (6) twice
    assert rows.attrs["totals"]["dead_and_missing"] == synth.AMERICAS_2019_TOTAL
    assert rows["dead_and_missing"].sum() == synth.AMERICAS_2019_TOTAL + 6
    by = {(o if isinstance(o, str) else None): r for o, r in zip(rows["origin"], rows.itertuples())}
    # unknown, mixed and blank stay their own rows
    assert by["Unknown"].dead_and_missing == 20 and by["Unknown"].origin_group == "unknown"
    assert by["Mixed"].origin_group == "mixed"
    assert by[None].origin_group == "unknown"  # blank origin: its own row
    assert f"Colombia,{synth.VEN}" not in by  # the published combination is split into its nationalities
    # the incident of Colombians and Venezuelans (dead 2, missing 4) counts towards both
    assert (by[synth.VEN].origin_iso3, by[synth.VEN].origin_group) == ("VEN", "multiple")
    assert by[synth.VEN].dead_and_missing == 15 + 3 + 6
    assert (by["Colombia"].origin_iso3, by["Colombia"].dead, by["Colombia"].missing) == ("COL", 2, 4)
    assert by["Honduras"].origin_group == "single"
    # the correction (missing -1) is netted in, as published
    assert (by["Honduras"].dead, by["Honduras"].missing, by["Honduras"].dead_and_missing) == (7, -1, 6)
    # largest first
    assert list(rows["dead_and_missing"]) == sorted(rows["dead_and_missing"], reverse=True)


def test_nationality_filter_keeps_multi_country_rows_whole(monthly):
    rows = q.deaths_by_origin(monthly.cube, AMERICAS_2019.but(origins=("VEN",)))
    # every incident involving Venezuelans, the shared one included; that one also shows under Colombia
    assert dict(zip(rows["origin_iso3"], rows["dead_and_missing"])) == {"VEN": 15 + 3 + 6, "COL": 6}
    assert rows.attrs["totals"]["dead_and_missing"] == 15 + 3 + 6


def test_a_nationality_published_alone_elsewhere_keeps_that_name(monthly, monkeypatch):
    """A selection where Venezuelans appear only in a shared row ("Colombia,Venezuela") names them as the
    table's own Venezuelan rows do, the same in every selection; Colombia, never published alone, takes its
    name in that cell. No cell is split by the country matcher at request time."""
    cube = monthly.cube.copy()
    cube["origin"] = cube["origin"].astype(object)
    shared = (cube["origin_group"] == "multiple").fillna(False).to_numpy(bool)
    assert shared.sum() == 1
    cube.loc[shared, "origin"] = "Colombia,Venezuela"
    from ingest import countries

    def no_matcher(cells):
        raise AssertionError(f"the country matcher at request time: {cells}")

    monkeypatch.setattr(countries, "split_many", no_matcher)
    monkeypatch.setattr(countries, "to_iso3", no_matcher)
    rows = q.deaths_by_origin(cube, AMERICAS_2019.but(origins=("COL",)))
    assert dict(zip(rows["origin_iso3"], rows["origin"])) == {"VEN": synth.VEN, "COL": "Colombia"}


@pytest.mark.parametrize("cell, expected", [
    ("Republic of Colombia,Venezuela", "Republic of Colombia"),        # the cell's own spelling
    ("Republic of Colombia,Unknown,Venezuela", "Republic of Colombia"),  # placeholders have no code
    ("Republic of Colombia and Venezuela", "Colombia"),  # another separator: no pairing, the short name
    ("Colombia, Republic of,Venezuela", "Colombia"),  # a comma inside a name: counts differ, the short name
])
def test_a_nationality_never_published_alone_is_named_as_its_cell_names_it(monthly, cell, expected):
    """Colombia only appears in the shared row: chart and filter name it from that cell when the cell's names
    pair one to one with its codes, else by country_converter's short name, never by the code."""
    cube = monthly.cube.copy()
    cube["origin"] = cube["origin"].astype(object)
    shared = (cube["origin_group"] == "multiple").fillna(False).to_numpy(bool)
    cube.loc[shared, "origin"] = cell
    rows = q.deaths_by_origin(cube, AMERICAS_2019.but(origins=("COL",)))
    assert dict(zip(rows["origin_iso3"], rows["origin"]))["COL"] == expected
    assert ("COL", expected) in q.migration_options(cube, {"COL": "Colombia (plan locations)"})["origins"]


def test_empty_selection_gives_empty_frames_with_columns(monthly):
    for fn, cols in ((q.deaths_by_origin, q.ORIGIN_COLUMNS), (q.deaths_trend, q.TREND_COLUMNS),
                     (q.deaths_by_region, q.REGION_COLUMNS), (q.deaths_by_cause, q.CAUSE_COLUMNS)):
        out = fn(monthly.cube, NOTHING)
        assert out.empty and list(out.columns) == cols, fn.__name__
    assert q.migration_totals(monthly.cube, NOTHING)["dead_and_missing"] == 0
    assert q.incident_bins(Dataset.from_tables({}).geo, Filters()).empty


def test_region_and_cause(monthly):
    regions = q.deaths_by_region(monthly.cube, AMERICAS_2019)
    assert set(regions["region_group"]) == {"Americas"}
    assert regions["dead_and_missing"].sum() == synth.AMERICAS_2019_TOTAL
    everything = q.deaths_by_region(monthly.cube, Filters(years=(2019,)))
    assert "Mediterranean" in set(everything["region"])
    causes = q.deaths_by_cause(monthly.cube, AMERICAS_2019)
    assert causes.iloc[0]["cause_of_death"] == "Drowning"
    assert causes["dead_and_missing"].sum() == synth.AMERICAS_2019_TOTAL


def test_trend_fills_empty_months_and_lists_rows_without_month(monthly):
    rows = q.deaths_trend(monthly.cube, AMERICAS_2019)
    placed = rows[rows["period_start"].notna()]
    assert list(placed["period"]) == [f"2019-{m:02d}" for m in range(1, 13)]
    assert placed.set_index("period").loc["2019-04", "dead_and_missing"] == 0
    unplaced = rows[rows["period_start"].isna()]
    assert list(unplaced["period"]) == ["2019 (month unknown)"] and unplaced["dead_and_missing"].sum() == 5
    assert rows["dead_and_missing"].sum() == synth.AMERICAS_2019_TOTAL
    yearly = q.deaths_trend(monthly.cube, AMERICAS_2019.but(freq="year"))
    assert list(yearly["period"]) == ["2019"] and yearly["dead_and_missing"].sum() == synth.AMERICAS_2019_TOTAL


def test_month_precision_counts_whole_cut_months(monthly, daily):
    cut = AMERICAS_2019.but(date_to=date(2019, 8, 15))
    # all of August is in (15 Venezuelan rows of August: 3 + multi 6)
    months = q.deaths_trend(monthly.cube, cut.but(freq="month"))
    assert months.set_index("period").loc["2019-08", "dead_and_missing"] == 3 + 6
    note = q.period_note(monthly.cube, cut, "month")
    assert note["cut_months"] == [date(2019, 8, 1)] and note["counted_to"] == date(2019, 8, 31)
    # the Haiti row (1 incident, 5 dead and missing) has a year but no month: it counts in 2019, not in part of it
    assert note["undated"] == [(2019, 1)]
    totals = q.migration_totals(monthly.cube, cut)
    assert totals["dead_and_missing"] == q.migration_totals(monthly.cube, cut.but(date_to=date(2019, 8, 31)))[
        "dead_and_missing"]
    whole = q.migration_totals(monthly.cube, AMERICAS_2019)
    assert whole["dead_and_missing"] == synth.AMERICAS_2019_TOTAL
    assert whole["dead_and_missing"] == q.migration_totals(monthly.cube, q.Filters(
        years=(2019,), region_groups=("Americas",)))["dead_and_missing"]
    assert q.period_note(monthly.cube, AMERICAS_2019, "month") is None
    # with day precision 1 Jan-15 Aug excludes the 20 Aug incident
    days = q.deaths_by_origin(daily.cube, cut)
    # i1 (10 Aug), i3 (5 Jan, two nationalities: counted once in the total), i4 (March, no day)
    assert days.attrs["totals"]["dead_and_missing"] == 3 + 6 + 1
    assert q.period_note(daily.cube, cut, "day") is None


def test_incident_bins_aggregate_and_coarsen(daily):
    bins = q.incident_bins(daily.geo, Filters())
    assert list(bins.columns) == q.BIN_COLUMNS
    assert bins["incidents"].sum() == 4  # i4 has no coordinates
    assert bins.iloc[0]["dead_and_missing"] == 50
    coarse = q.incident_bins(daily.geo, Filters(), max_bins=1)
    assert len(coarse) <= 2 and coarse["incidents"].sum() == 4 and coarse["bin_degrees"].iloc[0] > 1


def test_options(monthly):
    opts = monthly.options()
    assert "Americas" in opts["region_groups"]
    assert ("Caribbean", "Americas") in opts["regions"]
    assert ("COL", "Colombia") in opts["origins"]  # named as its multi-nationality cell names it, as the charts do
    assert opts["date_min"] == date(2018, 12, 1) and opts["date_max"] == date(2020, 2, 29)


# ------------------------------------------------------------------------------------------ funding

def test_plan_figures_venezuela_2019(monthly):
    plans = monthly.tables["fts_plans"]
    assert q.choose_plan(plans, "VEN", 2019) == 827  # own plan preferred over the regional one
    fig = q.plan_figures(plans, 827)
    assert fig["requirements_usd"] == 222_724_387 and fig["funding_usd"] == 76_925_346
    assert round(fig["percent_funded"], 1) == 34.5
    assert fig["unmet_usd"] == 222_724_387 - 76_925_346
    assert (fig["people_in_need"], fig["people_targeted"]) == (7_000_000, 2_600_000)
    assert q.plan_figures(plans, 123456) is None and q.plan_figures(plans, None) is None
    assert q.choose_plan(plans, "VEN") == 1001  # latest own plan
    assert q.choose_plan(plans, "ZZZ") is None


def test_plan_rows_regional_switch(monthly):
    plans = monthly.tables["fts_plans"]
    own = q.plan_rows(plans, Filters(countries=("VEN",), include_regional=False))
    assert list(own["plan_code"]) == ["HVEN19", "HVEN20", "HVEN21"]
    every = q.plan_rows(plans, Filters(countries=("VEN",)))
    assert "RTEST19" in set(every["plan_code"])
    assert q.plan_rows(plans, Filters(countries=("ZZZ",))).empty


@pytest.mark.parametrize("f", [Filters(countries=("VEN",)), Filters(countries=("VEN",), years=(2019,)),
                               Filters(plan_ids=(827,)), Filters(years=(2020,), include_regional=False), Filters()])
def test_a_loaded_plans_table_keeps_plan_rows_answers_and_callers_cannot_change_them(monthly, f):
    """A loaded dataset's plans table is marked (keep_plan_rows): plan_rows answers it from what it kept,
    the same answer as for an unmarked copy, and a caller that changes its answer changes no later one."""
    plans = monthly.tables["fts_plans"]
    fresh = q.plan_rows(plans.copy(), f)  # a copy carries no mark: computed
    first = q.plan_rows(plans, f)
    pd.testing.assert_frame_equal(first, fresh)
    first.loc[:, "requirements_usd"] = 1
    first["plan_code"] = "changed"
    again = q.plan_rows(plans, f)
    pd.testing.assert_frame_equal(again, fresh)
    assert again is not first


def test_kept_plan_rows_are_bounded(monthly, monkeypatch):
    from dashboard.queries import funding

    plans = funding.keep_plan_rows(monthly.tables["fts_plans"].copy())
    monkeypatch.setattr(funding, "_ANSWERS_KEPT", 3)
    for year in range(2015, 2025):
        q.plan_rows(plans, Filters(years=(year,)))
        assert len(vars(plans)[funding._ANSWERS]) <= 3


def test_a_kept_plans_table_finds_a_countrys_plans_as_the_text_search_does():
    """plan_rows on a kept plans table finds a country's plans from a code -> rows index (funding._covering),
    the same rows as the text search (contains_code) on an unmarked copy: a code in any position of the
    ';'-joined list, not a code that only starts another one, no row without codes; and a code that is not a
    plain one (empty, or holding ';') goes to the text search. Any selection's rows equal the unmarked copy's."""
    from dashboard.queries import funding

    plans = pd.DataFrame({
        "plan_id": [1, 2, 3, 4, 5, 6], "plan_code": ["A", "B", None, "D", "E", "F"],
        "plan_name": ["a", "b", "c", "d", "e", "f"], "plan_type": "x", "year": [2019, 2019, 2020, 2020, 2021, 2021],
        "countries_iso3": ["VEN", "COL;VEN;PER", None, "VENX", "PER;COL", ""], "is_regional": [False, True, False,
                                                                                            False, True, False],
        "requirements_usd": pd.array([10, 20, None, 40, 50, 60], dtype="Int64"),
        "funding_usd": pd.array([5, None, 1, 4, 5, 6], dtype="Int64"), "unmet_usd": pd.array([None] * 6, dtype="Int64"),
        "percent_funded": [None, 1.0, None, None, 10.0, 10.0], "pledges_usd": pd.array([None] * 6, dtype="Int64"),
        "people_in_need": pd.array([None] * 6, dtype="Int64"), "people_targeted": pd.array([None] * 6, dtype="Int64"),
        "people_source": None, "figures_source": None}).astype({"plan_code": "string", "countries_iso3": "string"})
    kept = funding.keep_plan_rows(plans.copy())
    for countries in [("VEN",), ("COL",), ("PER",), ("VEN", "PER"), ("VENX",), ("XXX",), ("VE",)]:
        for regional in (True, False):
            f = Filters(countries=countries, include_regional=regional)
            pd.testing.assert_frame_equal(q.plan_rows(kept, f), q.plan_rows(plans.copy(), f))
    # the rows are picked out of the whole table filled and sorted once (funding._prepared): the same as filling
    # and sorting the picked rows (no code sorts last; a selection with nothing to fill keeps its dtypes)
    for f in [Filters(), Filters(years=(2019,)), Filters(years=(2020,)), Filters(plan_ids=(5,)), Filters(plan_ids=(3,)),
              Filters(plan_ids=(6, 5), include_regional=False), Filters(years=(1999,)), Filters(years=(2021, 2020))]:
        pd.testing.assert_frame_equal(q.plan_rows(kept, f), q.plan_rows(plans.copy(), f), obj=str(f))
    assert list(q.plan_rows(kept, Filters(years=(2020, 2019)))["plan_id"]) == [1, 2, 4, 3]
    assert list(q.plan_rows(kept, Filters(countries=("VEN",)))["plan_id"]) == [1, 2]
    assert funding._covering(kept, ("",)) is None and funding._covering(kept, ("VEN;COL",)) is None
    assert funding._covering(plans, ("VEN",)) is None  # not a kept table: no index on it
    assert list(funding._covering(kept, ("COL",))) == [False, True, False, False, True, False]


def test_clusters_honest_rows(monthly):
    rows = q.cluster_rows(monthly.tables["fts_clusters"], monthly.tables["fts_plans"], Filters(plan_ids=(929,)))
    assert list(rows["row_type"]) == ["cluster"] * 4 + ["shared", "not_specified"]
    health = rows[rows["cluster_name"] == "Health"].iloc[0]
    assert health["percent_funded"] == 150.0 and health["unmet_usd"] == 0
    protection = rows[rows["cluster_name"] == "Protection"].iloc[0]
    assert pd.isna(protection["percent_funded"])  # no funding figure: no percent invented
    shared = rows[rows["row_type"] == "shared"].iloc[0]
    assert pd.isna(shared["percent_funded"]) and shared["funding_usd"] == 30
    # Venezuela has no cluster breakdown in the data: empty, not an error
    assert q.cluster_rows(monthly.tables["fts_clusters"], monthly.tables["fts_plans"], Filters(plan_ids=(827,))).empty
    glob = q.cluster_rows(monthly.tables["fts_clusters"], monthly.tables["fts_plans"],
                          Filters(plan_ids=(929,), cluster_type="globalcluster"))
    assert list(glob["cluster_name"]) == ["Health"]


def test_donors_and_timeline(daily):
    plans = daily.tables["fts_plans"]
    donors = q.donor_rows(daily.tables["fts_donors"], plans, Filters(plan_ids=(929,)))
    assert len(donors) == 12 and donors.iloc[0]["donor_name"] == "Donor A"
    assert round(donors["share_percent"].sum(), 6) == 100
    assert q.donor_rows(daily.tables["fts_donors"], plans, Filters(plan_ids=(827,))).empty
    timeline = q.funding_timeline(daily.tables["fts_flows"], plans, Filters(plan_ids=(929,)))
    # pledges, outgoing flows and undated flows are left out
    assert list(timeline["funding_usd"]) == [150, 25] and list(timeline["cumulative_usd"]) == [150, 175]
    assert q.funding_timeline(daily.tables["fts_flows"], plans, Filters(plan_ids=(1,))).empty


def test_table_rows_filters(daily):
    t = daily.tables
    assert set(q.table_rows(t, "fts_plans", Filters(countries=("VEN",), years=(2019,)))["plan_id"]) == {827, 700}
    assert set(q.table_rows(t, "fts_clusters", Filters(countries=("AFG",)))["plan_id"]) == {929}
    assert set(q.table_rows(t, "fts_plan_locations", Filters(countries=("COL",)))["plan_id"]) == {700}
    assert set(q.table_rows(t, "fts_flows", Filters(date_from=date(2020, 3, 1)))["flow_id"]) == {"f3", "f4", "f5"}
    assert len(q.table_rows(t, "mmp_deaths", Filters(region_groups=("Mediterranean",)))) == 1
    assert set(q.table_rows(t, "mmp_incidents", Filters(origins=("COL",)))["incident_id"]) == {"i3"}
    assert q.table_rows(t, "mmp_incidents", NOTHING).empty


def test_grid_rows_filter_and_sort():
    plans = synth.plans()
    rows, problems = q.grid_rows(plans, '{plan_name} icontains venezuela && {year} >= 2020',
                                 [{"column_id": "year", "direction": "desc"}])
    assert list(rows["plan_id"]) == [1001, 950] and problems == []
    rows, problems = q.grid_rows(plans, "{year} > abc && {nope} = 1", None)
    assert len(rows) == len(plans) and len(problems) == 2


def test_region_mapping_matches_the_source_module():
    from dashboard.data import regions

    from ingest.sources.mmp import REGION_GROUPS

    assert regions.REGION_GROUPS is REGION_GROUPS  # one owner, no copy
    assert set(regions.regions_of("Americas")) == {"North America", "Central America", "Caribbean", "South America",
                                                   "US-Mexico Border"}
    assert regions.groups()[0] == "Americas"


# ------------------------------------------------------------------------------------------ per-load precomputation


def _funding_datasets(daily):
    """The synthetic funding tables and the bundled snapshot's (real FTS plans and locations)."""
    from ingest.store import Store, snapshot_dir

    out = [daily]
    store = Store(snapshot_dir())
    if store.current_dir() is not None:
        tables, _manifest = store.read_all()
        out.append(Dataset.from_tables(tables))
    return out


@pytest.mark.slow  # every view of every plan, precomputed and queried
def test_funding_views_precomputed_per_load_equal_the_queries(daily):
    """fts/clusters, fts/donors, fts/funding-timeline (without a date window) and crisis/plans pick rows out
    of frames worked out once per load, and default_plans chooses every country's plan in one pass; the
    answers equal the query functions run on the tables for every plan, country and year selection."""
    from dashboard.queries.views import VIEWS, country_name_variants

    for ds in _funding_datasets(daily):
        plans, locations = ds.tables["fts_plans"], ds.tables["fts_plan_locations"]
        names = country_name_variants(ds)
        countries = sorted(q.plan_countries(plans)) + ["VEN", "COL", "SSD", "ZZZ"]
        years = sorted({int(y) for y in plans["year"]})
        selections = [Filters()] + [Filters(countries=(c,)) for c in countries] + \
            [Filters(years=(y,)) for y in years] + [Filters(plan_ids=(int(p),)) for p in plans["plan_id"][:5]] + \
            [Filters(countries=(c,), years=tuple(years[-2:])) for c in countries[:8]]
        for f in selections:
            for cluster_type in ("cluster", "global"):
                g = f.but(cluster_type=cluster_type)
                pd.testing.assert_frame_equal(VIEWS["fts/clusters"].compute(ds, g),
                                              q.cluster_rows(ds.tables["fts_clusters"], plans, g), obj=str(g))
            pd.testing.assert_frame_equal(VIEWS["fts/donors"].compute(ds, f),
                                          q.donor_rows(ds.tables["fts_donors"], plans, f), obj=str(f))
            if f.countries:
                pd.testing.assert_frame_equal(
                    VIEWS["crisis/plans"].compute(ds, f),
                    q.crisis_plans(ds.plans, locations, f.countries[0], names, f.years), obj=str(f))
            for g in (f, f.but(date_from=date(2019, 3, 1)), f.but(date_to=date(2019, 6, 30))):
                pd.testing.assert_frame_equal(VIEWS["fts/funding-timeline"].compute(ds, g),
                                              q.funding_timeline(ds.tables["fts_flows"], plans, g), obj=str(g))
        with_clusters = {int(p) for p in ds.tables["fts_clusters"]["plan_id"]}
        for prefer in ((), with_clusters, set(plans["plan_id"][::3].astype(int))):
            chosen = q.default_plans(plans, prefer)
            assert {c: q.choose_plan(plans, c, None, prefer=prefer) for c in countries} == \
                {c: chosen.get(c) for c in countries}
