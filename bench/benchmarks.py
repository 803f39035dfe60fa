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
from .table import (Result, Stats, bytes_at_most, fmt_bytes, fmt_seconds, fmt_timing, not_measured, p95_at_most,
                    ratio_at_most, timing_result)

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
    """One timed query: row name, view in dashboard.views.VIEWS, filter rotation, naive baseline or not."""

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
    from dashboard.views import VIEWS

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
                                + (f" Views no longer in dashboard.views.VIEWS, skipped: {', '.join(missing)}."
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


# ------------------------------------------------------------------------------------------ hooks (not yet measured)
# HOOK: these rows are in the table so the columns and the README stay stable; whoever implements
# one replaces its body with a real measurement returning Result rows of the same names.


def bench_callback_e2e(ctx: Context) -> list[Result]:
    """HOOK (not yet measured): HTTP POST /_dash-update-component to one chart callback on gunicorn
    (`gunicorn dashboard.wsgi:server`, HUMDASH_DATA_DIR = ctx.empty_dir() / ctx.data_dir(100)), p95 over a
    rotation of migration_filters(), at x1 and x100; baseline e.g. the same POST to a trivial callback."""
    note = "HOOK: bench.benchmarks.bench_callback_e2e returns 'not yet measured'; fill in after the dashboard change."
    return [not_measured("callback_e2e x1 (gunicorn POST)", note=note),
            not_measured(f"callback_e2e x{TOP_SCALE} (gunicorn POST)")]


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
