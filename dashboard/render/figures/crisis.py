"""The crisis page's figures: plans concerning a country on a time axis, its nationals' deaths over time
and by region and cause, and the sentence that opens the page."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

import pandas as pd

from dashboard.i18n import _, pgettext
from dashboard.render import fmt
from dashboard.render.text import (
    CAUSE_PHRASE,
    CAUSE_PHRASES,
    CRISIS_GROUP_LABELS,
    CRISIS_SENTENCES,
    DEMONYM_FALLBACK,
    DEMONYMS,
    FIGURE_KIND_LABELS,
    REGION_PHRASE,
    REGION_PHRASES,
    RELATION_LABELS,
    RELATION_SHORT,
)
from dashboard.render.theme import COLOURS, OKABE_ITO, base_layout

from .builder import Bar, Figure, Scatter
from .common import LABEL_WIDTH, _bar_height, _label, axis_title, message_figure, plain

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


def _shade_year(fig: Figure, year: int | None) -> None:
    if year is None:
        return
    fig.add_vrect(x0=pd.Timestamp(year, 1, 1), x1=pd.Timestamp(year, 12, 31, 23, 59), fillcolor="#000000",
                  opacity=0.07, layer="below", line_width=0)
    fig.add_annotation(x=pd.Timestamp(year, 7, 1), y=1, yref="paper", yanchor="top", showarrow=False,
                       text=f"<b>{year}</b>", font={"size": 12}, bgcolor="rgba(255,255,255,0.8)")


def with_year(fig: Figure, year: int | None) -> Figure:
    """A time chart drawn for every year (`year=None`) with `year` shaded, as if drawn with it: a copy
    sharing the traces; a chart that only says why it is empty is returned as it is."""
    if year is None or not fig.data:
        return fig
    out = Figure()
    out.data = list(fig.data)  # the traces are shared, read-only
    out.layout = {**fig.layout, **{k: list(fig.layout[k]) for k in ("shapes", "annotations") if k in fig.layout}}
    _shade_year(out, year)
    return out


def _time_axis(fig: Figure, x_range: tuple[pd.Timestamp, pd.Timestamp] | None) -> None:
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
                 empty_message: str | None = None) -> Figure:
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
    fig = Figure()

    def bars(mask: pd.Series, values: pd.Series, name: str, colour: Any, scale: float, pattern: str = "",
             legendgroup: str = "") -> None:
        idx = [i for i in range(len(rows)) if mask.iloc[i]]
        if not idx:
            return
        colours = [colour[i] for i in idx] if isinstance(colour, list) else colour
        fig.add_trace(Bar(
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
        trace["showlegend"] = trace["legendgroup"] not in shown
        shown.add(trace["legendgroup"])
    part = rows["country_requirements_usd"].notna() & (rows["relation"] != "country")
    if part.any():
        idx = [i for i in range(len(rows)) if part.iloc[i]]
        fig.add_trace(Scatter(
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
                 country: str = "", empty_message: str | None = None) -> Figure:
    """Dead and missing per month: people of the nationality alone (vermillion) and, beside them,
    incidents with several nationalities including it (grey, hatched), never added together."""
    placed = rows[rows["period_start"].notna()]
    if placed.empty or not placed["dead_and_missing"].any():
        return message_figure(empty_message or _("No recorded deaths or disappearances of {people}.").format(
            people=nationality(code, country)))
    fig = Figure()
    # months are thin bars: colour alone tells the groups apart here (vermillion vs grey differ in
    # lightness too); the wider bars of the breakdown charts add a hatch
    for group, colour, pattern in (("single", COLOURS["dead"], ""), ("multiple", COLOURS["neutral"], "")):
        part = placed[placed["origin_group"] == group]
        if part.empty or not part["dead_and_missing"].any():
            continue
        name = group_label(group, code, country, legend=True)
        fig.add_trace(Bar(
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


COUNTS = ("dead", "missing", "dead_and_missing", "incidents")


def _tally(rows: pd.DataFrame, key: str) -> tuple[list[str], dict[str, dict[str, list[int]]]]:
    """The labels of `key` by dead and missing over every row, largest first (ties: as first met), and per
    nationality group and label the summed counts (dead, missing, dead and missing, incidents). Plain
    Python over the few rows of a year's breakdown: pandas' grouping cost milliseconds per chart."""
    labels = [_label(v) for v in rows[key].tolist()]
    counts = [rows[c].tolist() for c in COUNTS]
    total: dict[str, int] = {}
    by: dict[str, dict[str, list[int]]] = {}
    for i, (label, group) in enumerate(zip(labels, rows["origin_group"].tolist())):
        total[label] = total.get(label, 0) + counts[2][i]
        if isinstance(group, str):
            summed = by.setdefault(group, {}).setdefault(label, [0, 0, 0, 0])
            for j in range(4):
                summed[j] += counts[j][i]
    return sorted(total, key=lambda label: -total[label]), by


def crisis_breakdown(rows: pd.DataFrame, key: str, code: str = "", country: str = "", top: int = 10,
                     empty_message: str | None = None) -> Figure:
    """Dead and missing per region, route or cause: the nationality alone and incidents with several
    nationalities including it as separate bars (never summed)."""
    if rows.empty or not rows["dead_and_missing"].any():
        return message_figure(empty_message or _("No recorded deaths or disappearances of {people} in this year.")
                              .format(people=nationality(code, country)))
    order, by = _tally(rows, key)
    shown = order[:top]
    fig = Figure()
    for group, colour, pattern in (("single", COLOURS["dead"], ""), ("multiple", COLOURS["neutral"], MULTIPLE_PATTERN)):
        if group not in by:
            continue
        sums = [by[group].get(label, [0, 0, 0, 0]) for label in shown]
        name = group_label(group, code, country, legend=True)
        fig.add_trace(Bar(
            y=[plain(fmt.truncate(s, LABEL_WIDTH)) for s in shown], x=[n[2] for n in sums],
            orientation="h", name=name,
            marker={"color": colour, "pattern": {"shape": pattern, "fgcolor": "#ffffff", "solidity": 0.4}
                    if pattern else None},
            customdata=[(plain(s), n[0], n[1], n[3]) for s, n in zip(shown, sums)],
            hovertemplate="%{customdata[0]}: %{x:,} " + _("dead and missing") + " (%{customdata[1]:,} " + _("dead") +
            ", %{customdata[2]:,} " + _("missing") + ", %{customdata[3]:,} " + _("incidents") + ")"))
    fig.update_layout(**base_layout(barmode="group", height=_bar_height(len(shown) * (1 + (len(fig.data) > 1) * 0.6))
                                    + 40 * len(fig.data), showlegend=True))  # say whose bars these are
    fig.update_yaxes(autorange="reversed", automargin=True)
    fig.update_xaxes(title=axis_title(_("Dead and missing")), separatethousands=True, rangemode="tozero")
    return fig


def summary_crisis_breakdown(rows: pd.DataFrame, key: str, code: str = "", country: str = "") -> str:
    _order, by = _tally(rows, key)
    single = by.get("single", {})
    total = sum(n[2] for n in single.values())
    if not total:
        if rows["dead_and_missing"].any():
            return _("No {people} recorded alone; {n} dead and missing in incidents with several nationalities "
                     "including {adjective}.").format(people=nationality(code, country),
                                                      n=fmt.integer(rows["dead_and_missing"].sum()),
                                                      adjective=nationality_adjective(code, country))
        return _("No recorded deaths or disappearances of {people} in this year.").format(
            people=nationality(code, country))
    # the largest; a tie goes to the label first in alphabetical order
    label, top = min(((label, n[2]) for label, n in single.items()), key=lambda item: (-item[1], item[0]))
    text = _("{label}: {n} of the at least {total} {people} ({share}).").format(
        label=label, n=fmt.integer(top), total=fmt.integer(total), people=nationality(code, country, total),
        share=fmt.percent(top / total * 100, 0))
    multiple = by.get("multiple", {})
    if any(n[2] for n in multiple.values()):
        text += " " + _("Separately, {n} dead and missing in {k} incident(s) with several nationalities including "
                        "{adjective}.").format(n=fmt.integer(sum(n[2] for n in multiple.values())),
                                               k=fmt.integer(sum(n[3] for n in multiple.values())),
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
