"""The reference page of the filter-change benchmark (bench/filter_change.py): a minimal Dash app, one
dropdown, one plotly chart and one server callback, served by gunicorn like the dashboard
(`python -m gunicorn bench.minimal_app:server`). What a filter change costs in Dash + plotly + gunicorn
with nothing of ours in it."""
from __future__ import annotations

import dash
import plotly.graph_objects as go
from dash import Input, Output, dcc, html

YEARS = list(range(2014, 2026))
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

app = dash.Dash(__name__, serve_locally=True, title="minimal", update_title=None)
app.layout = html.Main([
    html.H1("Minimal Dash page"),
    html.Label("Year", htmlFor="year"),
    dcc.Dropdown(id="year", options=[{"label": str(y), "value": y} for y in YEARS], value=2019, clearable=False),
    dcc.Graph(id="graph", figure=go.Figure()),
])
server = app.server


@app.callback(Output("graph", "figure"), Input("year", "value"))
def update(year: int) -> go.Figure:
    """Twelve monthly bars that change with the year."""
    values = [((int(year) * 7919 + m * 104729) % 997) for m in range(12)]
    figure = go.Figure(go.Bar(x=MONTHS, y=values, name=str(year)))
    figure.update_layout(title=f"Year {year}", height=400, margin={"t": 40})
    return figure
