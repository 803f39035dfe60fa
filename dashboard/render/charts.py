"""One figure per entry of the views registry, for the embed pages and the PNG/SVG images.

`figure(ds, name, f)` draws the view's rows with the same figure function the page uses, so an
embedded chart or a downloaded image shows what the dashboard shows for the same filters (the
filters are the view's API parameters, parsed exactly as for the CSV).
"""
from __future__ import annotations

from typing import Any, Callable, Mapping
from urllib.parse import urlencode

import pandas as pd

from dashboard.data import Dataset
from dashboard.i18n import _
from dashboard.queries import Filters
from dashboard.queries.views import VIEWS, View, country_label, known_values
from dashboard.render import figures as fig
from dashboard.render.figures.builder import Figure
from dashboard.web.params import parse, to_pairs

# view name -> (page path the chart lives on, parameters that page understands)
FULL_VIEW: dict[str, str] = {
    "mmp/deaths-by-origin": "/migration", "mmp/trend": "/migration", "mmp/by-region": "/migration",
    "mmp/by-cause": "/migration", "mmp/map-bins": "/migration",
    "fts/plans": "/funding", "fts/clusters": "/funding", "fts/donors": "/funding", "fts/funding-timeline": "/funding",
    "crisis/plans": "/crisis", "crisis/deaths-trend": "/crisis", "crisis/deaths-by-region": "/crisis",
    "crisis/deaths-by-route": "/crisis", "crisis/deaths-by-cause": "/crisis",
}
_BREAKDOWN = {"crisis/deaths-by-region": "region", "crisis/deaths-by-route": "migration_route",
              "crisis/deaths-by-cause": "cause_of_death"}


def _crisis_code(f: Filters) -> str:
    return (f.origins or f.countries or ("",))[0]


def _draw(ds: Dataset, view: View, rows: pd.DataFrame, f: Filters) -> Figure:
    name = view.name
    simple: dict[str, Callable[..., Figure]] = {
        "mmp/deaths-by-origin": fig.deaths_by_origin, "mmp/trend": fig.deaths_trend,
        "mmp/by-region": fig.deaths_by_region, "mmp/by-cause": fig.deaths_by_cause,
        "mmp/map-bins": fig.incident_map, "fts/plans": fig.requirements_vs_funding,
        "fts/clusters": fig.cluster_coverage, "fts/donors": fig.top_donors,
        "fts/funding-timeline": fig.funding_timeline,
    }
    if name in simple:
        return simple[name](rows)
    code = _crisis_code(f)
    label = country_label(ds, code) if code else ""
    year = f.years[0] if f.years else None
    if name == "crisis/plans":
        return fig.crisis_plans(rows, year=year, country=label)
    if name == "crisis/deaths-trend":
        return fig.crisis_trend(rows, code=code, country=label)
    return fig.crisis_breakdown(rows, _BREAKDOWN[name], code, label)


def known(name: str) -> bool:
    return name in VIEWS


def parse_filters(ds: Dataset, name: str, query: Mapping[str, Any], extra: set[str] | frozenset[str] = frozenset()) -> Filters:
    """The view's filters from a query mapping (ParamError on a bad or unexpected parameter)."""
    f, _opts, _errors = parse(query, set(VIEWS[name].params) | set(extra), known_values(ds))
    return f


def figure(ds: Dataset, name: str, f: Filters) -> Figure:
    """The figure of view `name` for filters `f` (KeyError for an unknown view)."""
    view = VIEWS[name]
    return _draw(ds, view, view.rows(ds, f), f)


def title(name: str) -> str:
    return _(VIEWS[name].title)


def query_pairs(name: str, f: Filters) -> list[tuple[str, str]]:
    """The filters as (parameter, value) pairs of the view, empty values left out."""
    return [(k, v) for k, v in to_pairs(f, VIEWS[name].params) if v != ""]


def href(prefix: str, name: str, f: Filters, suffix: str = "") -> str:
    pairs = query_pairs(name, f)
    return f"{prefix}{name}{suffix}" + (f"?{urlencode(pairs)}" if pairs else "")


def full_view_href(name: str, f: Filters) -> str:
    """The dashboard page showing this chart, with the same filters (as far as the page takes them)."""
    return FULL_VIEW.get(name, "/") + (f"?{urlencode(query_pairs(name, f))}" if query_pairs(name, f) else "")
