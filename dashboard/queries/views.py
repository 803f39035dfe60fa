"""Every frame the app serves, registered once: each chart, its download and its API route call the
same `View.rows`, so the CSV under a chart and `/api/...csv` are the same rows by construction.

Adding a chart's data = one function in queries.py + one entry here.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Callable

import pandas as pd

from dashboard import queries as q
from dashboard.data import LAZY_TABLES, Dataset
from dashboard.data.regions import REGION_GROUPS
from dashboard.i18n import N_
from dashboard.queries import Filters
from ingest.schemas import SOURCE_OF, TABLES, is_iso3

MMP_PARAMS = ("year", "date_from", "date_to", "country", "region", "region_group", "origin_iso3", "cause", "route")
PLAN_PARAMS = ("country", "year", "plan_id")


@dataclass(frozen=True)
class View:
    """A named frame: which tables it reads (for provenance), which parameters it takes, its rows."""

    name: str
    title: str
    tables: tuple[str, ...]
    params: tuple[str, ...]
    compute: Callable[[Dataset, Filters], pd.DataFrame]
    cache: bool = True

    @property
    def source(self) -> str:
        return SOURCE_OF[self.tables[0]]

    def rows(self, ds: Dataset, f: Filters) -> pd.DataFrame:
        """The view's rows for `f`, computed once per data load and filter set (a view of a table that is
        not kept in memory is computed on every call: caching it would keep the table after all)."""
        if not self.cache:
            return self.compute(ds, f)
        return ds.memo(("view", self.name, f), lambda: self.compute(ds, f))


def _mmp(fn: Callable[[pd.DataFrame, Filters], pd.DataFrame]) -> Callable[[Dataset, Filters], pd.DataFrame]:
    return lambda ds, f: fn(ds.cube, f)


def _cluster_rows(ds: Dataset, f: Filters) -> pd.DataFrame:
    """cluster_rows for f: every plan's rows of the cluster type computed once per load, then picked."""
    plans = ds.tables["fts_plans"]
    every = ds.memo(("cluster-rows", f.cluster_type),
                    lambda: q.cluster_rows(ds.tables["fts_clusters"], plans, Filters(cluster_type=f.cluster_type)))
    return q.plans_rows_of(every, plans, f)


def _donor_rows(ds: Dataset, f: Filters) -> pd.DataFrame:
    """donor_rows for f: every plan's donors computed once per load, then picked."""
    plans = ds.tables["fts_plans"]
    every = ds.memo(("donor-rows",), lambda: q.donor_rows(ds.tables["fts_donors"], plans, Filters()))
    return q.plans_rows_of(every, plans, f)


def _timeline_rows(ds: Dataset, f: Filters) -> pd.DataFrame:
    """funding_timeline for f: without a date window, every plan's timeline computed once per load, then
    picked (each plan's running total is its own); a date window restarts the running totals at its
    start, so it is computed for the selection."""
    flows, plans = ds.tables["fts_flows"], ds.tables["fts_plans"]
    if f.date_from is not None or f.date_to is not None:
        return q.funding_timeline(flows, plans, f)
    every = ds.memo(("timeline-rows",), lambda: q.funding_timeline(flows, plans, Filters()))
    return q.plans_rows_of(every, plans, f)


VIEWS: dict[str, View] = {v.name: v for v in [
    View("mmp/deaths-by-origin", N_("Dead and missing by nationality"), ("mmp_deaths", "mmp_incidents"),
         MMP_PARAMS, _mmp(q.deaths_by_origin)),
    View("mmp/trend", N_("Dead and missing over time"), ("mmp_deaths", "mmp_incidents"),
         MMP_PARAMS + ("freq",), _mmp(q.deaths_trend)),
    View("mmp/by-region", N_("Dead and missing by region of incident"), ("mmp_deaths", "mmp_incidents"),
         MMP_PARAMS, _mmp(q.deaths_by_region)),
    View("mmp/by-cause", N_("Dead and missing by cause of death"), ("mmp_deaths", "mmp_incidents"),
         MMP_PARAMS, _mmp(q.deaths_by_cause)),
    View("mmp/map-bins", N_("Incidents on a map grid"), ("mmp_incidents",),
         MMP_PARAMS, lambda ds, f: q.incident_bins(ds.geo, f)),
    View("fts/plans", N_("Requirements and funding per plan"), ("fts_plans",),
         PLAN_PARAMS + ("regional",), lambda ds, f: q.plan_rows(ds.tables["fts_plans"], f)),
    View("fts/clusters", N_("Coverage by cluster"), ("fts_clusters", "fts_plans"),
         PLAN_PARAMS + ("cluster_type",), lambda ds, f: _cluster_rows(ds, f)),
    View("fts/donors", N_("Donors"), ("fts_donors", "fts_plans"), PLAN_PARAMS, lambda ds, f: _donor_rows(ds, f)),
    View("fts/funding-timeline", N_("Funding over time"), ("fts_flows", "fts_plans"),
         PLAN_PARAMS + ("date_from", "date_to"),
         _timeline_rows),
]}

# Whole stored tables, with the filters that make sense for each.
TABLE_PARAMS: dict[str, tuple[str, ...]] = {
    "fts_plans": PLAN_PARAMS + ("regional",),
    "fts_clusters": PLAN_PARAMS,
    "fts_plan_locations": PLAN_PARAMS,
    "fts_flows": PLAN_PARAMS + ("date_from", "date_to"),
    "fts_donors": PLAN_PARAMS,
    "published_plan_figures": PLAN_PARAMS,
    "mmp_incidents": MMP_PARAMS,
    "mmp_deaths": MMP_PARAMS,
}
assert set(TABLE_PARAMS) == set(TABLES), "every stored table needs an entry in TABLE_PARAMS"


def table_view(name: str) -> View:
    """The View of one whole stored table (KeyError for names outside the fixed registry)."""
    params = TABLE_PARAMS[name]
    return View(name, name, (name,), params, lambda ds, f: q.table_rows(ds.tables, name, f),
                cache=name not in LAZY_TABLES)


def known_values(ds: Dataset) -> dict[str, set[str]]:
    """Values that free-text parameters may take: what occurs in the data, plus every known region."""
    def compute() -> dict[str, set[str]]:
        sets: dict[str, set[str]] = {"regions": set(REGION_GROUPS), "region_groups": set(REGION_GROUPS.values()),
                                     "causes": set(), "routes": set()}
        # The cube is built from mmp_incidents when there are any, so it holds every value they do
        # (the incident table itself is not read for this: it may be a lazy one).
        for frame in (ds.cube, ds.tables["mmp_deaths"]):
            for key, col in (("regions", "region"), ("region_groups", "region_group"),
                             ("causes", "cause_of_death"), ("routes", "migration_route")):
                sets[key].update(str(v) for v in frame[col].dropna().unique())
        return sets
    return ds.memo(("known-values",), compute)


# ------------------------------------------------------------------------------------------ crisis (/crisis)

CRISIS_PLAN_PARAMS = ("country", "year")


@lru_cache(maxsize=1)
def coco_short_names() -> dict[str, str]:
    """ISO3 -> country_converter's short name ("Venezuela", "South Sudan"), read once per process
    (its bundled table, read as text so that Namibia's ISO2 "NA" is not taken for a blank)."""
    import country_converter as coco

    table = pd.read_csv(coco.country_converter.COUNTRY_DATA_FILE, sep="\t", encoding="utf-8", dtype=str,
                        keep_default_na=False, usecols=["name_short", "ISO3"])
    # only real ISO3 codes: the table also holds made-up ones (e.g. "BA1") that no filter accepts
    return {iso3: name for iso3, name in zip(table["ISO3"], table["name_short"]) if name and is_iso3(iso3)}


def country_name_variants(ds: Dataset) -> dict[str, tuple[str, ...]]:
    """ISO3 -> the names a plan may use for the country: country_converter's short name first (the
    one shown), then the names in the data (plan locations, MMP nationalities), cleaned."""
    def compute() -> dict[str, tuple[str, ...]]:
        data_names: dict[str, list[str]] = {}
        locations = ds.tables["fts_plan_locations"]
        for code, name in zip(locations["location_iso3"], locations["location_name"]):
            if isinstance(code, str) and isinstance(name, str):
                data_names.setdefault(code, []).append(name)
        for code, name in q.country_names(ds.tables).items():
            data_names.setdefault(code, []).append(name)
        short = coco_short_names()
        return {code: tuple(q.clean_country_names(([short[code]] if code in short else []) + data_names.get(code, [])))
                for code in set(short) | set(data_names)}
    return ds.memo(("country-name-variants",), compute)


def country_label(ds: Dataset, code: str) -> str:
    """The short name shown for an ISO3 code ("Venezuela"), the code itself when unknown."""
    names = country_name_variants(ds).get(code)
    return names[0] if names else code


def crisis_plan_index(ds: Dataset) -> q.CrisisPlanIndex:
    """What crisis_plans needs of every plan, worked out once per load (see queries.CrisisPlanIndex)."""
    return ds.memo(("crisis-plan-index",), lambda: q.CrisisPlanIndex(
        ds.plans, ds.tables["fts_plan_locations"], country_name_variants(ds)))


def crisis_plan_rows(ds: Dataset, f: Filters) -> pd.DataFrame:
    """Plans related to each country in f.countries (own, for its people, covering it), f.years if given."""
    index = crisis_plan_index(ds) if f.countries else None
    frames = [index.rows(c, f.years) for c in f.countries] if index is not None else []
    if not frames:  # no country chosen: nothing relates
        frames = [q.crisis_plans(ds.plans.iloc[:0], ds.tables["fts_plan_locations"], "", {}, ())]
    return pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]


VIEWS.update({v.name: v for v in [
    View("crisis/plans", N_("Plans for a country, its people and its region, all years"),
         ("fts_plans", "fts_plan_locations", "published_plan_figures"), CRISIS_PLAN_PARAMS, crisis_plan_rows),
    View("crisis/deaths-trend", N_("Dead and missing of a nationality by month (single and several nationalities)"),
         ("mmp_deaths", "mmp_incidents"), MMP_PARAMS, _mmp(q.crisis_deaths_trend)),
    View("crisis/deaths-by-region", N_("Dead and missing of a nationality by region (single and several "
                                        "nationalities)"),
         ("mmp_deaths", "mmp_incidents"), MMP_PARAMS,
         _mmp(lambda cube, f: q.crisis_deaths_by(cube, f, ["region_group", "region"]))),
    View("crisis/deaths-by-route", N_("Dead and missing of a nationality by migration route"),
         ("mmp_deaths", "mmp_incidents"), MMP_PARAMS,
         _mmp(lambda cube, f: q.crisis_deaths_by(cube, f, ["migration_route"]))),
    View("crisis/deaths-by-cause", N_("Dead and missing of a nationality by cause of death"),
         ("mmp_deaths", "mmp_incidents"), MMP_PARAMS,
         _mmp(lambda cube, f: q.crisis_deaths_by(cube, f, ["cause_of_death"]))),
]})
