"""Figures as plain dicts: what plotly.graph_objects would send, without its validation.

Every chart is built from values this code computed itself, so plotly's validation of each property and
its deep copies of the template bought nothing: they were a third of a chart callback's CPU (cProfile of
200 filter changes, plotly and copy.py 33 % of the time) and each worker's largest lazily loaded data.
`Figure` keeps the small part of go.Figure's interface the figures use (add_trace, update_layout,
update_xaxes/yaxes/geos, add_annotation, add_vrect, to_plotly_json) with plotly's meaning:

* a keyword with underscores is a path: `marker_color="red"` sets {"marker": {"color": "red"}};
* None unsets a property (it is left out), and dicts merge into what is there while lists replace;
* a string title is {"text": title}, and title=None an empty title ({}), as plotly writes them;
* the template is plotly's default (`theme.install_template`), added when the figure is serialised.

`tests/dashboard/render/test_figure_builder.py` checks each of these against plotly itself, and
`tools/answers_digest.py --callbacks` showed every chart answer equal (as JSON) to the go.Figure ones.
"""
from __future__ import annotations

import re
from typing import Any

_AXIS = {"x": re.compile(r"^xaxis\d*$"), "y": re.compile(r"^yaxis\d*$"), "geo": re.compile(r"^geo\d*$")}


def _path(key: str, value: Any) -> tuple[str, Any]:
    """("marker", {"color": v}) for ("marker_color", v): plotly's "magic underscore" paths."""
    head, *rest = key.split("_")
    for part in reversed(rest):
        value = {part: value}
    return head, value


def _clean(value: Any) -> Any:
    """Dicts without their None values (unset, as plotly leaves them out), all the way down."""
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items() if v is not None}
    if isinstance(value, list) and value and isinstance(value[0], dict):
        return [_clean(v) for v in value]
    return value


def _merge(into: dict[str, Any], update: dict[str, Any]) -> dict[str, Any]:
    """`update` merged into `into` (nested dicts merge, anything else replaces); None unsets."""
    for key, value in update.items():
        if value is None:
            into.pop(key, None)
        elif isinstance(value, dict) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        elif isinstance(value, dict):
            into[key] = _merge({}, value)
        else:
            into[key] = _clean(value)
    return into


def _titles(props: dict[str, Any]) -> dict[str, Any]:
    """A copy of `props` with every "title" given as text, at any depth, as {"text": text}, and title=None
    as {} (plotly empties it); the caller's dicts are left as they were."""
    out: dict[str, Any] = {}
    for key, value in props.items():
        if key == "title" and (isinstance(value, str) or value is None):
            out[key] = {"text": value} if value is not None else {}
        else:
            out[key] = _titles(value) if isinstance(value, dict) else value
    return out


def _apply(into: dict[str, Any], kwargs: dict[str, Any]) -> dict[str, Any]:
    """Keyword arguments merged into `into`, in order: underscore paths expanded, titles given as text
    wrapped, None unsetting. No plotly property used here has an underscore in its name (plotly's
    error_x/error_y would need one)."""
    for key, value in kwargs.items():
        _merge(into, _titles(dict([_path(key, value)])))
    return into


def trace(kind: str, **kwargs: Any) -> dict[str, Any]:
    """One trace of type `kind` ("bar", "scatter", "scattergeo")."""
    return {**_apply({}, kwargs), "type": kind}


def Bar(**kwargs: Any) -> dict[str, Any]:  # noqa: N802 (named as plotly's go.Bar, which it replaces)
    return trace("bar", **kwargs)


def Scatter(**kwargs: Any) -> dict[str, Any]:  # noqa: N802
    return trace("scatter", **kwargs)


def Scattergeo(**kwargs: Any) -> dict[str, Any]:  # noqa: N802
    return trace("scattergeo", **kwargs)


class Figure:
    """A figure as {"data": [...], "layout": {...}}, built with go.Figure's methods (see the module doc)."""

    def __init__(self, data: dict[str, Any] | list[dict[str, Any]] | None = None) -> None:
        self.data: list[dict[str, Any]] = []
        self.layout: dict[str, Any] = {}
        for item in [data] if isinstance(data, dict) else data or []:
            self.add_trace(item)

    def add_trace(self, trace: dict[str, Any]) -> "Figure":
        self.data.append(_clean(trace))
        return self

    def update_layout(self, **kwargs: Any) -> "Figure":
        _apply(self.layout, kwargs)
        return self

    def _update_axes(self, kind: str, kwargs: dict[str, Any]) -> "Figure":
        names = [k for k in self.layout if _AXIS[kind].match(k)] or [{"x": "xaxis", "y": "yaxis"}.get(kind, kind)]
        for name in names:
            _apply(self.layout.setdefault(name, {}), kwargs)
        return self

    def update_xaxes(self, **kwargs: Any) -> "Figure":
        return self._update_axes("x", kwargs)

    def update_yaxes(self, **kwargs: Any) -> "Figure":
        return self._update_axes("y", kwargs)

    def update_geos(self, **kwargs: Any) -> "Figure":
        return self._update_axes("geo", kwargs)

    def add_annotation(self, **kwargs: Any) -> "Figure":
        self.layout.setdefault("annotations", []).append(_apply({}, kwargs))
        return self

    def add_vrect(self, x0: Any, x1: Any, **kwargs: Any) -> "Figure":
        """A rectangle from x0 to x1 over the plot's whole height (plotly's add_vrect on one plot)."""
        shape = {**_apply({}, kwargs), "type": "rect", "x0": x0, "x1": x1, "xref": "x", "y0": 0, "y1": 1,
                 "yref": "y domain"}
        self.layout.setdefault("shapes", []).append(shape)
        return self

    def to_plotly_json(self) -> dict[str, Any]:
        """The figure as Dash and plotly.js take it, plotly's default template included."""
        from dashboard.render.theme import template_json

        return {"data": self.data, "layout": {**self.layout, "template": template_json()}}

    to_dict = to_plotly_json

    def for_page(self) -> dict[str, Any]:
        """The figure as a page's chart takes it: the template named, not carried (theme.TEMPLATE_NAME). Every
        page holds the template once (theme.template_script) and assets/charts.js puts it back in before
        plotly.js draws: each figure no longer carries the same 6.5 kB (two thirds of /migration's answer).
        With plotly's full bundle (theme.name_template) the template is carried whole."""
        from dashboard.render.theme import page_template

        return {"data": self.data, "layout": {**self.layout, "template": page_template()}}

    def to_json(self) -> str:
        """The figure as JSON text, as go.Figure.to_json writes it (plotly's encoder)."""
        from plotly.io.json import to_json_plotly

        return to_json_plotly(self.to_plotly_json())
