"""Real server processes for the benchmarks and the tests: gunicorn serving the dashboard, `python -m
dashboard`, nginx (the deploy/nginx recipe or a configuration of the caller's), redis-server and moto's
S3 server. Each listens on a free 127.0.0.1 port and is started and stopped by its process id.

A program the machine lacks raises NotInstalled (the message names the Debian package); the tests turn
that into a skip, or a failure under CI=true (tests/conftest.py `need`)."""
from __future__ import annotations

import importlib.util
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from types import ModuleType
from typing import Any, Callable

REPO = Path(__file__).resolve().parents[1]
DATA_ENV = ("HUMDASH_DATA_DIR", "HUMDASH_SNAPSHOT_DIR")
"""Where the app finds its data: never inherited by a server, only passed on purpose."""


class NotInstalled(RuntimeError):
    """A server program that is not installed on this machine."""


def free_port() -> int:
    """A TCP port nobody listens on at the moment, on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def program(name: str, package: str) -> str:
    """The program's path (PATH, then /usr/sbin and /usr/bin); NotInstalled without it."""
    path = shutil.which(name) or next((p for p in (f"/usr/sbin/{name}", f"/usr/bin/{name}") if os.path.exists(p)),
                                      None)
    if path is None:
        raise NotInstalled(f"{name} not installed (Debian package {package}; .ci/run installs it)")
    return path


def clean_env(drop: tuple[str, ...] = DATA_ENV) -> dict[str, str]:
    """This process's environment without the variables `drop`."""
    return {k: v for k, v in os.environ.items() if k not in drop}


def log_tail(log: Path | None, chars: int = 2000) -> str:
    return log.read_text(errors="replace")[-chars:] if log and log.exists() else ""


def wait_port(port: int, proc: subprocess.Popen, timeout: float, log: Path | None = None) -> None:
    """Until something listens on 127.0.0.1:port; RuntimeError when `proc` exits first or time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"exited early: {log_tail(log)}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listening on {port} after {timeout:.0f} s")


def wait_http(url: str, proc: subprocess.Popen, timeout: float, log: Path | None = None, each: float = 5.0) -> None:
    """Until GET `url` answers 200 (each try waits `each` seconds at most); RuntimeError (with the log's end)
    when `proc` exits or time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited early ({proc.returncode}): {log_tail(log)}")
        try:
            with urllib.request.urlopen(url, timeout=each) as resp:
                if resp.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer within {timeout:.0f} s: {log_tail(log)}")


def stop(proc: subprocess.Popen, timeout: float = 10.0) -> None:
    """SIGTERM, then SIGKILL after `timeout` seconds; a process that has ended is left alone."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout)


def started(proc: subprocess.Popen, ready: Callable[[], None]) -> subprocess.Popen:
    """`proc` once `ready()` has returned; when it raises instead, `proc` is stopped and the error passed on."""
    try:
        ready()
    except RuntimeError:
        stop(proc)
        raise
    return proc


def children(pid: int) -> list[int]:
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


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process, in seconds (from /proc; clock-tick resolution)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# ------------------------------------------------------------------------------------------ the dashboard


class Gunicorn:
    """`python -m gunicorn <app> -w <workers>` on 127.0.0.1 and a free port, run from `root` (so a
    gunicorn.conf.py there, the deployment's settings, applies; `-w` overrides its worker count), serving
    `data_dir` (HUMDASH_DATA_DIR; no other data variable inherited) with `root` on PYTHONPATH."""

    def __init__(self, data_dir: Path | None, log_path: Path, env: dict[str, str] | None = None, *,
                 workers: int = 1, args: tuple[str, ...] = (), app: str = "dashboard.wsgi:server",
                 root: Path = REPO) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        self.workers = workers
        full_env = {**clean_env(), **({"HUMDASH_DATA_DIR": str(data_dir)} if data_dir is not None else {}),
                    "PYTHONPATH": str(root), **(env or {})}
        with log_path.open("ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", app, "-w", str(workers), "-b", f"127.0.0.1:{self.port}",
                 "--log-level", "warning", *args], cwd=root, stdout=log, stderr=subprocess.STDOUT, env=full_env)
        self.worker: int | None = None

    def wait(self, timeout: float = 900, path: str = "/_dash-layout") -> "Gunicorn":
        """Until the workers have loaded the data and answer `path`; with one worker, remembers its pid."""
        try:
            wait_http(self.base + path, self.proc, timeout, self.log_path, each=10)
        except RuntimeError as exc:
            raise RuntimeError(f"gunicorn on {self.base}: {exc}") from None
        if self.workers == 1:
            workers = children(self.proc.pid)
            if len(workers) != 1:
                raise RuntimeError(f"expected 1 gunicorn worker, found {workers}")
            self.worker = workers[0]
        return self

    def worker_cpu(self) -> float:
        """CPU seconds of the one worker (NaN before wait())."""
        return cpu_seconds(self.worker) if self.worker else float("nan")

    def workers_cpu(self) -> float:
        """CPU seconds of every worker alive now."""
        total = 0.0
        for pid in children(self.proc.pid):
            try:
                total += cpu_seconds(pid)
            except OSError:
                pass
        return total

    def log_tail(self) -> str:
        return log_tail(self.log_path, 600)

    def stop(self, timeout: float = 30.0) -> None:
        stop(self.proc, timeout)


def gunicorn(data_dir: Path, log: Path, env: dict[str, str] | None = None, workers: int = 1,
             timeout: float = 120.0, access_log: Path | None = None) -> tuple[subprocess.Popen, str]:
    """gunicorn dashboard.wsgi:server from the repository root, ready (it answers /api/tables); (process, URL)."""
    server = Gunicorn(data_dir, log, env, workers=workers,
                      args=("--access-logfile", str(access_log)) if access_log else ())
    started(server.proc, lambda: wait_http(server.base + "/api/tables", server.proc, timeout, log))
    return server.proc, server.base


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


def module_server(args: list[str], env: dict[str, str], log: Path, timeout: float = 90.0) -> tuple[subprocess.Popen, str]:
    """`python -m <args> --port <free port>` from the repository root with exactly `env`, ready (it answers
    /api/tables); (process, URL). The log goes to a file: a pipe nobody reads fills up and blocks the server."""
    port = free_port()
    with log.open("ab") as out:
        proc = subprocess.Popen([sys.executable, "-m", *args, "--port", str(port)], cwd=REPO, env=env, stdout=out,
                                stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    return started(proc, lambda: wait_http(base + "/api/tables", proc, timeout, log)), base


# ------------------------------------------------------------------------------------------ around it


def nginx_recipe() -> ModuleType:
    """deploy/nginx/render.py (it renders the deployment's nginx configuration), loaded from its file."""
    if "humdash_nginx_render" not in sys.modules:
        spec = importlib.util.spec_from_file_location("humdash_nginx_render", REPO / "deploy" / "nginx" / "render.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules["humdash_nginx_render"] = module
        spec.loader.exec_module(module)
    return sys.modules["humdash_nginx_render"]


def run_nginx(prefix: Path, conf: Path, port: int, args: tuple[str, ...] = ()) -> subprocess.Popen:
    """nginx with the configuration `conf` (which listens on `port`) in the prefix `prefix`, ready."""
    log = prefix / "nginx.out"
    with log.open("ab") as out:
        proc = subprocess.Popen([program("nginx", "nginx"), "-p", str(prefix), "-c", str(conf), *args], stdout=out,
                                stderr=subprocess.STDOUT)
    return started(proc, lambda: wait_port(port, proc, 10, log))


def nginx(prefix: Path, upstreams: list[str], **options: Any) -> tuple[subprocess.Popen, str]:
    """nginx in the foreground with the repository's recipe (deploy/nginx) in its own prefix; (process, URL)."""
    program("nginx", "nginx")
    render = nginx_recipe()
    port = free_port()
    options.setdefault("cache_path", str(prefix.resolve() / "cache"))
    conf = render.standalone(prefix, render.render(f"127.0.0.1:{port}", upstreams, **options))
    proc = run_nginx(prefix, Path(conf.name), port, ("-e", str(prefix / "error.log"), "-g", "daemon off;"))
    return proc, f"http://127.0.0.1:{port}"


def redis(folder: Path, log: Path | None = None) -> tuple[subprocess.Popen, str]:
    """redis-server with no persistence on a free port, ready; (process, redis:// URL of database 0)."""
    exe = program("redis-server", "redis-server")
    port = free_port()
    log = log or folder / "redis.log"
    with log.open("ab") as out:
        proc = subprocess.Popen([exe, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                                 "--dir", str(folder)], stdout=out, stderr=subprocess.STDOUT)
    return started(proc, lambda: wait_port(port, proc, 10, log)), f"redis://127.0.0.1:{port}/0"


def moto(log: Path, env: dict[str, str] | None = None, timeout: float = 60.0) -> tuple[subprocess.Popen, str]:
    """moto's S3 server (`python -m moto.server`), ready; (process, endpoint URL)."""
    port = free_port()
    with log.open("ab") as out:
        proc = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                                env={**os.environ, **(env or {})}, stdout=out, stderr=subprocess.STDOUT)
    try:
        started(proc, lambda: wait_port(port, proc, timeout, log))
    except RuntimeError as exc:
        raise RuntimeError(f"moto's S3 server did not start (pip install 'moto[server]'): {exc}") from None
    return proc, f"http://127.0.0.1:{port}"
