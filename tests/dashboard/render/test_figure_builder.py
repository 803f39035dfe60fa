"""Figures built as plain dicts (dashboard/render/figures/builder.py) are what plotly builds from the same calls.

Each builder call is made on plotly's go.Figure too, and both are compared as the JSON the browser gets;
then every chart of every page, on the bundled data in both languages, goes through plotly's validation
unchanged (plotly would not add, drop or coerce anything in them).
"""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest
from plotly.io.json import to_json_plotly

from tests.fixtures.dashboard.dashboard_bundled import app  # noqa: E402,F401
from dashboard.i18n import use_lang
from dashboard.render import charts
from dashboard.render.figures import builder
from dashboard.render.theme import install_template, template_json


def as_json(figure) -> dict:
    """The figure as the browser gets it, keys sorted away (plain dicts keep the order they were set in)."""
    return json.loads(json.dumps(json.loads(to_json_plotly(figure.to_plotly_json())), sort_keys=True))


def without_empty(value):
    """`value` with its empty objects left out (all the way down)."""
    if isinstance(value, dict):
        return {k: without_empty(v) for k, v in value.items() if v != {}}
    return [without_empty(v) for v in value] if isinstance(value, list) else value


def both(build) -> tuple[dict, dict]:
    """`build(figure, bar, scatter, scattergeo)` run on plotly's objects and on the builder's."""
    install_template()  # a go.Figure() then starts from our template, as a builder figure does
    ours = build(builder.Figure(), builder.Bar, builder.Scatter, builder.Scattergeo)
    theirs = build(go.Figure(), go.Bar, go.Scatter, go.Scattergeo)
    return as_json(ours), as_json(theirs)


CASES = {
    "underscore paths and None": lambda f, Bar, Scatter, Geo: f.add_trace(Bar(
        x=["a", "b"], y=list(np.array([1, 2], dtype="int64")), marker_color="#D55E00", orientation="h",
        marker={"line": {"width": 1}, "pattern": None}, customdata=list(zip(["a", "b"], np.array([3, 4]))),
        hovertemplate="%{customdata[0]}<extra></extra>", width=[0.5, 0.5])),
    "titles, axes and layout merges": lambda f, Bar, Scatter, Geo: f.update_layout(
        autosize=True, font={"size": 13}, title=None, legend={"orientation": "h"}, height=240.0).update_layout(
        font={"color": "#1a1a1a"}, margin={"l": 8}).update_xaxes(title="US dollars", tickprefix="$", range=None)
        .update_yaxes(title=None, autorange="reversed").update_xaxes(visible=False),
    "dates, shapes and annotations": lambda f, Bar, Scatter, Geo: f.add_trace(Scatter(
        x=[pd.Timestamp(2019, 1, 1), pd.Timestamp(2019, 2, 1)], y=[1.5, float("nan")], mode="lines+markers",
        line_shape="hv", name="<b>x</b>")).add_vrect(
        x0=pd.Timestamp(2019, 1, 1), x1=pd.Timestamp(2019, 12, 31, 23, 59), fillcolor="#000000", opacity=0.07,
        layer="below", line_width=0).add_annotation(
        x=pd.Timestamp(2019, 7, 1), y=1, yref="paper", showarrow=False, text="<b>2019</b>", font={"size": 12})
        .update_xaxes(type="date", range=[pd.Timestamp(2015, 1, 1), pd.Timestamp(2020, 1, 1)]),
    "titles at any depth": lambda f, Bar, Scatter, Geo: f.update_layout(
        xaxis_title="Year", legend={"title": "Who", "orientation": "h"}, yaxis={"title": {"text": "US$"}})
        .update_yaxes(title_font_size=11),
    "a map": lambda f, Bar, Scatter, Geo: f.add_trace(Geo(
        lat=[1.25, 2.5], lon=[3.0, 4.0], mode="markers", marker={"size": [1.0, 9.0], "sizemode": "area"})
    ).update_geos(projection_type="natural earth", showland=True, fitbounds="locations", resolution=110),
    "a figure from one trace": lambda f, Bar, Scatter, Geo: (builder.Figure if isinstance(f, builder.Figure)
                                                            else go.Figure)(Bar(x=[1], y=[2], name="n")),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_builder_gives_what_plotly_gives(case):
    ours, theirs = both(CASES[case])
    assert ours == theirs
    assert ours["layout"]["template"] == json.loads(json.dumps(template_json(), sort_keys=True))


def test_the_builder_never_validates_so_a_typo_passes_to_the_browser_unchecked():
    """What validation would have caught: the builder takes any name (tests read figures through plotly)."""
    figure = builder.Figure(builder.Bar(markr_color="red"))
    assert figure.data == [{"markr": {"color": "red"}, "type": "bar"}]
    with pytest.raises(ValueError):
        go.Figure(figure.to_plotly_json())


FILTERS = [{}, {"year": "2019"}, {"country": "VEN", "year": "2019"}, {"country": "AFG"}, {"plan_id": "827"},
           {"region_group": "Americas", "year": "2024"}, {"year": "1999"}]


@pytest.mark.parametrize("lang", ["en", "es"])
def test_every_chart_passes_plotly_validation_unchanged(app, lang):  # noqa: F811
    seen = 0
    with app.server.test_request_context(), use_lang(lang):
        ds = app.server.extensions["humdash"].current()
        for name in charts.VIEWS:
            for query in FILTERS:
                try:
                    f = charts.parse_filters(ds, name, query)
                except Exception:  # a filter the view does not take
                    continue
                figure = charts.figure(ds, name, f)
                assert isinstance(figure, builder.Figure), name
                # an emptied title ({}, what update_layout(title=None) writes) is dropped by plotly's constructor
                ours = without_empty(as_json(figure))
                assert without_empty(as_json(go.Figure(figure.to_plotly_json()))) == ours, (name, query)
                seen += 1
    assert seen >= 60
