"""Trends and map bins on the fast path (engine.py): sums per period and per grid cell."""
from __future__ import annotations

import numpy as np
import pandas as pd

from .engine import _BIN_SIZES, CubeIndex, Parts, _count, _gather, _keep, _period_number, _selected, _sums
from .filters import SUMMED, TREND_COLUMNS, Filters


def _period_starts(numbers: np.ndarray, code: str) -> np.ndarray:
    if code == "M":
        return (np.asarray(numbers, dtype=np.int64) - 1970 * 12).astype("datetime64[M]").astype("datetime64[ns]")
    return (np.asarray(numbers, dtype=np.int64) - 1970).astype("datetime64[Y]").astype("datetime64[ns]")


def _period_labels(numbers: np.ndarray, code: str) -> list[str]:
    if code == "M":
        return [f"{n // 12:04d}-{n % 12 + 1:02d}" for n in numbers.tolist()]
    return [f"{n:04d}" for n in numbers.tolist()]


def _by_year(idx: CubeIndex, parts: Parts, extra: np.ndarray | None = None, base: int = 1
             ) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Rows without a month summed per year (and `extra` code < base, e.g. a nationality group's
    rank): the sorted keys year * base + extra, and the SUMMED counts per key."""
    key = _gather(parts, lambda lv: lv.year) * base + (0 if extra is None else extra)
    uniq, inv = np.unique(key, return_inverse=True)
    return uniq, _sums(inv.reshape(-1), parts, SUMMED, len(uniq))


def _fast_trend(cube: pd.DataFrame, f: Filters) -> pd.DataFrame | None:
    """deaths_trend through the fast path (None: no fast path or nothing selected)."""
    hit = _selected(cube, f)
    if hit is None:
        return None
    idx, parts = hit
    code = "M" if f.freq == "month" else "Y"
    if code == "M":
        placed = _keep(idx, parts, "precision", "eq", ("year",), negate=True)
        unplaced = _keep(idx, parts, "precision", "eq", ("year",))
    else:
        placed, unplaced = parts, []
    periods: list[str] = []
    starts: list[np.ndarray] = []
    sums: dict[str, list[np.ndarray]] = {c: [] for c in SUMMED}
    if _count(placed):
        per = _gather(placed, (lambda lv: lv.months) if code == "M" else (lambda lv: lv.date_years()))
        lo = int(per.min())
        offs = per - lo
        present = np.bincount(offs)
        first = _period_number(pd.Timestamp(f.date_from), code) if f.date_from else lo
        last = (_period_number(pd.Timestamp(f.date_to), code) if f.date_to
                else _period_number(pd.Timestamp(int(_gather(placed, lambda lv: lv.date_end).max())), code))
        numbers = np.union1d(np.arange(first, last + 1, dtype=np.int64), lo + np.flatnonzero(present))
        inside = (numbers >= lo) & (numbers < lo + len(present))
        for c, s in _sums(offs, placed, SUMMED).items():
            col = np.zeros(len(numbers), dtype="int64")
            col[inside] = s[numbers[inside] - lo]
            sums[c].append(col)
        periods += _period_labels(numbers, code)
        starts.append(_period_starts(numbers, code))
    if _count(unplaced):
        uniq, by_year = _by_year(idx, unplaced)
        for c in SUMMED:
            sums[c].append(by_year[c])
        periods += [f"{y} (month unknown)" for y in uniq.tolist()]
        starts.append(np.full(len(uniq), np.datetime64("NaT"), dtype="datetime64[ns]"))
    out = pd.DataFrame({"period": pd.Series(periods, dtype="string"),
                        "period_start": pd.Series(np.concatenate(starts), dtype="datetime64[ns]")})
    for c in SUMMED:
        out[c] = np.concatenate(sums[c]).astype("int64")
    return out[TREND_COLUMNS]


def _fast_bins(geo: pd.DataFrame, f: Filters, max_bins: int) -> pd.DataFrame | None:
    """incident_bins through the fast path, before sorting (None: no fast path or nothing selected)."""
    hit = _selected(geo, f)
    if hit is None or "lat_bin" not in geo.columns:
        return None
    idx, parts = hit
    lat_all = _gather(parts, lambda lv: lv.extra["lat_bin"])
    lon_all = _gather(parts, lambda lv: lv.extra["lon_bin"])
    for size in _BIN_SIZES:
        lat, lon = lat_all // size, lon_all // size
        la0, lo0 = int(lat.min()), int(lon.min())
        width = int(lon.max()) - lo0 + 1
        key = (lat - la0) * width + (lon - lo0)
        present = np.bincount(key)
        cells = np.flatnonzero(present)
        if len(cells) <= max_bins:
            break
    out = pd.DataFrame({"lat": ((cells // width + la0) * size + size / 2).astype("float64"),
                        "lon": ((cells % width + lo0) * size + size / 2).astype("float64")})
    for c, s in _sums(key, parts, SUMMED, len(present)).items():
        out[c] = s[cells]
    out["bin_degrees"] = pd.Series([float(size)] * len(out), dtype="float64", index=out.index)
    return out
