"""Migration figures (IOM Missing Migrants): dead and missing by nationality, over time, by region and
cause, the incident map, and the one-sentence summary of each."""
from __future__ import annotations

import pandas as pd

from dashboard.i18n import _, current, ngettext
from dashboard.render import fmt
from dashboard.render.theme import COLOURS, base_layout

from .builder import Bar, Figure, Scattergeo
from .common import _collapse, _label, _stacked_hbar, message_figure, origin_label


def deaths_by_origin(rows: pd.DataFrame, top: int = 15, empty_message: str | None = None) -> Figure:
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
        # IOM's published name in English; the country's name in the interface language otherwise
        return str(origin) if current() == "en" else fmt.country(str(iso3), str(origin))
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


def deaths_trend(rows: pd.DataFrame, empty_message: str | None = None) -> Figure:
    """Dead and missing per period, stacked (periods without a known month are left out here)."""
    placed = rows[rows["period_start"].notna()]
    if placed.empty:
        return message_figure(empty_message or _("No recorded deaths or disappearances match these filters."))
    fig = Figure()
    for name, col, colour in ((_("Dead"), "dead", COLOURS["dead"]), (_("Missing"), "missing", COLOURS["missing"])):
        fig.add_trace(Bar(x=list(placed["period_start"]), y=list(placed[col].astype("int64")), name=name,
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


def deaths_by_region(rows: pd.DataFrame, empty_message: str | None = None) -> Figure:
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


def deaths_by_cause(rows: pd.DataFrame, top: int = 12, empty_message: str | None = None) -> Figure:
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


def incident_map(bins: pd.DataFrame, empty_message: str | None = None) -> Figure:
    """Circles on a grid (area ~ dead and missing): incidents summed per cell, never one marker each."""
    if bins.empty:
        return message_figure(empty_message or _("No located incidents match these filters."))
    total = bins["dead_and_missing"].clip(lower=0).astype("float64")
    size_ref = 2.0 * max(float(total.max()), 1.0) / (40.0 ** 2)
    degrees = float(bins["bin_degrees"].iloc[0])
    fig = Figure(Scattergeo(
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
