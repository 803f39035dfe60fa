"""Funding figures (OCHA FTS): requirements against funding, cluster coverage, top donors, the funding
timeline, and the one-sentence summary of each."""
from __future__ import annotations

import pandas as pd

from dashboard.i18n import _
from dashboard.render import fmt
from dashboard.render.text import (
    CLUSTER_ROW_LABELS,
)
from dashboard.render.theme import COLOURS, base_layout

from .builder import Bar, Figure, Scatter
from .common import LABEL_WIDTH, _bar_height, _collapse, _label, axis_title, message_figure, plain


def requirements_vs_funding(plans: pd.DataFrame, empty_message: str | None = None) -> Figure:
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
    fig = Figure()
    fig.add_trace(Bar(x=labels, y=list(funding.astype(float)), name=_("Funding"), marker_color=COLOURS["funding"],
                         text=pct, textposition="inside", insidetextanchor="start",
                         customdata=names, hovertemplate="%{customdata}<br>" + _("Funding") +
                         ": US$%{y:,.0f} (%{text})<extra></extra>"))
    fig.add_trace(Bar(x=labels, y=list(unmet.astype(float)), name=_("Unmet requirements"),
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


def cluster_coverage(clusters: pd.DataFrame, empty_message: str | None = None) -> Figure:
    """Requirements (wide, light) and funding (narrow, dark) per cluster, labelled with % funded."""
    if clusters.empty:
        return message_figure(empty_message or _("No cluster breakdown in this data for this plan."))
    raw = [cluster_label(n, t) for n, t in zip(clusters["cluster_name"], clusters["row_type"])]
    short = [plain(fmt.truncate(t, LABEL_WIDTH)) for t in raw]
    labels = [plain(t) for t in raw]
    req = clusters["requirements_usd"].astype("Float64")
    fund = clusters["funding_usd"].astype("Float64")
    text = [fmt.percent(p, 0) if not fmt.is_missing(p) else _("no requirement") for p in clusters["percent_funded"]]
    fig = Figure()
    fig.add_trace(Bar(y=short, x=list(req.fillna(0).astype(float)), name=_("Requirements"), orientation="h",
                         marker_color=COLOURS["requirements"], width=0.8, customdata=labels,
                         hovertemplate="%{customdata}<br>" + _("Requirements") + ": US$%{x:,.0f}<extra></extra>"))
    fig.add_trace(Bar(y=short, x=list(fund.fillna(0).astype(float)), name=_("Funding"), orientation="h",
                         marker_color=COLOURS["funding"], width=0.45, text=text, textposition="outside",
                         cliponaxis=False, customdata=labels,
                         hovertemplate="%{customdata}<br>" + _("Funding") + ": US$%{x:,.0f} (%{text})<extra></extra>"))
    fig.update_layout(**base_layout(barmode="overlay", height=_bar_height(len(labels))))
    fig.update_yaxes(autorange="reversed", automargin=True)
    fig.update_xaxes(title=axis_title(_("US dollars")), tickprefix="$", exponentformat="B", rangemode="tozero")
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


def top_donors(donors: pd.DataFrame, top: int = 10, empty_message: str | None = None) -> Figure:
    """The largest donors' funding with their share; the rest summed into one bar."""
    if donors.empty:
        return message_figure(empty_message or _("No donor breakdown in this data for this plan."))
    rows = _collapse(donors.reset_index(drop=True), top, "donor_name",
                     other_label=_("All other donors ({n})"))
    total = donors["funding_usd"].astype("Float64").sum()
    share = rows["funding_usd"].astype("Float64") / total * 100 if total else pd.Series([None] * len(rows))
    raw = [str(n) for n in rows["donor_name"]]
    labels = [plain(t) for t in raw]
    fig = Figure(Bar(
        y=[plain(fmt.truncate(t, LABEL_WIDTH)) for t in raw], x=list(rows["funding_usd"].astype("Float64").fillna(0)),
        orientation="h", marker_color=[COLOURS["neutral"] if o is True else COLOURS["funding"]
                                       for o in rows.get("_other", [False] * len(rows))],
        text=[fmt.percent(s) for s in share], textposition="outside", cliponaxis=False, customdata=labels,
        hovertemplate="%{customdata}<br>" + _("Funding") + ": US$%{x:,.0f} (%{text})<extra></extra>",
        name=_("Funding")))
    fig.update_layout(**base_layout(height=_bar_height(len(rows)), showlegend=False))
    fig.update_yaxes(autorange="reversed", automargin=True)
    fig.update_xaxes(title=axis_title(_("Funding, US dollars")), tickprefix="$", exponentformat="B", rangemode="tozero")
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


def funding_timeline(timeline: pd.DataFrame, empty_message: str | None = None) -> Figure:
    """Cumulative paid and committed funding by flow date, one line per plan."""
    if timeline.empty:
        return message_figure(empty_message or _("No flow-level data for this plan, so funding over time "
                                                 "cannot be shown."))
    fig = Figure()
    for plan, rows in timeline.groupby("plan_code", dropna=False, sort=False):
        fig.add_trace(Scatter(x=list(rows["date"]), y=list(rows["cumulative_usd"].astype(float)),
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
