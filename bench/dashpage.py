"""The /migration page as a browser sees it, for the benchmarks that POST its chart callbacks to a real
server: its callback map and default control values, the chart callbacks and a trivial one (the floor),
distinct filter selections and the request bodies dash-renderer would send (built with load/dashflow.py,
the load test's helpers)."""
from __future__ import annotations

import json
from datetime import date
from typing import Any, Sequence

from bench.selections import migration_filters
from load import dashflow

CALLBACK_URL = "/_dash-update-component"
CALLBACK_PAGE = "/migration"
CALLBACK_PREFIX = "mig-"


def migration_page(session: Any, base: str) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """What a browser fetches before it can send a filter callback: the callback map
    (/_dash-dependencies) and the page's layout from the pages router callback; returns the callback
    map and {"id.prop": value} of every component on /migration (as the page renders by default)."""
    layout = session.get(base + "/_dash-layout", timeout=60)
    layout.raise_for_status()
    if CALLBACK_PAGE not in dashflow.page_paths(layout.json()):
        raise RuntimeError(f"{CALLBACK_PAGE} is not linked from the app's navigation")
    deps = session.get(base + "/_dash-dependencies", timeout=60).json()
    answer = session.post(base + CALLBACK_URL, json=dashflow.router_payload(deps, CALLBACK_PAGE), timeout=60)
    answer.raise_for_status()
    return deps, dashflow.page_values(answer.json())


def chart_callbacks(deps: list[dict[str, Any]], vals: dict[str, Any],
                    prefix: str = CALLBACK_PREFIX) -> list[dict[str, Any]]:
    """The page's chart callbacks (components.register_chart_callbacks: outputs <prefix><key>-graph.figure,
    summary, table, source, API link; inputs the filter controls), in callback-map order."""
    out = [d for d in dashflow.server_side(deps) if dashflow.in_page(d, vals)
           and any(o["id"].startswith(prefix) and o["id"].endswith("-graph") and o["property"] == "figure"
                   for o in _as_list(dashflow.outputs_of(d["output"])))]
    if not out:
        raise RuntimeError(f"no chart callback ({prefix}*-graph.figure) on {CALLBACK_PAGE}")
    return out


def trivial_callback(deps: list[dict[str, Any]], vals: dict[str, Any]) -> dict[str, Any]:
    """The floor: the same page's region-options callback (one input, the region group; no query), or,
    where the region choices come with a chart's answer, the page's URL-sync callback (control values in,
    control values and query string out; no query either)."""
    found = [d for d in dashflow.server_side(deps) if dashflow.in_page(d, vals)]
    return next((d for d in found if d["output"] == f"{CALLBACK_PREFIX}region.options"),
                None) or next(d for d in found if d["output"].endswith(f"{CALLBACK_PREFIX}url.search.."))


def _as_list(x: Any) -> list[Any]:
    return x if isinstance(x, list) else [x]


def selection_values(f: Any) -> dict[str, Any]:
    """The /migration control values that show Filters `f` (the page's own filters_controls; a `years`
    selection becomes the date range it stands for, as the page's year shortcut does)."""
    from dashboard.pages import migration

    if f.years:
        f = f.but(date_from=date(min(f.years), 1, 1), date_to=date(max(f.years), 12, 31), years=())
    return migration.filters_controls(f)


def selection_key(vals: dict[str, Any], inputs: Sequence[dict[str, str]]) -> tuple[Any, ...]:
    return tuple(json.dumps(vals.get(f"{i['id']}.{i['property']}"), sort_keys=True) for i in inputs)


def callback_selections(page: dict[str, Any], dep: dict[str, Any], limit: int) -> list[dict[str, Any]]:
    """Distinct filter selections (control values) for the chart callbacks, never the page's default
    (that one is the warm-up): migration_filters() first, then every year x region group the page
    offers (month trend; every third one by year), up to `limit`."""
    from dashboard.queries import Filters

    years = [o["value"] for o in page[f"{CALLBACK_PREFIX}year.options"]]
    groups = [o["value"] for o in page[f"{CALLBACK_PREFIX}group.options"]]
    grid = [Filters(date_from=date(y, 1, 1), date_to=date(y, 12, 31), region_groups=(g,) if g else (),
                    freq="year" if (i % 3 == 2) else "month")
            for i, (y, g) in enumerate((y, g) for y in years for g in groups)]
    seen = {selection_key(page, dep["inputs"])}
    out = []
    for f in migration_filters() + grid:
        vals = {**page, **selection_values(f)}
        key = selection_key(vals, dep["inputs"])
        if key not in seen:
            seen.add(key)
            out.append(vals)
    return out[:limit]


def callback_body(dep: dict[str, Any], vals: dict[str, Any], previous: dict[str, Any]) -> dict[str, Any]:
    """The POST body dash-renderer sends for `dep` after the controls changed from `previous` to `vals`
    (changedPropIds: the inputs whose value changed)."""
    keys = [f"{i['id']}.{i['property']}" for i in dep["inputs"]]
    changed = [k for k in keys if vals.get(k) != previous.get(k)] or keys[:1]
    return dashflow.payload(dep, vals, changed)


def check_chart_answer(response: Any, dep: dict[str, Any]) -> int:
    """The answer must be 200 with a plotly figure for the chart's graph; returns the body's size."""
    if response.status_code != 200:
        raise RuntimeError(f"HTTP {response.status_code} from {dep['output'][:60]}: {response.text[:300]}")
    graph = next(o["id"] for o in _as_list(dashflow.outputs_of(dep["output"])) if o["property"] == "figure")
    figure = response.json()["response"][graph]["figure"]
    if not isinstance(figure, dict) or "data" not in figure or "layout" not in figure:
        raise RuntimeError(f"no figure for {graph} in the callback's answer")
    return len(response.content)


def chart_name(dep: dict[str, Any]) -> str:
    graph = next(o["id"] for o in _as_list(dashflow.outputs_of(dep["output"])) if o["property"] == "figure")
    return graph[len(CALLBACK_PREFIX):-len("-graph")] if graph.startswith(CALLBACK_PREFIX) else graph
