"""Pure functions: a query's DataFrame -> a plotly Figure, and the one-sentence summary of it.

No Dash, no I/O. An empty frame gives a figure that says so in words (never an empty axis).
Text from the data goes through `plain()` before it reaches a label, hover text or message: plotly
renders a subset of HTML in those, and source names must show as written, never as markup.
Charts draw at most a readable number of bars; the rest are summed into one labelled bar, and the
full rows stay in the table view and the CSV below each chart.
"""
from __future__ import annotations

import re
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from . import fmt
from .i18n import _, ngettext, pgettext
from .text import CLUSTER_ROW_LABELS
from .theme import COLOURS, base_layout

# Multi-value cells use a bare comma; a comma followed by a space belongs to one name
# ("China, Hong Kong Special Administrative Region"). Same rule as ingest.countries.split_names.
_LIST_SEPARATOR = re.compile(r",(?! )")
LABEL_WIDTH = 24


# ------------------------------------------------------------------------------------------ helpers


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


def message_figure(message: str) -> go.Figure:
    """A figure that only says `message` (no axes), for empty selections and missing data."""
    message = _wrap(plain(message))
    fig = go.Figure()
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


def _stacked_hbar(labels: list[str], full: list[str], dead: pd.Series, missing: pd.Series, title: str) -> go.Figure:
    """Horizontal bars of dead and missing stacked, largest at the top."""
    fig = go.Figure()
    short = [plain(fmt.truncate(t, LABEL_WIDTH)) for t in labels]
    full = [plain(t) for t in full]
    for name, values, colour in ((_("Dead"), dead, COLOURS["dead"]), (_("Missing"), missing, COLOURS["missing"])):
        fig.add_trace(go.Bar(
            y=short, x=list(values.astype("int64")), name=name, orientation="h", marker_color=colour,
            customdata=full, hovertemplate="%{customdata}<br>" + name + ": %{x:,}<extra></extra>"))
    fig.update_layout(**base_layout(barmode="relative", height=_bar_height(len(labels)), title=None))
    fig.update_yaxes(autorange="reversed", automargin=True, title=None)
    fig.update_xaxes(title=title, separatethousands=True, rangemode="tozero")
    return fig


# ------------------------------------------------------------------------------------------ funding


def requirements_vs_funding(plans: pd.DataFrame, empty_message: str | None = None) -> go.Figure:
    """One bar per plan: funding and the unmet rest stacked, so the bar's height is the requirement."""
    rows = plans[plans["requirements_usd"].notna() | plans["funding_usd"].notna()]
    if rows.empty:
        return message_figure(empty_message or _("No plans match this selection."))
    labels = [plain(f"{y} {c if not fmt.is_missing(c) else p}") for y, c, p in
              zip(rows["year"], rows["plan_code"], rows["plan_id"])]
    names = [plain(n) for n in rows["plan_name"].astype(str)]
    funding = rows["funding_usd"].astype("Float64").fillna(0)
    unmet = (rows["requirements_usd"].astype("Float64") - funding).clip(lower=0).fillna(0)
    pct = [fmt.percent(p) if not fmt.is_missing(p) else _("no requirement") for p in rows["percent_funded"]]
    fig = go.Figure()
    fig.add_trace(go.Bar(x=labels, y=list(funding.astype(float)), name=_("Funding"), marker_color=COLOURS["funding"],
                         text=pct, textposition="inside", insidetextanchor="start",
                         customdata=names, hovertemplate="%{customdata}<br>" + _("Funding") +
                         ": US$%{y:,.0f} (%{text})<extra></extra>"))
    fig.add_trace(go.Bar(x=labels, y=list(unmet.astype(float)), name=_("Unmet requirements"),
                         marker_color=COLOURS["unmet"], customdata=names,
                         hovertemplate="%{customdata}<br>" + _("Unmet") + ": US$%{y:,.0f}<extra></extra>"))
    fig.update_layout(**base_layout(barmode="stack", height=380))
    fig.update_yaxes(title=_("US dollars"), tickprefix="$", exponentformat="B", rangemode="tozero")
    fig.update_xaxes(type="category", automargin=True)
    return fig


def summary_requirements(plans: pd.DataFrame) -> str:
    if plans.empty:
        return _("No plans match this selection.")
    years = f"{plans['year'].min()}–{plans['year'].max()}" if plans["year"].nunique() > 1 else str(plans["year"].iloc[0])
    partial = plans["funding_usd"].isna()
    known = plans[~partial]
    req = known["requirements_usd"].astype("Float64").sum()
    fund = known["funding_usd"].astype("Float64").sum()
    pct = fund / req * 100 if req else None
    text = _("{n} plan(s), {years}: requirements {req} in total, funding {fund} ({pct} funded).").format(
        n=len(known), years=years, req=fmt.usd_short(req), fund=fmt.usd_short(fund), pct=fmt.percent(pct))
    if partial.any():
        text += " " + _("{n} multi-country plan(s) with only some countries' shares in the data are not in these "
                        "totals (their totals are unknown).").format(n=int(partial.sum()))
    return text


def cluster_label(name: object, row_type: object) -> str:
    """Cluster rows by name; shared and not-specified rows say what they are."""
    if row_type in CLUSTER_ROW_LABELS:
        return _(CLUSTER_ROW_LABELS[str(row_type)])
    return _label(name)


def cluster_coverage(clusters: pd.DataFrame, empty_message: str | None = None) -> go.Figure:
    """Requirements (wide, light) and funding (narrow, dark) per cluster, labelled with % funded."""
    if clusters.empty:
        return message_figure(empty_message or _("No cluster breakdown in this data for this plan."))
    raw = [cluster_label(n, t) for n, t in zip(clusters["cluster_name"], clusters["row_type"])]
    short = [plain(fmt.truncate(t, LABEL_WIDTH)) for t in raw]
    labels = [plain(t) for t in raw]
    req = clusters["requirements_usd"].astype("Float64")
    fund = clusters["funding_usd"].astype("Float64")
    text = [fmt.percent(p, 0) if not fmt.is_missing(p) else _("no requirement") for p in clusters["percent_funded"]]
    fig = go.Figure()
    fig.add_trace(go.Bar(y=short, x=list(req.fillna(0).astype(float)), name=_("Requirements"), orientation="h",
                         marker_color=COLOURS["requirements"], width=0.8, customdata=labels,
                         hovertemplate="%{customdata}<br>" + _("Requirements") + ": US$%{x:,.0f}<extra></extra>"))
    fig.add_trace(go.Bar(y=short, x=list(fund.fillna(0).astype(float)), name=_("Funding"), orientation="h",
                         marker_color=COLOURS["funding"], width=0.45, text=text, textposition="outside",
                         cliponaxis=False, customdata=labels,
                         hovertemplate="%{customdata}<br>" + _("Funding") + ": US$%{x:,.0f} (%{text})<extra></extra>"))
    fig.update_layout(**base_layout(barmode="overlay", height=_bar_height(len(labels))))
    fig.update_yaxes(autorange="reversed", automargin=True)
    fig.update_xaxes(title=_("US dollars"), tickprefix="$", exponentformat="B", rangemode="tozero")
    return fig


def summary_clusters(clusters: pd.DataFrame) -> str:
    if clusters.empty:
        return _("There is no cluster breakdown in this data for this plan.")
    named = clusters[clusters["row_type"] == "cluster"]
    over = named[named["percent_funded"].astype("Float64").fillna(0) > 100]
    best = named.sort_values("percent_funded", ascending=False, na_position="last")
    text = _("{n} clusters; the best covered is {name} ({pct}).").format(
        n=len(named), name=_label(best["cluster_name"].iloc[0]) if not best.empty else "–",
        pct=fmt.percent(best["percent_funded"].iloc[0] if not best.empty else None, 0))
    if len(over):
        text += " " + _("{n} cluster(s) received more than their requirements.").format(n=len(over))
    unassigned = clusters[clusters["row_type"] != "cluster"]["funding_usd"].astype("Float64").sum()
    if unassigned:
        text += " " + _("{amount} is shared or not assigned to a cluster.").format(amount=fmt.usd_short(unassigned))
    return text


def top_donors(donors: pd.DataFrame, top: int = 10, empty_message: str | None = None) -> go.Figure:
    """The largest donors' funding with their share; the rest summed into one bar."""
    if donors.empty:
        return message_figure(empty_message or _("No donor breakdown in this data for this plan."))
    rows = _collapse(donors.reset_index(drop=True), top, "donor_name",
                     other_label=_("All other donors ({n})"))
    total = donors["funding_usd"].astype("Float64").sum()
    share = rows["funding_usd"].astype("Float64") / total * 100 if total else pd.Series([None] * len(rows))
    raw = [str(n) for n in rows["donor_name"]]
    labels = [plain(t) for t in raw]
    fig = go.Figure(go.Bar(
        y=[plain(fmt.truncate(t, LABEL_WIDTH)) for t in raw], x=list(rows["funding_usd"].astype("Float64").fillna(0)),
        orientation="h", marker_color=[COLOURS["neutral"] if o is True else COLOURS["funding"]
                                       for o in rows.get("_other", [False] * len(rows))],
        text=[fmt.percent(s) for s in share], textposition="outside", cliponaxis=False, customdata=labels,
        hovertemplate="%{customdata}<br>" + _("Funding") + ": US$%{x:,.0f} (%{text})<extra></extra>",
        name=_("Funding")))
    fig.update_layout(**base_layout(height=_bar_height(len(rows)), showlegend=False))
    fig.update_yaxes(autorange="reversed", automargin=True)
    fig.update_xaxes(title=_("Funding, US dollars"), tickprefix="$", exponentformat="B", rangemode="tozero")
    return fig


def summary_donors(donors: pd.DataFrame) -> str:
    if donors.empty:
        return _("There is no donor breakdown in this data for this plan.")
    first = donors.iloc[0]
    total = donors["funding_usd"].astype("Float64").sum()
    share = first["funding_usd"] / total * 100 if total else None
    return _("{n} donors gave {total}; the largest, {name}, gave {amount} ({share}).").format(
        n=len(donors), total=fmt.usd_short(total), name=first["donor_name"], amount=fmt.usd_short(first["funding_usd"]),
        share=fmt.percent(share))


def funding_timeline(timeline: pd.DataFrame, empty_message: str | None = None) -> go.Figure:
    """Cumulative paid and committed funding by flow date, one line per plan."""
    if timeline.empty:
        return message_figure(empty_message or _("No flow-level data for this plan, so funding over time "
                                                 "cannot be shown."))
    fig = go.Figure()
    for plan, rows in timeline.groupby("plan_code", dropna=False, sort=False):
        fig.add_trace(go.Scatter(x=list(rows["date"]), y=list(rows["cumulative_usd"].astype(float)),
                                 mode="lines+markers", line_shape="hv", name=plain(_label(plan)),
                                 # the trace name shows in the hover's side box (no data in the template)
                                 hovertemplate="%{x|%d %b %Y}: US$%{y:,.0f}"))
    fig.update_layout(**base_layout(height=340))
    fig.update_yaxes(title=_("Cumulative funding, US dollars"), tickprefix="$", exponentformat="B", rangemode="tozero")
    fig.update_xaxes(type="date")
    return fig


def summary_timeline(timeline: pd.DataFrame) -> str:
    if timeline.empty:
        return _("There are no dated funding flows for this plan in the data.")
    last = timeline.sort_values("date").groupby("plan_id").tail(1)
    total = last["cumulative_usd"].astype("Float64").sum()
    return _("Paid and committed funding reached {total} by {date}.").format(
        total=fmt.usd_short(total), date=fmt.day(timeline["date"].max()))


# ------------------------------------------------------------------------------------------ migration


def deaths_by_origin(rows: pd.DataFrame, top: int = 15, empty_message: str | None = None) -> go.Figure:
    """Dead and missing stacked per published nationality. Unknown and mixed always get their own bar;
    beyond `top`, other nationalities are summed into one labelled bar (all rows are in the table)."""
    if rows.empty:
        return message_figure(empty_message or _("No recorded deaths or disappearances match these filters."))
    keep = rows["origin_group"].isin(["unknown", "mixed"])
    shown = _collapse(rows.reset_index(drop=True), top, "origin", keep.reset_index(drop=True),
                      other_label=_("Other nationalities ({n} groups, see the table)"))
    labels = [o if other else nationality_label(o, c, g) for o, c, g, other in
              zip(shown["origin"], shown["origin_iso3"], shown["origin_group"],
                  shown.get("_other", [False] * len(shown)))]
    return _stacked_hbar(labels, labels, shown["dead"], shown["missing"], _("Dead and missing"))


def nationality_label(origin: object, iso3: object, origin_group: object) -> str:
    """A by-nationality row's label: the country's name for a row of one ISO3 code (multi-nationality
    incidents included), else the published text (see origin_label)."""
    if not fmt.is_missing(iso3) and ";" not in str(iso3) and not fmt.is_missing(origin):
        return str(origin)
    return origin_label(origin, origin_group)


def undated_sentence(undated: list[tuple[int, int]]) -> str:
    """'13 undated incidents in 2020 are not in this range.' for each year a date range cuts ('' when none)."""
    return " ".join(ngettext("{n} undated incident in {year} is not in this range.",
                             "{n} undated incidents in {year} are not in this range.", n).format(
                        n=fmt.integer(n), year=year) for year, n in undated)


def summary_origin(rows: pd.DataFrame) -> str:
    if rows.empty:
        return _("No recorded deaths or disappearances match these filters.")
    # Rows per nationality count a multi-nationality incident once per nationality; the total counts it once.
    total = int(rows.attrs.get("totals", {}).get("dead_and_missing", rows["dead_and_missing"].sum()))
    first = rows.iloc[0]
    text = _("{total} people recorded dead or missing; the largest group is {name} ({n}).").format(
        total=fmt.integer(total), name=nationality_label(first["origin"], first.get("origin_iso3"),
                                                         first["origin_group"]),
        n=fmt.integer(first["dead_and_missing"]))
    unknown = int(rows.loc[rows["origin_group"].isin(["unknown", "mixed"]).fillna(False).astype(bool),
                           "dead_and_missing"].sum())
    if unknown:
        text += " " + _("Nationality is unknown or mixed for {n}.").format(n=fmt.integer(unknown))
    return text


def deaths_trend(rows: pd.DataFrame, empty_message: str | None = None) -> go.Figure:
    """Dead and missing per period, stacked (periods without a known month are left out here)."""
    placed = rows[rows["period_start"].notna()]
    if placed.empty:
        return message_figure(empty_message or _("No recorded deaths or disappearances match these filters."))
    fig = go.Figure()
    for name, col, colour in ((_("Dead"), "dead", COLOURS["dead"]), (_("Missing"), "missing", COLOURS["missing"])):
        fig.add_trace(go.Bar(x=list(placed["period_start"]), y=list(placed[col].astype("int64")), name=name,
                             marker_color=colour, customdata=list(placed["period"]),
                             hovertemplate="%{customdata}: %{y:,}<extra>" + name + "</extra>"))
    yearly = bool(len(placed)) and placed["period"].str.len().max() == 4
    fig.update_layout(**base_layout(barmode="relative", height=340, bargap=0.15))
    fig.update_xaxes(type="date", tickformat="%Y" if yearly else "%b %Y", automargin=True)
    fig.update_yaxes(title=_("Dead and missing"), separatethousands=True)
    return fig


def summary_trend(rows: pd.DataFrame) -> str:
    placed = rows[rows["period_start"].notna()]
    if placed.empty:
        return _("No recorded deaths or disappearances match these filters.")
    peak = placed.sort_values(["dead_and_missing", "period_start"], ascending=[False, True]).iloc[0]
    text = _("The highest count was {n} in {period}.").format(n=fmt.integer(peak["dead_and_missing"]),
                                                             period=peak["period"])
    unplaced = int(rows.loc[rows["period_start"].isna(), "dead_and_missing"].sum())
    if unplaced:
        text += " " + _("{n} more were recorded without a month and are listed in the table, not drawn.").format(
            n=fmt.integer(unplaced))
    return text


def deaths_by_region(rows: pd.DataFrame, empty_message: str | None = None) -> go.Figure:
    """Dead and missing per incident region."""
    if rows.empty:
        return message_figure(empty_message or _("No recorded deaths or disappearances match these filters."))
    labels = [_label(r) for r in rows["region"]]
    return _stacked_hbar(labels, labels, rows["dead"], rows["missing"], _("Dead and missing"))


def summary_region(rows: pd.DataFrame) -> str:
    if rows.empty:
        return _("No recorded deaths or disappearances match these filters.")
    first = rows.iloc[0]
    return _("Most deaths and disappearances were recorded in {region} ({n} of {total}).").format(
        region=_label(first["region"]), n=fmt.integer(first["dead_and_missing"]),
        total=fmt.integer(rows["dead_and_missing"].sum()))


def deaths_by_cause(rows: pd.DataFrame, top: int = 12, empty_message: str | None = None) -> go.Figure:
    """Dead and missing per published cause of death (combined causes stay as published)."""
    if rows.empty:
        return message_figure(empty_message or _("No recorded deaths or disappearances match these filters."))
    shown = _collapse(rows.reset_index(drop=True).assign(cause_of_death=[_label(c) for c in rows["cause_of_death"]]),
                      top, "cause_of_death", other_label=_("Other causes ({n})"))
    labels = [str(c) for c in shown["cause_of_death"]]
    return _stacked_hbar(labels, labels, shown["dead"], shown["missing"], _("Dead and missing"))


def summary_cause(rows: pd.DataFrame) -> str:
    if rows.empty:
        return _("No recorded deaths or disappearances match these filters.")
    first = rows.iloc[0]
    return _("The most frequent recorded cause is {cause} ({n} dead and missing).").format(
        cause=_label(first["cause_of_death"]), n=fmt.integer(first["dead_and_missing"]))


def incident_map(bins: pd.DataFrame, empty_message: str | None = None) -> go.Figure:
    """Circles on a grid (area ~ dead and missing): incidents summed per cell, never one marker each."""
    if bins.empty:
        return message_figure(empty_message or _("No located incidents match these filters."))
    total = bins["dead_and_missing"].clip(lower=0).astype("float64")
    size_ref = 2.0 * max(float(total.max()), 1.0) / (40.0 ** 2)
    degrees = float(bins["bin_degrees"].iloc[0])
    fig = go.Figure(go.Scattergeo(
        lat=list(bins["lat"].round(2)), lon=list(bins["lon"].round(2)), mode="markers",
        marker={"size": list(total.clip(lower=1)), "sizemode": "area", "sizeref": size_ref, "sizemin": 3,
                "color": COLOURS["dead"], "opacity": 0.6, "line": {"width": 0.5, "color": "#ffffff"}},
        customdata=list(zip(bins["dead_and_missing"].astype(int), bins["incidents"].astype(int))),
        hovertemplate=_("%{customdata[0]:,} dead and missing in %{customdata[1]:,} incidents") +
        f" ({degrees:g}° " + _("cell around") + " %{lat:.1f}, %{lon:.1f})<extra></extra>",
        name=_("Dead and missing")))
    fig.update_layout(**base_layout(height=420, margin={"l": 0, "r": 0, "t": 8, "b": 0}, showlegend=False))
    fig.update_geos(projection_type="natural earth", showland=True, landcolor="#ececec", showcountries=True,
                    countrycolor="#bdbdbd", showocean=True, oceancolor="#f7fbff", showcoastlines=False,
                    fitbounds="locations", resolution=110, showframe=False)
    return fig


def summary_map(bins: pd.DataFrame) -> str:
    if bins.empty:
        return _("No located incidents match these filters.")
    first = bins.iloc[0]
    return _("{n} incidents in {cells} map cells of {deg:g}°; the largest count, {top} dead and missing, is around "
             "{lat:.1f}, {lon:.1f}.").format(n=fmt.integer(bins["incidents"].sum()), cells=len(bins),
                                              deg=float(first["bin_degrees"]), top=fmt.integer(first["dead_and_missing"]),
                                              lat=first["lat"], lon=first["lon"])


# ------------------------------------------------------------------------------------------ crisis (/crisis)
# Plans and deaths of one country on one time axis: both time charts take the same `x_range`
# (first day of the first year, last day of the last), and the chosen year is shaded in both.

from datetime import timedelta  # noqa: E402

from .text import (CAUSE_PHRASE, CAUSE_PHRASES, CRISIS_GROUP_LABELS, CRISIS_SENTENCES, DEMONYM_FALLBACK,  # noqa: E402
                   DEMONYMS, FIGURE_KIND_LABELS, REGION_PHRASE, REGION_PHRASES, RELATION_LABELS, RELATION_SHORT)
from .theme import OKABE_ITO  # noqa: E402

PUBLISHED_PATTERN = "/"
MULTIPLE_PATTERN = "x"
CRISIS_MARGIN = {"l": 64, "r": 12, "t": 36, "b": 30}  # fixed, so the two time axes line up


def nationality(code: str, country: str, n: int | None = None) -> str:
    """'Venezuelans' ('Venezuelan' for n == 1); 'people from <country>' where no noun is known."""
    one, many = DEMONYMS.get(code, DEMONYM_FALLBACK)
    if n == 1 and code in DEMONYMS:
        return pgettext("nationality", one)
    return _(one if n == 1 else many).format(country=country)


def nationality_adjective(code: str, country: str) -> str:
    """'Venezuelan'; 'people from <country>' where no adjective is known."""
    return pgettext("nationality", DEMONYMS[code][0]) if code in DEMONYMS else \
        _(DEMONYM_FALLBACK[1]).format(country=country)


def group_label(group: str, code: str, country: str, legend: bool = False) -> str:
    """Table label of a nationality group on the crisis page; `legend` breaks it before the bracket."""
    people = nationality(code, country)
    if legend:  # a plotly label: the country's name is data, shown literally
        people, country = plain(people), plain(country)
    text = _(CRISIS_GROUP_LABELS[group]).format(people=people[:1].upper() + people[1:],
                                                adjective=nationality_adjective(code, country))
    return text.replace(" (", "<br>(", 1) if legend else text


def _shade_year(fig: go.Figure, year: int | None) -> None:
    if year is None:
        return
    fig.add_vrect(x0=pd.Timestamp(year, 1, 1), x1=pd.Timestamp(year, 12, 31, 23, 59), fillcolor="#000000",
                  opacity=0.07, layer="below", line_width=0)
    fig.add_annotation(x=pd.Timestamp(year, 7, 1), y=1, yref="paper", yanchor="top", showarrow=False,
                       text=f"<b>{year}</b>", font={"size": 12}, bgcolor="rgba(255,255,255,0.8)")


def _time_axis(fig: go.Figure, x_range: tuple[pd.Timestamp, pd.Timestamp] | None) -> None:
    fig.update_xaxes(type="date", automargin=False, tickformat="%Y", ticklabelmode="period",
                     range=[x_range[0], x_range[1]] if x_range else None)


def _plan_slots(rows: pd.DataFrame) -> tuple[list[pd.Timestamp], list[float]]:
    """Bar centre and width (ms) of each plan: the plans of a year share that year side by side."""
    centres, widths = [], []
    position = rows.groupby("year").cumcount()
    count = rows.groupby("year")["plan_id"].transform("size")
    for year, i, n in zip(rows["year"], position, count):
        start = pd.Timestamp(int(year), 1, 1)
        length = (pd.Timestamp(int(year) + 1, 1, 1) - start).total_seconds() * 1000
        centres.append(start + timedelta(milliseconds=length * (i + 0.5) / n))
        widths.append(length / n * 0.8)
    return centres, widths


def _plan_hover(row: pd.Series, country: str) -> str:
    """Hover text of one plan (data text escaped: plotly reads a subset of HTML in hover text)."""
    code = "" if fmt.is_missing(row["plan_code"]) else f" ({plain(row['plan_code'])})"
    country = plain(country)
    lines = [f"<b>{plain(row['plan_name'])}</b>{code}", _(RELATION_LABELS[str(row['relation'])]),
             _("Requirements: {v}").format(v=fmt.usd(row["requirements_usd"])),
             _("Funding: {v} ({p})").format(v=fmt.usd(row["funding_usd"]), p=fmt.percent(row["percent_funded"]))]
    if not fmt.is_missing(row["people_in_need"]) or not fmt.is_missing(row["people_targeted"]):
        lines.append(_("People in need: {a}; targeted: {b}").format(a=fmt.integer(row["people_in_need"]),
                                                                    b=fmt.integer(row["people_targeted"])))
    if not fmt.is_missing(row["country_requirements_usd"]):
        lines.append(_("{country}'s part: {v} ({p} of requirements)").format(
            country=country, v=fmt.usd(row["country_requirements_usd"]), p=fmt.percent(row["country_share_percent"])))
    lines.append(_("Figures: {source}").format(source=plain(row["figures_source"])))
    return "<br>".join(lines)


def crisis_plans(rows: pd.DataFrame, year: int | None = None, x_range: tuple | None = None, country: str = "",
                 empty_message: str | None = None) -> go.Figure:
    """Each related plan as a bar in its year: requirements (wide, light) with funding inside (narrow,
    dark: the country's own plans blue, regional plans green). Published figures (not FTS) are hatched
    and say their source on hover; a black diamond marks the country's part of a regional plan."""
    if rows.empty:
        return message_figure(empty_message or _("No humanitarian plan related to this country in the data."))
    rows = rows.reset_index(drop=True)
    centres, widths = _plan_slots(rows)
    hover = [_plan_hover(r, country) for _i, r in rows.iterrows()]
    published = (rows["figure_kind"] == "published figure").fillna(False).astype(bool)
    own = (rows["relation"] == "country").fillna(False).astype(bool)
    req = rows["requirements_usd"].astype("Float64").fillna(0).astype(float)
    fund = rows["funding_usd"].astype("Float64").fillna(0).astype(float)
    fig = go.Figure()

    def bars(mask: pd.Series, values: pd.Series, name: str, colour: Any, scale: float, pattern: str = "",
             legendgroup: str = "") -> None:
        idx = [i for i in range(len(rows)) if mask.iloc[i]]
        if not idx:
            return
        colours = [colour[i] for i in idx] if isinstance(colour, list) else colour
        fig.add_trace(go.Bar(
            x=[centres[i] for i in idx], y=[values.iloc[i] for i in idx], width=[widths[i] * scale for i in idx],
            name=name, legendgroup=legendgroup or name, marker={
                "color": colours, "line": {"color": COLOURS["text"] if pattern else "rgba(0,0,0,0)", "width": 1},
                "pattern": {"shape": pattern, "fgcolor": "#ffffff" if scale < 1 else COLOURS["text"],
                            "size": 6, "solidity": 0.35} if pattern else None},
            hovertext=[hover[i] for i in idx], hovertemplate="%{hovertext}<extra></extra>"))

    bars(~published, req, _("Requirements"), COLOURS["requirements"], 1.0)
    bars(~published & own, fund, _("Funding: own plan"), COLOURS["funding"], 0.5)
    bars(~published & ~own, fund, _("Funding: regional plan"), OKABE_ITO["bluish_green"], 0.5)
    published_name = _("Published figure, not FTS (hatched)")
    bars(published, req, published_name, COLOURS["requirements"], 1.0, PUBLISHED_PATTERN, "published")
    # one colour per trace: plotly.js draws a patterned bar's legend swatch from marker.color, and an array
    # there was "Invalid color specifier: Array(1)" in the console (a black swatch)
    bars(published & own, fund, published_name, COLOURS["funding"], 0.5, PUBLISHED_PATTERN, "published")
    bars(published & ~own, fund, published_name, OKABE_ITO["bluish_green"], 0.5, PUBLISHED_PATTERN, "published")
    shown: set[str] = set()
    for trace in fig.data:  # one legend entry per group (the published requirement and funding share one)
        trace.showlegend = trace.legendgroup not in shown
        shown.add(trace.legendgroup)
    part = rows["country_requirements_usd"].notna() & (rows["relation"] != "country")
    if part.any():
        idx = [i for i in range(len(rows)) if part.iloc[i]]
        fig.add_trace(go.Scatter(
            x=[centres[i] for i in idx], y=[float(rows["country_requirements_usd"].iloc[i]) for i in idx],
            mode="markers", name=_("{country}'s part of a regional plan").format(country=plain(country)),
            marker={"symbol": "diamond", "size": 11, "color": COLOURS["text"], "line": {"color": "#ffffff", "width": 1}},
            hovertext=[hover[i] for i in idx], hovertemplate="%{hovertext}<extra></extra>"))
    fig.update_layout(**base_layout(barmode="overlay", height=400, margin=CRISIS_MARGIN, bargap=0))
    fig.update_yaxes(title=_("US dollars"), tickprefix="$", exponentformat="B", rangemode="tozero",
                     automargin=False)
    _time_axis(fig, x_range)
    _shade_year(fig, year)
    return fig


def summary_crisis_plans(rows: pd.DataFrame, country: str = "") -> str:
    """One sentence over all years: how many plans, own and regional, and how many published figures."""
    if rows.empty:
        return _("The data hold no humanitarian plan for {country}, for its people or covering it.").format(
            country=country or _("this country"))
    own = rows[rows["relation"] == "country"]
    years = f"{rows['year'].min()}–{rows['year'].max()}" if rows["year"].nunique() > 1 else str(rows["year"].iloc[0])
    text = _("{n} plan(s) in {years}: {own} of {country}'s own, {regional} regional or global.").format(
        n=len(rows), years=years, own=len(own), country=country, regional=len(rows) - len(own))
    published = rows[rows["figure_kind"] == "published figure"]
    if len(published):
        text += " " + _("{n} of them shown from published figures, not FTS data (hatched).").format(n=len(published))
    return text


def crisis_plan_table(rows: pd.DataFrame, country: str = "") -> pd.DataFrame:
    """The columns of the plans table view, with relation and figure kind in words (the CSV keeps codes)."""
    out = rows[["year", "plan_code", "plan_name", "relation", "figure_kind", "requirements_usd", "funding_usd",
                "percent_funded", "people_in_need", "people_targeted", "country_requirements_usd",
                "country_share_percent", "figures_source"]].copy()
    out["relation"] = [_(RELATION_SHORT.get(str(r), str(r))) for r in out["relation"]]
    out["figure_kind"] = [_(FIGURE_KIND_LABELS.get(str(k), str(k))) for k in out["figure_kind"]]
    return out


def crisis_trend(rows: pd.DataFrame, year: int | None = None, x_range: tuple | None = None, code: str = "",
                 country: str = "", empty_message: str | None = None) -> go.Figure:
    """Dead and missing per month: people of the nationality alone (vermillion) and, beside them,
    incidents with several nationalities including it (grey, hatched), never added together."""
    placed = rows[rows["period_start"].notna()]
    if placed.empty or not placed["dead_and_missing"].any():
        return message_figure(empty_message or _("No recorded deaths or disappearances of {people}.").format(
            people=nationality(code, country)))
    fig = go.Figure()
    # months are thin bars: colour alone tells the groups apart here (vermillion vs grey differ in
    # lightness too); the wider bars of the breakdown charts add a hatch
    for group, colour, pattern in (("single", COLOURS["dead"], ""), ("multiple", COLOURS["neutral"], "")):
        part = placed[placed["origin_group"] == group]
        if part.empty or not part["dead_and_missing"].any():
            continue
        name = group_label(group, code, country, legend=True)
        fig.add_trace(go.Bar(
            x=list(part["period_start"]), y=list(part["dead_and_missing"].astype("int64")), name=name,
            marker={"color": colour, "pattern": {"shape": pattern, "fgcolor": "#ffffff", "solidity": 0.4}
                    if pattern else None},
            customdata=list(zip(part["period"], part["dead"], part["missing"], part["incidents"])),
            # the trace name shows in the hover's side box (no data in the template)
            hovertemplate="%{customdata[0]}: %{y:,} " + _("dead and missing") + " (%{customdata[1]:,} " + _("dead") +
            ", %{customdata[2]:,} " + _("missing") + ", %{customdata[3]:,} " + _("incidents") + ")"))
    fig.update_layout(**base_layout(barmode="group", height=360, margin=CRISIS_MARGIN, bargap=0, bargroupgap=0))
    fig.update_yaxes(title=_("Dead and missing per month"), separatethousands=True, rangemode="tozero",
                     automargin=False)
    _time_axis(fig, x_range)
    _shade_year(fig, year)
    return fig


def summary_crisis_trend(rows: pd.DataFrame, code: str = "", country: str = "") -> str:
    if rows.empty or not rows["dead_and_missing"].any():
        return _("No recorded deaths or disappearances of {people} in the data.").format(
            people=nationality(code, country))
    single = rows[rows["origin_group"] == "single"]
    multiple = rows[rows["origin_group"] == "multiple"]
    n = int(single["dead_and_missing"].sum())
    text = _("At least {n} {people} recorded dead or missing in all years.").format(
        n=fmt.integer(n), people=nationality(code, country, n))
    placed = single[single["period_start"].notna()]
    if len(placed) and placed["dead_and_missing"].any():
        peak = placed.sort_values(["dead_and_missing", "period_start"], ascending=[False, True]).iloc[0]
        text += " " + _("The highest month was {month} ({n}).").format(month=fmt.month(peak["period_start"]),
                                                                      n=fmt.integer(peak["dead_and_missing"]))
    if multiple["dead_and_missing"].any():
        text += " " + _("Separately, {n} dead and missing in {k} incident(s) with several nationalities including "
                        "{adjective}.").format(n=fmt.integer(multiple["dead_and_missing"].sum()),
                                               k=fmt.integer(multiple["incidents"].sum()),
                                               adjective=nationality_adjective(code, country))
    unplaced = int(rows.loc[rows["period_start"].isna(), "dead_and_missing"].sum())
    if unplaced:
        text += " " + _("{n} more were recorded without a month and are listed in the table, not drawn.").format(
            n=fmt.integer(unplaced))
    return text


def crisis_breakdown(rows: pd.DataFrame, key: str, code: str = "", country: str = "", top: int = 10,
                     empty_message: str | None = None) -> go.Figure:
    """Dead and missing per region, route or cause: the nationality alone and incidents with several
    nationalities including it as separate bars (never summed)."""
    if rows.empty or not rows["dead_and_missing"].any():
        return message_figure(empty_message or _("No recorded deaths or disappearances of {people} in this year.")
                              .format(people=nationality(code, country)))
    labels_all = [_label(v) for v in rows[key]]
    frame = rows.assign(_label=labels_all)
    order = (frame.groupby("_label", sort=False)["dead_and_missing"].sum().sort_values(ascending=False, kind="mergesort")
             .index.tolist())
    shown = order[:top]
    fig = go.Figure()
    for group, colour, pattern in (("single", COLOURS["dead"], ""), ("multiple", COLOURS["neutral"], MULTIPLE_PATTERN)):
        part = frame[frame["origin_group"] == group].set_index("_label")
        if part.empty:
            continue
        part = part.groupby(level=0)[["dead", "missing", "dead_and_missing", "incidents"]].sum().reindex(
            shown, fill_value=0)
        name = group_label(group, code, country, legend=True)
        fig.add_trace(go.Bar(
            y=[plain(fmt.truncate(s, LABEL_WIDTH)) for s in shown], x=list(part["dead_and_missing"].astype("int64")),
            orientation="h", name=name,
            marker={"color": colour, "pattern": {"shape": pattern, "fgcolor": "#ffffff", "solidity": 0.4}
                    if pattern else None},
            customdata=list(zip([plain(s) for s in shown], part["dead"], part["missing"], part["incidents"])),
            hovertemplate="%{customdata[0]}: %{x:,} " + _("dead and missing") + " (%{customdata[1]:,} " + _("dead") +
            ", %{customdata[2]:,} " + _("missing") + ", %{customdata[3]:,} " + _("incidents") + ")"))
    fig.update_layout(**base_layout(barmode="group", height=_bar_height(len(shown) * (1 + (len(fig.data) > 1) * 0.6))
                                    + 40 * len(fig.data), showlegend=True))  # say whose bars these are
    fig.update_yaxes(autorange="reversed", automargin=True)
    fig.update_xaxes(title=_("Dead and missing"), separatethousands=True, rangemode="tozero")
    return fig


def summary_crisis_breakdown(rows: pd.DataFrame, key: str, code: str = "", country: str = "") -> str:
    single = rows[rows["origin_group"] == "single"]
    if single.empty or not single["dead_and_missing"].any():
        if rows["dead_and_missing"].any():
            return _("No {people} recorded alone; {n} dead and missing in incidents with several nationalities "
                     "including {adjective}.").format(people=nationality(code, country),
                                                      n=fmt.integer(rows["dead_and_missing"].sum()),
                                                      adjective=nationality_adjective(code, country))
        return _("No recorded deaths or disappearances of {people} in this year.").format(
            people=nationality(code, country))
    by = single.assign(_label=[_label(v) for v in single[key]]).groupby("_label")["dead_and_missing"].sum()
    by = by.sort_values(ascending=False, kind="mergesort")
    total = int(single["dead_and_missing"].sum())
    text = _("{label}: {n} of the at least {total} {people} ({share}).").format(
        label=by.index[0], n=fmt.integer(by.iloc[0]), total=fmt.integer(total), people=nationality(code, country, total),
        share=fmt.percent(by.iloc[0] / total * 100 if total else None, 0))
    multiple = rows[rows["origin_group"] == "multiple"]
    if multiple["dead_and_missing"].any():
        text += " " + _("Separately, {n} dead and missing in {k} incident(s) with several nationalities including "
                        "{adjective}.").format(n=fmt.integer(multiple["dead_and_missing"].sum()),
                                               k=fmt.integer(multiple["incidents"].sum()),
                                               adjective=nationality_adjective(code, country))
    return text


def _where(region: str) -> str:
    return _(REGION_PHRASES[region]) if region in REGION_PHRASES else _(REGION_PHRASE).format(region=fmt.place(region))


def _cause(cause: str) -> str:
    return (_(CAUSE_PHRASES[cause]) if cause in CAUSE_PHRASES
            else _(CAUSE_PHRASE).format(cause=fmt.place(cause).lower()))


def _published_source(source: str) -> str:
    text = str(source)
    return text.split(":", 1)[1].strip() if text.lower().startswith("published figure") and ":" in text else text


def crisis_sentence(facts: dict, country: str, max_regional: int = 2) -> str:
    """The plain-language summary of one country and year, every number taken from `facts`
    (queries.crisis_facts) and every part a translatable template (text.CRISIS_SENTENCES)."""
    t = {k: _(v) for k, v in CRISIS_SENTENCES.items()}
    code, year, deaths = facts["country"], facts["year"], facts["deaths"]
    people = nationality(code, country)
    if year is None:
        return t["nothing"].format(country=country, people=people)
    own = facts["own"]
    if own is None:
        text = t["own_none"].format(year=year, country=country)
    elif own["requirements_usd"]:
        key = "own_one" if own["plans"] == 1 else "own_many"
        text = t[key].format(year=year, country=country, n=own["plans"], percent=fmt.percent(own["percent_funded"]),
                             requirements=fmt.usd_short(own["requirements_usd"]))
    else:
        text = t["own_no_requirement"].format(year=year, country=country, funding=fmt.usd_short(own["funding_usd"]))
    if own is not None and own["published"]:
        text += t["own_published"]
    n = deaths["single"]
    if n:
        text += t["deaths"].format(n=fmt.integer(n), people=nationality(code, country, n))
        region = deaths["region"]
        if region:
            text += t["where_most" if region["most"] else "where_top"].format(where=_where(region["value"]),
                                                                              n=fmt.integer(region["n"]))
        cause = deaths["cause"]
        if cause and cause["most"]:
            text += t["cause_most"].format(cause=_cause(cause["value"]), n=fmt.integer(cause["n"]))
    else:
        text += t["deaths_none"].format(people=people)
    text += t["end"]
    if deaths["multiple"]:
        text += t["multiple"].format(n=fmt.integer(deaths["multiple"]), incidents=fmt.integer(deaths["multiple_incidents"]),
                                     adjective=nationality_adjective(code, country))
    told = 0
    ranked = sorted(facts["regional"], key=lambda r: (r["relation"] != "named", r["country_requirements_usd"] is None))
    for plan in ranked:
        if told >= max_regional or (plan["relation"] == "covers" and plan["country_requirements_usd"] is None):
            continue
        relation = (t["relation_named"] if plan["relation"] == "named" else t["relation_covers"]).format(
            people=people, country=country)
        values = {"plan": plan["plan_name"], "relation": relation, "requirements": fmt.usd_short(plan["requirements_usd"]),
                  "funding": fmt.usd_short(plan["funding_usd"]), "percent": fmt.percent(plan["percent_funded"]),
                  "source": _published_source(plan["figures_source"])}
        if plan["published"] and plan["requirements_usd"]:
            text += t["regional_published"].format(**values)
        elif plan["requirements_usd"]:
            text += t["regional"].format(**values)
        else:
            text += t["regional_no_requirement"].format(**values)
        if plan["country_requirements_usd"] is not None and plan["relation"] != "country":
            text += t["regional_part"].format(country=country, amount=fmt.usd_short(plan["country_requirements_usd"]),
                                              share=fmt.percent(plan["country_share_percent"]))
        told += 1
    if len(facts["regional"]) > told:
        text += t["regional_more"].format(n=len(facts["regional"]) - told, country=country)
    return text
