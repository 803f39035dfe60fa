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


def _views(ds: data.Dataset, kinds: tuple[str, ...] = ("view", "table")) -> set[Any]:
    """The migration views' query results and tables in the load's memo (its LRU and what warm() kept)."""
    return {k for k in [*ds._cache, *ds._warmed]
            if isinstance(k, tuple) and k[:1] in [(kind,) for kind in kinds] and k[1].startswith("mmp/")}


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
    charts = {"mmp/deaths-by-origin", "mmp/trend", "mmp/by-region", "mmp/by-cause", "mmp/map-bins"}
    for year in years:  # every chart's query, and its table in both languages, for every year of the menu
        of_year = [k for k in before | warmed if k[2].date_from and k[2].date_from.year == year]
        assert {k[1] for k in of_year if k[0] == "view"} == charts, year
        assert {(k[1], k[3]) for k in of_year if k[0] == "table"} == {(c, lang) for c in charts for lang in ("en", "es")}
    assert warmed <= set(ds._warmed) and not warmed & set(ds._cache)  # kept apart from the LRU
    changes = [y for y in years if y != opened[1]["mig-year.value"]]
    assert len(changes) > 10 or ds.has("mmp_incidents")  # the snapshot's years; the incidents have one
    for year in changes:
        answer = _year_change(client, opened, year)
        assert "mig-origin-graph" in answer  # the charts were answered
        assert _views(ds) <= before | warmed, year  # and no chart queried anything or built a table anew
    assert not [k for k in ds._cache if isinstance(k, tuple) and k[:1] == ("table",)]  # tables: only warmed ones


def test_warming_changes_no_answer(ingested):
    """The same year change on an app that warmed and one that did not: the same outputs."""
    cold, hot = _app(ingested), _app(ingested)
    data.warm(hot.server.extensions["humdash"].current())
    year = min(cold.server.extensions["humdash"].current().options()["years"])
    answers = [_year_change(app.server.test_client(), _opened(app.server.test_client()), year) for app in (hot, cold)]
    assert answers[0] == answers[1]


def test_what_warm_works_out_is_kept_for_the_load_and_requests_never_push_it_out(monkeypatch):
    ds = data.Dataset.from_tables(synth.all_tables())
    monkeypatch.setattr(data, "WARMERS", {"only": lambda d: d.memo("warmed", lambda: "kept")})
    monkeypatch.setattr(data, "CACHE_SIZE", 3)
    data.warm(ds)
    assert ds._warmed == {"warmed": "kept"} and "warmed" not in ds._cache
    for n in range(10):  # requests: an LRU of 3
        assert ds.memo(("asked", n), lambda n=n: n) == n
    assert len(ds._cache) == 3 and ds.memo("warmed", lambda: "computed again") == "kept"
    assert ds.warmed("warmed", lambda: "computed again") == "kept"
    assert ds.warmed("not warmed", lambda: "made") == "made" and "not warmed" not in ds._warmed  # not kept
    assert not getattr(data._WARMING, "on", False)  # warming is over for this thread


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
