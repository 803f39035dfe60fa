"""The production recipe under abuse: real nginx (deploy/nginx) in front of real gunicorn on 127.0.0.1.

Slowloris sockets do not keep a normal request from being answered; nginx compresses what the app does not;
errors nginx answers itself are JSON; a dead upstream costs no request; 50 clients on the heaviest answers
get no error and a p95 under 5 s. Skips without nginx unless CI=true. Every run is bounded in sockets and time.
"""
from __future__ import annotations

import gzip
import json
import socket
import threading
import time
import urllib.error
import urllib.request

import pytest

from bench import servers
from conftest import need


@pytest.fixture(scope="module", autouse=True)
def nginx_installed():
    """Every test here runs nginx: skip without it on a developer machine, fail under CI=true."""
    need("nginx", "nginx")


@pytest.fixture(scope="module")
def upstream_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("gunicorn")


@pytest.fixture(scope="module")
def upstream(upstream_dir):
    """gunicorn (1 worker, gunicorn.conf.py) on the bundled snapshot."""
    folder = upstream_dir
    proc, base = servers.gunicorn(folder / "data", folder / "gunicorn.log", access_log=folder / "access.log")
    yield base
    servers.stop(proc)


@pytest.fixture(scope="module")
def access_log(upstream, upstream_dir):
    return upstream_dir / "access.log"


@pytest.fixture(scope="module")
def site(upstream, tmp_path_factory):
    """nginx with two upstreams: the live gunicorn and a port nobody listens on."""
    dead = f"127.0.0.1:{servers.free_port()}"
    live = upstream.removeprefix("http://")
    proc, base = servers.nginx(tmp_path_factory.mktemp("nginx"), [live, dead], header_timeout="3s",
                               conn_per_ip=512)
    yield base
    servers.stop(proc)


def get(url: str, headers: dict | None = None, timeout: float = 10.0):
    """(status, headers, body) without raising on HTTP errors."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as resp:
            return resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, exc.read()


def test_slowloris_sockets_do_not_block_a_normal_request(site):
    port = int(site.rsplit(":", 1)[1])
    sockets = []
    for _ in range(50):
        sock = socket.create_connection(("127.0.0.1", port), timeout=2)
        sock.sendall(b"GET /api/tables HTTP/1.1\r\nHost: humdash\r\n")
        sockets.append(sock)
    stop = threading.Event()

    def drip() -> None:  # one more header line a second, never the blank line that ends them
        while not stop.wait(1.0):
            for sock in sockets:
                try:
                    sock.sendall(b"X-Slow: 1\r\n")
                except OSError:
                    pass

    dripper = threading.Thread(target=drip, daemon=True)
    dripper.start()
    try:
        time.sleep(1.0)
        for _ in range(3):
            start = time.monotonic()
            status, _headers, body = get(site + "/api/tables", timeout=5)
            took = time.monotonic() - start
            assert status == 200 and json.loads(body), status
            assert took < 2.0, f"a normal request took {took:.1f} s beside 50 slow sockets"
            time.sleep(0.5)
    finally:
        stop.set()
        dripper.join(3)
    # client_header_timeout (3 s here): a socket that stops sending is closed by nginx, not kept forever
    idle = sockets[0]
    idle.settimeout(8)
    start = time.monotonic()
    try:
        closed = idle.recv(1024) == b""
    except ConnectionResetError:
        closed = True
    assert closed and time.monotonic() - start < 8
    for sock in sockets:
        sock.close()


def test_gzip_through_nginx_and_bytes_unchanged(site, upstream):
    status, headers, body = get(site + "/api/mmp_deaths.csv", {"Accept-Encoding": "gzip"})
    assert status == 200 and headers["Content-Encoding"] == "gzip"
    plain_status, plain_headers, plain = get(upstream + "/api/mmp_deaths.csv")
    assert plain_status == 200 and "Content-Encoding" not in plain_headers
    assert gzip.decompress(body) == plain and plain.startswith(b"year,")


def plain_upstream(bodies: dict[str, tuple[str, bytes]], headers: dict[str, str] | None = None):
    """A small HTTP server answering GET path -> (mime, body) uncompressed; records the paths it served."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Plain(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):  # noqa: N802
            server.hits.append(self.path)
            mime, body = bodies[self.path.split("?")[0]]
            self.send_response(200)
            self.send_header("Content-Type", mime)
            self.send_header("Content-Length", str(len(body)))
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Plain)
    server.hits = []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def test_nginx_compresses_csv_and_json_the_upstream_sent_plain(tmp_path):
    """The app compresses its own answers; nginx's gzip (text/csv, application/json) covers any that are not."""
    bodies = {"/t.csv": ("text/csv; charset=utf-8", b"year,dead\n" + b"2019,12\n" * 4000),
              "/t.json": ("application/json", json.dumps({"data": [{"year": 2019, "dead": 12}] * 2000}).encode())}
    plain = plain_upstream(bodies)
    proc, base = servers.nginx(tmp_path, [f"127.0.0.1:{plain.server_address[1]}"])
    try:
        for path, (_mime, body) in bodies.items():
            status, headers, data = get(base + path, {"Accept-Encoding": "gzip"})
            assert status == 200 and headers["Content-Encoding"] == "gzip", path
            assert gzip.decompress(data) == body and len(data) < len(body) / 5
            status, headers, data = get(base + path)
            assert "Content-Encoding" not in headers and data == body
    finally:
        servers.stop(proc)
        plain.shutdown()
        plain.server_close()


def test_nginx_keeps_public_answers_and_serves_them_stale_when_the_app_is_down(tmp_path):
    body = b"year,dead\n2019,12\n"
    plain = plain_upstream({"/api/t.csv": ("text/csv", body)}, {"Cache-Control": "public, max-age=1"})
    proc, base = servers.nginx(tmp_path, [f"127.0.0.1:{plain.server_address[1]}"])
    try:
        first, again = get(base + "/api/t.csv"), get(base + "/api/t.csv")
        assert first[1]["X-Cache-Status"] == "MISS" and again[1]["X-Cache-Status"] == "HIT"
        assert first[2] == again[2] == body and plain.hits == ["/api/t.csv"]
        filtered = [get(base + "/api/t.csv?year=2019") for _ in range(2)]
        assert [f[0] for f in filtered] == [200, 200] and plain.hits.count("/api/t.csv?year=2019") == 2
        plain.shutdown()
        plain.server_close()
        # expired, and nobody upstream: the kept copy, marked STALE. nginx reads its clock once per turn of its
        # event loop and keeps whole seconds: 1.5 s after a copy cached late in a second can still be fresh
        time.sleep(2.5)
        stale = get(base + "/api/t.csv")
        assert stale[0] == 200 and stale[2] == body and stale[1]["X-Cache-Status"] == "STALE"
        assert get(base + "/api/t.csv?year=2019")[0] == 502
    finally:
        servers.stop(proc)


def test_one_dead_upstream_costs_no_request(site):
    statuses = [get(site + f"/api/fts/plans.json?year={2017 + i % 5}")[0] for i in range(12)]
    assert statuses == [200] * 12


def _error(response) -> dict:
    status, headers, body = response
    assert headers["Content-Type"].startswith("application/json"), headers
    payload = json.loads(body)
    assert payload["status"] == status and payload["error"] and payload["message"]
    return payload


def test_nginx_errors_are_json(site, tmp_path):
    long = get(site + "/api/tables?q=" + "a" * 20000)
    assert long[0] == 414 and _error(long)

    # a hung upstream: read timeout (504); with one connection allowed per address, a second one is 429
    hung = socket.socket()
    hung.bind(("127.0.0.1", 0))
    hung.listen(16)
    held: list[socket.socket] = []
    accepting = threading.Thread(target=lambda: [held.append(hung.accept()[0]) for _ in range(8)], daemon=True)
    accepting.start()
    proc, base = servers.nginx(tmp_path / "hung", [f"127.0.0.1:{hung.getsockname()[1]}"], read_timeout="2s",
                               conn_per_ip=1)
    try:
        first: list = []
        slow = threading.Thread(target=lambda: first.append(get(base + "/api/tables", timeout=15)))
        slow.start()
        time.sleep(0.5)
        busy = get(base + "/api/tables")
        assert busy[0] == 429 and _error(busy) and busy[1]["Retry-After"] == "1"
        slow.join(15)
        assert first[0][0] == 504 and _error(first[0])
    finally:
        servers.stop(proc)
        hung.close()
        for sock in held:
            sock.close()

    # nobody listening at all: 502
    proc, base = servers.nginx(tmp_path / "dead", [f"127.0.0.1:{servers.free_port()}"])
    try:
        dead = get(base + "/api/tables")
        assert dead[0] == 502 and _error(dead)
    finally:
        servers.stop(proc)


def test_fifty_clients_on_the_heaviest_answers(site):
    from load import heavy

    out = heavy.run(site, clients=50, seconds=10, requests=6, timeout=30)
    assert out["total"]["requests"] >= 50, out
    assert out["total"]["errors"] == 0, out["errors"]
    assert out["total"]["p95"] < 5.0, out["total"]
    assert all(k["requests"] for k in out["kinds"].values()), out["kinds"]


def test_requests_whose_client_left_are_not_computed(site, access_log):
    """120 clients ask for 120 different filtered whole-table JSONs and hang up after 0.3 s; nginx closes its
    connections to gunicorn, and the app skips (499) those it had not started. One worker of 4 threads
    answered 18-27 of them before the rest were skipped (3 runs, one with both cores busy), so at least
    half must be skipped; without the check every one of them is computed (200). The 40 requests this
    test sent before let a fast machine answer 29 of them in time."""
    groups = ["Americas", "Africa", "Asia", "Europe", "Mediterranean"]
    pairs = [(a, b) for a in range(2014, 2026) for b in range(a + 1, 2026)]  # 66 distinct year pairs
    urls = [f"{site}/api/mmp_deaths.json?year={a},{b}&region_group={groups[i % 5]}"
            for i, (a, b) in enumerate((pairs * 2)[:120])]
    assert len(set(urls)) == len(urls)  # each one is computed, none answered from a cache
    before = access_log.read_text().count('/api/mmp_deaths.json?year=')

    def impatient(url: str) -> None:
        try:
            urllib.request.urlopen(url, timeout=0.3).read()
        except OSError:
            pass

    threads = [threading.Thread(target=impatient, args=(u,)) for u in urls]
    for t in threads:
        t.start()
    for t in threads:
        t.join(5)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:  # gunicorn logs each request when it has answered it
        lines = [line for line in access_log.read_text().splitlines() if "/api/mmp_deaths.json?year=" in line]
        if len(lines) - before >= len(urls):
            break
        time.sleep(0.5)
    statuses = [line.split('" ')[1].split()[0] for line in lines[before:]]
    assert len(statuses) == len(urls), statuses
    assert statuses.count("499") >= len(urls) // 2, statuses


# Every test here but a few starts real server processes (moto, redis-server, nginx, gunicorn, the dashboard):
# the whole module is slow, so the fast lane leaves it out (the full suite runs it). At the end of the file so
# that the server code above can change without touching this line.
pytestmark = pytest.mark.slow
