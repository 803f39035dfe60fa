"""Helpers every figure uses: plain text for labels, wrapping, the message figure that stands in for an
empty chart, stacked bars with the rest summed into one labelled bar."""
from __future__ import annotations

import re

import pandas as pd

from dashboard.i18n import N_, _
from dashboard.render import fmt
from dashboard.render.theme import COLOURS, base_layout

from .builder import Bar, Figure

# Multi-value cells use a bare comma; a comma followed by a space belongs to one name
# ("China, Hong Kong Special Administrative Region"). Same rule as ingest.countries.split_names.
_LIST_SEPARATOR = re.compile(r",(?! )")
LABEL_WIDTH = 24
PLACEHOLDER_WORDS = {"unknown": N_("Unknown"), "mixed": N_("Mixed")}
_PLACEHOLDER_WORD = re.compile(r"\b(?:unknown|mixed)\b", re.IGNORECASE)


def plain(text: object) -> str:
    """Text from the data, safe for plotly labels, hover text and annotations: plotly reads a subset
    of HTML there (<b>, <a href>, <br>, entities), so &, < and > become entities and show literally."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _wrap(text: str, width: int = 44) -> str:
    """Break a message into lines (plotly annotations do not wrap by themselves)."""
    lines, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    lines.append(line)
    return "<br>".join(lines)


AXIS_TITLE_CHARACTERS = 20


def axis_title(text: str) -> str:
    """The title under a horizontal bar chart's value axis, broken into lines of at most 18 characters
    when it is longer than 20. plotly centres it under the plot area, which long bar labels push to the
    right, and never wraps it: at phone width "Muertos y desaparecidos" ran 11 px past the chart's edge."""
    return text if len(text) <= AXIS_TITLE_CHARACTERS else _wrap(text, 18)


def message_figure(message: str) -> Figure:
    """A figure that only says `message` (no axes), for empty selections and missing data."""
    message = _wrap(plain(message))
    fig = Figure()
    fig.update_layout(**base_layout(height=200, margin={"l": 8, "r": 8, "t": 8, "b": 8}))
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    fig.add_annotation(text=message, x=0.5, y=0.5, xref="paper", yref="paper", showarrow=False,
                       font={"size": 15}, align="center")
    return fig


def _bar_height(n: float) -> float:
    return max(240, 30 * n + 90)


def origin_label(origin: object, origin_group: object) -> str:
    """The published nationality, 'Multiple: A, B' for several, a plain word when blank."""
    text = "" if fmt.is_missing(origin) else str(origin)
    if origin_group == "multiple":
        parts = [p.strip() for p in _LIST_SEPARATOR.split(text) if p.strip()]
        return _("Multiple: {names}").format(names=", ".join(parts))
    if not text:
        return _("Not recorded")
    if origin_group in ("unknown", "mixed"):  # IOM's words for these ("Unknown", "Mixed/Unknown"), translated
        return _PLACEHOLDER_WORD.sub(lambda m: _(PLACEHOLDER_WORDS[m.group(0).lower()]), text)
    return text


def _label(value: object, missing: str | None = None) -> str:
    return (missing or _("Not recorded")) if fmt.is_missing(value) else fmt.place(value)  # names as published, translated


def _collapse(frame: pd.DataFrame, top: int, label_col: str, keep: pd.Series | None = None,
              other_label: str = "") -> pd.DataFrame:
    """The first `top` rows plus any rows flagged in `keep`, and one summed row for the rest."""
    if len(frame) <= top + 1:
        return frame
    shown = pd.Series(False, index=frame.index)
    shown.iloc[:top] = True
    if keep is not None:
        shown |= keep.fillna(False).astype(bool)
    rest = frame[~shown]
    if rest.empty:
        return frame
    other = {c: rest[c].sum() for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c])
             and c not in ("share_percent", "percent_funded", "lat", "lon")}
    other[label_col] = other_label.format(n=len(rest))
    other["_other"] = True
    return pd.concat([frame[shown].assign(_other=False), pd.DataFrame([other])], ignore_index=True)


def _stacked_hbar(labels: list[str], full: list[str], dead: pd.Series, missing: pd.Series, title: str) -> Figure:
    """Horizontal bars of dead and missing stacked, largest at the top."""
    fig = Figure()
    short = [plain(fmt.truncate(t, LABEL_WIDTH)) for t in labels]
    full = [plain(t) for t in full]
    for name, values, colour in ((_("Dead"), dead, COLOURS["dead"]), (_("Missing"), missing, COLOURS["missing"])):
        fig.add_trace(Bar(
            y=short, x=list(values.astype("int64")), name=name, orientation="h", marker_color=colour,
            customdata=full, hovertemplate="%{customdata}<br>" + name + ": %{x:,}<extra></extra>"))
    fig.update_layout(**base_layout(barmode="relative", height=_bar_height(len(labels)), title=None))
    fig.update_yaxes(autorange="reversed", automargin=True, title=None)
    fig.update_xaxes(title=axis_title(title), separatethousands=True, rangemode="tozero")
    return fig
