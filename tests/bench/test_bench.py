"""Smoke test of the benchmark suite's pieces (bench/): the synthetic data keeps the real data's shape
and scales its totals by about k, and the table marks pass/fail correctly. No timing assertions."""
from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import pytest

from bench import synth
from bench.harness import (ERROR, FAIL, INFO, NOT_MEASURED, PASS, Result, Stats, Target, bytes_at_most,
                           error_result, not_measured, p95_at_most, percentile, ratio_at_most, render_markdown,
                           render_text, timing_result)
from ingest.report import Report
from ingest.schemas import validate
from ingest.sources import mmp

from tests.conftest import require_reference

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


@pytest.fixture(scope="module")
def small_incidents() -> pd.DataFrame:
    return mmp.read_file(FIXTURES / "mmp" / "full_schema.csv", Report())


def _source_id(synthetic_id: str) -> str:
    return synthetic_id.rsplit(synth.SYNTH_ID_SEP, 1)[0]


# ------------------------------------------------------------------------------------------ synth


def test_scaled_incidents_keep_columns_dtypes_schema_and_unique_ids(small_incidents):
    scaled = synth.scale_incidents(small_incidents, 50, seed=1)
    assert len(scaled) == 50 * len(small_incidents)
    assert list(scaled.columns) == list(small_incidents.columns)
    assert scaled.dtypes.equals(small_incidents.dtypes)
    assert scaled["incident_id"].is_unique
    assert set(scaled["incident_id"].map(_source_id)) <= set(small_incidents["incident_id"])
    validate("mmp_incidents", scaled, "scaled sample")  # the project's own schema accepts it


def test_scaled_dates_move_at_most_30_days_and_year_month_follow(small_incidents):
    scaled = synth.scale_incidents(small_incidents, 50, seed=2)
    source = small_incidents.set_index("incident_id").loc[scaled["incident_id"].map(_source_id)]
    shift = (scaled["incident_date"].to_numpy() - source["incident_date"].to_numpy()) / pd.Timedelta(days=1)
    dated = scaled["incident_date"].notna().to_numpy()
    assert (abs(shift[dated]) <= synth.JITTER_DAYS).all()
    assert (shift[dated] != 0).any()  # it really jitters
    assert (scaled.loc[dated, "year"] == scaled.loc[dated, "incident_date"].dt.year).all()
    assert (scaled.loc[dated, "month"] == scaled.loc[dated, "incident_date"].dt.month).all()
    undated = ~dated
    assert (scaled.loc[undated, "year"].to_numpy() == source.loc[undated, "year"].to_numpy()).all()
    # everything else is the source row's
    for col in ("region", "origin_iso3", "dead_and_missing", "cause_of_death"):
        left, right = scaled[col].reset_index(drop=True), source[col].reset_index(drop=True)
        assert left.equals(right) or (left.fillna(-1).astype(str) == right.fillna(-1).astype(str)).all()


def test_scaled_totals_grow_about_k(small_incidents):
    k = 400
    real, scaled = synth.incidents_summary(small_incidents), synth.incidents_summary(
        synth.scale_incidents(small_incidents, k, seed=3))
    assert scaled["rows"] == k * real["rows"]
    for col in ("dead", "dead_and_missing"):
        assert scaled[col] == pytest.approx(k * real[col], rel=0.15)


def test_scaling_is_deterministic(small_incidents):
    a = synth.scale_incidents(small_incidents, 3, seed=7)
    b = synth.scale_incidents(small_incidents, 3, seed=7)
    pd.testing.assert_frame_equal(a, b)


@pytest.mark.reference
def test_real_incidents_scaled_keep_the_real_distribution():
    require_reference("mmp")
    real = synth.real_incidents()
    assert len(real) == 19_255
    scaled = synth.scale_incidents(real, 3, seed=3)
    a, b = synth.incidents_summary(real), synth.incidents_summary(scaled)
    assert b["rows"] == 3 * a["rows"]
    for col in ("dead", "missing", "dead_and_missing", "survivors"):
        assert b[col] == pytest.approx(3 * a[col], rel=0.05)
    for group, share in a["region_group_share"].items():
        assert b["region_group_share"].get(group, 0) == pytest.approx(share, abs=0.01)


def test_flow_pages_have_the_recorded_shape_and_unique_ids():
    recorded = json.loads((FIXTURES / "fts" / "flow_planId-9001_page-1.json").read_bytes())
    pages = synth.flow_pages(pages=3, per_page=20, seed=0, recorded=recorded)
    docs = [json.loads(p) for p in pages]
    assert all(d.keys() == recorded.keys() and d["data"].keys() == recorded["data"].keys() for d in docs)
    assert [len(d["data"]["flows"]) for d in docs] == [20, 20, 20]
    ids = [f["id"] for d in docs for f in d["data"]["flows"]]
    assert len(set(ids)) == 60
    assert docs[0]["data"]["flows"][:3] == recorded["data"]["flows"]  # page 1 starts with the recorded flows
    from bench.cases.fts_flows import parse_flow_pages

    assert len(parse_flow_pages(pages)["fts_flows"]) == 60  # and the project's parser reads every flow


# ------------------------------------------------------------------------------------------ table


def test_percentile_and_stats_match_numpy():
    import numpy as np

    samples = [5.0, 1.0, 3.0, 2.0, 4.0, 10.0, 7.5]
    assert percentile(samples, 95) == pytest.approx(float(np.percentile(samples, 95)))
    stats = Stats.of(samples)
    assert (stats.median, stats.n) == (4.0, 7)


def test_ratio_targets_pass_and_fail():
    ok = timing_result("fast", Stats(0.4, 0.5, 5), Stats(1.0, 1.1, 5), [ratio_at_most(0.5)])
    slow = timing_result("slow", Stats(0.6, 0.7, 5), Stats(1.0, 1.1, 5), [ratio_at_most(0.5)])
    edge = timing_result("edge", Stats(0.5, 0.7, 5), Stats(1.0, 1.1, 5), [ratio_at_most(0.5)])
    assert ok.ratio == pytest.approx(0.4) and ok.verdict() == PASS
    assert slow.verdict() == FAIL
    assert edge.verdict() == PASS  # "≤" includes the limit


def test_p95_and_combined_targets_name_what_failed():
    row = timing_result("q", Stats(0.010, 0.030, 50), Stats(0.5, 0.9, 10), [p95_at_most(0.020), ratio_at_most(0.05)])
    assert row.verdict() == f"{FAIL} (p95 ≤ 20 ms)"  # the ratio (0.02) passes, the p95 does not
    row = timing_result("q", Stats(0.010, 0.015, 50), Stats(0.5, 0.9, 10), [p95_at_most(0.020), ratio_at_most(0.05)])
    assert row.verdict() == PASS
    assert Target("ratio", ">=", 2, "≥ 2").met(Result("x", ours=3, baseline=1)) is True


def test_sizes_info_hooks_and_errors():
    assert Result("payload", ours=200e3, targets=(bytes_at_most(150e3),)).verdict() == FAIL
    assert Result("payload", ours=100e3, targets=(bytes_at_most(150e3),)).verdict() == PASS
    assert Result("context", ours=1.0).verdict() == INFO
    assert Result("no number", targets=(ratio_at_most(1),)).verdict() == ERROR
    assert not_measured("callback_e2e x1").verdict() == NOT_MEASURED
    assert error_result("queries", RuntimeError("boom")).verdict() == ERROR
    assert math.isclose(Result("r", ours=2, baseline=4).ratio, 0.5)
    assert Result("r", ours=2, baseline=0).ratio is None


def test_render_text_and_markdown_show_one_row_per_result_with_its_verdict():
    rows = [timing_result("mmp_xlsx_ingest", Stats(1.0, 1.2, 7), Stats(5.0, 5.5, 7), [ratio_at_most(0.5)]),
            timing_result("mmp_csv_ingest", Stats(0.5, 0.6, 7), Stats(0.02, 0.03, 7), [ratio_at_most(10)]),
            not_measured("time_to_first_chart")]
    text = render_text(rows).splitlines()
    assert text[0].split() == ["benchmark", "ours", "baseline", "ratio", "target", "pass/fail"]
    assert text[2].startswith("mmp_xlsx_ingest") and text[2].rstrip().endswith(PASS) and " 0.20 " in text[2]
    assert text[3].startswith("mmp_csv_ingest") and text[3].rstrip().endswith(FAIL) and " 25.0 " in text[3]
    assert text[4].rstrip().endswith(NOT_MEASURED)
    rows[1].detail = {"CPU time": "ours 1 s"}
    md = render_markdown(rows, {"CPU": "test cpu", "cores": "2"})
    assert "- **mmp_csv_ingest**\n  - CPU time: ours 1 s" in md  # details sit under their row's name
    assert "| benchmark | ours | baseline | ratio | target | pass/fail |" in md
    assert "- **CPU**: test cpu" in md
    assert md.count("\n| mmp_") == 2


def test_run_only_rejects_unknown_names_and_keeps_suite_order():
    from bench.run import selected

    assert selected("memory,mmp_xlsx_ingest") == ["mmp_xlsx_ingest", "memory"]
    with pytest.raises(SystemExit) as err:
        selected("nope")
    assert err.value.code == 2


def test_every_benchmark_the_readme_lists_is_registered_once():
    import re

    from bench import harness
    from bench.cases import BENCHMARKS

    listed = re.findall(r"^\| `([a-z0-9_]+)` \|", (Path(harness.__file__).parent / "README.md").read_text(), re.M)
    assert len(listed) >= 10 and sorted(listed) == sorted(BENCHMARKS)
    with pytest.raises(ValueError, match="registered twice"):
        harness.register(listed[0])(lambda ctx: [])
    assert BENCHMARKS[listed[0]].__name__ != "<lambda>"  # the first registration stands


def test_run_as_a_file_from_elsewhere_lists_the_benchmarks(tmp_path):
    import os
    import subprocess
    import sys

    from bench.cases import BENCHMARKS

    script = Path(__file__).resolve().parents[2] / "bench" / "run.py"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    done = subprocess.run([sys.executable, str(script), "--list"], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == list(BENCHMARKS)


def test_a_missing_server_program_says_which_package_holds_it():
    from bench import servers

    with pytest.raises(servers.NotInstalled, match="Debian package humdash-none"):
        servers.program("humdash-no-such-program", "humdash-none")


# ------------------------------------------------------------------------------------------ callback_e2e


class _Answer:
    def __init__(self, status: int, body: dict) -> None:
        self.status_code, self._body = status, body
        self.content = json.dumps(body).encode()
        self.text = self.content.decode()

    def json(self) -> dict:
        return self._body


def test_callback_e2e_bodies_come_from_the_callback_map_and_the_page_values():
    from bench import dashpage as b
    from dashboard.pages import migration as m

    inputs = [{"id": c, "property": p} for c, p in m.FILTER_INPUTS]
    chart = {"output": "..mig-trend-graph.figure...mig-trend-summary.children..", "inputs": inputs, "state": [],
             "clientside_function": None}
    floor = {"output": "mig-region.options", "inputs": [{"id": "mig-group", "property": "value"}], "state": [],
             "clientside_function": None}
    download = {"output": "mig-trend-download.data", "inputs": [{"id": "mig-trend-csv", "property": "n_clicks"}],
                "state": [], "clientside_function": None}
    elsewhere = {**chart, "output": "..cr-trend-graph.figure..", "inputs": [{"id": "cr-origin", "property": "value"}]}
    page = {**m.filters_controls(m.DEFAULT), "mig-trend-csv.n_clicks": None,
            "mig-year.options": [{"label": str(y), "value": y} for y in range(2014, 2026)],
            "mig-group.options": [{"label": g or "All", "value": g} for g in ("", "Americas", "Africa", "Europe")]}
    deps = [chart, floor, download, elsewhere]
    assert b.chart_callbacks(deps, page) == [chart]
    assert b.trivial_callback(deps, page) is floor
    sync = {"output": "..mig-year.value...mig-url.search..", "inputs": [*inputs, {"id": "mig-url", "property": "search"}],
            "state": [], "clientside_function": None}
    page_with_url = {**page, "mig-url.search": ""}
    assert b.trivial_callback([chart, sync, download], page_with_url) is sync  # region choices folded into a chart

    selections = b.callback_selections(page, chart, 40)
    keys = {b.selection_key(s, inputs) for s in selections}
    assert len(selections) == len(keys) == 40  # distinct
    assert b.selection_key(page, inputs) not in keys  # the page default is the warm-up, never timed

    body = b.callback_body(chart, selections[0], page)
    assert body["output"] == chart["output"] and [o["id"] for o in body["outputs"]] == ["mig-trend-graph",
                                                                                         "mig-trend-summary"]
    assert [i["value"] for i in body["inputs"]] == [selections[0][f"{c}.{p}"] for c, p in m.FILTER_INPUTS]
    assert body["changedPropIds"] and set(body["changedPropIds"]) <= {f"{c}.{p}" for c, p in m.FILTER_INPUTS}
    # migration_filters()[1] is "everything": no dates, no group
    assert body["inputs"][0]["value"] is None and body["inputs"][2]["value"] == ""

    figure = {"response": {"mig-trend-graph": {"figure": {"data": [], "layout": {}}}}}
    assert b.check_chart_answer(_Answer(200, figure), chart) > 0
    with pytest.raises(RuntimeError, match="no figure"):
        b.check_chart_answer(_Answer(200, {"response": {"mig-trend-graph": {"figure": None}}}), chart)
    with pytest.raises(RuntimeError, match="HTTP 500"):
        b.check_chart_answer(_Answer(500, {}), chart)


def test_the_filter_change_clock_skips_mutations_that_cancel_out_within_a_task(chromium):
    """bench.filter_change stops its clock at the last DOM change: a class added and removed a few
    microtasks apart in one task (dcc.Graph's resize check on a chart at its size) is no change; a class
    left on, or new text, is."""
    from bench.filter_change import INSTRUMENT

    page = chromium.new_page()
    try:
        page.set_content("<div id='g' class='plot'>a</div>")
        page.evaluate(INSTRUMENT)
        last = "() => window.__perf.lastMut"
        page.wait_for_timeout(50)
        before = page.evaluate(last)
        page.evaluate("""() => { const g = document.getElementById('g'); g.classList.add('pending');
            Promise.resolve().then(() => {}).finally(() => g.classList.remove('pending')); }""")
        page.wait_for_timeout(50)
        assert page.evaluate(last) == before
        page.evaluate("() => document.getElementById('g').classList.add('pending')")
        page.wait_for_timeout(50)
        moved = page.evaluate(last)
        assert moved > before
        page.evaluate("() => { document.getElementById('g').textContent = 'b'; }")
        page.wait_for_timeout(50)
        assert page.evaluate(last) > moved
    finally:
        page.close()


@pytest.mark.parametrize("address, charts", [("/", 1), ("/?charts=5", 5), ("/?charts=0", 1), ("/?charts=x", 1),
                                             ("/?charts=99", 8)])
def test_the_minimal_page_has_as_many_charts_as_its_address_asks(address, charts):
    """bench/minimal_app.py: `/?charts=N` (the browser's Referer when it asks for the layout) gives N charts,
    which its one callback answers together, each with its own bars."""
    from bench import minimal_app

    layout = minimal_app.server.test_client().get("/_dash-layout", headers={"Referer": "http://localhost" + address})
    assert layout.status_code == 200
    assert json.dumps(layout.get_json()).count('"type": "Graph"') == charts
    figures = minimal_app.update(2019, [{"type": "graph", "index": i} for i in range(charts)])
    assert len(figures) == charts
    assert len({tuple(f.data[0].y) for f in figures}) == charts  # not one chart drawn N times
    assert minimal_app.update(2020, [{"type": "graph", "index": 0}])[0].data[0].y != figures[0].data[0].y


@pytest.mark.browser
def test_the_filter_change_benchmark_counts_the_charts_kept_aside_apart(tmp_path):
    """One change on /migration (bundled snapshot) through the benchmark's command, servers and browser:
    one request; the map far below the 900 px window is kept aside by assets/charts.js and drawn
    afterwards, measured apart from the change; the minimal page keeps nothing aside."""
    import shutil
    import subprocess
    import sys

    from tests.conftest import _need

    if not Path(shutil.which("chromium") or "/usr/bin/chromium").exists():
        _need("Chromium (/usr/bin/chromium)")
    out = tmp_path / "changes.json"
    done = subprocess.run([sys.executable, "-m", "bench.filter_change", "--pages", "/migration", "--changes", "1",
                           "--json", str(out)], cwd=FIXTURES.parents[1], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    results = json.loads(out.read_text())
    ours = results["pages"]["/migration"]["summary"]
    assert ours["requests"] == 1 and ours["seconds"] > 0
    assert ours["kept"] >= 1 and ours["kept_seconds"] > 0, ours
    assert results["minimal"]["/migration"]["summary"]["kept"] == 0
    assert "charts kept aside, drawing them s" in done.stdout
