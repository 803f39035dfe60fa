"""Migration queries (IOM Missing Migrants): dead and missing by nationality, period, region, cause and
map cell, the headline totals, and the notes about periods the data do not cover."""
from __future__ import annotations

from datetime import date
from typing import Any, Callable

import numpy as np
import pandas as pd

from .aggregates import _fast_bins, _fast_trend
from .engine import _count, _fast_mask, _fast_sum_by, _gather, _index_of, _keep, _parts, _selected, _within
from .filters import (
    BIN_COLUMNS,
    CAUSE_COLUMNS,
    MMP_COUNTS,
    ORIGIN_COLUMNS,
    REGION_COLUMNS,
    SUMMED,
    TREND_COLUMNS,
    Filters,
    _sorted_desc,
    _sum_by,
    contains_code,
    month_end,
)


def _grouped(cube: pd.DataFrame, f: Filters, keys: list[str], counts: list[str],
             only_groups: tuple[str, ...] | None = None) -> pd.DataFrame:
    """_sum_by(filter_cube(cube, f), keys, counts) (restricted to origin_group in `only_groups` when
    given), through the fast path when the cube has one."""
    hit = _selected(cube, f)
    if hit is not None:
        idx, parts = hit
        if only_groups is not None:
            parts = _keep(idx, parts, "origin_group", "isin", tuple(only_groups))
        if _count(parts):
            return _fast_sum_by(idx, parts, keys, counts)
    rows = filter_cube(cube, f)
    if only_groups is not None:
        rows = rows[rows["origin_group"].isin(list(only_groups)).fillna(False).astype(bool)]
    return _sum_by(rows, keys, counts)


def filter_cube(cube: pd.DataFrame, f: Filters) -> pd.DataFrame:
    """Rows of the cube (or any frame with date/date_end and MMP dimensions) matching `f`.

    A row counts when its period overlaps the date range: for a month-precision row, 1 Jan to 15 Aug
    includes all of August (see `period_note`). A row with a year but no month counts in its year
    (`years`) and in a range holding that whole year, never in part of one (see `undated_outside`).
    Nationality and incident-country filters match any
    code of a multi-country row, which stays one row (never split, never counted twice).
    """
    idx = _index_of(cube)
    if idx is not None:
        return cube[_fast_mask(idx, f)]
    mask = pd.Series(True, index=cube.index)
    if f.date_from is not None or f.date_to is not None:
        start = pd.Timestamp(f.date_from) if f.date_from is not None else None
        stop = pd.Timestamp(f.date_to) if f.date_to is not None else None
        spans = cube["date"].dt.to_period("M") != cube["date_end"].dt.to_period("M")
        mask &= pd.Series(_within(cube["date"], cube["date_end"], spans, start, stop), index=cube.index)
    if f.years:
        mask &= cube["year"].isin(list(f.years))
    if f.region_groups:
        mask &= cube["region_group"].isin(list(f.region_groups)).fillna(False).astype(bool)
    if f.regions:
        mask &= cube["region"].isin(list(f.regions)).fillna(False).astype(bool)
    if f.causes:
        mask &= cube["cause_of_death"].isin(list(f.causes)).fillna(False).astype(bool)
    if f.routes:
        mask &= cube["migration_route"].isin(list(f.routes)).fillna(False).astype(bool)
    if f.origins:
        mask &= contains_code(cube["origin_iso3"], f.origins)
    if f.countries:
        mask &= contains_code(cube["country_of_incident_iso3"], f.countries)
    return cube[mask]


def deaths_by_origin(cube: pd.DataFrame, f: Filters) -> pd.DataFrame:
    """Dead and missing per nationality (origin, origin_iso3, origin_group), largest first.

    An incident with several nationalities counts towards each of them (its row's origin_group is then
    "multiple"), so the rows can add up to more than the selection; `attrs["totals"]` holds the totals
    that count every incident once. "Unknown", "Mixed" and names without a code stay rows as published.
    """
    published = _grouped(cube, f, ["origin", "origin_iso3", "origin_group"], SUMMED)
    out = _per_nationality(published, lambda: _table_names(cube))
    out = _sorted_desc(out, "dead_and_missing", ["origin", "origin_iso3"])[ORIGIN_COLUMNS]
    out.attrs["totals"] = {c: int(published[c].sum()) for c in SUMMED}
    return out


def _per_nationality(published: pd.DataFrame,
                     table_names: Callable[[], dict[str, str]] = dict) -> pd.DataFrame:
    """Sums per published nationality cell -> one row per ISO3 code (a cell with several codes counts
    towards each; its code rows are "multiple"), codes in the order they first appear; rows without a code
    are kept as they are, after them. `table_names()`: see _origin_names. Plain arrays: a selection has a
    few hundred cells, which pandas' explode and groupby took 6 ms to sum."""
    codes = published["origin_iso3"].astype("string")
    coded = codes.notna().to_numpy(bool)
    if not coded.any():
        return published
    cells = [c.split(";") for c in codes[coded].tolist()]
    row = np.repeat(np.arange(len(cells)), [len(c) for c in cells])  # one entry per (cell, code)
    code_ids, found = pd.factorize(np.array([c for each in cells for c in each], dtype=object))
    n = len(found)
    shared = (published["origin_group"][coded] == "multiple").fillna(False).to_numpy(bool)[row]
    out = pd.DataFrame({"origin_iso3": pd.array(list(found), dtype="string")})
    for c in SUMMED:
        sums = np.zeros(n, dtype="int64")
        np.add.at(sums, code_ids, published[c][coded].to_numpy("int64", na_value=0)[row])
        out[c] = sums
    any_shared = np.zeros(n, dtype=bool)
    any_shared[code_ids[shared]] = True
    out["origin_group"] = pd.array(np.where(any_shared, "multiple", "single"), dtype="string")
    names = _origin_names(found, code_ids, shared, published["origin"][coded].tolist(),
                          published["dead_and_missing"][coded].to_numpy("int64", na_value=0), row, table_names)
    out["origin"] = pd.array(names, dtype="string")
    return pd.concat([out[published.columns], published[~coded]], ignore_index=True)


def _origin_names(found: Any, code_ids: np.ndarray, shared: np.ndarray, cells: list[Any],
                  dead_and_missing: np.ndarray, row: np.ndarray,
                  table_names: Callable[[], dict[str, str]] = dict) -> list[str]:
    """A name for each code of `found` (entry k: code found[code_ids[k]] in cell row[k]): the name of its
    largest single-nationality cell in the selection (the first such cell on a tie), else the whole table's
    name for it (`table_names()`, see _table_names), else the code itself. No country matcher at request
    time: the codes came from ingest, which matched the names once."""
    best: dict[int, tuple[int, Any]] = {}
    for k in np.flatnonzero(~shared):
        code, size, name = int(code_ids[k]), int(dead_and_missing[row[k]]), cells[row[k]]
        if isinstance(name, str) and (code not in best or size > best[code][0]):
            best[code] = (size, name)
    whole = table_names() if len(best) < len(found) else {}
    return [best[i][1] if i in best else whole.get(code, code) for i, code in enumerate(found)]


def _table_names(cube: pd.DataFrame) -> dict[str, str]:
    """ISO3 code -> a name as the table publishes it: its largest single-nationality rows' name; for a code
    the table only ever publishes among others ("Canada,India,Romania"), its name in the largest such cell
    whose names pair one to one with its codes (_cell_names); else country_converter's short name
    (coco_short_names). One answer for the chart and the filter's choices (migration_options). Kept with the
    cube's index (once per load), computed afresh for a frame without one."""
    idx = _index_of(cube)
    names: dict[str, str] | None = getattr(idx, "origin_names", None)
    if names is None:
        from .views import coco_short_names  # views imports this module

        coded = cube[cube["origin_iso3"].notna().to_numpy(bool)]
        single = (coded["origin_group"] == "single").fillna(False).to_numpy(bool)
        totals = (coded.groupby(["origin_group", "origin_iso3", "origin"], observed=True)["dead_and_missing"].sum()
                  .reset_index().sort_values("dead_and_missing", ascending=False, kind="mergesort"))
        alone = totals[(totals["origin_group"] == "single").to_numpy(bool)]
        names = {str(c): str(n) for c, n in zip(alone["origin_iso3"][::-1], alone["origin"][::-1])}  # largest wins
        if not single.all():
            shared = totals[(totals["origin_group"] == "multiple").to_numpy(bool)]
            for cell, codes in zip(shared["origin"], shared["origin_iso3"]):  # largest first
                for code, name in _cell_names(str(cell), str(codes)).items():
                    names.setdefault(code, name)
            short = coco_short_names()
            for codes in shared["origin_iso3"]:
                for code in str(codes).split(";"):
                    if code and code not in names and code in short:
                        names[code] = short[code]
        if idx is not None:
            idx.origin_names = names
    return names


def _cell_names(cell: str, codes: str) -> dict[str, str]:
    """Code -> name in one multi-nationality cell, when they pair one to one: the cell split at commas, the
    placeholders (Unknown, Mixed) left out, gives as many names as it has codes, and holds no other separator
    (" and ", "/", ";"). Ingest keeps a cell's codes in its names' order, dropping placeholders, repeats and
    unmatched names; a name with a comma in it ("China, Hong Kong SAR") adds a piece. So equal counts with
    commas only mean every piece is one matched name, in the codes' order. Else {}."""
    from ingest.countries import non_country_kind

    if any(sep in cell.casefold() for sep in (" and ", "/", ";")):
        return {}
    found = codes.split(";")
    pieces = [p.strip() for p in cell.split(",")]
    pieces = [p for p in pieces if p and non_country_kind(p) is None]
    return dict(zip(found, pieces)) if len(pieces) == len(found) and len(set(pieces)) == len(pieces) else {}


def deaths_trend(cube: pd.DataFrame, f: Filters) -> pd.DataFrame:
    """Dead and missing per month (f.freq == "month") or year, with empty periods as zero rows.

    Rows whose month is unknown cannot be placed in a month: in a monthly trend they come last, one
    row per year labelled "YYYY (month unknown)" with no period_start, so nothing is dropped.
    """
    fast = _fast_trend(cube, f)
    if fast is not None:
        return fast
    rows = filter_cube(cube, f)
    if rows.empty:
        return pd.DataFrame({"period": pd.Series([], dtype="string"),
                             "period_start": pd.Series([], dtype="datetime64[ns]"),
                             **{c: pd.Series([], dtype="int64") for c in SUMMED}})[TREND_COLUMNS]
    code = "M" if f.freq == "month" else "Y"
    unplaced = rows[(rows["precision"] == "year").fillna(False).astype(bool)] if code == "M" else rows.iloc[:0]
    placed = rows.drop(index=unplaced.index)
    parts = []
    if not placed.empty:
        starts = placed["date"].dt.to_period(code).dt.start_time
        summed = placed.assign(period_start=starts).groupby("period_start")[SUMMED].sum()
        first = pd.Timestamp(f.date_from) if f.date_from else starts.min()
        last = pd.Timestamp(f.date_to) if f.date_to else placed["date_end"].max()
        full = pd.period_range(first, last, freq=code).start_time
        summed = summed.reindex(full.union(summed.index), fill_value=0)
        out = summed.rename_axis("period_start").reset_index()
        out["period"] = out["period_start"].dt.strftime("%Y-%m" if code == "M" else "%Y")
        parts.append(out)
    if not unplaced.empty:
        by_year = unplaced.groupby("year")[SUMMED].sum().reset_index()
        by_year["period"] = by_year["year"].astype(str) + " (month unknown)"
        by_year["period_start"] = pd.NaT
        parts.append(by_year.drop(columns=["year"]))
    out = pd.concat(parts, ignore_index=True)
    out["period"] = out["period"].astype("string")
    out["period_start"] = pd.to_datetime(out["period_start"]).astype("datetime64[ns]")
    for c in SUMMED:
        out[c] = out[c].astype("int64")
    return out[TREND_COLUMNS]


def deaths_by_region(cube: pd.DataFrame, f: Filters) -> pd.DataFrame:
    """Dead and missing per incident region (with its group), largest first."""
    out = _grouped(cube, f, ["region_group", "region"], SUMMED)
    return _sorted_desc(out, "dead_and_missing", ["region_group", "region"])[REGION_COLUMNS]


def deaths_by_cause(cube: pd.DataFrame, f: Filters) -> pd.DataFrame:
    """Dead and missing per published cause of death (combined causes stay one row), largest first."""
    out = _grouped(cube, f, ["cause_of_death"], SUMMED)
    return _sorted_desc(out, "dead_and_missing", ["cause_of_death"])[CAUSE_COLUMNS]


def incident_bins(geo: pd.DataFrame, f: Filters, max_bins: int = 1500) -> pd.DataFrame:
    """Incidents aggregated on a lat/lon grid (1°, coarsened until at most `max_bins` cells)."""
    fast = _fast_bins(geo, f, max_bins)
    if fast is not None:
        return _sorted_desc(fast, "dead_and_missing", ["lat", "lon"])[BIN_COLUMNS]
    rows = filter_cube(geo, f)
    for size in (1, 2, 5, 10, 30):
        lat = (rows["lat_bin"] // size) * size + size / 2
        lon = (rows["lon_bin"] // size) * size + size / 2
        cells = rows.assign(lat=lat.astype("float64"), lon=lon.astype("float64"))
        out = _sum_by(cells, ["lat", "lon"], SUMMED)
        if len(out) <= max_bins:
            break
    out["bin_degrees"] = pd.Series([float(size)] * len(out), dtype="float64", index=out.index)
    out["lat"] = out["lat"].astype("float64")
    out["lon"] = out["lon"].astype("float64")
    return _sorted_desc(out, "dead_and_missing", ["lat", "lon"])[BIN_COLUMNS]


def migration_totals(cube: pd.DataFrame, f: Filters) -> dict[str, int]:
    """Sums of every count over the selection (dead, missing, dead_and_missing, incidents, …)."""
    idx = _index_of(cube)
    if idx is not None:
        parts = _parts(idx, f)
        return {c: int(_gather(parts, lambda lv, c=c: lv.measures[c]).sum()) if _count(parts) else 0
                for c in MMP_COUNTS}
    rows = filter_cube(cube, f)
    return {c: int(rows[c].sum()) for c in MMP_COUNTS}


def period_note(cube: pd.DataFrame, f: Filters, precision: str,
                undated: list[tuple[int, int]] | None = None) -> dict[str, Any] | None:
    """What the date range really counts when the data are coarser than a day, or None.

    With month precision a range that cuts a month counts that whole month (1 Jan-15 Aug counts all
    of August); rows that only have a year count only when the range holds that whole year. Returns
    {"date_from", "date_to", "counted_from", "counted_to", "cut_months": [first days],
     "undated": undated_outside(cube, f)}; `undated` is that list when the caller has it already.
    """
    if f.date_from is None and f.date_to is None:
        return None
    cut: list[date] = []
    counted_from, counted_to = f.date_from, f.date_to
    if precision == "month":
        if f.date_from is not None and f.date_from.day != 1:
            cut.append(f.date_from.replace(day=1))
            counted_from = f.date_from.replace(day=1)
        if f.date_to is not None and f.date_to != month_end(f.date_to):
            if f.date_to.replace(day=1) not in cut:
                cut.append(f.date_to.replace(day=1))
            counted_to = month_end(f.date_to)
    undated = undated_outside(cube, f) if undated is None else undated
    if not cut and not undated:
        return None
    return {"date_from": f.date_from, "date_to": f.date_to, "counted_from": counted_from,
            "counted_to": counted_to, "cut_months": cut, "undated": undated}


def spanning_rows(cube: pd.DataFrame) -> pd.DataFrame:
    """The rows whose period spans more than one month (a year without month or day): the only rows
    `undated_outside` can count. Kept with the cube's index (once per load: the pages and the API ask
    for every filter), computed afresh for a frame without one."""
    idx = _index_of(cube)
    rows: pd.DataFrame | None = getattr(idx, "spanning_rows", None)
    if rows is None:
        rows = cube[(cube["date"].dt.to_period("M") != cube["date_end"].dt.to_period("M")).to_numpy(bool)]
        if idx is not None:
            idx.spanning_rows = rows
    return rows


def undated_outside(cube: pd.DataFrame, f: Filters) -> list[tuple[int, int]]:
    """(year, incidents) of the incidents with a year but no month or day that match `f` but for its
    date range, whose year the range only partly covers: they count in their year (a year filter,
    or a range holding the whole year), never in part of it. [] without a date range."""
    if f.date_from is None and f.date_to is None:
        return []
    rows = filter_cube(spanning_rows(cube), f.but(date_from=None, date_to=None))
    start = pd.Timestamp(f.date_from or date.min)
    stop = pd.Timestamp(f.date_to or date.max)
    cut = rows[((rows["date_end"] >= start) & (rows["date"] <= stop)
                & ((rows["date"] < start) | (rows["date_end"] > stop))).to_numpy(bool)]
    counted = cut.groupby("year")["incidents"].sum() if "incidents" in cut else cut.groupby("year").size()
    return [(int(y), int(n)) for y, n in counted.items() if n]


def migration_options(cube: pd.DataFrame, names: dict[str, str] | None = None) -> dict[str, Any]:
    """Choices for the filters, from the data: groups, regions (with group), nationalities, causes,
    routes. A code seen only inside multi-country rows is named as the charts name it (_table_names), else
    by `names` (e.g. plan locations), else by the code itself."""
    def distinct(col: str) -> list[str]:
        return sorted(str(v) for v in cube[col].dropna().unique())

    regions = (cube[["region", "region_group"]].dropna(subset=["region"]).drop_duplicates()
               .sort_values(["region_group", "region"], na_position="last"))
    singles = cube[(cube["origin_group"] == "single").fillna(False).astype(bool) & cube["origin_iso3"].notna()]
    published = (singles.groupby(["origin_iso3", "origin"])["dead_and_missing"].size().reset_index()
                 .sort_values(["origin_iso3", "dead_and_missing"], ascending=[True, False])
                 .drop_duplicates("origin_iso3"))
    # ISO3 codes that occur only inside multi-country rows still deserve an option.
    codes = set(published["origin_iso3"])
    for value in cube["origin_iso3"].dropna().unique():
        codes.update(str(value).split(";"))
    name_of = {**(names or {}), **_table_names(cube), **dict(zip(published["origin_iso3"], published["origin"]))}
    origins = sorted(((c, name_of.get(c, c)) for c in codes if c), key=lambda p: p[1])
    has_dates = not cube.empty
    return {
        "region_groups": distinct("region_group"),
        "regions": [(str(r), None if pd.isna(g) else str(g)) for r, g in zip(regions["region"], regions["region_group"])],
        "origins": origins,
        "causes": distinct("cause_of_death"),
        "routes": distinct("migration_route"),
        "countries": sorted({c for v in cube["country_of_incident_iso3"].dropna().unique() for c in str(v).split(";")}),
        "date_min": cube["date"].min().date() if has_dates else None,
        "date_max": cube["date_end"].max().date() if has_dates else None,
        "years": sorted(int(y) for y in cube["year"].unique()) if has_dates else [],
    }
