"""Load test: what visitors do, mixed — open pages (with the callbacks the browser fires), change
filters (Dash callbacks over HTTP POST to /_dash-update-component, payloads built from the app's own
callback map and page layouts, see dashflow.py), query /api and download CSVs (whole tables, chart
views, and the Dash "Download CSV" callback).

Run through load/run.sh (its own virtualenv, gunicorn on 127.0.0.1). Every answer must be 200 (or
204 for a callback that changes nothing) with the expected content; anything else is a failure.
"""
from __future__ import annotations

import random
from typing import Any

from gevent.lock import Semaphore
from locust import HttpUser, between, task

from load import dashflow  # locust puts the current directory, the repository root (run.sh), on sys.path

_lock = Semaphore()
_app: dict[str, Any] = {}


def discover(client: Any) -> dict[str, Any]:
    """Pages, their layouts and control values, callbacks, views and tables (once per process)."""
    with _lock:
        if _app:
            return _app
        layout = client.get("/_dash-layout", name="discover").json()
        deps = client.get("/_dash-dependencies", name="discover").json()
        pages: dict[str, dict[str, Any]] = {}
        for path in dashflow.page_paths(layout):
            body = dashflow.router_payload(deps, path)
            pages[path] = dashflow.page_values(client.post("/_dash-update-component", json=body,
                                                           name="discover").json())
        all_values = {k: v for vals in pages.values() for k, v in vals.items()}
        _app.update(
            deps=deps, pages=pages,
            filter_pages=[p for p, v in pages.items() if dashflow.filter_change(deps, v, random.Random(0))[1]],
            download_pages=[p for p, v in pages.items() if dashflow.downloads(deps, v)],
            views=client.get("/api/views", name="discover").json(),
            tables=client.get("/api/tables", name="discover").json(),
            options=dashflow.option_values(all_values),
        )
        return _app


class Visitor(HttpUser):
    wait_time = between(0.5, 2.0)  # reading time between actions

    def on_start(self) -> None:
        self.app = discover(self.client)
        self.rng = random.Random()

    # -------------------------------------------------------------------------------- helpers

    def callback(self, body: dict[str, Any], name: str) -> None:
        with self.client.post("/_dash-update-component", json=body, name=name, catch_response=True) as response:
            if response.status_code == 204:
                response.success()
            elif response.status_code != 200:
                response.failure(f"HTTP {response.status_code}: {response.text[:200]}")
            elif "response" not in response.json():
                response.failure("no 'response' in the callback answer")

    def get(self, url: str, name: str, expect: str) -> None:
        with self.client.get(url, name=name, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}: {response.text[:200]}")
            elif expect not in response.headers.get("Content-Type", ""):
                response.failure(f"expected {expect}, got {response.headers.get('Content-Type')}")

    # -------------------------------------------------------------------------------- tasks

    @task(3)
    def page_view(self) -> None:
        """A page as a browser loads it: HTML, CSS, layout, callback map, router, first callbacks."""
        path = self.rng.choice(list(self.app["pages"]))
        self.get(path, f"page {path}", "text/html")
        self.get("/assets/style.css", "asset", "text/css")
        self.get("/_dash-layout", "dash layout", "application/json")
        self.get("/_dash-dependencies", "dash dependencies", "application/json")
        self.callback(dashflow.router_payload(self.app["deps"], path), "callback: router")
        for body in dashflow.initial_callbacks(self.app["deps"], self.app["pages"][path]):
            self.callback(body, f"callback: first render {path}")

    @task(4)
    def change_filter(self) -> None:
        """Pick another value in one of a page's filters: charts, cards and the URL update."""
        path = self.rng.choice(self.app["filter_pages"])
        _key, bodies = dashflow.filter_change(self.app["deps"], self.app["pages"][path], self.rng)
        for body in bodies:
            self.callback(body, f"callback: filter {path}")

    @task(3)
    def api_query(self) -> None:
        url = dashflow.api_queries(self.app["views"], self.app["options"], self.rng, "json")
        self.get(url, "api json " + url.split("?")[0], "application/json")

    @task(2)
    def csv_download(self) -> None:
        kind = self.rng.choice(["table", "view", "dash"])
        if kind == "table":
            table = self.rng.choice(self.app["tables"])
            self.get(table["csv"] + self.rng.choice(["", "?hxl=1"]), "csv table " + table["name"], "text/csv")
        elif kind == "view":
            url = dashflow.api_queries(self.app["views"], self.app["options"], self.rng, "csv")
            self.get(url, "csv view " + url.split("?")[0], "text/csv")
        else:
            path = self.rng.choice(self.app["download_pages"])
            body = self.rng.choice(dashflow.downloads(self.app["deps"], self.app["pages"][path]))
            self.callback(body, "callback: download csv")
