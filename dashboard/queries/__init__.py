"""Pure filter/aggregate functions over the tidy tables and the migration cube (no Dash, no I/O).

Every function takes DataFrames and a frozen `Filters` and returns a new DataFrame (or a small dict);
none mutates its input. Caching lives one level up (`data.Dataset.memo`), keyed on the loaded data
version and the (hashable) filters, so these stay trivially testable.

Migration queries run against the cube built at load time (see `data.build_cube`): one row per
period and dimension combination, with `date` and `date_end` bounding the period the row counts
(a day for incident data, a month for the monthly snapshot, a year when the month is unknown).

    filters.py     the selection (`Filters`), answer columns, shared helpers
    engine.py      the numpy index over the cube (the fast path) and row selection
    aggregates.py  trends and map bins on the fast path
    migration.py   IOM Missing Migrants views
    funding.py     OCHA FTS views
    tables.py      raw tables and the table browser
    crisis.py      the crisis page: plans concerning a country, its nationals' deaths

This package re-exports the public names of its modules: `from dashboard.queries import Filters`.
The registry of served frames (views.py) and the data's period coverage (coverage.py) live here too
but are imported by their own names, since they depend on the loaded dataset.
"""
from __future__ import annotations

from .crisis import (
    CRISIS_GROUPS,
    CRISIS_PLAN_COLUMNS,
    CRISIS_TREND_COLUMNS,
    PUBLISHED_PREFIX,
    RELATIONS,
    UNKNOWN_CAUSES,
    CrisisPlanIndex,
    PlanRelations,
    clean_country_names,
    crisis_deaths_by,
    crisis_deaths_trend,
    crisis_default_year,
    crisis_facts,
    crisis_plans,
    crisis_years,
    is_published_figure,
    named_countries,
    plan_relation,
    plan_relations,
    plans_rows_of,
)
from .engine import (
    CubeIndex,
    Level,
    Parts,
    index_cube,
)
from .filters import (
    BIN_COLUMNS,
    CAUSE_COLUMNS,
    CLUSTER_COLUMNS,
    CUBE_COLUMNS,
    DONOR_COLUMNS,
    MMP_COUNTS,
    MMP_DIMS,
    ORIGIN_COLUMNS,
    PLAN_COLUMNS,
    REGION_COLUMNS,
    SUMMED,
    TIMELINE_COLUMNS,
    TREND_COLUMNS,
    Filters,
    contains_code,
    is_missing,
    month_end,
    period_columns,
)
from .funding import (
    choose_plan,
    cluster_rows,
    country_names,
    donor_rows,
    funding_timeline,
    plan_countries,
    default_plans,
    plan_figures,
    keep_plan_rows,
    plan_rows,
)
from .migration import (
    deaths_by_cause,
    deaths_by_origin,
    deaths_by_region,
    deaths_trend,
    filter_cube,
    incident_bins,
    migration_options,
    migration_totals,
    period_note,
    spanning_rows,
    undated_outside,
)
from .tables import (
    ag_grid_rows,
    column_kind,
    grid_rows,
    mmp_table_rows,
    table_rows,
)

__all__ = [
    "BIN_COLUMNS",
    "CAUSE_COLUMNS",
    "CLUSTER_COLUMNS",
    "CRISIS_GROUPS",
    "CRISIS_PLAN_COLUMNS",
    "CRISIS_TREND_COLUMNS",
    "CUBE_COLUMNS",
    "CrisisPlanIndex",
    "CubeIndex",
    "DONOR_COLUMNS",
    "Filters",
    "Level",
    "MMP_COUNTS",
    "MMP_DIMS",
    "ORIGIN_COLUMNS",
    "PLAN_COLUMNS",
    "PUBLISHED_PREFIX",
    "Parts",
    "PlanRelations",
    "REGION_COLUMNS",
    "RELATIONS",
    "SUMMED",
    "TIMELINE_COLUMNS",
    "TREND_COLUMNS",
    "UNKNOWN_CAUSES",
    "choose_plan",
    "clean_country_names",
    "cluster_rows",
    "ag_grid_rows",
    "column_kind",
    "contains_code",
    "country_names",
    "crisis_deaths_by",
    "crisis_deaths_trend",
    "crisis_default_year",
    "crisis_facts",
    "crisis_plans",
    "crisis_years",
    "deaths_by_cause",
    "deaths_by_origin",
    "deaths_by_region",
    "deaths_trend",
    "donor_rows",
    "filter_cube",
    "funding_timeline",
    "grid_rows",
    "incident_bins",
    "index_cube",
    "is_missing",
    "is_published_figure",
    "migration_options",
    "migration_totals",
    "mmp_table_rows",
    "month_end",
    "named_countries",
    "period_columns",
    "period_note",
    "plan_countries",
    "default_plans",
    "plan_figures",
    "plan_relation",
    "plan_relations",
    "keep_plan_rows",
    "plan_rows",
    "plans_rows_of",
    "table_rows",
    "spanning_rows",
    "undated_outside",
]
