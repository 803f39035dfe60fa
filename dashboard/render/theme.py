"""Colours and chart styling in one place: the Okabe-Ito palette, safe for colour-blind readers."""
from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

from dashboard.i18n import current

# Okabe & Ito (2008), "Color Universal Design". Names are the roles they play in our charts.
OKABE_ITO = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
}

COLOURS = {
    "funding": OKABE_ITO["blue"],
    "unmet": OKABE_ITO["orange"],
    "requirements": OKABE_ITO["sky_blue"],
    "pledges": OKABE_ITO["reddish_purple"],
    "dead": OKABE_ITO["vermillion"],
    "missing": OKABE_ITO["blue"],
    "incidents": OKABE_ITO["bluish_green"],
    "neutral": "#767676",  # grey with 4.5:1 contrast on white, for "other"/"unknown" bars
    "text": "#1a1a1a",
}
SEQUENCE = [OKABE_ITO[k] for k in ("blue", "orange", "bluish_green", "vermillion", "reddish_purple",
                                   "sky_blue", "yellow", "black")]

FONT_FAMILY = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"

# Passed to every dcc.Graph: responsive, no plotly.com links, no cloud upload (plotly.js calls its
# button "Share chart…" in newer releases, hence both switches and both button names). The toolbar
# shows on hover only and holds one button (PNG; a double click resets zoom), so a chart adds one tab
# stop and the bar does not sit over the legend on a phone until the chart is touched.
GRAPH_CONFIG = {
    "responsive": True,
    "displaylogo": False,
    "showSendToCloud": False,
    "showEditInChartStudio": False,
    "plotlyServerURL": "",  # plotly.js defaults to https://cloud.plotly.com/newchart: no server at all
    "displayModeBar": "hover",
    "modeBarButtons": [["toImage"]],
    "modeBarButtonsToRemove": ["lasso2d", "select2d", "sendDataToCloud", "editInChartStudio"],
    "toImageButtonOptions": {"format": "png", "scale": 2},
}


# A small template instead of "plotly_white" (which adds ~9 KB to every figure sent to the browser).
TEMPLATE = {
    "layout": {
        "paper_bgcolor": "#ffffff",
        "plot_bgcolor": "#ffffff",
        "xaxis": {"gridcolor": "#e6e6e6", "linecolor": "#bdbdbd", "zerolinecolor": "#bdbdbd", "automargin": True},
        "yaxis": {"gridcolor": "#e6e6e6", "linecolor": "#bdbdbd", "zerolinecolor": "#bdbdbd", "automargin": True},
    }
}


TEMPLATE_NAME = "humdash"
# plotly's default template ("plotly") with TEMPLATE merged in, as every figure carries it: written by
# write_template() and read as data, so that a server process never builds a go.Figure (plotly's validators
# for the template hold about 20 MB). tests/dashboard/render/test_theme_template.py checks that the file is
# still what plotly makes; after a plotly upgrade that changes it, run
#     python -c "from dashboard.render.theme import write_template; write_template()"
TEMPLATE_FILE = Path(__file__).with_name("plotly_template.json")


def plotly_template() -> dict[str, Any]:
    """The template as plotly makes it: exactly what `go.Figure().update_layout(template=TEMPLATE)` gives."""
    import plotly.graph_objects as go

    return go.Figure(layout={"template": "plotly"}).update_layout(template=TEMPLATE).layout.template.to_plotly_json()


def write_template(path: Path = TEMPLATE_FILE) -> None:
    path.write_text(json.dumps(plotly_template(), sort_keys=True, separators=(",", ":")) + "\n", encoding="utf-8")


@functools.cache
def template_json() -> dict[str, Any]:
    """The template every figure carries, as a plain dict: one object shared by every figure (and every
    cached answer), so it must be treated as read-only."""
    return json.loads(TEMPLATE_FILE.read_text(encoding="utf-8"))


_NAMED = [True]


def name_template(named: bool) -> None:
    """Whether a page's figures name the template (Figure.for_page): with our partial plotly.js bundle, whose
    arrival assets/charts.js watches, so that its wrapper puts the template back before any chart is drawn.
    With plotly's full bundle (HUMDASH_FULL_PLOTLYJS=1, Dash's own way) the figures carry it whole."""
    _NAMED[0] = named


def page_template() -> Any:
    """What a page's figure holds as its template: TEMPLATE_NAME, or the whole template (name_template)."""
    return TEMPLATE_NAME if _NAMED[0] else template_json()


def template_script() -> str:
    """The template for a page's charts (Figure.for_page), once per page: a JSON block (not run; the
    policy's script-src has nothing to allow) that assets/charts.js reads."""
    text = json.dumps(template_json(), sort_keys=True, separators=(",", ":")).replace("<", "\\u003c")
    return f'<script type="application/json" id="humdash-template">{text}</script>'


def install_template() -> None:
    """Make the template plotly's default, for code that builds go.Figure objects from nothing (tests):
    a go.Figure() then starts from the same template as our figures. Figures made from ours (image
    export) carry the template themselves."""
    import plotly.graph_objects as go
    import plotly.io as pio

    if TEMPLATE_NAME not in pio.templates:
        pio.templates[TEMPLATE_NAME] = go.layout.Template(template_json())
    if pio.templates.default != TEMPLATE_NAME:  # setting it validates the whole template again
        pio.templates.default = TEMPLATE_NAME


def base_layout(**overrides) -> dict:
    """Layout defaults shared by every figure (autosize, readable font, compact margins); the template is
    added when a figure is serialised (builder.Figure.to_plotly_json)."""
    layout = {
        "autosize": True,
        "font": {"family": FONT_FAMILY, "size": 13, "color": COLOURS["text"]},
        "margin": {"l": 8, "r": 8, "t": 36, "b": 8},
        "legend": {"orientation": "h", "yanchor": "bottom", "y": 1.0, "xanchor": "left", "x": 0},
        "hoverlabel": {"namelength": -1},
        "colorway": SEQUENCE,
    }
    if current() == "es":  # plotly's d3 number formats: 1.234,5 (decimal comma, thousands dot)
        layout["separators"] = ",."
    layout.update(overrides)
    return layout

