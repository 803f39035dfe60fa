"""Shared test helpers: where the real reference files are, and tiny table builders."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from bench import servers
from bench.servers import free_port  # noqa: F401 (tests import it from here)

REPO = Path(__file__).resolve().parents[1]

# Shared fixtures, as plugins (imported by module name: the repository root is on sys.path through `pythonpath`
# in pyproject.toml): the synthetic-data dashboard (empty_snapshot, data_dir, snapshot_only, app, client).
pytest_plugins = ["tests.fixtures.dashboard.dashboard_synth"]

# The test client sends hundreds of /api requests a second from one address: no rate limit unless a test
# sets one (tests/dashboard/web/test_http_caching.py and test_shared_cache.py; dashboard/web/ratelimit.py).
# Servers started by tests inherit this.
os.environ.setdefault("HUMDASH_RATELIMIT", "off")


XDIST_MISSING = ("pytest-xdist is not installed (or -p no:xdist): the tests run in one process, several times slower; "
                 "pip install -e '.[test]' installs it")


def pytest_addoption(parser, pluginmanager):
    """`-n auto --dist loadfile` are in addopts (pyproject.toml). Without pytest-xdist they would make pytest stop
    with "unrecognized arguments": accept them here instead, run in one process and say so (pytest_configure)."""
    if pluginmanager.has_plugin("xdist"):
        return
    group = parser.getgroup("xdist", "pytest-xdist is not installed: these are accepted and ignored")
    group._addoption("-n", "--numprocesses", dest="numprocesses", default=None, help="(ignored without pytest-xdist)")
    group.addoption("--dist", dest="dist", default="no", help="(ignored without pytest-xdist)")


def pytest_configure(config):
    if not config.pluginmanager.has_plugin("xdist") and config.getoption("numprocesses", None) not in (None, "0"):
        config.issue_config_time_warning(pytest.PytestConfigWarning(XDIST_MISSING), stacklevel=2)


def pytest_xdist_auto_num_workers(config):
    """`-n auto` for one test file (or some of its tests) runs in this process: worker processes (each importing
    pandas, Dash and the fixtures, ~5-10 s) would gain nothing with `--dist loadfile`. Otherwise xdist decides."""
    if os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS"):
        return None
    files = {Path(config.invocation_params.dir, arg.split("::")[0]) for arg in config.args}
    return 0 if len(files) == 1 and next(iter(files)).is_file() else None


def reference_dir() -> Path:
    """../shared/reference beside the repository (or $HUMDASH_REFERENCE)."""
    return Path(os.environ.get("HUMDASH_REFERENCE") or REPO.parent / "shared" / "reference")


def require_reference(sub: str = "") -> Path:
    """The reference folder (or a folder or file in it); skips on a developer machine without it, fails in CI."""
    path = reference_dir() / sub
    if not path.exists():
        message = f"reference folder {path} not found (set HUMDASH_REFERENCE to the folder holding fts/ and mmp/)"
        if os.environ.get("HUMDASH_REQUIRE_REFERENCE") == "1":
            pytest.fail(message + " but HUMDASH_REQUIRE_REFERENCE=1")
        pytest.skip(message)
    return path


@pytest.fixture
def reference() -> Path:
    """The reference folder; skips on a developer machine without it, fails in CI."""
    return require_reference()


class _Scripted:
    """Routes of a local test server: path -> list of responses, served in order (the last repeats)."""

    def __init__(self) -> None:
        self.routes: dict[str, list] = {}
        self.hits: list[str] = []

    def add(self, path: str, *responses) -> None:
        """Each response is (status, body bytes, headers dict) or a callable(handler)."""
        self.routes[path] = list(responses)

    def next(self, path: str):
        queue = self.routes.get(path)
        if not queue:
            return (404, b'{"status":"error","message":"not found"}', {"Content-Type": "application/json"})
        return queue.pop(0) if len(queue) > 1 else queue[0]


@pytest.fixture
def local_server():
    """A real HTTP server on 127.0.0.1 in a thread; yields (base_url, script)."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    script = _Scripted()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):  # noqa: N802 (http.server's name)
            script.hits.append(self.path)
            response = script.next(self.path.split("?")[0])
            if callable(response):
                response(self)
                return
            status, body, headers = response
            self.send_response(status)
            headers = {"Content-Type": "application/json", **(headers or {})}
            for key, value in headers.items():
                self.send_header(key, value)
            if "Content-Length" not in headers:
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", script
    finally:
        server.shutdown()
        server.server_close()


CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage", "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
]


def _need(what: str) -> None:
    """Skip on a developer machine without `what`; fail in CI."""
    if os.environ.get("HUMDASH_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{what} is missing but HUMDASH_REQUIRE_BROWSER=1")
    pytest.skip(f"{what} not available on this machine (browser tests run in CI)")


@pytest.fixture(scope="session")
def chromium():
    """Debian's headless Chromium driven by Playwright, kept offline by its flags."""
    import shutil

    path = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).exists():
        _need("Chromium (/usr/bin/chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _need("the playwright package")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=path, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


def unavailable(what: str) -> None:
    """Skip on a developer machine without `what`; fail under CI=true (.ci/run installs everything)."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{what} is missing but CI=true")
    pytest.skip(f"{what} not installed")


def need(program: str, package: str) -> str:
    """The server program's path (bench/servers.py finds it), or `unavailable`."""
    try:
        return servers.program(program, package)
    except servers.NotInstalled as exc:
        unavailable(str(exc))
        raise


def start_server(args: list[str], env: dict | None = None, timeout: float = 90.0):
    """Start a real server process and wait until it answers GET /api/tables; returns (process, base_url)."""
    import tempfile

    log = tempfile.NamedTemporaryFile(prefix="humdash-server-", suffix=".log", delete=False)
    log.close()
    # Data locations come from `args`/`env` only: a test's monkeypatched HUMDASH_SNAPSHOT_DIR (e.g. a
    # module fixture's synthetic snapshot still in force) must not leak into a session-wide server.
    proc, base = servers.module_server(args, {**servers.clean_env(), **(env or {})}, Path(log.name), timeout)
    proc.log_path = log.name
    return proc, base


def _bundled_dashboard(tmp_path_factory):
    """The real dashboard (python -m dashboard) on 127.0.0.1, serving the bundled snapshot."""
    import json
    import urllib.request

    data_dir = tmp_path_factory.mktemp("empty-data")
    proc, base = start_server(["dashboard", "--data-dir", str(data_dir)])
    with urllib.request.urlopen(base + "/api/tables", timeout=30) as resp:
        rows = {t["name"]: t["rows"] for t in json.load(resp)}
    # the bundled snapshot, not some test's synthetic one: Venezuela's plans and the MMP deaths are there
    assert rows.get("fts_plans", 0) > 0 and rows.get("mmp_deaths", 0) > 0, rows
    yield base
    proc.terminate()
    proc.wait(10)


@pytest.fixture(scope="session")
def dashboard_url(tmp_path_factory):
    """The bundled-snapshot dashboard, one server for the whole session."""
    yield from _bundled_dashboard(tmp_path_factory)


@pytest.fixture(scope="module")
def module_dashboard_url(dashboard_url):
    """The bundled-snapshot dashboard: the session's server (one per test worker; a server start costs
    seconds of CPU, and the browser tests only read from it)."""
    return dashboard_url


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """A test that asks for Chromium is a browser test, and one that asks for the reference files a reference
    test, even without the mark: `-m "not browser"` (the fast lane) then never starts a browser."""
    for item in items:
        names = getattr(item, "fixturenames", ())
        if "chromium" in names and item.get_closest_marker("browser") is None:
            item.add_marker(pytest.mark.browser)
        if "reference" in names and item.get_closest_marker("reference") is None:
            item.add_marker(pytest.mark.reference)


# Under CI=true (.ci/run) every test must run: a skip that slipped past the checks above (a new pytest.skip, a
# skipif, an importorskip) fails the run, with the skipped tests listed.
SKIPPED_IN_CI: list[str] = []


def pytest_runtest_logreport(report):
    if report.skipped and os.environ.get("CI") == "true" and not hasattr(report, "wasxfail"):
        SKIPPED_IN_CI.append(f"{report.nodeid}: {report.longrepr[-1] if isinstance(report.longrepr, tuple) else ''}")


def pytest_sessionfinish(session, exitstatus):
    if SKIPPED_IN_CI and not hasattr(session.config, "workerinput"):  # the xdist controller, or a plain run
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.ensure_newline()
            reporter.write_line(f"CI=true but {len(SKIPPED_IN_CI)} test(s) skipped; CI must run every test:", red=True)
            for line in SKIPPED_IN_CI:
                reporter.write_line(f"  {line}")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
