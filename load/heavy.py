"""Many clients at once on the heaviest answers: whole-table CSV and JSON exports and the migration map
callback (Dash POST), for a bounded time and number of requests, on 127.0.0.1 only. Standard library only
(threads + http.client), so the tests can run it too.

    python -m load.heavy --base http://127.0.0.1:8080 --clients 200 --seconds 20 --requests 10

Every client loops: pick an answer (weights below), send it, check it; it stops after --requests answers or
when --seconds are up. Prints requests, errors, p50/p95/max per kind; exits 1 on any error or when the p95
is over --max-p95 seconds. `--json` prints the summary as one JSON line instead.
"""
from __future__ import annotations

import argparse
import http.client
import json
import random
import sys
import threading
import time
from typing import Any
from urllib.parse import urlsplit

from load import dashflow

MAP_OUTPUT = "mig-map-graph.figure"
KINDS = {"csv table": 3, "json table": 2, "map callback": 3}


class Client:
    """One keep-alive connection (reopened after an error)."""

    def __init__(self, host: str, port: int, timeout: float) -> None:
        self.host, self.port, self.timeout = host, port, timeout
        self.conn: http.client.HTTPConnection | None = None

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            try:
                self.conn.request(method, path, body=body, headers=headers or {})
                response = self.conn.getresponse()
                data = response.read()
                if response.getheader("Connection", "").lower() == "close":
                    self.close()
                return response.status, {k.lower(): v for k, v in response.getheaders()}, data
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.close()
                if attempt == 2:  # a keep-alive connection the server had just closed is retried once
                    raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def map_bodies(client: Client, variants: int, seed: int = 0) -> list[bytes]:
    """The map callback as the /migration page first sends it, plus `variants` filter changes."""
    client.request("GET", "/_dash-layout")  # as the browser does first
    _s, _h, deps_raw = client.request("GET", "/_dash-dependencies")
    deps = json.loads(deps_raw)
    body = dashflow.router_payload(deps, "/migration")
    _s, _h, tree = client.request("POST", "/_dash-update-component", json.dumps(body).encode(),
                                  {"Content-Type": "application/json"})
    vals = dashflow.page_values(json.loads(tree))
    bodies = [b for b in dashflow.initial_callbacks(deps, vals) if MAP_OUTPUT in b["output"]]
    rng = random.Random(seed)
    for _ in range(variants * 5):
        if len(bodies) > variants:
            break
        _key, changed = dashflow.filter_change(deps, vals, rng)
        bodies += [b for b in changed if MAP_OUTPUT in b["output"]]
    if not bodies:
        raise SystemExit(f"no callback drawing {MAP_OUTPUT} on /migration")
    return [json.dumps(b).encode() for b in bodies[: variants + 1]]


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def ask(client: Client, rng: random.Random, bodies: list[bytes], tables: tuple[str, ...]) -> tuple[str, float, str | None]:
    """One request of a kind picked by weight, checked; (kind, seconds, error or None)."""
    kind = rng.choices(list(KINDS), list(KINDS.values()))[0]
    accept = {"Accept-Encoding": "gzip, deflate, br"} if rng.random() < 0.7 else {}
    t0 = time.monotonic()
    error = None
    try:
        if kind == "map callback":
            status, headers, data = client.request("POST", "/_dash-update-component", rng.choice(bodies),
                                                   {"Content-Type": "application/json", **accept})
            expect = "application/json"
        else:
            ext = "csv" if kind == "csv table" else "json"
            status, headers, data = client.request("GET", f"/api/{rng.choice(tables)}.{ext}", None, accept)
            expect = "text/csv" if ext == "csv" else "application/json"
        if status != 200:
            error = f"HTTP {status}: {data[:120]!r}"
        elif expect not in headers.get("content-type", ""):
            error = f"expected {expect}, got {headers.get('content-type')}"
        elif not data:
            error = "empty body"
    except Exception as exc:  # noqa: BLE001 (every failure is counted, none stops the run)
        error = f"{type(exc).__name__}: {exc}"
        client.close()
    return kind, time.monotonic() - t0, error


def summary(rows: list[tuple[str, float, str | None]]) -> dict[str, Any]:
    times = [r[1] for r in rows]
    return {"requests": len(rows), "errors": sum(1 for r in rows if r[2]),
            "p50": round(percentile(times, 0.5), 3), "p95": round(percentile(times, 0.95), 3),
            "max": round(max(times, default=0.0), 3)}


def run(base: str, clients: int, seconds: float, requests: int, *, timeout: float = 60.0, variants: int = 8,
        tables: tuple[str, ...] = ("mmp_deaths",), seed: int = 0) -> dict[str, Any]:
    """Run the load; returns {"total": {...}, "kinds": {kind: {...}}, "errors": [first few]}."""
    url = urlsplit(base)
    if url.hostname not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit("load/heavy.py only runs against 127.0.0.1")
    host, port = url.hostname, url.port or 80
    bodies = map_bodies(Client(host, port, timeout), variants, seed)
    results: list[tuple[str, float, str | None]] = []
    lock = threading.Lock()
    deadline = time.monotonic() + seconds
    start = threading.Barrier(clients + 1)

    def one(index: int) -> None:
        rng = random.Random(seed * 1000 + index)
        client = Client(host, port, timeout)
        start.wait()
        for _ in range(requests):
            if time.monotonic() >= deadline:
                break
            result = ask(client, rng, bodies, tables)
            with lock:
                results.append(result)
        client.close()

    threads = [threading.Thread(target=one, args=(i,), daemon=True) for i in range(clients)]
    for t in threads:
        t.start()
    began = time.monotonic()
    start.wait()
    for t in threads:
        t.join(seconds + timeout + 10)
    elapsed = time.monotonic() - began
    total = summary(results)
    total.update(clients=clients, seconds=round(elapsed, 1), rps=round(len(results) / elapsed, 1) if elapsed else 0)
    return {"total": total, "kinds": {k: summary([r for r in results if r[0] == k]) for k in KINDS},
            "errors": sorted({r[2] for r in results if r[2]})[:10]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m load.heavy", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", required=True, help="http://127.0.0.1:PORT (nginx or gunicorn)")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--requests", type=int, default=10, help="at most this many per client")
    parser.add_argument("--timeout", type=float, default=60.0, help="per request")
    parser.add_argument("--max-p95", type=float, default=5.0, help="fail above this p95 (seconds)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if not (1 <= args.clients <= 500 and 0 < args.seconds <= 300 and 1 <= args.requests <= 1000):
        parser.error("--clients 1-500, --seconds up to 300, --requests 1-1000")
    out = run(args.base, args.clients, args.seconds, args.requests, timeout=args.timeout)
    if args.json:
        print(json.dumps(out))
    else:
        t = out["total"]
        print(f"{t['clients']} clients, {t['seconds']} s: {t['requests']} requests ({t['rps']}/s), "
              f"{t['errors']} errors, p50 {t['p50']} s, p95 {t['p95']} s, max {t['max']} s")
        for kind, k in out["kinds"].items():
            print(f"  {kind:14} {k['requests']:6} requests  {k['errors']:4} errors  p50 {k['p50']:.3f}  "
                  f"p95 {k['p95']:.3f}  max {k['max']:.3f}")
        for error in out["errors"]:
            print("  ERROR", error)
    ok = out["total"]["errors"] == 0 and out["total"]["p95"] <= args.max_p95
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
