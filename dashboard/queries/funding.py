"""Funding queries (OCHA FTS): plans, clusters, donors and the funding timeline for a selection."""
from __future__ import annotations

from typing import Any, Iterable, Mapping

import numpy as np
import pandas as pd

from .filters import CLUSTER_COLUMNS, DONOR_COLUMNS, PLAN_COLUMNS, TIMELINE_COLUMNS, Filters, contains_code


def _percent(funding: pd.Series, requirements: pd.Series) -> pd.Series:
    req = requirements.astype("Float64")
    return (funding.astype("Float64") / req.where(req > 0) * 100).astype("float64")


_ANSWERS = "_humdash_plan_rows"  # on a plans frame that keep_plan_rows marked: Filters -> plan_rows' answer
_BY_COUNTRY = "_humdash_plans_by_country"  # on a kept plans frame: ISO3 code -> its rows (_covering)
_PREPARED = "_humdash_plans_prepared"  # on a kept plans frame: its rows filled and sorted once (_prepared)
_ANSWERS_KEPT = 64  # small frames (a few plans each); a page's requests ask for a handful


def keep_plan_rows(plans: pd.DataFrame) -> pd.DataFrame:
    """Mark a plans table that nobody changes (a loaded dataset's) so that plan_rows keeps its answers for
    it: a page asks for the same plans several times per request (the plan choices, the default plan, the
    plan's figures) and again on the next change. pandas' copy-on-write keeps a caller's changes to an
    answer out of the kept one. Returns `plans`."""
    vars(plans)[_ANSWERS] = {}
    return plans


def plan_rows(plans: pd.DataFrame, f: Filters) -> pd.DataFrame:
    """Plans of the selected countries, years and ids, oldest first, with percent and unmet filled in."""
    kept: dict[Filters, pd.DataFrame] | None = vars(plans).get(_ANSWERS)
    if kept is None:
        return _plan_rows(plans, f)
    answer = kept.get(f)
    if answer is None:
        answer = _plan_rows(plans, f)
        if len(kept) >= _ANSWERS_KEPT:
            kept.clear()
        kept[f] = answer
    return answer.copy(deep=False)


def _plan_rows(plans: pd.DataFrame, f: Filters) -> pd.DataFrame:
    mask = np.ones(len(plans), dtype=bool)
    if f.years:
        mask &= plans["year"].isin(list(f.years)).to_numpy(bool)
    if f.plan_ids:
        mask &= plans["plan_id"].isin(list(f.plan_ids)).to_numpy(bool)
    if not f.include_regional:
        mask &= ~plans["is_regional"].astype(bool).to_numpy()
    if f.countries and mask.any():
        covering = _covering(plans, f.countries)
        if covering is not None:
            mask &= covering
        else:  # the text search on the rows still in
            still = np.flatnonzero(mask)
            mask[still[~contains_code(plans["countries_iso3"].iloc[still], f.countries).to_numpy(bool)]] = False
    prepared = _prepared(plans)
    if prepared is not None:  # the selected rows of every plan's row prepared once: the same rows, in order
        every, order = prepared
        return every[mask[order]].reset_index(drop=True)
    return _fill_and_sort(plans[PLAN_COLUMNS][mask])


def _fill_and_sort(out: pd.DataFrame, columns: list[str] = PLAN_COLUMNS) -> pd.DataFrame:
    """Plan rows with the figures the source left blank computed, oldest first."""
    # Prefer the source's own figures; compute only where the source left them blank.
    if out["percent_funded"].isna().any():
        out["percent_funded"] = out["percent_funded"].fillna(_percent(out["funding_usd"], out["requirements_usd"]))
    if out["unmet_usd"].isna().any():
        out["unmet_usd"] = out["unmet_usd"].fillna((out["requirements_usd"] - out["funding_usd"]).clip(lower=0))
    out["unmet_usd"] = out["unmet_usd"].astype("Int64")
    return out.sort_values(["year", "plan_code", "plan_id"], na_position="last", kind="mergesort")[columns] \
        .reset_index(drop=True)


def _prepared(plans: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray] | None:
    """For a kept plans table (keep_plan_rows): every plan's row as _plan_rows gives it, in its order, and
    where each came from in `plans`, made once per table. Each row's filled figures are its own and a stable
    sort keeps a subset in the order it has in the whole, so picking rows out of it gives what filling and
    sorting the picked rows gives. None for a table that is not kept."""
    if _ANSWERS not in vars(plans):
        return None
    prepared = vars(plans).get(_PREPARED)
    if prepared is None:
        every = _fill_and_sort(plans[PLAN_COLUMNS].assign(_at=np.arange(len(plans))), [*PLAN_COLUMNS, "_at"])
        prepared = vars(plans)[_PREPARED] = (every[PLAN_COLUMNS], every["_at"].to_numpy())
    return prepared


def _covering(plans: pd.DataFrame, countries: tuple[str, ...]) -> np.ndarray | None:
    """Rows of a kept plans table (keep_plan_rows) whose countries_iso3 holds any of `countries`, as
    contains_code finds them, from a code -> rows index built once per table (a country's plans are asked
    for several times per filter change: the plan choices, the default plan, the plans chart); None for a
    table that is not kept, or a code that is not a plain one (empty, or with the ';' separator)."""
    if _ANSWERS not in vars(plans) or any(not code or ";" in code for code in countries):
        return None
    index: dict[str, np.ndarray] | None = vars(plans).get(_BY_COUNTRY)
    if index is None:
        found: dict[str, list[int]] = {}
        for row, codes in enumerate(plans["countries_iso3"].astype("string").fillna("").tolist()):
            for code in set(str(codes).split(";")):
                found.setdefault(code, []).append(row)
        index = vars(plans)[_BY_COUNTRY] = {k: np.asarray(v, dtype=np.intp) for k, v in found.items()}
    mask = np.zeros(len(plans), dtype=bool)
    for code in countries:
        mask[index.get(code, np.empty(0, dtype=np.intp))] = True
    return mask


def choose_plan(plans: pd.DataFrame, country: str | None, year: int | None = None,
                prefer: Iterable[int] = ()) -> int | None:
    """The plan to show by default: the country's own (not regional) plan of `year` (else the latest)
    with the largest requirements; regional plans only when the country has no plan of its own. With
    `prefer` (e.g. plans that have a cluster breakdown), the latest such plan comes first."""
    rows = plan_rows(plans, Filters(countries=(country,) if country else ()))
    if year is not None:
        rows = rows[rows["year"] == year]
    if rows.empty:
        return None
    wanted = set(prefer)
    rows = rows.assign(_own=~rows["is_regional"].astype(bool),
                       _pref=rows["plan_id"].isin(wanted) if wanted else False,
                       _req=rows["requirements_usd"].astype("Float64").fillna(-1))
    best = rows.sort_values(["_own", "_pref", "year", "_req"], ascending=False, kind="mergesort").iloc[0]
    return int(best["plan_id"])


def default_plans(plans: pd.DataFrame, prefer: Iterable[int] = ()) -> dict[str, int]:
    """choose_plan(plans, code, None, prefer) for every country code at once: the plans in choose_plan's
    order (a stable sort of plan_rows' stable order, so any country's plans keep their order), each code
    taking the first plan that covers it."""
    rows = plan_rows(plans, Filters())
    wanted = set(prefer)
    rows = rows.assign(_own=~rows["is_regional"].astype(bool),
                       _pref=rows["plan_id"].isin(wanted) if wanted else False,
                       _req=rows["requirements_usd"].astype("Float64").fillna(-1))
    best = rows.sort_values(["_own", "_pref", "year", "_req"], ascending=False, kind="mergesort")
    out: dict[str, int] = {}
    for codes, plan_id in zip(best["countries_iso3"].astype("string").fillna("").tolist(), best["plan_id"].tolist()):
        for code in str(codes).split(";"):
            if code:
                out.setdefault(code, int(plan_id))
    return out


def plan_figures(plans: pd.DataFrame, plan_id: int | None) -> dict[str, Any] | None:
    """Headline numbers of one plan (None when the plan is not in the data)."""
    if plan_id is None:
        return None
    rows = plan_rows(plans, Filters(plan_ids=(plan_id,)))
    if rows.empty:
        return None
    row = rows.iloc[0]
    return {k: (None if pd.isna(v) else (v.item() if hasattr(v, "item") else v)) for k, v in row.items()}


def _plan_ids(plans: pd.DataFrame, f: Filters) -> list[int] | None:
    """Plan ids selected by country/year/plan_id (None when nothing restricts the plans); the plans
    plan_rows(plans, f) would give with regional plans included, in any order."""
    if not (f.countries or f.years or f.plan_ids):
        return None
    if not (f.countries or f.years):
        # Plan ids alone select a plan's rows in any table, whether or not fts_plans holds the plan (a
        # cluster export ingested without its plan export is still served).
        return [int(p) for p in f.plan_ids]
    mask = np.ones(len(plans), dtype=bool)
    if f.countries:
        mask &= contains_code(plans["countries_iso3"], f.countries).to_numpy(dtype=bool)
    if f.years:
        mask &= plans["year"].isin(list(f.years)).to_numpy(dtype=bool)
    if f.plan_ids:
        mask &= plans["plan_id"].isin(list(f.plan_ids)).to_numpy(dtype=bool)
    return [int(p) for p in plans["plan_id"].to_numpy()[mask]]


def _with_plan(frame: pd.DataFrame, plans: pd.DataFrame) -> pd.DataFrame:
    keys = plans[["plan_id", "plan_code", "year"]]
    return frame.merge(keys, on="plan_id", how="left")


def cluster_rows(clusters: pd.DataFrame, plans: pd.DataFrame, f: Filters) -> pd.DataFrame:
    """Coverage by cluster for the selected plans: clusters by requirements, then shared, then
    not specified. Percent can exceed 100 and is blank where there is no requirement."""
    rows = clusters[clusters["cluster_type"] == f.cluster_type]
    ids = _plan_ids(plans, f)
    if ids is not None:
        rows = rows[rows["plan_id"].isin(ids)]
    rows = _with_plan(rows, plans)
    rows["percent_funded"] = rows["percent_funded"].fillna(_percent(rows["funding_usd"], rows["requirements_usd"]))
    rows["unmet_usd"] = (rows["requirements_usd"] - rows["funding_usd"].fillna(0)).clip(lower=0).astype("Int64")
    order = {"cluster": 0, "shared": 1, "not_specified": 2}
    rows = rows.assign(_order=rows["row_type"].map(order).astype("int64"),
                       _req=rows["requirements_usd"].astype("Float64").fillna(-1))
    rows = rows.sort_values(["year", "plan_id", "_order", "_req", "cluster_name"],
                            ascending=[True, True, True, False, True], kind="mergesort")
    return rows[CLUSTER_COLUMNS].reset_index(drop=True)


def donor_rows(donors: pd.DataFrame, plans: pd.DataFrame, f: Filters) -> pd.DataFrame:
    """Donors of the selected plans, largest funding first, with each donor's share of the plan."""
    rows = donors
    ids = _plan_ids(plans, f)
    if ids is not None:
        rows = rows[rows["plan_id"].isin(ids)]
    rows = _with_plan(rows, plans)
    total = rows.groupby("plan_id")["funding_usd"].transform("sum")
    computed = (rows["funding_usd"].astype("Float64") / total.astype("Float64").where(total > 0) * 100)
    rows["share_percent"] = rows["share_percent"].fillna(computed.astype("float64"))
    rows = rows.sort_values(["year", "plan_id", "funding_usd", "donor_name"],
                            ascending=[True, True, False, True], kind="mergesort")
    return rows[DONOR_COLUMNS].reset_index(drop=True)


def funding_timeline(flows: pd.DataFrame, plans: pd.DataFrame, f: Filters) -> pd.DataFrame:
    """Paid and committed incoming funding per plan and flow date, with the running total.

    Pledges are left out (they are not funding); flows without a date cannot be placed in time."""
    rows = flows[flows["status"].isin(["paid", "commitment"]) & flows["date"].notna() & flows["plan_id"].notna()]
    boundary = rows["boundary"].astype("string")
    rows = rows[boundary.isna() | (boundary == "incoming")]
    ids = _plan_ids(plans, f)
    if ids is not None:
        rows = rows[rows["plan_id"].isin(ids)]
    if f.date_from is not None:
        rows = rows[rows["date"] >= pd.Timestamp(f.date_from)]
    if f.date_to is not None:
        rows = rows[rows["date"] <= pd.Timestamp(f.date_to)]
    daily = (rows.assign(plan_id=rows["plan_id"].astype("int64"), date=rows["date"].dt.normalize())
             .groupby(["plan_id", "date"])["amount_usd"].sum().rename("funding_usd").reset_index())
    daily["funding_usd"] = daily["funding_usd"].astype("Int64")
    daily["cumulative_usd"] = daily.groupby("plan_id")["funding_usd"].cumsum().astype("Int64")
    daily["date"] = daily["date"].astype("datetime64[ns]")
    out = daily.merge(plans[["plan_id", "plan_code"]], on="plan_id", how="left")
    return out.sort_values(["plan_id", "date"], kind="mergesort")[TIMELINE_COLUMNS].reset_index(drop=True)


def country_names(tables: Mapping[str, pd.DataFrame]) -> dict[str, str]:
    """ISO3 -> a readable country name, from the plan locations and MMP nationalities."""
    names: dict[str, str] = {}
    locations = tables.get("fts_plan_locations")
    if locations is not None and not locations.empty:
        for code, name in zip(locations["location_iso3"], locations["location_name"]):
            if isinstance(code, str) and isinstance(name, str):
                names.setdefault(code, name)
    deaths = tables.get("mmp_deaths")
    if deaths is not None and not deaths.empty:
        single = deaths[(deaths["origin_group"] == "single").fillna(False).astype(bool)]
        for code, name in zip(single["origin_iso3"], single["origin"]):
            if isinstance(code, str) and isinstance(name, str):
                names.setdefault(code, name)
    return names


def plan_countries(plans: pd.DataFrame) -> list[str]:
    """Every ISO3 code that has at least one plan."""
    return sorted({c for v in plans["countries_iso3"].dropna() for c in str(v).split(";") if c})
