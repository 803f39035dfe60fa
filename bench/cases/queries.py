"""queries: the query behind each chart on the app's loaded data, real incidents x1, x10 and x100, against
the same query code on the incident table (naive: filter the incidents and group on every request)."""
from __future__ import annotations

import gc
import time
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any, Callable, Sequence

import pandas as pd

from bench.harness import (QUERY_SCALES, TOP_SCALE, Context, Result, Stats, fmt_seconds, fmt_timing, p95_at_most,
                           ratio_at_most, register, timing_result)
from bench.selections import crisis_filters, crisis_plan_filters, funding_filters, migration_filters


@dataclass(frozen=True)
class QuerySpec:
    """One timed query: row name, view in dashboard.queries.views.VIEWS, filter rotation, naive baseline or not."""

    name: str
    view: str
    filters: Callable[[Any], list[Any]]  # dataset -> filters
    naive: bool = True


QUERIES = [
    QuerySpec("deaths_by_nationality", "mmp/deaths-by-origin", lambda ds: migration_filters()),
    QuerySpec("trend", "mmp/trend", lambda ds: migration_filters()),
    QuerySpec("by_region", "mmp/by-region", lambda ds: migration_filters()),
    QuerySpec("by_cause", "mmp/by-cause", lambda ds: migration_filters()),
    QuerySpec("map_bins", "mmp/map-bins", lambda ds: migration_filters()),
    QuerySpec("crisis_trend", "crisis/deaths-trend", lambda ds: crisis_filters(False)),
    QuerySpec("crisis_by_region", "crisis/deaths-by-region", lambda ds: crisis_filters(True)),
    QuerySpec("crisis_by_route", "crisis/deaths-by-route", lambda ds: crisis_filters(True)),
    QuerySpec("crisis_by_cause", "crisis/deaths-by-cause", lambda ds: crisis_filters(True)),
    QuerySpec("cluster_coverage", "fts/clusters", lambda ds: funding_filters(
        ds.tables["fts_plans"], ds.tables["fts_clusters"], ds.tables["fts_donors"]), naive=False),
    QuerySpec("donors", "fts/donors", lambda ds: funding_filters(
        ds.tables["fts_plans"], ds.tables["fts_clusters"], ds.tables["fts_donors"]), naive=False),
    QuerySpec("crisis_plans", "crisis/plans", lambda ds: crisis_plan_filters(), naive=False),
]


def incident_level(ds: Any) -> SimpleNamespace:
    """The naive baseline's data: the incident table itself (one row per incident), with only the
    columns the query code reads added at load time (period bounds, counts as integers, incidents=1).
    Running the dashboard's own query functions on it = filter the incidents and group on every request."""
    from dashboard import queries as q

    inc = ds.tables["mmp_incidents"]
    periods = q.period_columns(inc["year"], inc["month"], inc["incident_date"])
    counts = pd.DataFrame({c: inc[c].astype("Int64").fillna(0).astype("int64")
                           for c in q.MMP_COUNTS if c in inc.columns}, index=inc.index)
    counts["incidents"] = 1
    cube = pd.concat([periods, inc[["year", "month", *q.MMP_DIMS]], counts], axis=1)
    located = inc["lat"].notna() & inc["lon"].notna()
    geo = cube[located].assign(lat_bin=inc.loc[located, "lat"].floordiv(1).astype("int64"),
                               lon_bin=inc.loc[located, "lon"].floordiv(1).astype("int64"))
    return SimpleNamespace(cube=cube, geo=geo, tables=ds.tables, precision=ds.precision)


def _same_answer(a: pd.DataFrame, b: pd.DataFrame) -> bool:
    """Same rows and the same sums (the naive baseline must answer the same question)."""
    if len(a) != len(b):
        return False
    for c in ("dead_and_missing", "incidents"):
        if c in a.columns and int(a[c].sum()) != int(b[c].sum()):
            return False
    return True


@dataclass
class QueryTiming:
    ours: Stats
    ours_cpu: Stats
    naive: Stats | None
    mismatches: int


def _time_queries(compute: Callable[[Any, Any], Any], data: Any, filters: Sequence[Any], rounds: int,
                  naive: Any = None, naive_rounds: int = 0) -> QueryTiming:
    """Interleaved samples of ours (every round) and of the naive baseline (the first naive_rounds)."""
    ours: list[tuple[float, float]] = []
    base: list[float] = []
    mismatches = 0
    for r in range(rounds):
        gc.collect()
        for f in filters:
            wall, cpu = time.perf_counter(), time.process_time()
            answer = compute(data, f)
            ours.append((time.perf_counter() - wall, time.process_time() - cpu))
            if naive is not None and r < naive_rounds:
                start = time.perf_counter()
                expected = compute(naive, f)
                base.append(time.perf_counter() - start)
                if r == 0 and not _same_answer(answer, expected):
                    mismatches += 1
    return QueryTiming(Stats.of([w for w, _c in ours]), Stats.of([c for _w, c in ours]),
                       Stats.of(base) if base else None, mismatches)


@dataclass
class QueryRun:
    """Everything measured for the queries benchmark, per scale and per query."""

    specs: list[QuerySpec]
    per_scale: dict[int, dict[str, QueryTiming]]
    cube_rows: dict[int, int]
    rotation: dict[str, int]  # query name -> how many filter sets it rotates through


def _measure(ctx: Context, specs: list[QuerySpec]) -> QueryRun:
    """Time every query at every scale (funding queries at the top scale only), one loaded dataset at a time."""
    from dashboard.queries.views import VIEWS

    rounds, naive_rounds = ctx.n(8, 2), ctx.n(2, 1)
    run = QueryRun(specs, {}, {}, {})
    for k in QUERY_SCALES:
        ds = ctx.dataset(k)
        run.cube_rows[k] = len(ds.cube)
        ctx.log(f"  x{k}: {ctx.rows(k):,} incidents -> cube {len(ds.cube):,} rows, geo {len(ds.geo):,} "
                f"(loaded in {fmt_seconds(ctx.load_seconds[k])}); timing queries ...")
        naive = incident_level(ds)
        run.per_scale[k] = {}
        for spec in specs:
            if not spec.naive and k != TOP_SCALE:
                continue  # FTS tables do not grow with incidents: timed once, on the x100 load
            filters = spec.filters(ds)
            run.rotation[spec.name] = len(filters)
            compute = VIEWS[spec.view].compute  # the view's computation, without the app's per-filter LRU cache
            compute(ds, filters[0])  # warm-up
            run.per_scale[k][spec.name] = _time_queries(compute, ds, filters, rounds if spec.naive else rounds * 2,
                                                        naive if spec.naive else None, naive_rounds)
        del naive
        if k != TOP_SCALE:
            ctx.drop_dataset(k)
    return run


def _query_rows(ctx: Context, run: QueryRun) -> list[Result]:
    """One row per query at the top scale: ours against the naive baseline (funding queries: no baseline)."""
    results = []
    for spec in run.specs:
        t = run.per_scale[TOP_SCALE][spec.name]
        cpu = {"CPU time (process_time), for contention": fmt_timing(t.ours_cpu)}
        name = f"queries x{TOP_SCALE} {spec.name}"
        if t.naive is not None:
            note = (f"{run.rotation[spec.name]} filter sets rotated; ours = VIEWS['{spec.view}'].compute on the cube "
                    f"({run.cube_rows[TOP_SCALE]:,} rows); naive = the same code on the {ctx.rows(TOP_SCALE):,} "
                    "incident rows.")
            if t.mismatches:
                note += f" WARNING: naive and ours disagree on {t.mismatches} filter set(s)."
            results.append(timing_result(name, t.ours, t.naive, [p95_at_most(0.020), ratio_at_most(1 / 20)],
                                         note=note, baseline_label="naive", detail=cpu))
        else:
            results.append(timing_result(
                name, t.ours, None, [p95_at_most(0.020)], detail=cpu,
                note=f"VIEWS['{spec.view}'] on the snapshot's FTS tables (they do not grow with incidents); "
                     f"{run.rotation[spec.name]} plan/country filter sets rotated; no naive baseline (the tables are "
                     "the source rows already)."))
    return results


def _growth_rows(ctx: Context, run: QueryRun) -> list[Result]:
    """How each incident query's cost grows from x1 to the top scale, against how the incident count grows."""
    results = []
    per_scale = run.per_scale
    growth_rows = ctx.rows(TOP_SCALE) / ctx.rows(1)
    for i, spec in enumerate(s for s in run.specs if s.naive):
        # Growth is about how the work scales, so it uses CPU time: wall-clock medians taken minutes apart
        # on shared cores mostly measure how busy the machine was at the time.
        cpu = {k: per_scale[k][spec.name].ours_cpu.median for k in QUERY_SCALES}
        wall = {k: per_scale[k][spec.name].ours.median for k in QUERY_SCALES}
        naive_growth = per_scale[TOP_SCALE][spec.name].naive.median / per_scale[1][spec.name].naive.median
        results.append(Result(
            f"queries growth x1->x{TOP_SCALE} {spec.name}", ours=cpu[TOP_SCALE] / cpu[1], baseline=growth_rows,
            ours_text=f"x{cpu[TOP_SCALE] / cpu[1]:.1f} (CPU median "
                      + " -> ".join(fmt_seconds(cpu[k]) for k in QUERY_SCALES) + ")",
            baseline_text=f"incidents x{growth_rows:.0f} (naive query x{naive_growth:.1f} wall)",
            targets=(ratio_at_most(0.1),),
            note="" if i else ("Growth target: query cost should grow far slower than the incident count; read "
                               "here as at most a tenth of it (ratio = query growth / incident growth ≤ 0.1). "
                               "Measured in process CPU time (robust to other load on the cores)."),
            detail={"wall-clock median per scale": ", ".join(f"x{k} {fmt_seconds(wall[k])}" for k in QUERY_SCALES),
                    "wall-clock p95 per scale": ", ".join(
                        f"x{k} {fmt_seconds(per_scale[k][spec.name].ours.p95)}" for k in QUERY_SCALES)}))
    return results


@register("queries")
def bench_queries(ctx: Context) -> list[Result]:
    from dashboard.queries.views import VIEWS

    specs = [q for q in QUERIES if q.view in VIEWS]  # the dashboard is still changing: skip views it dropped
    missing = [q.view for q in QUERIES if q.view not in VIEWS]
    run = _measure(ctx, specs)
    results = _query_rows(ctx, run) + _growth_rows(ctx, run)
    results.append(Result(
        "queries data load (not a query)", ours_text=", ".join(
            f"x{k} {fmt_seconds(ctx.load_seconds[k])}" for k in QUERY_SCALES),
        baseline_text="—", note="DataSource(data_dir).current(): read + validate the tables, build cube and geo; "
                                "cube rows " + ", ".join(f"x{k} {run.cube_rows[k]:,}" for k in QUERY_SCALES) + "."
                                + (f" Views no longer in dashboard.queries.views.VIEWS, skipped: {', '.join(missing)}."
                                   if missing else "")))
    ctx.drop_dataset(TOP_SCALE)
    return results
