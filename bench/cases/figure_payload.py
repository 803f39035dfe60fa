"""figure_payload: len(fig.to_json()) of every chart the pages draw on load, as each page's own chart
callback builds it, for the bundled snapshot and for x100 incidents."""
from __future__ import annotations

import gc
import inspect
from typing import Any

from bench.harness import TOP_SCALE, Context, Result, bytes_at_most, fmt_bytes, register


def page_figures(app: Any, views: dict[str, Any] | None = None) -> dict[str, dict[str, int]]:
    """{page path: {chart key: len(fig.to_json())}} for every chart of every page with charts, as the
    page's own chart callback builds it for the page's default filters (or `views[path]`, a Filters)."""
    from dashboard.pages import PAGES

    out: dict[str, dict[str, int]] = {}
    with app.server.app_context():
        for page in PAGES:
            charts = getattr(page, "CHARTS", None) or ([page.CHART] if hasattr(page, "CHART") else [])
            charts = list(charts.values()) if isinstance(charts, dict) else list(charts)
            if not charts or not hasattr(page, "update_chart"):
                continue
            path = getattr(page, "PATH", page.__name__)
            if views is not None and path not in views:
                continue
            f = views[path] if views is not None else page.query_filters({})[0]
            controls = page.filters_controls(f)
            inputs = getattr(page, "FILTER_INPUTS", None) or page.CONTROLS
            values = [controls[f"{c}.{p}"] for c, p in inputs]
            keyed = "key" in inspect.signature(page.update_chart).parameters
            sizes = {}
            for chart in charts:
                answer = page.update_chart(chart.key, *values) if keyed else page.update_chart(*values)
                sizes[chart.key] = len(_figure_of(answer).to_json())
            out[path] = sizes
    return out


def _figure_of(answer: Any) -> Any:
    """The plotly figure among a chart callback's outputs (its position differs between pages)."""
    import plotly.graph_objects as go

    for value in answer if isinstance(answer, (tuple, list)) else [answer]:
        if isinstance(value, go.Figure):
            return value
        if isinstance(value, dict) and "data" in value and "layout" in value:
            return go.Figure(value)
    raise TypeError(f"no figure among the callback's outputs ({[type(v).__name__ for v in answer]})")


def _payload_rows(label: str, figures: dict[str, dict[str, int]], limit: float = 150e3) -> list[Result]:
    rows = []
    for path, sizes in figures.items():
        key, biggest = max(sizes.items(), key=lambda kv: kv[1])
        rows.append(Result(
            f"figure_payload {label} {path}", ours=biggest,
            ours_text=f"max {fmt_bytes(biggest)} ({key}); {len(sizes)} figures, {fmt_bytes(sum(sizes.values()))} total",
            baseline_text="—", targets=(bytes_at_most(limit, "each "),),
            detail={"len(fig.to_json()) per chart": ", ".join(f"{k} {fmt_bytes(v)}" for k, v in sizes.items())}))
    return rows


@register("figure_payload")
def bench_figure_payload(ctx: Context) -> list[Result]:
    from dashboard.app import create_app
    from dashboard.queries import Filters

    results = _payload_rows("snapshot default", page_figures(create_app(ctx.empty_dir(), check_every=1e9)))
    app = create_app(ctx.data_dir(TOP_SCALE), check_every=1e9)
    results += _payload_rows(f"x{TOP_SCALE} default", page_figures(app))
    wide = page_figures(app, {"/migration": Filters()})
    results += _payload_rows(f"x{TOP_SCALE} no filters", wide)
    if results:
        results[0].note = ("Every chart the app draws on page load: each page's own update_chart callback "
                           "function with the page's default filters (from its query_filters({})); size = "
                           "len(fig.to_json()). 'no filters' = the migration page with every filter cleared "
                           "(all years, all regions), the largest selection.")
    del app
    gc.collect()
    return results
