"""Resident memory of a fresh process that loads the dashboard (run by the memory benchmark in a
subprocess), or of gunicorn's workers after they have served filter changes.

    python -m bench.probe_memory --mode app --data-dir DIR   # what `gunicorn dashboard.wsgi:server` loads
    python -m bench.probe_memory --mode bare                 # same libraries, an empty Dash app, no data
    python -m bench.probe_memory --mode served [--data-dir DIR] [--workers 2] [--changes 200]

app/bare print one JSON line: {"rss": bytes after gc, "peak": VmHWM bytes, "how": "psutil" |
"/proc/self/status", "seconds": load time}.

served starts `python -m gunicorn dashboard.wsgi:server -w N` from the repository root (so gunicorn.conf.py
applies: preload, gc.freeze, 2 malloc arenas), replays `--changes` filter changes over /migration, /crisis,
/funding and / (each change: what a browser sends for it, the page's one callback that syncs the URL and draws
the charts, with a new value of one filter; every fourth in Spanish), then reads, for the master and each
worker, /proc/PID/status (VmRSS, RssAnon, RssFile, RssShmem, VmHWM) and /proc/PID/smaps_rollup (Pss; USS =
Private_Clean + Private_Dirty), in bytes. PSS is what a worker really costs the machine (pages shared with
the master and the other workers are split between them), USS what stopping it would give back.
"""
from __future__ import annotations

import argparse
import gc
import json
import os
import sys
import time
from pathlib import Path
from typing import Any


def _status_bytes(field: str) -> int | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024  # reported in kB (KiB)
    except OSError:
        return None
    return None


def rss() -> tuple[int, str]:
    """Resident set size now (after a full collection): psutil when installed, else /proc."""
    gc.collect()
    try:
        import psutil

        return int(psutil.Process().memory_info().rss), "psutil"
    except ImportError:
        value = _status_bytes("VmRSS")
        if value is None:
            raise SystemExit("cannot read RSS: no psutil and no /proc/self/status") from None
        return value, "/proc/self/status"


STATUS_FIELDS = ("VmRSS", "RssAnon", "RssFile", "RssShmem", "VmHWM")


def process_memory(pid: int) -> dict[str, int]:
    """RSS and its parts (/proc/PID/status), PSS and USS (/proc/PID/smaps_rollup) of a process, in bytes."""
    out: dict[str, int] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, rest = line.partition(":")
        if name in STATUS_FIELDS:
            out[name] = int(rest.split()[0]) * 1024
    rollup: dict[str, int] = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        name, _, rest = line.partition(":")
        if rest.strip().endswith("kB"):
            rollup[name] = int(rest.split()[0]) * 1024
    out["Pss"] = rollup.get("Pss", 0)
    out["Uss"] = rollup.get("Private_Clean", 0) + rollup.get("Private_Dirty", 0)
    return out


def _children(pid: int) -> list[int]:
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.append(int(stat.parent.name))
    return sorted(out)


def _change_bodies(flow: Any, deps: list[dict[str, Any]], vals: dict[str, Any], rng: Any) -> list[dict[str, Any]]:
    """What the browser sends for one filter change on a page: the callbacks that read the control (the
    page's one callback for the URL sync and the charts), with one filter control (one that has options, or
    the date range) given a new value."""
    controls = [k for k in vals if k.endswith(".value") and isinstance(vals.get(k.rsplit(".", 1)[0] + ".options"), list)
                and vals[k.rsplit(".", 1)[0] + ".options"] and not k.split(".")[0].endswith("hxl")]
    dates = [k for k in vals if k.endswith(".start_date")]
    key = rng.choice(controls + dates)
    new = dict(vals)
    if key.endswith(".start_date"):
        year = rng.randint(2014, 2025)
        new[key], new[key.replace("start_date", "end_date")] = f"{year}-01-01", f"{year}-12-31"
    else:
        current = vals[key]
        options = [o["value"] if isinstance(o, dict) else o for o in vals[key.rsplit(".", 1)[0] + ".options"]]
        choice = rng.choice([o for o in options if o not in (None, "")] or options)
        new[key] = [choice] if isinstance(current, list) else choice
    bodies = []
    for dep in flow.server_side(deps):
        if not flow.in_page(dep, new) or dep["output"].endswith("-download.data"):
            continue
        names = {f"{i['id']}.{i['property']}" for i in dep["inputs"]}
        if key in names:
            bodies.append(flow.payload(dep, new, [key]))
    return bodies


def served(data_dir: str | None, workers: int, changes: int, seed: int = 15,
           app_root: Path | None = None) -> dict[str, Any]:
    """Gunicorn with `workers` workers after `changes` filter changes (sent by `workers` clients at once, a
    new connection per change, so every worker serves its share): memory of the master and each worker.
    `app_root`: the checkout whose dashboard is served (default: this one)."""
    import importlib.util
    from concurrent.futures import ThreadPoolExecutor
    import random
    import socket
    import subprocess
    import tempfile

    import requests

    here = Path(__file__).resolve().parents[1]
    root = app_root or here
    spec = importlib.util.spec_from_file_location("humdash_dashflow_probe", here / "load" / "dashflow.py")
    flow = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(flow)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUMDASH_")}
    env.update({"PYTHONPATH": str(root), "HUMDASH_DATA_DIR": data_dir or tempfile.mkdtemp(prefix="humdash-empty-")})
    log = tempfile.TemporaryFile()
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "dashboard.wsgi:server", "-w", str(workers), "-b",
                             f"127.0.0.1:{port}", "--log-level", "warning", "--timeout", "600"],
                            cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 600
        while True:
            if proc.poll() is not None:
                log.seek(0)
                raise SystemExit(f"gunicorn exited: {log.read()[-800:].decode(errors='replace')}")
            try:
                if requests.get(base + "/_dash-layout", timeout=10).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                raise SystemExit("gunicorn did not start")
            time.sleep(0.5)
        started = {pid: process_memory(pid) for pid in [proc.pid, *_children(proc.pid)]}
        http = requests.Session()
        deps = http.get(base + "/_dash-dependencies").json()
        pages = {path: flow.page_values(http.post(base + "/_dash-update-component",
                                                  json=flow.router_payload(deps, path)).json())
                 for path in ("/migration", "/crisis", "/funding", "/")}
        rng = random.Random(seed)
        plan = []  # (headers, bodies) per change, drawn up front so the run is the same every time
        for n in range(changes):
            path = list(pages)[n % len(pages)]
            plan.append(({"Referer": f"{base}{path}" + ("?lang=es" if n % 4 == 3 else ""), "Connection": "close"},
                         _change_bodies(flow, deps, pages[path], rng)))

        def change(item: tuple[dict[str, str], list[dict[str, Any]]]) -> tuple[int, int]:
            headers, bodies = item
            codes = [requests.post(base + "/_dash-update-component", json=b, headers=headers).status_code
                     for b in bodies]
            return len(codes), sum(c not in (200, 204) for c in codes)

        t0 = time.perf_counter()
        with ThreadPoolExecutor(workers) as pool:
            done = list(pool.map(change, plan))
        seconds = time.perf_counter() - t0
        posted, errors = sum(d[0] for d in done), sum(d[1] for d in done)
        time.sleep(1)
        after = {pid: process_memory(pid) for pid in [proc.pid, *_children(proc.pid)]}
        return {"workers": workers, "changes": changes, "requests": posted, "errors": errors,
                "seconds": round(seconds, 1), "master": proc.pid, "started": started, "after": after,
                "load average": os.getloadavg()}
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _table(result: dict[str, Any]) -> str:
    mib = 1024 * 1024
    lines = ["| process | RSS MiB | RssAnon | RssFile | RssShmem | PSS MiB | USS MiB | peak (VmHWM) |",
             "|---|---|---|---|---|---|---|---|"]
    for when in ("started", "after"):
        for pid, m in result[when].items():
            role = "master" if int(pid) == result["master"] else "worker"
            lines.append(f"| {role} {pid} ({when}) | {m['VmRSS'] / mib:.0f} | {m['RssAnon'] / mib:.0f} | "
                         f"{m['RssFile'] / mib:.0f} | {m.get('RssShmem', 0) / mib:.0f} | {m['Pss'] / mib:.0f} | "
                         f"{m['Uss'] / mib:.0f} | {m['VmHWM'] / mib:.0f} |")
    return "\n".join(lines)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--mode", choices=["app", "bare", "served"], required=True)
    p.add_argument("--data-dir", default=None)
    p.add_argument("--workers", type=int, default=2, help="served: gunicorn workers (default 2)")
    p.add_argument("--changes", type=int, default=200, help="served: filter changes replayed (default 200)")
    p.add_argument("--table", action="store_true", help="served: also print a Markdown table")
    p.add_argument("--app-root", type=Path, default=None, help="served: another checkout's dashboard (before/after)")
    args = p.parse_args()
    if args.mode == "served":
        result = served(args.data_dir, args.workers, args.changes, app_root=args.app_root)
        print(json.dumps(result))
        if args.table:
            print(_table(result), file=sys.stderr)
        return 0
    start = time.perf_counter()
    if args.mode == "app":
        if args.data_dir:
            os.environ["HUMDASH_DATA_DIR"] = args.data_dir
        import logging

        logging.disable(logging.INFO)
        import dashboard.wsgi  # noqa: F401  (create_app() exactly as gunicorn's worker does)
        keep = dashboard.wsgi.app  # noqa: F841
    else:
        import dash
        import pandas  # noqa: F401
        import pandera.pandas  # noqa: F401
        import plotly.graph_objects  # noqa: F401
        import pyarrow  # noqa: F401

        keep = dash.Dash(__name__, serve_locally=True)  # noqa: F841
        keep.layout = dash.html.Div("empty")
    seconds = time.perf_counter() - start
    value, how = rss()
    print(json.dumps({"rss": value, "peak": _status_bytes("VmHWM"), "how": how, "seconds": seconds}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
