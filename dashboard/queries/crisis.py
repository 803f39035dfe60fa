"""The crisis view: which plans concern a country (its own, naming it, or covering it), the deaths of its
nationals, and the facts the page's sentence is built from."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterable

import numpy as np
import pandas as pd

from .aggregates import _by_year, _period_labels, _period_starts
from .engine import _count, _gather, _keep, _selected, _sums
from .filters import SUMMED, Filters, is_missing
from .funding import _percent, _plan_ids, plan_rows
from .migration import _grouped, filter_cube


def _fast_crisis_trend(cube: pd.DataFrame, f: Filters) -> pd.DataFrame | None:
    """crisis_deaths_trend through the fast path (None: no fast path or nothing selected)."""
    hit = _selected(cube, f)
    if hit is None:
        return None
    idx, parts = hit
    _codes, uniques = idx.dims["origin_group"]
    position = np.full(len(uniques) + 1, -1, dtype=np.int64)  # code -> index in CRISIS_GROUPS
    for i, value in enumerate(uniques.tolist()):
        if value in CRISIS_GROUPS:
            position[i] = CRISIS_GROUPS.index(value)
    parts = _keep(idx, parts, "origin_group", "isin", CRISIS_GROUPS)
    if not _count(parts):
        return None
    ng = len(CRISIS_GROUPS)
    periods: list[str] = []
    groups_out: list[str] = []
    starts: list[np.ndarray] = []
    sums: dict[str, list[np.ndarray]] = {c: [] for c in SUMMED}
    placed = _keep(idx, parts, "precision", "eq", ("year",), negate=True)
    unplaced = _keep(idx, parts, "precision", "eq", ("year",))
    if _count(placed):
        pg = _gather(placed, lambda lv: position[lv.codes["origin_group"]])
        months = _gather(placed, lambda lv: lv.months)
        lo = int(months.min())
        n_months = int(months.max()) - lo + 1
        key = (months - lo) * ng + pg
        groups = sorted(set(np.unique(pg).tolist()))  # CRISIS_GROUPS order
        cells = (np.arange(n_months)[:, None] * ng + np.asarray(groups)[None, :]).reshape(-1)
        for c, s in _sums(key, placed, SUMMED, n_months * ng).items():
            sums[c].append(s[cells])
        numbers = np.repeat(np.arange(lo, lo + n_months, dtype=np.int64), len(groups))
        periods += _period_labels(numbers, "M")
        starts.append(_period_starts(numbers, "M"))
        groups_out += [CRISIS_GROUPS[g] for g in groups] * n_months
    if _count(unplaced):
        # groupby(["year", "origin_group"]) order: year, then the group's name
        rank = np.asarray([sorted(CRISIS_GROUPS).index(g) for g in CRISIS_GROUPS], dtype=np.int64)
        uniq, by_year = _by_year(idx, unplaced, _gather(unplaced, lambda lv: rank[position[lv.codes["origin_group"]]]),
                                 ng)
        for c in SUMMED:
            sums[c].append(by_year[c])
        periods += [f"{k // ng} (month unknown)" for k in uniq.tolist()]
        groups_out += [sorted(CRISIS_GROUPS)[k % ng] for k in uniq.tolist()]
        starts.append(np.full(len(uniq), np.datetime64("NaT"), dtype="datetime64[ns]"))
    out = pd.DataFrame({"period": pd.Series(periods, dtype="string"),
                        "period_start": pd.Series(np.concatenate(starts), dtype="datetime64[ns]"),
                        "origin_group": pd.Series(groups_out, dtype="string")})
    for c in SUMMED:
        out[c] = np.concatenate(sums[c]).astype("int64")
    return out[CRISIS_TREND_COLUMNS]
RELATIONS = ("country", "named", "covers")


"""How a plan relates to a country: its own plan ("country"), a regional plan for that country's
people that names it while its countries are the host countries ("named", e.g. the RMRP for
Venezuelans), or a regional/global plan whose countries include it ("covers")."""
PUBLISHED_PREFIX = "published figure"
CRISIS_PLAN_COLUMNS = [
    "country_iso3", "plan_id", "plan_code", "plan_name", "plan_type", "year", "is_regional", "relation",
    "figure_kind", "requirements_usd", "funding_usd", "unmet_usd", "percent_funded", "people_in_need",
    "people_targeted", "country_requirements_usd", "country_funding_usd", "country_share_percent",
    "country_funding_share_percent", "countries_iso3", "figures_source", "people_source"]
CRISIS_GROUPS = ("single", "multiple")
CRISIS_TREND_COLUMNS = ["period", "period_start", "origin_group", "dead", "missing", "dead_and_missing", "incidents"]
_NAME_SUFFIX = r"(?:n|ns)?"  # "Venezuela" also matches "Venezuelan(s)", "Syria" "Syrian(s)"


def clean_country_names(names: Iterable[str]) -> list[str]:
    """Usable spellings of a country's names: parentheses and ", …of" tails removed as extra variants
    ("Venezuela (Bolivarian Republic of)" -> also "Venezuela"); codes and blanks dropped."""
    out: list[str] = []
    for name in names:
        if not isinstance(name, str) or not any(ch.islower() for ch in name):
            continue  # "AFG" in a location column is a code, not a name
        for variant in (name, re.sub(r"\s*\(.*?\)\s*", " ", name).strip(), name.split(", ")[0].strip()):
            if variant and variant not in out and any(ch.islower() for ch in variant):
                out.append(variant)
    return out


def _name_regex(name: str) -> re.Pattern[str]:
    return re.compile(r"(?<!\w)" + re.escape(name) + _NAME_SUFFIX + r"(?!\w)", re.IGNORECASE)


def named_countries(text: str, names: dict[str, tuple[str, ...]]) -> set[str]:
    """ISO3 codes whose name occurs in `text` as whole words ("Venezuelan" counts for Venezuela).

    A match inside a longer match of another country's name does not count, so "Sudan" is not
    found in "South Sudan", "Guinea" in "Papua New Guinea" or "Dominica" in "Dominican Republic".
    """
    if not isinstance(text, str) or not text:
        return set()
    hits: list[tuple[int, int, str]] = []
    lowered = text.casefold()
    for code, variants in names.items():
        for variant in variants:
            if variant.casefold() not in lowered:  # cheap pre-check before the regex
                continue
            hits.extend((m.start(), m.end(), code) for m in _name_regex(variant).finditer(text))
    return {code for start, end, code in hits
            if not any(s <= start and end <= e and (e - s) > (end - start) and c != code for s, e, c in hits)}


def plan_relation(row: Any, country: str, names: dict[str, tuple[str, ...]]) -> str | None:
    """How the plan `row` relates to `country` (one of RELATIONS), or None when it does not."""
    codes = [c for c in str(row["countries_iso3"]).split(";") if c] if not pd.isna(row["countries_iso3"]) else []
    regional = bool(row["is_regional"])
    if country in codes:
        return "covers" if regional else "country"
    if regional and country in named_countries(str(row["plan_name"]), names):
        return "named"
    return None


def is_published_figure(source: Any) -> bool:
    """True for a curated figure ("published figure: <source>"), False for FTS data."""
    return isinstance(source, str) and source.strip().lower().startswith(PUBLISHED_PREFIX)


@dataclass(frozen=True)
class PlanRelations:
    """What crisis_plans needs of every plan, worked out once per load: all plans as plan_rows gives
    them (no filter) and, per row, its ISO3 codes, whether it is regional and the countries its name
    names (the regex part of plan_relation)."""

    rows: pd.DataFrame
    codes: tuple[frozenset[str], ...]
    regional: tuple[bool, ...]
    named: tuple[frozenset[str], ...]
    years: np.ndarray

    def relation(self, i: int, country: str) -> str | None:
        """plan_relation of row i (same rules, without re-reading the name)."""
        if country in self.codes[i]:
            return "covers" if self.regional[i] else "country"
        if self.regional[i] and country in self.named[i]:
            return "named"
        return None


def plan_relations(plans: pd.DataFrame, names: dict[str, tuple[str, ...]]) -> PlanRelations:
    """PlanRelations of `plans` for the country names `names`."""
    rows = plan_rows(plans, Filters())
    codes = tuple(frozenset(c for c in str(v).split(";") if c) if not pd.isna(v) else frozenset()
                  for v in rows["countries_iso3"])
    regional = tuple(bool(v) for v in rows["is_regional"])
    named = tuple(frozenset(named_countries(str(n), names)) if r else frozenset()
                  for n, r in zip(rows["plan_name"], regional))
    return PlanRelations(rows, codes, regional, named, rows["year"].to_numpy())


def crisis_plans(plans: pd.DataFrame, locations: pd.DataFrame, country: str,
                 names: dict[str, tuple[str, ...]], years: Iterable[int] = (),
                 relations: PlanRelations | None = None) -> pd.DataFrame:
    """Every plan that relates to `country`, oldest first (own plan, then plans for its people, then
    plans covering it): relation, FTS or published figure, percent and unmet filled in, and the
    country's part of a plan where FTS gives a per-location breakdown (fts_plan_locations):
    its requirements and funding, and their share of the plan's. `relations` (plan_relations of the
    same plans and names) saves working out every plan's relations again."""
    rel = relations if relations is not None else plan_relations(plans, names)
    years = tuple(years)
    related = [(i, r) for i in range(len(rel.codes)) if (r := rel.relation(i, country)) is not None]
    if years:
        wanted = set(years)
        related = [(i, r) for i, r in related if int(rel.years[i]) in wanted]
    rows = rel.rows.iloc[[i for i, _r in related]].reset_index(drop=True)
    rows = rows.assign(relation=pd.Series([r for _i, r in related], index=rows.index, dtype="object"))
    mine = locations[(locations["location_iso3"] == country).fillna(False).astype(bool)]
    part = (mine.groupby("plan_id")[["requirements_usd", "funding_usd"]].sum(min_count=1)
            .rename(columns={"requirements_usd": "country_requirements_usd", "funding_usd": "country_funding_usd"})
            .reset_index())
    rows = rows.merge(part, on="plan_id", how="left")
    for col in ("country_requirements_usd", "country_funding_usd"):
        rows[col] = rows[col].astype("Int64")
    rows["country_share_percent"] = _percent(rows["country_requirements_usd"], rows["requirements_usd"])
    rows["country_funding_share_percent"] = _percent(rows["country_funding_usd"], rows["funding_usd"])
    rows["figure_kind"] = pd.Series(["published figure" if is_published_figure(s) else "FTS"
                                     for s in rows["figures_source"]], index=rows.index, dtype="string")
    rows["country_iso3"] = pd.Series([country] * len(rows), index=rows.index, dtype="string")
    rows["relation"] = rows["relation"].astype("string")
    order = {r: i for i, r in enumerate(RELATIONS)}
    rows = rows.assign(_rel=rows["relation"].map(order).astype("int64"),
                       _req=rows["requirements_usd"].astype("Float64").fillna(-1))
    rows = rows.sort_values(["year", "_rel", "_req", "plan_id"], ascending=[True, True, False, True],
                            kind="mergesort")
    return rows[CRISIS_PLAN_COLUMNS].reset_index(drop=True)


class CrisisPlanIndex:
    """crisis_plans for any country, from work done once per load: the related-plan rules per plan
    (PlanRelations), every column that does not depend on the country, and each country's part of
    each plan (fts_plan_locations summed per country and plan). A request only picks rows."""

    def __init__(self, plans: pd.DataFrame, locations: pd.DataFrame, names: dict[str, tuple[str, ...]]) -> None:
        self.relations = plan_relations(plans, names)
        rows = self.relations.rows
        self.base = rows.assign(figure_kind=pd.Series(["published figure" if is_published_figure(s) else "FTS"
                                                       for s in rows["figures_source"]], index=rows.index,
                                                      dtype="string"))
        self.req = rows["requirements_usd"].astype("Float64").fillna(-1).to_numpy(dtype="float64")
        self.year = rows["year"].to_numpy(dtype="int64")
        self.plan_id = rows["plan_id"].to_numpy(dtype="int64")
        self.parts: dict[str, pd.DataFrame] = {}
        for code, mine in locations.groupby("location_iso3", sort=False, dropna=True):
            self.parts[str(code)] = (
                mine.groupby("plan_id")[["requirements_usd", "funding_usd"]].sum(min_count=1)
                .rename(columns={"requirements_usd": "country_requirements_usd",
                                 "funding_usd": "country_funding_usd"}).reset_index())
        self.no_part = (locations.iloc[:0].groupby("plan_id")[["requirements_usd", "funding_usd"]].sum(min_count=1)
                        .rename(columns={"requirements_usd": "country_requirements_usd",
                                         "funding_usd": "country_funding_usd"}).reset_index())

    def rows(self, country: str, years: Iterable[int] = ()) -> pd.DataFrame:
        """crisis_plans(plans, locations, country, names, years), the same frame."""
        rel = self.relations
        wanted = set(years)
        related = [(i, r) for i in range(len(rel.codes)) if (r := rel.relation(i, country)) is not None
                   and (not wanted or int(self.year[i]) in wanted)]
        pos = np.asarray([i for i, _r in related], dtype=np.int64)
        order = {r: k for k, r in enumerate(RELATIONS)}
        rank = np.asarray([order[r] for _i, r in related], dtype=np.int64)
        # sort_values(["year", "_rel", "_req", "plan_id"], ascending=[T, T, F, T], kind="mergesort")
        sort = np.lexsort((self.plan_id[pos], -self.req[pos], rank, self.year[pos])) if len(pos) else pos
        rows = self.base.iloc[pos[sort]].reset_index(drop=True)
        rows["relation"] = pd.Series([related[k][1] for k in sort.tolist()], index=rows.index, dtype="string")
        part = self.parts.get(country, self.no_part)
        rows = rows.merge(part, on="plan_id", how="left")
        for col in ("country_requirements_usd", "country_funding_usd"):
            rows[col] = rows[col].astype("Int64")
        rows["country_share_percent"] = _percent(rows["country_requirements_usd"], rows["requirements_usd"])
        rows["country_funding_share_percent"] = _percent(rows["country_funding_usd"], rows["funding_usd"])
        rows["country_iso3"] = pd.Series([country] * len(rows), index=rows.index, dtype="string")
        return rows[CRISIS_PLAN_COLUMNS]


def plans_rows_of(frame: pd.DataFrame, plans: pd.DataFrame, f: Filters) -> pd.DataFrame:
    """The rows of `frame` (cluster_rows or donor_rows of every plan, computed once per load) for the
    plans `f` selects: the same as computing them for those plans, since every row depends only on
    its own plan (a donor's share is of its plan's total) and a subset keeps the sorted order."""
    ids = _plan_ids(plans, f)
    if ids is None:
        return frame
    out = frame[frame["plan_id"].isin(ids).to_numpy(dtype=bool)].reset_index(drop=True)
    # Rows of plans missing from fts_plans made the merged plan columns nullable floats in `frame`; the
    # picked rows all have their plan, as they would have had when computed alone.
    for col in ("plan_code", "year"):
        if col in out and out[col].dtype != plans[col].dtype and not out[col].isna().any():
            out[col] = out[col].astype(plans[col].dtype)
    return out


def _crisis_rows(cube: pd.DataFrame, f: Filters) -> pd.DataFrame:
    """Cube rows of the selection with a known nationality: one nationality ("single") or an incident
    with several ("multiple"; kept whole, never split between its nationalities)."""
    rows = filter_cube(cube, f)
    return rows[rows["origin_group"].isin(list(CRISIS_GROUPS)).fillna(False).astype(bool)]


def crisis_deaths_by(cube: pd.DataFrame, f: Filters, keys: list[str]) -> pd.DataFrame:
    """Dead and missing of the selected nationalities (f.origins) per `keys` (e.g. region, route or
    cause) and nationality group: 'single' rows are people of that nationality (at least N of them),
    'multiple' rows are incidents with several nationalities including it, kept apart and never split.
    Single first, then largest first."""
    out = _grouped(cube, f, ["origin_group", *keys], SUMMED, only_groups=CRISIS_GROUPS)
    out = out.assign(_g=out["origin_group"].map({g: i for i, g in enumerate(CRISIS_GROUPS)}).astype("int64"))
    out = out.sort_values(["_g", "dead_and_missing", *keys], ascending=[True, False] + [True] * len(keys),
                          na_position="last", kind="mergesort")
    return out[[*keys, "origin_group", *SUMMED]].reset_index(drop=True)


def crisis_deaths_trend(cube: pd.DataFrame, f: Filters) -> pd.DataFrame:
    """Dead and missing of the selected nationalities per month and nationality group ('single',
    'multiple'), every month from the first to the last with a record (zeros in between). Rows
    without a month come last as "YYYY (month unknown)" with no period_start."""
    fast = _fast_crisis_trend(cube, f)
    if fast is not None:
        return fast
    rows = _crisis_rows(cube, f)
    empty = pd.DataFrame({"period": pd.Series([], dtype="string"),
                          "period_start": pd.Series([], dtype="datetime64[ns]"),
                          "origin_group": pd.Series([], dtype="string"),
                          **{c: pd.Series([], dtype="int64") for c in SUMMED}})
    if rows.empty:
        return empty[CRISIS_TREND_COLUMNS]
    known = (rows["precision"] != "year").fillna(True).astype(bool)
    parts = []
    placed = rows[known]
    if not placed.empty:
        starts = placed["date"].dt.to_period("M").dt.start_time
        summed = placed.assign(period_start=starts).groupby(["period_start", "origin_group"])[SUMMED].sum()
        months = pd.period_range(starts.min(), starts.max(), freq="M").start_time
        groups = sorted(set(placed["origin_group"].astype(str)), key=CRISIS_GROUPS.index)
        full = pd.MultiIndex.from_product([months, groups], names=["period_start", "origin_group"])
        out = summed.reindex(full, fill_value=0).reset_index()
        out["period"] = out["period_start"].dt.strftime("%Y-%m")
        parts.append(out)
    unplaced = rows[~known]
    if not unplaced.empty:
        by_year = unplaced.groupby(["year", "origin_group"])[SUMMED].sum().reset_index()
        by_year["period"] = by_year["year"].astype(str) + " (month unknown)"
        by_year["period_start"] = pd.NaT
        parts.append(by_year.drop(columns=["year"]))
    out = pd.concat(parts, ignore_index=True)
    out["period"] = out["period"].astype("string")
    out["origin_group"] = out["origin_group"].astype("string")
    out["period_start"] = pd.to_datetime(out["period_start"]).astype("datetime64[ns]")
    for c in SUMMED:
        out[c] = out[c].astype("int64")
    return out[CRISIS_TREND_COLUMNS]


def crisis_years(plans: pd.DataFrame, trend: pd.DataFrame) -> dict[str, list[int]]:
    """Years with a related plan, years with a recorded death of the nationality, and years with both."""
    plan_years = sorted({int(y) for y in plans["year"]})
    counted = trend[trend["dead_and_missing"] != 0]
    death_years = sorted({int(str(p)[:4]) for p in counted["period"]})
    return {"plans": plan_years, "deaths": death_years, "both": sorted(set(plan_years) & set(death_years))}


def crisis_default_year(plans: pd.DataFrame, trend: pd.DataFrame) -> int | None:
    """The year the crisis view opens on: the latest year with both a related plan and recorded
    deaths of the nationality; else the latest year with a plan; else with deaths; else None."""
    years = crisis_years(plans, trend)
    for key in ("both", "plans", "deaths"):
        if years[key]:
            return years[key][-1]
    return None


def _share(n: Any, total: Any) -> float | None:
    return float(n) / float(total) * 100 if total else None


def _top(rows: pd.DataFrame, key: str, skip: tuple[str, ...] = ()) -> dict[str, Any] | None:
    """The largest value of `key` among single-nationality rows (summed over other keys), with its share;
    a tie goes to the value first in order. Plain Python over the few rows of a year's breakdown."""
    total, seen = 0, False
    by: dict[Any, int] = {}
    for value, group, n in zip(rows[key].tolist(), rows["origin_group"].tolist(), rows["dead_and_missing"].tolist()):
        if not (isinstance(group, str) and group == "single"):
            continue
        seen, total = True, total + n
        if not is_missing(value) and value not in skip:
            by[value] = by.get(value, 0) + n
    found = [(n, value) for value, n in by.items() if n > 0]
    if not seen or not found:
        return None
    n, value = min(found, key=lambda item: (-item[0], item[1]))
    share = _share(n, int(total))
    return {"value": str(value), "n": int(n), "share_percent": share, "most": share is not None and share > 50}


UNKNOWN_CAUSES = ("Mixed or unknown",)


def crisis_facts(plans: pd.DataFrame, by_region: pd.DataFrame, by_cause: pd.DataFrame, country: str,
                 year: int | None) -> dict[str, Any]:
    """The numbers behind the crisis summary sentence, taken from the same rows as the charts:
    `plans` from crisis_plans, `by_region` and `by_cause` from crisis_deaths_by for the year.

    Returns {"country", "year", "own": {...} | None, "regional": [{...}], "deaths": {...}}:
    own = the country's own plan(s) of the year summed (percent as published for a single plan);
    regional = plans for its people or covering it (relation, figures, the country's part);
    deaths = single-nationality dead and missing ("at least N"), incidents with several nationalities
    including it (kept apart), the top region and cause ("most" when above half).
    """
    year_rows = plans[plans["year"] == year] if year is not None else plans.iloc[:0]
    own_rows = year_rows[year_rows["relation"] == "country"]
    own = None
    if not own_rows.empty:
        req = own_rows["requirements_usd"].astype("Float64").sum(min_count=1)
        fund = own_rows["funding_usd"].astype("Float64").sum(min_count=1)
        pct = (own_rows["percent_funded"].iloc[0] if len(own_rows) == 1
               else (fund / req * 100 if not pd.isna(req) and req else None))
        own = {"plans": len(own_rows), "plan_ids": [int(p) for p in own_rows["plan_id"]],
               "plan_codes": [None if pd.isna(c) else str(c) for c in own_rows["plan_code"]],
               "requirements_usd": None if pd.isna(req) else int(req),
               "funding_usd": None if pd.isna(fund) else int(fund),
               "percent_funded": None if pct is None or pd.isna(pct) else float(pct),
               "published": bool((own_rows["figure_kind"] == "published figure").any()),
               "sources": sorted(set(str(s) for s in own_rows["figures_source"].dropna()))}
    regional = []
    for r in year_rows[year_rows["relation"] != "country"].itertuples():
        regional.append({k: (None if is_missing(v) else (v.item() if hasattr(v, "item") else v)) for k, v in {
            "plan_id": r.plan_id, "plan_code": r.plan_code, "plan_name": r.plan_name, "relation": r.relation,
            "requirements_usd": r.requirements_usd, "funding_usd": r.funding_usd, "percent_funded": r.percent_funded,
            "people_in_need": r.people_in_need, "people_targeted": r.people_targeted,
            "country_requirements_usd": r.country_requirements_usd, "country_funding_usd": r.country_funding_usd,
            "country_share_percent": r.country_share_percent, "figures_source": r.figures_source}.items()})
        regional[-1]["published"] = r.figure_kind == "published figure"
    sums = {(g, c): 0 for g in CRISIS_GROUPS for c in ("dead_and_missing", "incidents")}
    for group, n, k in zip(by_region["origin_group"].tolist(), by_region["dead_and_missing"].tolist(),
                           by_region["incidents"].tolist()):
        if isinstance(group, str) and group in CRISIS_GROUPS:
            sums[group, "dead_and_missing"] += n
            sums[group, "incidents"] += k
    deaths = {
        "single": int(sums["single", "dead_and_missing"]),
        "single_incidents": int(sums["single", "incidents"]),
        "multiple": int(sums["multiple", "dead_and_missing"]),
        "multiple_incidents": int(sums["multiple", "incidents"]),
        "region": _top(by_region, "region"),
        "cause": _top(by_cause, "cause_of_death", skip=UNKNOWN_CAUSES),
    }
    return {"country": country, "year": year, "own": own, "regional": regional, "deaths": deaths}
