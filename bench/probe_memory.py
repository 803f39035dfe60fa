"""Resident memory of a fresh process that loads the dashboard (run by the memory benchmark in a subprocess).

    python -m bench.probe_memory --mode app --data-dir DIR   # what `gunicorn dashboard.wsgi:server` loads
    python -m bench.probe_memory --mode bare                 # same libraries, an empty Dash app, no data

Prints one JSON line: {"rss": bytes after gc, "peak": VmHWM bytes, "how": "psutil" | "/proc/self/status",
"seconds": load time}.
"""
from __future__ import annotations

import argparse
import gc
import json
import os
import sys
import time
from pathlib import Path


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


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--mode", choices=["app", "bare"], required=True)
    p.add_argument("--data-dir", default=None)
    args = p.parse_args()
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
