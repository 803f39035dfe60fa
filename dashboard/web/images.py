"""PNG and SVG of a chart, rendered offline by kaleido 1.x driving the system Chromium.

One kaleido server per process, started lazily on the first image; a lock serialises requests
(kaleido's sync server runs one figure at a time) and each render has a timeout. Chromium is
launched through a small wrapper script (`BROWSER_PATH`) that adds the offline flags, so it never
tries to reach the network. The title, the source line and the data date are drawn on the image
(added to a copy of the figure at export time; the on-screen figure is unchanged).
"""
from __future__ import annotations

import atexit
import copy
import logging
import os
import shlex
import shutil
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from pathlib import Path
from typing import TYPE_CHECKING

from dashboard.render.figures.builder import Figure
from dashboard.settings import settings

if TYPE_CHECKING:
    import plotly.graph_objects as go

log = logging.getLogger(__name__)

FORMATS = {"png": "image/png", "svg": "image/svg+xml"}
WIDTH, HEIGHT, SCALE = 1000, 600, 2
TIMEOUT_SECONDS = float(settings().image_timeout)
# base maps from our own assets (plotly.js would fetch them from cdn.plot.ly)
TOPOJSON = (Path(__file__).resolve().parents[1] / "assets" / "topojson").as_uri() + "/"
OFFLINE_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage", "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
]


class RenderError(Exception):
    """The image could not be rendered (no browser, kaleido missing, timeout, render failure)."""


_lock = threading.Lock()
_started = False
_executor: ThreadPoolExecutor | None = None


def chromium_path() -> str | None:
    """The system Chromium ($HUMDASH_CHROMIUM, else chromium on PATH, else /usr/bin/chromium)."""
    path = settings().chromium or shutil.which("chromium") or "/usr/bin/chromium"
    return path if Path(path).exists() else None


WRAPPER_PREFIX = "humdash-kaleido-"


def _wrapper(chromium: str) -> str:
    """A script that runs Chromium with the offline flags (and whatever kaleido adds), in a temporary
    folder removed when the process exits; folders of processes that died without exiting (a killed
    gunicorn worker) are removed by the next process that starts kaleido."""
    _remove_stale_wrappers()
    folder = Path(tempfile.mkdtemp(prefix=f"{WRAPPER_PREFIX}{os.getpid()}-"))
    atexit.register(shutil.rmtree, folder, True)
    script = folder / "chromium-offline"
    flags = " ".join(shlex.quote(f) for f in OFFLINE_FLAGS)
    script.write_text(f'#!/bin/sh\nexec {shlex.quote(chromium)} {flags} "$@"\n', encoding="utf-8")
    script.chmod(0o755)
    return str(script)


def _remove_stale_wrappers() -> None:
    """Remove this user's wrapper folders whose process is gone (their name carries its pid)."""
    for folder in Path(tempfile.gettempdir()).glob(f"{WRAPPER_PREFIX}*"):
        pid = folder.name[len(WRAPPER_PREFIX):].split("-", 1)[0]
        try:
            if not pid.isdigit() or folder.stat().st_uid != os.getuid():
                continue
            os.kill(int(pid), 0)
        except ProcessLookupError:
            shutil.rmtree(folder, ignore_errors=True)
        except OSError:  # alive under another user, or gone already
            continue


def _start() -> None:
    """Start the process-wide kaleido server once (call with _lock held)."""
    global _started, _executor
    if _started:
        return
    try:
        import kaleido
    except ImportError as exc:  # pragma: no cover - a dependency
        raise RenderError("kaleido is not installed") from exc
    chromium = chromium_path()
    if chromium is None:
        raise RenderError("no Chromium found for rendering images (install chromium)")
    os.environ["BROWSER_PATH"] = _wrapper(chromium)
    started = time.monotonic()
    kaleido.start_sync_server(mathjax=False, timeout=TIMEOUT_SECONDS, silence_warnings=True)
    _executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kaleido")
    _started = True
    log.info("kaleido server started in %.1f s (%s)", time.monotonic() - started, chromium)


def decorate(figure: Figure | go.Figure, title: str, source: str, date: str | None,
             filters: str = "") -> Figure | go.Figure:
    """A copy of `figure` with the title (and the filters) on top and the source and date under it
    (a subtitle, so long or rotated axis labels never run into the source line). A dashboard figure
    (render.figures.builder.Figure) stays one, changed as go.Figure.update_layout would change it: a
    go.Figure here would load plotly's validators into the worker (about 20 MB, kept for its life)."""
    note = source + (f" — {date}" if date and date not in source else "")
    heading = title + (f" ({filters})" if filters else "")
    layout = {"title": {"text": heading, "x": 0.01, "xanchor": "left", "y": 0.97, "yanchor": "top",
                        "font": {"size": 18}, "subtitle": {"text": note, "font": {"size": 12, "color": "#444"}}},
              "margin": {"t": 110}, "legend": {"y": 1.0, "yanchor": "bottom"}}
    if isinstance(figure, Figure):
        out = Figure()
        out.data, out.layout = copy.deepcopy(figure.data), copy.deepcopy(figure.layout)
        out.update_layout(**layout)
        out.layout["paper_bgcolor"] = "white"  # set, not passed: update_layout reads '_' as a path (paper.bgcolor)
        return out
    import plotly.graph_objects as go

    return go.Figure(figure).update_layout(**layout, paper_bgcolor="white")


def render(figure: Figure | go.Figure, fmt: str) -> bytes:
    """The figure as PNG or SVG bytes (RenderError on any failure or after TIMEOUT_SECONDS)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown image format {fmt!r}")
    opts = {"format": fmt, "width": WIDTH, "height": HEIGHT, "scale": SCALE if fmt == "png" else 1}
    with _lock:  # one image at a time per process
        try:
            _start()
            import kaleido
            assert _executor is not None
            future = _executor.submit(kaleido.calc_fig_sync, figure, opts=opts, topojson=TOPOJSON)
            data = future.result(timeout=TIMEOUT_SECONDS)
        except RenderError:
            raise
        except FutureTimeout as exc:
            log.error("image render timed out after %s s", TIMEOUT_SECONDS)
            raise RenderError(f"rendering took longer than {TIMEOUT_SECONDS:.0f} s") from exc
        except Exception as exc:
            log.exception("image render failed")
            raise RenderError("the image could not be rendered") from exc
    if isinstance(data, str):
        data = data.encode("utf-8")
    return bytes(data)
