"""The benchmarks. Each is a function `(Context) -> list[Result]` registered in BENCHMARKS.

Every timing compares ours with its baseline in the same process, alternating the two call by call
(ours/baseline, then baseline/ours, ...) after one warm-up call of each, so both see the same machine.
Memory is measured in fresh subprocesses (bench/probe_memory.py).
"""
from __future__ import annotations

import gc
import hashlib
import inspect
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Callable, Sequence

import pandas as pd

from . import synth
from .table import (Result, Stats, bytes_at_most, fmt_bytes, fmt_ratio, fmt_seconds, fmt_timing, p95_at_most,
                    percentile, ratio_at_most, timing_result)

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
QUERY_SCALES = (1, 10, 100)
TOP_SCALE = 100


# ------------------------------------------------------------------------------------------ context


class Context:
    """Options and everything built once and shared between benchmarks (synthetic data dirs, loads)."""

    def __init__(self, quick: bool = False, keep: bool = False, log: Callable[[str], None] | None = None) -> None:
        self.quick = quick
        self.keep = keep
        self.log = log or (lambda msg: print(msg, file=sys.stderr, flush=True))
        self.tmp = Path(tempfile.mkdtemp(prefix="humdash-bench-"))
        self._data_dirs: dict[int, Path] = {}
        self._rows: dict[int, int] = {}
        self._datasets: dict[int, Any] = {}
        self.load_seconds: dict[int, float] = {}

    def n(self, full: int, quick: int) -> int:
        """Repeat count for this run."""
        return quick if self.quick else full

    def close(self) -> None:
        self._datasets.clear()
        if self.keep:
            self.log(f"kept temporary data in {self.tmp}")
        else:
            shutil.rmtree(self.tmp, ignore_errors=True)

    # ---- data ------------------------------------------------------------------------------
    def empty_dir(self) -> Path:
        """A data directory with nothing ingested: the app falls back to the bundled snapshot."""
        path = self.tmp / "empty"
        path.mkdir(exist_ok=True)
        return path

    def data_dir(self, k: int) -> Path:
        """A data directory holding the real incidents scaled xk, ingested the way `python -m ingest mmp`
        writes them (mmp_incidents + mmp_deaths through Store.write); FTS tables come from the snapshot."""
        if k not in self._data_dirs:
            from ingest.sources import mmp
            from ingest.store import Store

            real = synth.real_incidents()
            self.log(f"  writing x{k} incidents ({k * len(real):,}) to a temporary data directory ...")
            incidents = real if k == 1 else synth.scale_incidents(real, k, seed=k)
            source = synth.reference_file(synth.MMP_XLSX)
            record = {"file": f"synthetic x{k} sample of {source.name}",
                      "sha256": hashlib.sha256(source.read_bytes()).hexdigest(),
                      "retrieved_at": datetime.now(timezone.utc).isoformat(timespec="seconds")}
            path = self.tmp / f"x{k}"
            Store(path).write({"mmp_incidents": incidents, "mmp_deaths": mmp.aggregate(incidents)},
                              {"mmp_incidents": [record], "mmp_deaths": [record]})
            self._rows[k] = len(incidents)
            self._data_dirs[k] = path
            del incidents
            gc.collect()
        return self._data_dirs[k]

    def rows(self, k: int) -> int:
        self.data_dir(k)
        return self._rows[k]

    def dataset(self, k: int) -> Any:
        """The app's loaded data for xk (dashboard.data.DataSource: read, validate, build the cube)."""
        if k not in self._datasets:
            from dashboard.data import DataSource

            path = self.data_dir(k)
            gc.collect()
            start = time.perf_counter()
            ds = DataSource(path, check_every=1e9).current()
            self.load_seconds[k] = time.perf_counter() - start
            if ds.error:
                raise RuntimeError(f"loading {path} failed: {ds.error}")
            self._datasets[k] = ds
        return self._datasets[k]

    def drop_dataset(self, k: int) -> None:
        self._datasets.pop(k, None)
        gc.collect()


# ------------------------------------------------------------------------------------------ timing


def _timed(fn: Callable[[], Any]) -> tuple[float, float]:
    """(wall-clock seconds, CPU seconds of this process) of one call."""
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - wall, time.process_time() - cpu


@dataclass
class Comparison:
    """Side-by-side timings: wall-clock (what the table shows) and process CPU time (in the notes:
    with other processes on the cores, CPU time shows how much of the wall-clock was waiting)."""

    ours: Stats
    baseline: Stats
    ours_cpu: Stats
    baseline_cpu: Stats
    first: float  # wall-clock of the very first call of ours (cold caches)

    def cpu_note(self) -> dict[str, str]:
        ratio = self.ours_cpu.median / self.baseline_cpu.median if self.baseline_cpu.median else float("nan")
        return {"CPU time (process_time), for contention": f"ours {fmt_timing(self.ours_cpu)}; baseline "
                f"{fmt_timing(self.baseline_cpu)}; ratio of medians {ratio:.2f}"}


def compare(ours: Callable[[], Any], baseline: Callable[[], Any], repeats: int, warmup: int = 1,
            collect: bool = True) -> Comparison:
    """Time both `repeats` times after `warmup` calls each, alternating which goes first."""
    first = _timed(ours)[0]
    for _ in range(warmup):
        baseline()
        if warmup > 1:
            ours()
    samples: dict[int, list[tuple[float, float]]] = {0: [], 1: []}
    for i in range(repeats):
        for which in ((0, 1) if i % 2 == 0 else (1, 0)):
            if collect:
                gc.collect()
            samples[which].append(_timed(ours if which == 0 else baseline))
    wall = {k: Stats.of([w for w, _c in v]) for k, v in samples.items()}
    cpu = {k: Stats.of([c for _w, c in v]) for k, v in samples.items()}
    return Comparison(wall[0], wall[1], cpu[0], cpu[1], first)


def _quiet_excel(path: Path) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pandas 3.1 warns that its default xlsx engine will change
        return pd.read_excel(path)


# ------------------------------------------------------------------------------------------ 1, 2: ingest


def _ingest_mmp(path: Path) -> int:
    """What an MMP file ingest does: read_file (parse + tidy + validate), validate, Store.write."""
    from ingest.report import Report
    from ingest.schemas import validate
    from ingest.sources import mmp
    from ingest.store import Store, input_record

    incidents = validate("mmp_incidents", mmp.read_file(path, Report()), path.name)
    with tempfile.TemporaryDirectory(prefix="humdash-bench-store-") as tmp:
        Store(tmp).write({"mmp_incidents": incidents},
                         {"mmp_incidents": [input_record(file=path, sha256="-", retrieved_at="-")]})
    return len(incidents)


def bench_mmp_xlsx_ingest(ctx: Context) -> list[Result]:
    path = synth.reference_file(synth.MMP_XLSX)
    c = compare(lambda: _ingest_mmp(path), lambda: _quiet_excel(path), ctx.n(7, 2))
    rows = _ingest_mmp(path)
    return [timing_result(
        "mmp_xlsx_ingest", c.ours, c.baseline, [ratio_at_most(0.5)], baseline_label="pd.read_excel (openpyxl)",
        detail=c.cpu_note(),
        note=f"{path.name}, {rows:,} incidents. Ours = mmp.read_file + validate + Store.write (temp dir); "
             f"baseline = pandas.read_excel(path) with pandas' default engine (openpyxl). First call of ours in "
             f"this process (country-name matching not cached yet): {fmt_seconds(c.first)}.")]


def largest_mmp_csv() -> tuple[Path, str]:
    """The largest CSV in the reference mmp/ folder and the encoding plain pandas needs for it."""
    folder = synth.reference_dir() / "mmp"
    csvs = sorted(folder.glob("*.csv"), key=lambda p: p.stat().st_size, reverse=True)
    if not csvs:
        raise FileNotFoundError(f"no CSV in {folder}")
    path = csvs[0]
    try:
        path.read_bytes().decode("utf-8")
        return path, "utf-8"
    except UnicodeDecodeError:
        return path, "cp1252"


def bench_mmp_csv_ingest(ctx: Context) -> list[Result]:
    path, encoding = largest_mmp_csv()

    def baseline() -> Any:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # DtypeWarning on mixed columns
            return pd.read_csv(path, encoding=encoding)

    c = compare(lambda: _ingest_mmp(path), baseline, ctx.n(15, 5))
    return [timing_result(
        "mmp_csv_ingest", c.ours, c.baseline, [ratio_at_most(10)], baseline_label=f"pd.read_csv({encoding})",
        detail=c.cpu_note(),
        note=f"{path.name} ({path.stat().st_size / 1e6:.1f} MB, the largest CSV), read_file + validate + "
             f"Store.write vs pandas.read_csv(path, encoding='{encoding}'). First call of ours in this process: "
             f"{fmt_seconds(c.first)}.")]


# ------------------------------------------------------------------------------------------ 3: FTS flows


def parse_flow_pages(pages: Sequence[bytes], donors: bool = True) -> dict[str, pd.DataFrame]:
    """Our FTS parser on flow-list pages held in memory.

    The flow-list parser is private: `fts._read_one` (decode, recognise the shape, `_flow_rows`) per
    page, then the fts_flows step of `fts._tables` (`_frame` + `validate`). With `donors=True` it is
    exactly `fts.read_files` without the file reads (`_tables` also derives and validates fts_donors).
    """
    from ingest.report import Report
    from ingest.schemas import validate
    from ingest.sources import fts

    collected, report = fts._Collected(), Report()
    for i, content in enumerate(pages):
        fts._read_one(Path(f"flows_page-{i + 1}.json"), content, collected, report)
    if donors:
        return fts._tables(collected, report)
    # The fts_flows line of fts._tables, on its own (the part that turns documents into the fts_flows frame).
    return {"fts_flows": validate("fts_flows", fts._frame("fts_flows", list(collected.flows.values())), "fts_flows")}


def bench_fts_flows_parse(ctx: Context) -> list[Result]:
    pages = synth.flow_pages(pages=10, per_page=200, seed=0)
    recorded = len(synth.recorded_flow_page()["data"]["flows"])
    for donors in (False, True):
        flows = parse_flow_pages(pages, donors=donors)["fts_flows"]
        if len(flows) != 2000:
            raise RuntimeError(f"parser returned {len(flows)} flows for 10 pages of 200")
    baseline = lambda: [json.loads(p) for p in pages]  # noqa: E731
    c = compare(lambda: parse_flow_pages(pages, donors=False), baseline, ctx.n(30, 8))
    full = compare(lambda: parse_flow_pages(pages, donors=True), baseline, ctx.n(30, 8))
    return [
        timing_result(
            "fts_flows_parse", c.ours, c.baseline, [ratio_at_most(3)], baseline_label="json.loads",
            detail=c.cpu_note(),
            note=f"10 pages x 200 flows ({sum(map(len, pages)) / 1e6:.1f} MB of JSON). Page 1 = the {recorded} flows "
                 f"of the recorded {synth.FTS_FLOW_PAGE.split('/')[-1]} (it holds {recorded}, not 200) topped up "
                 "with sampled ones; pages 2-10 sampled with new ids and dates jittered ±30 days. Ours calls the "
                 "PRIVATE fts._read_one per page, then fts._frame + validate for fts_flows (the fts_flows step "
                 "of the private fts._tables)."),
        timing_result(
            "fts_flows_parse + fts_donors (read_files path)", full.ours, full.baseline, [],
            baseline_label="json.loads", detail=full.cpu_note(),
            note="Context: the whole of fts.read_files without file reads (private fts._read_one + fts._tables, "
                 "which also derives and validates fts_donors)."),
    ]


# ------------------------------------------------------------------------------------------ 4: queries


def migration_filters() -> list[Any]:
    """A rotation of realistic migration selections: page defaults, years, region groups, nationality,
    causes, routes and date ranges that cut months."""
    from dashboard.queries import Filters as F

    year = lambda y: dict(date_from=date(y, 1, 1), date_to=date(y, 12, 31))  # noqa: E731
    return [
        F(**year(2019), region_groups=("Americas",)),  # /migration and / (overview) default
        F(),  # everything
        F(**year(2023)),
        F(**year(2016), region_groups=("Mediterranean",)),
        F(date_from=date(2021, 3, 15), date_to=date(2021, 8, 31), region_groups=("Africa",)),
        F(origins=("AFG",)),
        F(origins=("SYR", "AFG"), date_from=date(2015, 1, 1), date_to=date(2016, 12, 31)),
        F(origins=("VEN",), region_groups=("Americas",)),
        F(date_from=date(2020, 1, 1), date_to=date(2022, 12, 31), region_groups=("Asia",), freq="year"),
        F(date_from=date(2024, 1, 1), date_to=date(2025, 4, 30), region_groups=("Europe",)),
        F(years=(2017, 2018), freq="year"),  # the API's year= parameter
        F(causes=("Drowning",), region_groups=("Mediterranean",)),
        F(routes=("US-Mexico border crossing",), **year(2022)),
        F(origins=("MEX", "GTM", "HND"), regions=("North America", "Central America"), **year(2021)),
    ]


def funding_filters(plans: pd.DataFrame, clusters: pd.DataFrame, donors: pd.DataFrame) -> list[Any]:
    """Plans as the funding page selects them (one plan, plan or global clusters), plus country/years."""
    from dashboard.queries import Filters as F

    ids = [int(p) for p in pd.unique(pd.concat([clusters["plan_id"], donors["plan_id"]]))][:12]
    out = [F(plan_ids=(pid,), cluster_type=("cluster", "globalcluster")[i % 2]) for i, pid in enumerate(ids)]
    out += [F(countries=("VEN",), years=(2019, 2020)), F(countries=("COL",)), F()]
    return out


CRISIS_SELECTIONS = [("VEN", 2019), ("AFG", 2021), ("SYR", 2016), ("MEX", 2022), ("ETH", 2023), ("GTM", 2019),
                     ("HND", 2021), ("MAR", 2018), ("SDN", 2023), ("MMR", 2015)]


def crisis_filters(with_year: bool) -> list[Any]:
    """The /crisis page's selections (a nationality; its trend has no year, its breakdowns one year)."""
    from dashboard.queries import Filters as F

    return [F(origins=(c,), years=(y,)) if with_year else F(origins=(c,)) for c, y in CRISIS_SELECTIONS]


def crisis_plan_filters() -> list[Any]:
    from dashboard.queries import Filters as F

    return [F(countries=(c,)) for c, _y in CRISIS_SELECTIONS]


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


def bench_queries(ctx: Context) -> list[Result]:
    from dashboard.queries.views import VIEWS

    specs = [q for q in QUERIES if q.view in VIEWS]  # the dashboard is still changing: skip views it dropped
    missing = [q.view for q in QUERIES if q.view not in VIEWS]
    rounds, naive_rounds = ctx.n(8, 2), ctx.n(2, 1)
    per_scale: dict[int, dict[str, QueryTiming]] = {}
    cube_rows: dict[int, int] = {}
    rotation: dict[str, int] = {}
    results: list[Result] = []
    for k in QUERY_SCALES:
        ds = ctx.dataset(k)
        cube_rows[k] = len(ds.cube)
        ctx.log(f"  x{k}: {ctx.rows(k):,} incidents -> cube {len(ds.cube):,} rows, geo {len(ds.geo):,} "
                f"(loaded in {fmt_seconds(ctx.load_seconds[k])}); timing queries ...")
        naive = incident_level(ds)
        per_scale[k] = {}
        for spec in specs:
            if not spec.naive and k != TOP_SCALE:
                continue  # FTS tables do not grow with incidents: timed once, on the x100 load
            filters = spec.filters(ds)
            rotation[spec.name] = len(filters)
            compute = VIEWS[spec.view].compute  # the view's computation, without the app's per-filter LRU cache
            compute(ds, filters[0])  # warm-up
            per_scale[k][spec.name] = _time_queries(compute, ds, filters, rounds if spec.naive else rounds * 2,
                                                    naive if spec.naive else None, naive_rounds)
        del naive
        if k != TOP_SCALE:
            ctx.drop_dataset(k)
    for spec in specs:
        t = per_scale[TOP_SCALE][spec.name]
        cpu = {"CPU time (process_time), for contention": fmt_timing(t.ours_cpu)}
        name = f"queries x{TOP_SCALE} {spec.name}"
        if t.naive is not None:
            note = (f"{rotation[spec.name]} filter sets rotated; ours = VIEWS['{spec.view}'].compute on the cube "
                    f"({cube_rows[TOP_SCALE]:,} rows); naive = the same code on the {ctx.rows(TOP_SCALE):,} "
                    "incident rows.")
            if t.mismatches:
                note += f" WARNING: naive and ours disagree on {t.mismatches} filter set(s)."
            results.append(timing_result(name, t.ours, t.naive, [p95_at_most(0.020), ratio_at_most(1 / 20)],
                                         note=note, baseline_label="naive", detail=cpu))
        else:
            results.append(timing_result(
                name, t.ours, None, [p95_at_most(0.020)], detail=cpu,
                note=f"VIEWS['{spec.view}'] on the snapshot's FTS tables (they do not grow with incidents); "
                     f"{rotation[spec.name]} plan/country filter sets rotated; no naive baseline (the tables are "
                     "the source rows already)."))
    growth_rows = ctx.rows(TOP_SCALE) / ctx.rows(1)
    for i, spec in enumerate(s for s in specs if s.naive):
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
    results.append(Result(
        "queries data load (not a query)", ours_text=", ".join(
            f"x{k} {fmt_seconds(ctx.load_seconds[k])}" for k in QUERY_SCALES),
        baseline_text="—", note="DataSource(data_dir).current(): read + validate the tables, build cube and geo; "
                                "cube rows " + ", ".join(f"x{k} {cube_rows[k]:,}" for k in QUERY_SCALES) + "."
                                + (f" Views no longer in dashboard.queries.views.VIEWS, skipped: {', '.join(missing)}."
                                   if missing else "")))
    ctx.drop_dataset(TOP_SCALE)
    return results


# ------------------------------------------------------------------------------------------ 5: memory


def probe_memory(mode: str, data_dir: Path | None, cwd: Path) -> dict[str, Any]:
    """Run bench/probe_memory.py in a fresh interpreter; returns its JSON answer."""
    cmd = [sys.executable, str(BENCH_DIR / "probe_memory.py"), "--mode", mode]
    if data_dir is not None:
        cmd += ["--data-dir", str(data_dir)]
    done = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=1800,
                          env={**_clean_env(), "PYTHONPATH": str(REPO)})
    if done.returncode != 0:
        raise RuntimeError(f"memory probe failed ({done.returncode}): {done.stderr.strip()[-400:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _clean_env() -> dict[str, str]:
    import os

    return {k: v for k, v in os.environ.items() if k not in ("HUMDASH_DATA_DIR", "HUMDASH_SNAPSHOT_DIR")}


def bench_memory(ctx: Context) -> list[Result]:
    bare = probe_memory("bare", None, ctx.tmp)
    cases = [("memory app snapshot", ctx.empty_dir(), 250e6, "bundled snapshot only (empty data dir)"),
             ("memory app x100 ingested", ctx.data_dir(TOP_SCALE), 600e6,
              f"{ctx.rows(TOP_SCALE):,} incidents (x100) ingested into a temp data dir")]
    results = []
    for name, path, limit, what in cases:
        got = probe_memory("app", path, ctx.tmp)
        results.append(Result(
            name, ours=got["rss"], baseline=bare["rss"], ours_text=f"RSS {fmt_bytes(got['rss'])}",
            baseline_text=f"bare Dash app {fmt_bytes(bare['rss'])}", targets=(bytes_at_most(limit, "RSS "),),
            note=f"{what}: fresh process importing dashboard.wsgi (create_app) with HUMDASH_DATA_DIR set; RSS "
                 f"after gc via {got['how']}; peak during load (VmHWM) {fmt_bytes(got.get('peak'))}; load took "
                 f"{fmt_seconds(got.get('seconds'))}. Baseline: a process with the same libraries and an empty "
                 "Dash app (ratio is for context only)."))
    return results


# ------------------------------------------------------------------------------------------ 6: figure payload


def page_figures(app: Any, views: dict[str, Any] | None = None) -> dict[str, dict[str, int]]:
    """{page path: {chart key: len(fig.to_json())}} for every chart of every page with charts, as the
    page's own chart callback builds it for the page's default filters (or `views[path]`, a Filters)."""
    from dashboard.pages import PAGES

    out: dict[str, dict[str, int]] = {}
    with app.server.app_context():
        for page in PAGES:
            charts = getattr(page, "CHARTS", None) or ([page.CHART] if hasattr(page, "CHART") else [])
            charts = list(charts.values()) if isinstance(charts, dict) else list(charts)
            if not charts or not hasattr(page, "update_chart"):
                continue
            path = getattr(page, "PATH", page.__name__)
            if views is not None and path not in views:
                continue
            f = views[path] if views is not None else page.query_filters({})[0]
            controls = page.filters_controls(f)
            inputs = getattr(page, "FILTER_INPUTS", None) or page.CONTROLS
            values = [controls[f"{c}.{p}"] for c, p in inputs]
            keyed = "key" in inspect.signature(page.update_chart).parameters
            sizes = {}
            for chart in charts:
                answer = page.update_chart(chart.key, *values) if keyed else page.update_chart(*values)
                sizes[chart.key] = len(_figure_of(answer).to_json())
            out[path] = sizes
    return out


def _figure_of(answer: Any) -> Any:
    """The plotly figure among a chart callback's outputs (its position differs between pages)."""
    import plotly.graph_objects as go

    for value in answer if isinstance(answer, (tuple, list)) else [answer]:
        if isinstance(value, go.Figure):
            return value
        if isinstance(value, dict) and "data" in value and "layout" in value:
            return go.Figure(value)
    raise TypeError(f"no figure among the callback's outputs ({[type(v).__name__ for v in answer]})")


def _payload_rows(label: str, figures: dict[str, dict[str, int]], limit: float = 150e3) -> list[Result]:
    rows = []
    for path, sizes in figures.items():
        key, biggest = max(sizes.items(), key=lambda kv: kv[1])
        rows.append(Result(
            f"figure_payload {label} {path}", ours=biggest,
            ours_text=f"max {fmt_bytes(biggest)} ({key}); {len(sizes)} figures, {fmt_bytes(sum(sizes.values()))} total",
            baseline_text="—", targets=(bytes_at_most(limit, "each "),),
            detail={"len(fig.to_json()) per chart": ", ".join(f"{k} {fmt_bytes(v)}" for k, v in sizes.items())}))
    return rows


def bench_figure_payload(ctx: Context) -> list[Result]:
    from dashboard.app import create_app
    from dashboard.queries import Filters

    results = _payload_rows("snapshot default", page_figures(create_app(ctx.empty_dir(), check_every=1e9)))
    app = create_app(ctx.data_dir(TOP_SCALE), check_every=1e9)
    results += _payload_rows(f"x{TOP_SCALE} default", page_figures(app))
    wide = page_figures(app, {"/migration": Filters()})
    results += _payload_rows(f"x{TOP_SCALE} no filters", wide)
    if results:
        results[0].note = ("Every chart the app draws on page load: each page's own update_chart callback "
                           "function with the page's default filters (from its query_filters({})); size = "
                           "len(fig.to_json()). 'no filters' = the migration page with every filter cleared "
                           "(all years, all regions), the largest selection.")
    del app
    gc.collect()
    return results


# ------------------------------------------------------------------------------------------ 7: callback end to end

CALLBACK_URL = "/_dash-update-component"
CALLBACK_PAGE = "/migration"
CALLBACK_PREFIX = "mig-"
CALLBACK_SCALES = (1, TOP_SCALE)


def dashflow() -> Any:
    """load/dashflow.py (pure functions that rebuild the browser's Dash requests from /_dash-layout and
    /_dash-dependencies; the load test uses them too), imported by path: load/ is not a package."""
    import importlib.util

    if "humdash_dashflow" not in sys.modules:
        spec = importlib.util.spec_from_file_location("humdash_dashflow", REPO / "load" / "dashflow.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules["humdash_dashflow"] = module
        spec.loader.exec_module(module)
    return sys.modules["humdash_dashflow"]


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _children(pid: int) -> list[int]:
    """Process ids whose parent is `pid` (gunicorn's workers)."""
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.append(int(stat.parent.name))
    return out


def _cpu_seconds(pid: int) -> float:
    """utime + stime of a process, in seconds (from /proc; clock-tick resolution)."""
    import os

    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Gunicorn:
    """`python -m gunicorn dashboard.wsgi:server -w 1` on 127.0.0.1 and a free port, serving `data_dir`
    (HUMDASH_DATA_DIR; no other HUMDASH_* data variable inherited). Run from the repository root, so a
    gunicorn.conf.py there (the deployment's settings) applies; `-w 1` overrides its worker count."""

    def __init__(self, data_dir: Path, log_path: Path, env: dict[str, str] | None = None) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        self._log = open(log_path, "wb")  # noqa: SIM115 (closed in stop)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "dashboard.wsgi:server", "-w", "1", "-b", f"127.0.0.1:{self.port}",
             "--log-level", "warning", "--timeout", "300"],
            cwd=REPO, stdout=self._log, stderr=subprocess.STDOUT,
            env={**_clean_env(), "HUMDASH_DATA_DIR": str(data_dir), "PYTHONPATH": str(REPO), **(env or {})})
        self.worker: int | None = None

    def wait(self, timeout: float = 900) -> None:
        """Until the worker has loaded the data and answers /_dash-layout."""
        import requests

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited ({self.proc.returncode}): {self.log_tail()}")
            try:
                if requests.get(self.base + "/_dash-layout", timeout=10).status_code == 200:
                    workers = _children(self.proc.pid)
                    if len(workers) != 1:
                        raise RuntimeError(f"expected 1 gunicorn worker, found {workers}")
                    self.worker = workers[0]
                    return
            except requests.RequestException:
                pass
            time.sleep(0.5)
        raise RuntimeError(f"gunicorn not ready after {timeout:.0f} s: {self.log_tail()}")

    def worker_cpu(self) -> float:
        return _cpu_seconds(self.worker) if self.worker else float("nan")

    def log_tail(self) -> str:
        self._log.flush()
        return self.log_path.read_text(errors="replace")[-600:]

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()


def gunicorn_settings() -> str:
    """The worker settings gunicorn.conf.py at the repository root gives (what Gunicorn runs with)."""
    import runpy

    conf = REPO / "gunicorn.conf.py"
    if not conf.exists():
        return "no gunicorn.conf.py: sync worker"
    c = runpy.run_path(str(conf))
    kind = c.get("worker_class", "sync")
    return (f"gunicorn.conf.py: {kind} worker" + (f", {c.get('threads', 1)} threads" if kind == "gthread" else "")
            + (f", keepalive {c['keepalive']} s" if "keepalive" in c else ""))


def migration_page(session: Any, base: str) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """What a browser fetches before it can send a filter callback: the callback map
    (/_dash-dependencies) and the page's layout from the pages router callback; returns the callback
    map and {"id.prop": value} of every component on /migration (as the page renders by default)."""
    flow = dashflow()
    layout = session.get(base + "/_dash-layout", timeout=60)
    layout.raise_for_status()
    if CALLBACK_PAGE not in flow.page_paths(layout.json()):
        raise RuntimeError(f"{CALLBACK_PAGE} is not linked from the app's navigation")
    deps = session.get(base + "/_dash-dependencies", timeout=60).json()
    router = next(d for d in deps if d["output"] == flow.ROUTER)
    body = flow.payload(router, {"_pages_location.pathname": CALLBACK_PAGE, "_pages_location.search": ""},
                        ["_pages_location.pathname", "_pages_location.search"])
    answer = session.post(base + CALLBACK_URL, json=body, timeout=60)
    answer.raise_for_status()
    return deps, flow.values(answer.json()["response"]["_pages_content"]["children"])


def chart_callbacks(deps: list[dict[str, Any]], vals: dict[str, Any],
                    prefix: str = CALLBACK_PREFIX) -> list[dict[str, Any]]:
    """The page's chart callbacks (components.register_chart_callbacks: outputs <prefix><key>-graph.figure,
    summary, table, source, API link; inputs the filter controls), in callback-map order."""
    flow = dashflow()
    out = [d for d in flow.server_side(deps) if flow.in_page(d, vals)
           and any(o["id"].startswith(prefix) and o["id"].endswith("-graph") and o["property"] == "figure"
                   for o in _as_list(flow.outputs_of(d["output"])))]
    if not out:
        raise RuntimeError(f"no chart callback ({prefix}*-graph.figure) on {CALLBACK_PAGE}")
    return out


def trivial_callback(deps: list[dict[str, Any]], vals: dict[str, Any]) -> dict[str, Any]:
    """The floor: the same page's region-options callback (one input, the region group; no query), or,
    where the region choices come with a chart's answer, the page's URL-sync callback (control values in,
    control values and query string out; no query either)."""
    flow = dashflow()
    found = [d for d in flow.server_side(deps) if flow.in_page(d, vals)]
    return next((d for d in found if d["output"] == f"{CALLBACK_PREFIX}region.options"),
                None) or next(d for d in found if d["output"].endswith(f"{CALLBACK_PREFIX}url.search.."))


def _as_list(x: Any) -> list[Any]:
    return x if isinstance(x, list) else [x]


def selection_values(f: Any) -> dict[str, Any]:
    """The /migration control values that show Filters `f` (the page's own filters_controls; a `years`
    selection becomes the date range it stands for, as the page's year shortcut does)."""
    from dashboard.pages import migration

    if f.years:
        f = f.but(date_from=date(min(f.years), 1, 1), date_to=date(max(f.years), 12, 31), years=())
    return migration.filters_controls(f)


def _selection_key(vals: dict[str, Any], inputs: Sequence[dict[str, str]]) -> tuple[Any, ...]:
    return tuple(json.dumps(vals.get(f"{i['id']}.{i['property']}"), sort_keys=True) for i in inputs)


def callback_selections(page: dict[str, Any], dep: dict[str, Any], limit: int) -> list[dict[str, Any]]:
    """Distinct filter selections (control values) for the chart callbacks, never the page's default
    (that one is the warm-up): migration_filters() first, then every year x region group the page
    offers (month trend; every third one by year), up to `limit`."""
    from dashboard.queries import Filters

    years = [o["value"] for o in page[f"{CALLBACK_PREFIX}year.options"]]
    groups = [o["value"] for o in page[f"{CALLBACK_PREFIX}group.options"]]
    grid = [Filters(date_from=date(y, 1, 1), date_to=date(y, 12, 31), region_groups=(g,) if g else (),
                    freq="year" if (i % 3 == 2) else "month")
            for i, (y, g) in enumerate((y, g) for y in years for g in groups)]
    seen = {_selection_key(page, dep["inputs"])}
    out = []
    for f in migration_filters() + grid:
        vals = {**page, **selection_values(f)}
        key = _selection_key(vals, dep["inputs"])
        if key not in seen:
            seen.add(key)
            out.append(vals)
    return out[:limit]


def callback_body(dep: dict[str, Any], vals: dict[str, Any], previous: dict[str, Any]) -> dict[str, Any]:
    """The POST body dash-renderer sends for `dep` after the controls changed from `previous` to `vals`
    (changedPropIds: the inputs whose value changed)."""
    keys = [f"{i['id']}.{i['property']}" for i in dep["inputs"]]
    changed = [k for k in keys if vals.get(k) != previous.get(k)] or keys[:1]
    return dashflow().payload(dep, vals, changed)


def check_chart_answer(response: Any, dep: dict[str, Any]) -> int:
    """The answer must be 200 with a plotly figure for the chart's graph; returns the body's size."""
    if response.status_code != 200:
        raise RuntimeError(f"HTTP {response.status_code} from {dep['output'][:60]}: {response.text[:300]}")
    graph = next(o["id"] for o in _as_list(dashflow().outputs_of(dep["output"])) if o["property"] == "figure")
    figure = response.json()["response"][graph]["figure"]
    if not isinstance(figure, dict) or "data" not in figure or "layout" not in figure:
        raise RuntimeError(f"no figure for {graph} in the callback's answer")
    return len(response.content)


@dataclass
class CallbackServer:
    """One scale's server, its page as the browser sees it and the samples taken from it."""

    k: int
    server: Gunicorn
    session: Any
    deps: list[dict[str, Any]]
    page: dict[str, Any]
    charts: list[dict[str, Any]]
    trivial: dict[str, Any]


def _post(s: CallbackServer, body: dict[str, Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    response = s.session.post(s.server.base + CALLBACK_URL, json=body, timeout=120)
    return time.perf_counter() - start, response


def bench_callback_e2e(ctx: Context) -> list[Result]:
    """HTTP POST /_dash-update-component to the /migration chart callbacks on gunicorn (one sync worker
    each) serving the bundled snapshot (x1) and x100 incidents; both servers up at once, requests
    interleaved; every selection first sent once (the view's query runs), then again (LRU cache hit)."""
    import os

    import requests

    from dashboard.data import CACHE_SIZE

    dirs = {1: ctx.empty_dir(), TOP_SCALE: ctx.data_dir(TOP_SCALE)}
    gunicorns: dict[int, Gunicorn] = {}
    servers: dict[int, CallbackServer] = {}
    try:
        for k in CALLBACK_SCALES:  # both start at once: the loads overlap
            gunicorns[k] = Gunicorn(dirs[k], ctx.tmp / f"gunicorn-x{k}.log")
        for k, server in gunicorns.items():
            ctx.log(f"  waiting for gunicorn x{k} ({server.base}) to load its data ...")
            server.wait()
            session = requests.Session()
            deps, page = migration_page(session, server.base)
            servers[k] = CallbackServer(k, server, session, deps, page, chart_callbacks(deps, page),
                                        trivial_callback(deps, page))
        charts = servers[1].charts
        if [d["output"] for d in charts] != [d["output"] for d in servers[TOP_SCALE].charts]:
            raise RuntimeError("the two servers disagree on the chart callbacks")
        # Distinct selections, all of them in the LRU cache at once (every chart view memoises one entry each).
        limit = min(ctx.n(90, 16), (CACHE_SIZE - 16) // len(charts))
        selections = callback_selections(servers[1].page, charts[0], limit)
        ctx.log(f"  {len(selections)} selections x {len(charts)} chart callbacks, first time then repeated, "
                f"x1 and x{TOP_SCALE} interleaved ...")

        # Warm-up: the page's first render (every chart callback with the default controls) and the floor.
        for s in servers.values():
            for dep in charts + [s.trivial]:
                _wall, response = _post(s, dashflow().payload(dep, s.page, []))
                response.raise_for_status()

        phases = ("first", "repeat")
        samples: dict[tuple[str, int], list[float]] = {(p, k): [] for p in phases for k in CALLBACK_SCALES}
        per_chart: dict[tuple[str, int], dict[str, list[float]]] = {(p, k): {} for p in phases for k in CALLBACK_SCALES}
        cpu = {(p, k): 0.0 for p in phases for k in CALLBACK_SCALES}  # worker CPU seconds, summed
        floor: dict[int, list[float]] = {k: [] for k in CALLBACK_SCALES}
        sizes: dict[int, list[int]] = {k: [] for k in CALLBACK_SCALES}
        n = 0
        previous = servers[1].page
        for vals in selections:
            for dep in charts:
                # First time (the view's query runs), then the very same POST again (LRU hit): both phases
                # and both scales take turns, so they all see the same machine state.
                for phase in phases:
                    order = CALLBACK_SCALES if n % 2 == 0 else CALLBACK_SCALES[::-1]
                    n += 1
                    for k in order:
                        s = servers[k]
                        before = s.server.worker_cpu()
                        wall, response = _post(s, callback_body(dep, vals, previous if phase == "first" else vals))
                        cpu[phase, k] += s.server.worker_cpu() - before
                        size = check_chart_answer(response, dep)
                        samples[phase, k].append(wall)
                        per_chart[phase, k].setdefault(_chart_name(dep), []).append(wall)
                        if phase == "first":
                            sizes[k].append(size)
            for k in (CALLBACK_SCALES if n % 2 == 0 else CALLBACK_SCALES[::-1]):  # the floor, once per selection
                wall, response = _post(servers[k], callback_body(servers[k].trivial, vals, previous))
                response.raise_for_status()
                floor[k].append(wall)
            previous = vals
        cpu = {key: total / len(samples[key]) for key, total in cpu.items()}
        rss = {k: _rss(s.server.worker) for k, s in servers.items()}
    finally:
        for server in gunicorns.values():
            server.stop()

    stats = {key: Stats.of(v) for key, v in samples.items()}
    floor_stats = {k: Stats.of(v) for k, v in floor.items()}
    load = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    what = {1: "The bundled snapshot (empty data dir; MMP monthly totals only, so the map callback answers "
               "with its 'needs incident-level data' message)",
            TOP_SCALE: f"{ctx.rows(TOP_SCALE):,} incidents (x{TOP_SCALE}) ingested into a temp data dir"}
    setup = (f"POST {CALLBACK_URL} to the {len(charts)} {CALLBACK_PAGE} chart callbacks "
             f"({', '.join(_chart_name(d) for d in charts)}: figure, summary, table, source, API link), bodies "
             "built as dash-renderer does from the server's own /_dash-dependencies and the page layout from "
             f"its pages router (load/dashflow.py); `python -m gunicorn dashboard.wsgi:server -w 1` per scale "
             f"({gunicorn_settings()}) "
             f"on 127.0.0.1, both up at once; one requests.Session each, requests sequential, x1 and x{TOP_SCALE} "
             "taking turns (order alternating); requests' default Accept-Encoding (the app compresses). "
             f"{len(selections)} distinct filter selections (migration_filters(), then year x region group from "
             "the page's own options; never the page default, which is the warm-up with every chart). Each "
             "answer checked: 200 and a figure for the chart's graph.")
    results = []
    for phase in ("first", "repeat"):
        for k in CALLBACK_SCALES:
            charts_detail = ", ".join(f"{name} {fmt_timing(Stats.of(v))}" for name, v in per_chart[phase, k].items())
            detail = {"per chart callback": charts_detail,
                      "gunicorn worker CPU per request (mean; /proc ticks)": fmt_seconds(cpu[phase, k])}
            if phase == "first":
                detail["answer size (decoded JSON), median"] = fmt_bytes(statistics.median(sizes[k]))
                detail["gunicorn worker memory after the run (VmRSS, VmHWM)"] = rss[k]
            if phase == "first":
                note = (f"{what[k]}. First time each selection is sent: every chart's view misses the per-filter "
                        f"LRU cache (Dataset.memo, {CACHE_SIZE} entries; no selection was sent before) and runs "
                        "its query, then builds the figure, summary and table and serialises the answer.")
                if k == 1:
                    note = setup + " " + note
            else:
                note = (f"{what[k]}. Each chart POST of the first-time row sent again right after (the same "
                        "body, so the same filters): the view's rows come from the LRU cache "
                        f"({len(selections) * len(charts)} entries used of {CACHE_SIZE}, none evicted); figure, "
                        "summary, table and JSON are still built per request.")
            name = (f"callback_e2e x{k} (gunicorn POST)" if phase == "first"
                    else f"callback_e2e x{k} repeat (cache hit)")
            results.append(timing_result(name, stats[phase, k], floor_stats[k], [], note=note, detail=detail,
                                         baseline_label="floor: region-options callback"))
    for phase, label in (("first", "first time"), ("repeat", "repeat")):
        top, one = stats[phase, TOP_SCALE], stats[phase, 1]
        results.append(Result(
            f"callback_e2e p95 x{TOP_SCALE} / x1 ({label})", ours=top.p95, baseline=one.p95,
            ours_text=f"x{TOP_SCALE} p95 {fmt_seconds(top.p95)}", baseline_text=f"x1 p95 {fmt_seconds(one.p95)}",
            targets=(ratio_at_most(2),),
            note=("Target: x100 within 2x of x1, read as p95(x100) / p95(x1) ≤ 2, for both the first-time and the "
                  f"repeated selections. Load average (1/5/15 min) at the end: {load} on "
                  f"{os.cpu_count()} CPUs shared with other work." if phase == "first" else ""),
            detail={"ratio of medians": fmt_ratio(top.median / one.median),
                    "p95 x100 / x1 per chart callback": ", ".join(
                        f"{name} {fmt_ratio(percentile(v, 95) / percentile(per_chart[phase, 1][name], 95))}"
                        for name, v in per_chart[phase, TOP_SCALE].items()),
                    "worker CPU per request x1 -> x100": f"{fmt_seconds(cpu[phase, 1])} -> "
                                                         f"{fmt_seconds(cpu[phase, TOP_SCALE])}"}))
    return results


def _chart_name(dep: dict[str, Any]) -> str:
    graph = next(o["id"] for o in _as_list(dashflow().outputs_of(dep["output"])) if o["property"] == "figure")
    return graph[len(CALLBACK_PREFIX):-len("-graph")] if graph.startswith(CALLBACK_PREFIX) else graph


def _rss(pid: int | None) -> str:
    """'RSS <now>, peak <VmHWM>' of a process, from /proc."""
    try:
        status = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines()
                      if ":" in line)
        rss, peak = (int(status[key].split()[0]) * 1024 for key in ("VmRSS", "VmHWM"))
        return f"{fmt_bytes(rss)}, peak {fmt_bytes(peak)}"
    except (OSError, KeyError, ValueError):
        return "—"


def _browser_loads(ctx: Context) -> dict[str, list[dict[str, Any]]]:
    """Cold loads of `/` in headless Chromium on ours, default Dash and full-plotly-compressed servers
    (bench/browser.py), measured once per run and shared by page_weight and time_to_first_chart."""
    from . import browser

    loads = getattr(ctx, "_browser_loads", None)
    if loads is None:
        loads = browser.measure(ctx.empty_dir(), ctx.n(7, 3), log=ctx.log)
        ctx._browser_loads = loads  # pylint: disable=protected-access
    return loads


BROWSER_SETUP = ("Headless Chromium (Playwright, /usr/bin/chromium), a fresh context (empty cache) per load, "
                 "Accept-Encoding: gzip, br; `python -m dashboard` on the bundled snapshot. ours = the app as "
                 "deployed (partial plotly.js from dashboard/vendor, flask-compress on). baseline = default Dash: the "
                 "same app with HUMDASH_FULL_PLOTLYJS=1 HUMDASH_COMPRESS=0 (plotly.js from the plotly package, "
                 "lazy-loaded by dcc.Graph; Dash's compress=False). All servers up at once, loads rotated, one "
                 "warm-up load each not counted.")


def bench_page_weight(ctx: Context) -> list[Result]:
    """Compressed bytes of a first load of `/`: every request until all charts are drawn and the network
    is idle (body as transferred + response headers, as Chromium counts them)."""
    from . import browser

    loads = _browser_loads(ctx)
    ours, base, full = (browser.median_bytes(loads[k]) for k in ("ours", "baseline", "full_compressed"))
    detail = {k: f"{len(loads[k][0]['requests'])} requests; largest: {browser.largest(loads[k][0]['requests'])}"
              for k in loads}
    return [
        Result("page_weight / first load (compressed)", ours=ours, baseline=base, ours_text=fmt_bytes(ours),
               baseline_text=f"default Dash {fmt_bytes(base)}", targets=(bytes_at_most(1e6),),
               note=BROWSER_SETUP + " Bytes: sum over every request of Chromium's transferred body + response "
                    "headers (request.sizes()), median over the loads.", detail=detail),
        Result("page_weight / vs full plotly.js compressed", ours=ours, baseline=full, ours_text=fmt_bytes(ours),
               baseline_text=f"full plotly.js, compressed {fmt_bytes(full)}",
               note="Context: the same app with HUMDASH_FULL_PLOTLYJS=1 and compression on, so only the plotly.js "
                    "bundle differs."),
    ]


def bench_time_to_first_chart(ctx: Context) -> list[Result]:
    """Time from navigation start to the first chart's `.main-svg` in the DOM (a MutationObserver's
    performance.now()), cold loads of `/` in headless Chromium, ours vs default Dash."""
    from .table import Stats

    loads = _browser_loads(ctx)
    stats = {k: Stats.of([load["ttfc"] for load in v if load["ttfc"] is not None]) for k, v in loads.items()}
    return [
        timing_result("time_to_first_chart (headless Chromium)", stats["ours"], stats["baseline"],
                      baseline_label="default Dash",
                      note=BROWSER_SETUP + " Time: performance.now() when the first `.js-plotly-plot .main-svg` "
                           "enters the DOM (init-script MutationObserver), i.e. since navigation start; "
                           "localhost, no network throttling, so download size matters less than parse time.",
                      detail={"full plotly.js, compressed": fmt_timing(stats["full_compressed"])}),
    ]


BENCHMARKS: dict[str, Callable[[Context], list[Result]]] = {
    "mmp_xlsx_ingest": bench_mmp_xlsx_ingest,
    "mmp_csv_ingest": bench_mmp_csv_ingest,
    "fts_flows_parse": bench_fts_flows_parse,
    "queries": bench_queries,
    "memory": bench_memory,
    "figure_payload": bench_figure_payload,
    "callback_e2e": bench_callback_e2e,
    "page_weight": bench_page_weight,
    "time_to_first_chart": bench_time_to_first_chart,
}

from bench.fts_world import bench_fts_global_ingest, bench_funding_all_plans  # noqa: E402

BENCHMARKS.update({"fts_global_ingest": bench_fts_global_ingest, "funding_all_plans": bench_funding_all_plans})

from bench.objectstore import bench_open_version  # noqa: E402

BENCHMARKS.update({"objectstore_open_version": bench_open_version})

from bench.caching import bench_http_304, bench_shared_cache  # noqa: E402

BENCHMARKS.update({"http_304": bench_http_304, "shared_cache": bench_shared_cache})
