"""Queries worked out before anyone asks (data.warm): /migration's warmer puts every chart's rows for each year
of the year menu into the load's memo, through the page's own functions, so a year change from the page as it
opens finds them all and queries nothing; the answer is the same as without warming; a failing warmer is
logged and skipped; a serving process warms each later load in the background."""
from __future__ import annotations

import importlib.util
import logging
from pathlib import Path
from typing import Any

import pytest

from dashboard.data import dataset as data
from tests.fixtures.dashboard import dashboard_synth as synth

REPO = Path(__file__).resolve().parents[3]
spec = importlib.util.spec_from_file_location("humdash_dashflow_warm", REPO / "load" / "dashflow.py")
flow = importlib.util.module_from_spec(spec)
spec.loader.exec_module(flow)


def _app(data_dir: Path) -> Any:
    from dashboard.app import create_app

    return create_app(data_dir)


def _views(ds: data.Dataset) -> set[Any]:
    """The migration views' query results in the load's memo."""
    return {k for k in list(ds._cache) if isinstance(k, tuple) and k[:1] == ("view",) and k[1].startswith("mmp/")}


def _opened(client: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """/migration as it opens: its page callback and the values its layout holds."""
    deps = client.get("/_dash-dependencies").get_json()
    vals = flow.page_values(client.post("/_dash-update-component", json=flow.router_payload(deps, "/migration"))
                            .get_json())
    page = next(d for d in flow.server_side(deps) if flow.in_page(d, vals) and "mig-origin-graph.figure" in d["output"])
    return page, {k: (None if k.endswith("shown.data") else v) for k, v in vals.items()}  # nothing shown yet


def _year_change(client: Any, opened: tuple[dict[str, Any], dict[str, Any]], year: int) -> dict[str, Any]:
    """The page callback's answer to picking `year` on the opened page (every output)."""
    page, vals = opened
    response = client.post("/_dash-update-component", json=flow.payload(page, {**vals, "mig-year.value": year},
                                                                        ["mig-year.value"]))
    assert response.status_code == 200, response.data[:300]
    return response.get_json()["response"]


@pytest.fixture(scope="module", params=["snapshot", "incidents"])
def ingested(request, tmp_path_factory) -> Path:
    """The bundled snapshot (an empty data directory: monthly totals of every year), and the synthetic tables
    stored as an ingest (incidents with coordinates: the map has rows)."""
    root = tmp_path_factory.mktemp("warm-data")
    if request.param == "incidents":
        synth.write_tables(root, synth.all_tables())
    return root


def test_a_year_change_from_the_opened_page_finds_every_query_worked_out(ingested):
    app = _app(ingested)
    ds = app.server.extensions["humdash"].current()
    client = app.server.test_client()
    opened = _opened(client)  # the page's own selection is queried as it opens
    years = sorted(ds.options()["years"])
    assert years and "migration" in data.WARMERS
    before = _views(ds)
    took = data.warm(ds)
    warmed = _views(ds) - before
    assert took >= 0
    for year in years:  # every chart's query for every year of the menu
        assert {k[1] for k in before | warmed if k[2].date_from and k[2].date_from.year == year} == {
            "mmp/deaths-by-origin", "mmp/trend", "mmp/by-region", "mmp/by-cause", "mmp/map-bins"}, year
    changes = [y for y in years if y != opened[1]["mig-year.value"]]
    assert len(changes) > 10 or ds.has("mmp_incidents")  # the snapshot's years; the incidents have one
    for year in changes:
        answer = _year_change(client, opened, year)
        assert "mig-origin-graph" in answer  # the charts were answered
        assert _views(ds) <= before | warmed, year  # and no chart queried anything new


def test_warming_changes_no_answer(ingested):
    """The same year change on an app that warmed and one that did not: the same outputs."""
    cold, hot = _app(ingested), _app(ingested)
    data.warm(hot.server.extensions["humdash"].current())
    year = min(cold.server.extensions["humdash"].current().options()["years"])
    answers = [_year_change(app.server.test_client(), _opened(app.server.test_client()), year) for app in (hot, cold)]
    assert answers[0] == answers[1]


def test_a_failing_warmer_is_logged_and_the_others_still_run(ingested, monkeypatch, caplog):
    ds = _app(ingested).server.extensions["humdash"].current()
    ran = []

    def broken(_ds):
        raise ValueError("no such column")

    monkeypatch.setitem(data.WARMERS, "broken", broken)
    monkeypatch.setitem(data.WARMERS, "zz-after", ran.append)
    with caplog.at_level(logging.ERROR, logger=data.__name__):
        data.warm(ds)
    assert ran == [ds]
    assert "warming the broken page's queries failed" in caplog.text and "no such column" in caplog.text


def test_a_serving_process_warms_a_new_load_in_the_background(ingested, monkeypatch):
    app = _app(ingested)
    source = app.server.extensions["humdash"]
    threads: list[Any] = []
    real = data.warm_in_background
    monkeypatch.setattr(data, "warm_in_background", lambda ds: threads.append(real(ds)) or threads[-1])
    source.reload()
    assert threads == []  # not asked to
    source.warm_reloads = True
    loaded = source.reload()
    assert len(threads) == 1
    threads[0].join(60)
    assert not threads[0].is_alive() and _views(loaded)  # the new load's queries are in its memo


def test_gunicorn_works_the_queries_out_once_before_it_forks_its_workers(tmp_path):
    """With the deployment's gunicorn.conf.py (preload_app): one warm-up in the master, shared by both workers."""
    from bench import servers

    log = tmp_path / "gunicorn.log"
    server = servers.Gunicorn(tmp_path / "empty", log, workers=2)
    try:
        server.wait(timeout=300)
        text = log.read_text(errors="replace")
    finally:
        server.stop()
    assert text.count("worked out the likeliest selections' queries in") == 1, text[-2000:]
    assert "warming the" not in text and "warm-up request failed" not in text, text[-2000:]
