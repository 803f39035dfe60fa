"""Real servers for the overload tests: gunicorn (as deployed), nginx with the repository's recipe, redis-server.
Each is started by PID on a free 127.0.0.1 port and stopped by that PID. Without nginx/redis-server a test
skips, unless CI=true (then it fails: .ci/run installs both)."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "deploy" / "nginx"))
import render  # noqa: E402


def need(program: str, package: str) -> str:
    """The program's path; skip without it on a developer machine, fail in CI."""
    path = shutil.which(program) or next((p for p in (f"/usr/sbin/{program}", f"/usr/bin/{program}")
                                          if os.path.exists(p)), None)
    if path is None:
        message = f"{program} not installed (Debian package {package}; .ci/run installs it)"
        if os.environ.get("CI") == "true":
            pytest.fail(message + " but CI=true")
        pytest.skip(message)
    return path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_port(port: int, proc: subprocess.Popen, timeout: float, log: Path | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"exited early: {log.read_text(errors='replace')[-2000:] if log else ''}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listening on {port} after {timeout:.0f} s")


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


def gunicorn(data_dir: Path, log: Path, env: dict[str, str] | None = None, workers: int = 1,
             timeout: float = 120.0, access_log: Path | None = None) -> tuple[subprocess.Popen, str]:
    """gunicorn dashboard.wsgi:server from the repository root (so gunicorn.conf.py applies); waits for /api/tables."""
    port = free_port()
    full_env = {**os.environ, "HUMDASH_DATA_DIR": str(data_dir), "PYTHONPATH": str(REPO), **(env or {})}
    full_env.pop("HUMDASH_SNAPSHOT_DIR", None)
    with log.open("ab") as out:
        proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "dashboard.wsgi:server", "-w", str(workers),
                                 "-b", f"127.0.0.1:{port}", "--log-level", "warning",
                                 *(["--access-logfile", str(access_log)] if access_log else [])],
                                cwd=REPO, env=full_env, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited: {log.read_text(errors='replace')[-2000:]}")
        try:
            with urllib.request.urlopen(base + "/api/tables", timeout=5) as resp:
                if resp.status == 200:
                    return proc, base
        except OSError:
            time.sleep(0.3)
    stop(proc)
    raise RuntimeError(f"gunicorn on {base} did not answer within {timeout:.0f} s")


def nginx(prefix: Path, upstreams: list[str], **options) -> tuple[subprocess.Popen, str]:
    """nginx in the foreground with the repository's recipe (deploy/nginx) in its own prefix."""
    program = need("nginx", "nginx")
    port = free_port()
    options.setdefault("cache_path", str(prefix.resolve() / "cache"))
    conf = render.standalone(prefix, render.render(f"127.0.0.1:{port}", upstreams, **options))
    log = prefix / "nginx.out"
    with log.open("ab") as out:
        proc = subprocess.Popen([program, "-p", str(prefix), "-c", conf.name, "-e", str(prefix / "error.log"),
                                 "-g", "daemon off;"], stdout=out, stderr=subprocess.STDOUT)
    wait_port(port, proc, 10, log)
    return proc, f"http://127.0.0.1:{port}"


def redis(folder: Path) -> tuple[subprocess.Popen, str]:
    """redis-server with no persistence on a free port."""
    program = need("redis-server", "redis-server")
    port = free_port()
    log = folder / "redis.log"
    with log.open("ab") as out:
        proc = subprocess.Popen([program, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                 "--appendonly", "no", "--dir", str(folder)], stdout=out, stderr=subprocess.STDOUT)
    wait_port(port, proc, 10, log)
    return proc, f"redis://127.0.0.1:{port}/0"
