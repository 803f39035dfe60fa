"""Every frame the app serves, registered once: each chart, its download and its API route call the
same `View.rows`, so the CSV under a chart and `/api/...csv` are the same rows by construction.

Adding a chart's data = one function in queries.py + one entry here.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import pandas as pd

from ingest.schemas import SOURCE_OF, TABLES

from . import queries as q
from .data import Dataset
from .i18n import N_
from .regions import REGION_GROUPS
from .queries import Filters

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

    @property
    def source(self) -> str:
        return SOURCE_OF[self.tables[0]]

    def rows(self, ds: Dataset, f: Filters) -> pd.DataFrame:
        """The view's rows for `f`, computed once per data load and filter set."""
        return ds.memo(("view", self.name, f), lambda: self.compute(ds, f))


def _mmp(fn: Callable[[pd.DataFrame, Filters], pd.DataFrame]) -> Callable[[Dataset, Filters], pd.DataFrame]:
    return lambda ds, f: fn(ds.cube, f)


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
         PLAN_PARAMS + ("cluster_type",),
         lambda ds, f: q.cluster_rows(ds.tables["fts_clusters"], ds.tables["fts_plans"], f)),
    View("fts/donors", N_("Donors"), ("fts_donors", "fts_plans"), PLAN_PARAMS,
         lambda ds, f: q.donor_rows(ds.tables["fts_donors"], ds.tables["fts_plans"], f)),
    View("fts/funding-timeline", N_("Funding over time"), ("fts_flows", "fts_plans"),
         PLAN_PARAMS + ("date_from", "date_to"),
         lambda ds, f: q.funding_timeline(ds.tables["fts_flows"], ds.tables["fts_plans"], f)),
]}

# Whole stored tables, with the filters that make sense for each.
TABLE_PARAMS: dict[str, tuple[str, ...]] = {
    "fts_plans": PLAN_PARAMS + ("regional",),
    "fts_clusters": PLAN_PARAMS,
    "fts_plan_locations": PLAN_PARAMS,
    "fts_flows": PLAN_PARAMS + ("date_from", "date_to"),
    "fts_donors": PLAN_PARAMS,
    "mmp_incidents": MMP_PARAMS,
    "mmp_deaths": MMP_PARAMS,
}
assert set(TABLE_PARAMS) == set(TABLES), "every stored table needs an entry in TABLE_PARAMS"


def table_view(name: str) -> View:
    """The View of one whole stored table (KeyError for names outside the fixed registry)."""
    params = TABLE_PARAMS[name]
    return View(name, name, (name,), params, lambda ds, f: q.table_rows(ds.tables, name, f))


def known_values(ds: Dataset) -> dict[str, set[str]]:
    """Values that free-text parameters may take: what occurs in the data, plus every known region."""
    def compute() -> dict[str, set[str]]:
        sets: dict[str, set[str]] = {"regions": set(REGION_GROUPS), "region_groups": set(REGION_GROUPS.values()),
                                     "causes": set(), "routes": set()}
        for frame in (ds.cube, ds.tables["mmp_deaths"], ds.tables["mmp_incidents"]):
            for key, col in (("regions", "region"), ("region_groups", "region_group"),
                             ("causes", "cause_of_death"), ("routes", "migration_route")):
                sets[key].update(str(v) for v in frame[col].dropna().unique())
        return sets
    return ds.memo(("known-values",), compute)
