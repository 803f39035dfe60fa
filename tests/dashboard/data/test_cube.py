"""The cube's fast path (integer codes + np.bincount, dashboard.queries.index_cube) gives exactly the
answers of the plain pandas path, on random filters over a synthetic cube with NA dimension values,
negative 'missing' corrections, multi-nationality rows and day/month/year precision rows."""
from __future__ import annotations

import random
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from dashboard import queries as q
from dashboard.data import GEO_COLUMNS
from dashboard.data.cube import _typed
from dashboard.queries import Filters

REGIONS = [("Mediterranean", "Central Mediterranean"), ("Mediterranean", "Western Mediterranean"),
           ("Americas", "US-Mexico border"), ("Americas", "Caribbean"), ("Africa", "Sahara Desert"),
           (None, None), ("Asia", None)]
ORIGINS = [("Afghanistan", "AFG", "single"), ("Syrian Arab Republic", "SYR", "single"),
           ("Mexico", "MEX", "single"), ("Afghanistan,Syria", "AFG;SYR", "multiple"),
           ("Mexico,Guatemala,Honduras", "MEX;GTM;HND", "multiple"), ("Unknown", None, "unknown"),
           ("Mixed", None, "mixed"), (None, None, None), ("Venezuela", "VEN", "single")]
COUNTRIES = ["LBY", "ITA", "MEX;USA", "USA", None, "GRC"]
CAUSES = ["Drowning", "Violence", "Mixed or unknown", None, "Drowning,Violence"]
ROUTES = ["Central Mediterranean", "US-Mexico border crossing", None, "Atlantic route to Canary Islands"]


def synthetic(n: int, seed: int, geo: bool = False) -> pd.DataFrame:
    rng = random.Random(seed)
    rows = []
    for _ in range(n):
        year = rng.randint(2014, 2025)
        kind = rng.random()
        if kind < 0.75:
            d = date(year, 1, 1) + timedelta(days=rng.randint(0, 364))
            start, end, precision, month = d, d, "day", d.month
        elif kind < 0.92:
            month = rng.randint(1, 12)
            start, end, precision = date(year, month, 1), q.month_end(date(year, month, 1)), "month"
        else:
            start, end, precision, month = date(year, 1, 1), date(year, 12, 31), "year", None
        group, region = rng.choice(REGIONS)
        origin, iso3, ogroup = rng.choice(ORIGINS)
        dead, missing = rng.randint(0, 40), rng.randint(-5, 30)  # negative: a correction
        row = {"date": start, "date_end": end, "precision": precision, "year": year, "month": month,
               "region": region, "region_group": group, "country_of_incident_iso3": rng.choice(COUNTRIES),
               "origin": origin, "origin_iso3": iso3, "origin_group": ogroup,
               "cause_of_death": rng.choice(CAUSES), "migration_route": rng.choice(ROUTES),
               "incidents": rng.randint(1, 4), "dead": dead, "missing": missing, "dead_and_missing": dead + missing,
               "survivors": rng.randint(0, 9), "females": rng.randint(0, 3), "males": rng.randint(0, 3),
               "children": rng.randint(0, 2)}
        if geo:
            row["lat_bin"], row["lon_bin"] = rng.randint(-60, 70), rng.randint(-179, 179)
        rows.append(row)
    frame = pd.DataFrame(rows).sort_values("date", kind="mergesort").reset_index(drop=True)
    return _typed(frame[GEO_COLUMNS if geo else q.CUBE_COLUMNS])


def random_filters(rng: random.Random) -> Filters:
    def some(values):
        values = [v for v in values if v is not None]
        return tuple(rng.sample(values, rng.randint(1, 2))) if rng.random() < 0.3 else ()

    kw = {}
    if rng.random() < 0.5:
        a = date(2014, 1, 1) + timedelta(days=rng.randint(0, 4000))
        kw["date_from"] = a
        if rng.random() < 0.7:
            kw["date_to"] = a + timedelta(days=rng.randint(0, 1500))
    elif rng.random() < 0.3:
        kw["date_to"] = date(2014, 1, 1) + timedelta(days=rng.randint(0, 4000))
    if rng.random() < 0.2:
        kw["years"] = tuple(rng.sample(range(2014, 2026), rng.randint(1, 3)))
    return Filters(**kw, region_groups=some({g for g, _r in REGIONS}), regions=some({r for _g, r in REGIONS}),
                   origins=some(["AFG", "SYR", "MEX", "GTM", "VEN", "XXX"]), countries=some(["USA", "LBY", "ITA"]),
                   causes=some(CAUSES), routes=some(ROUTES), freq=rng.choice(["month", "month", "year"]))


QUERIES = {
    "origin": q.deaths_by_origin,
    "trend": q.deaths_trend,
    "region": q.deaths_by_region,
    "cause": q.deaths_by_cause,
    "crisis_trend": q.crisis_deaths_trend,
    "crisis_region": lambda c, f: q.crisis_deaths_by(c, f, ["region_group", "region"]),
    "crisis_route": lambda c, f: q.crisis_deaths_by(c, f, ["migration_route"]),
    "crisis_cause": lambda c, f: q.crisis_deaths_by(c, f, ["cause_of_death"]),
    "filter": q.filter_cube,
}


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2])
def test_fast_path_equals_pandas(seed):
    naive = synthetic(3000, seed)
    fast = q.index_cube(naive.copy())
    assert q.engine._index_of(fast) is not None and q.engine._index_of(naive) is None
    rng = random.Random(seed)
    for _ in range(25):
        f = random_filters(rng)
        for name, fn in QUERIES.items():
            assert_frame_equal(fn(fast, f), fn(naive, f), obj=f"{name} {f}")
        assert q.migration_totals(fast, f) == q.migration_totals(naive, f)
        assert q.period_note(fast, f, "day") == q.period_note(naive, f, "day")


@pytest.mark.parametrize("seed", [4, 5])
def test_fast_bins_equal_pandas(seed):
    naive = synthetic(4000, seed, geo=True)
    fast = q.index_cube(naive.copy())
    rng = random.Random(seed)
    for _ in range(15):
        f = random_filters(rng)
        for max_bins in (1500, 300, 40, 3):
            assert_frame_equal(q.incident_bins(fast, f, max_bins), q.incident_bins(naive, f, max_bins), obj=str(f))


def test_selective_and_empty_selections():
    naive = synthetic(500, 7)
    fast = q.index_cube(naive.copy())
    for f in (Filters(origins=("ZZZ",)), Filters(date_from=date(2030, 1, 1)), Filters(causes=("Violence",)),
              Filters(origins=("AFG",), freq="year"), Filters(regions=("Caribbean",), date_to=date(2014, 1, 31))):
        for name, fn in QUERIES.items():
            assert_frame_equal(fn(fast, f), fn(naive, f), obj=f"{name} {f}")


def test_dataset_cube_is_indexed_and_index_follows_the_frame():
    from dashboard.data import Dataset

    ds = Dataset.from_tables({})
    assert q.engine._index_of(ds.cube) is not None and q.engine._index_of(ds.geo) is not None
    assert_frame_equal(q.deaths_by_origin(ds.cube, Filters()), q.deaths_by_origin(ds.cube.copy(), Filters()))
    assert q.engine._index_of(ds.cube.copy()) is None  # a copy is not indexed: it takes the plain path


def test_the_index_belongs_to_its_frame_and_goes_with_it():
    import gc
    import weakref

    cube = q.index_cube(synthetic(200, 7))
    idx = weakref.ref(q.engine._index_of(cube))
    assert idx() is not None
    assert q.engine._index_of(cube[cube["year"] > 0]) is None and q.engine._index_of(cube.head(5)) is None
    del cube
    gc.collect()
    assert idx() is None  # nothing else holds the index: freed with the frame (no registry keeps it alive)


def test_big_sums_stay_exact():
    naive = synthetic(200, 8)
    naive["dead"] = np.int64(2**40) + np.arange(len(naive))
    naive["dead_and_missing"] = naive["dead"] + naive["missing"]
    fast = q.index_cube(naive.copy())
    assert_frame_equal(q.deaths_by_region(fast, Filters()), q.deaths_by_region(naive, Filters()))


def test_unsorted_cube_takes_the_full_mask():
    naive = synthetic(1500, 9).sample(frac=1, random_state=3).reset_index(drop=True)
    fast = q.index_cube(naive.copy())
    assert not q.engine._index_of(fast).sorted
    rng = random.Random(9)
    for _ in range(10):
        f = random_filters(rng)
        for name, fn in QUERIES.items():
            assert_frame_equal(fn(fast, f), fn(naive, f), obj=f"{name} {f}")


def _dense(n: int, seed: int, geo: bool = False) -> pd.DataFrame:
    """A synthetic cube with few dimension values, so many rows share a month and every dimension (the
    month level then sums several rows into one)."""
    frame = synthetic(n, seed, geo=geo)
    rng = np.random.default_rng(seed)
    for col, values in (("country_of_incident_iso3", ["MEX;USA"]), ("cause_of_death", ["Drowning", None]),
                        ("migration_route", ["Central Mediterranean"]), ("region", ["North Africa"]),
                        ("region_group", ["Africa"])):
        frame[col] = pd.array(rng.choice(np.asarray(values, dtype=object), len(frame)), dtype="string")
    which = rng.integers(0, 2, len(frame))
    for col, values in (("origin", ["Afghanistan", "Mexico,Guatemala,Honduras"]),
                        ("origin_iso3", ["AFG", "MEX;GTM;HND"]), ("origin_group", ["single", "multiple"])):
        frame[col] = pd.array(np.asarray(values, dtype=object)[which], dtype="string")
    if geo:
        frame["lat_bin"] = rng.integers(30, 33, len(frame))
        frame["lon_bin"] = rng.integers(10, 12, len(frame))
    return frame


def _boundary_filters() -> list[Filters]:
    """Date ranges on and off month boundaries: whole months only, one or both ends cutting a month,
    both ends in one month, an empty range, open ends."""
    d = date
    return [Filters(date_from=d(2016, 3, 1), date_to=d(2018, 5, 31)), Filters(date_from=d(2016, 3, 2)),
            Filters(date_to=d(2019, 2, 27)), Filters(date_from=d(2016, 3, 15), date_to=d(2016, 3, 20)),
            Filters(date_from=d(2016, 3, 15), date_to=d(2016, 4, 20), freq="year"),
            Filters(date_from=d(2017, 1, 1), date_to=d(2017, 12, 31)), Filters(date_from=d(2017, 12, 31)),
            Filters(date_from=d(2018, 6, 10), date_to=d(2018, 6, 1)), Filters(date_to=d(2015, 1, 31)),
            Filters(date_from=d(2015, 2, 28), date_to=d(2015, 3, 1), origins=("AFG",)),
            Filters(date_from=d(2020, 1, 31), date_to=d(2021, 12, 1), years=(2021,), causes=("Drowning",))]


@pytest.mark.slow
@pytest.mark.parametrize("seed", [11, 12])
def test_month_level_and_cut_months_equal_pandas(seed):
    """Whole months come from the month level, the months a range cuts from the day rows: every query
    equals the plain pandas answer on the day rows, on boundary and random ranges."""
    naive = _dense(4000, seed)
    fast = q.index_cube(naive.copy())
    idx = q.engine._index_of(fast)
    assert idx.month is not None and idx.month.n < idx.n / 2  # the month level really sums rows
    assert int(idx.month.measures["dead"].sum()) == int(naive["dead"].sum())
    rng = random.Random(seed)
    for f in _boundary_filters() + [random_filters(rng) for _ in range(20)]:
        for name, fn in QUERIES.items():
            assert_frame_equal(fn(fast, f), fn(naive, f), obj=f"{name} {f}")
        assert q.migration_totals(fast, f) == q.migration_totals(naive, f)
    geo_naive = _dense(3000, seed, geo=True)
    geo = q.index_cube(geo_naive.copy())
    for f in _boundary_filters():
        for max_bins in (1500, 4):
            assert_frame_equal(q.incident_bins(geo, f, max_bins), q.incident_bins(geo_naive, f, max_bins), obj=str(f))


def test_categorical_cube_gives_the_same_answers_as_text():
    """The app's cube keeps its text dimensions as categoricals (memory); every answer, on the fast path
    and on the plain pandas path, equals the one on the text cube, dtypes included."""
    from dashboard.data import compact

    text = _dense(3000, 13)
    cat = compact(text)
    assert isinstance(cat["origin"].dtype, pd.CategoricalDtype)
    fast_cat, fast_text = q.index_cube(cat.copy()), q.index_cube(text.copy())
    rng = random.Random(13)
    for f in _boundary_filters()[:4] + [random_filters(rng) for _ in range(8)] + [Filters(origins=("ZZZ",))]:
        for name, fn in QUERIES.items():
            if name == "filter":
                continue
            expected = fn(text, f)
            assert_frame_equal(fn(fast_cat, f), expected, obj=f"{name} {f}")
            assert_frame_equal(fn(cat, f), expected, obj=f"plain {name} {f}")
            assert_frame_equal(fn(fast_text, f), expected, obj=f"text {name} {f}")
    assert q.migration_options(cat) == q.migration_options(text)
