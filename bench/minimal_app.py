"""The reference page of the filter-change benchmark (bench/filter_change.py): a minimal Dash app, one
dropdown, one plotly chart and one server callback, served by gunicorn like the dashboard
(`python -m gunicorn bench.minimal_app:server`). What a filter change costs in Dash + plotly + gunicorn
with nothing of ours in it.

`/?charts=N` is the same page with N such charts (up to MAX_CHARTS), all answered by the one callback in
one request: a dashboard page's charts drawn with nothing of ours, so the benchmark can tell what plotly
costs for that many charts from what our page adds to it."""
from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import dash
import plotly.graph_objects as go
from dash import ALL, Input, Output, dcc, html
from flask import has_request_context, request

YEARS = list(range(2014, 2026))
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
MAX_CHARTS = 8

app = dash.Dash(__name__, serve_locally=True, title="minimal", update_title=None)


def charts_wanted() -> int:
    """N of ?charts=N in the page's address (1 to MAX_CHARTS; 1 without it or outside a request). The
    browser asks for the layout at /_dash-layout, with the page's address as its Referer."""
    if not has_request_context():
        return 1
    query = request.args if "charts" in request.args else parse_qs(urlsplit(request.referrer or "").query)
    value = query.get("charts", "1")
    try:
        return min(max(int(value if isinstance(value, str) else value[0]), 1), MAX_CHARTS)
    except ValueError:
        return 1


def layout() -> html.Main:
    return html.Main([
        html.H1("Minimal Dash page"),
        html.Label("Year", htmlFor="year"),
        dcc.Dropdown(id="year", options=[{"label": str(y), "value": y} for y in YEARS], value=2019, clearable=False),
        *[dcc.Graph(id={"type": "graph", "index": i}, figure=go.Figure()) for i in range(charts_wanted())],
    ])


app.layout = layout
server = app.server


def figure(year: int, index: int) -> go.Figure:
    """Twelve monthly bars that change with the year (each chart its own values)."""
    values = [((int(year) * 7919 + m * 104729 + index * 31) % 997) for m in range(12)]
    fig = go.Figure(go.Bar(x=MONTHS, y=values, name=str(year)))
    fig.update_layout(title=f"Year {year}", height=400, margin={"t": 40})
    return fig


@app.callback(Output({"type": "graph", "index": ALL}, "figure"), Input("year", "value"),
              Input({"type": "graph", "index": ALL}, "id"))
def update(year: int, ids: list[dict[str, int]]) -> list[go.Figure]:
    return [figure(year, each["index"]) for each in ids]
