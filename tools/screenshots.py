"""Screenshots of the main pages for the README: python tools/screenshots.py [--out docs/screenshots]

Starts the dashboard on the bundled snapshot (python -m dashboard, a free local port), opens each page
in headless Chromium (Playwright driving /usr/bin/chromium) at desktop (1366 px) and phone (390 px)
width in English, waits for the charts, and saves docs/screenshots/<page>-<desktop|phone>.png. A PNG
over --max-kb (default 200) is reduced to a 256-colour palette with Pillow when it is installed.
"""
from __future__ import annotations

import argparse
import io
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PAGES = {"overview": "/", "crisis": "/crisis", "funding": "/funding", "compare": "/funding/compare",
         "migration": "/migration", "data": "/data", "changes": "/changes", "about": "/about"}
WIDTHS = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _serve(data_dir: str) -> tuple[subprocess.Popen, str]:
    port = _port()
    proc = subprocess.Popen([sys.executable, "-m", "dashboard", "--data-dir", data_dir, "--port", str(port)],
                            cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(base + "/api/tables", timeout=5):
                return proc, base
        except OSError:
            time.sleep(0.5)
    proc.kill()
    raise SystemExit(f"the dashboard did not start on {base}")


def _shrink(png: bytes, max_kb: int) -> bytes:
    if len(png) <= max_kb * 1024:
        return png
    try:
        from PIL import Image
    except ImportError:
        return png
    image = Image.open(io.BytesIO(png)).convert("RGB").quantize(colors=256)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python tools/screenshots.py", description=__doc__.splitlines()[0])
    p.add_argument("--out", default=str(REPO / "docs" / "screenshots"), help="folder for the PNGs")
    p.add_argument("--chromium", default=shutil.which("chromium") or "/usr/bin/chromium", help="Chromium binary")
    p.add_argument("--max-kb", type=int, default=200, help="largest PNG size in KB (default 200)")
    p.add_argument("--pages", nargs="*", default=list(PAGES), choices=list(PAGES), help="pages to take")
    p.add_argument("--lang", default="en", choices=["en", "es"], help="interface language (file names get -es)")
    p.add_argument("--full-page", action="store_true", help="the whole page, not only the first screen (to review)")
    p.add_argument("--data-dir", help="serve this data directory (e.g. a full ingest) instead of the bundled snapshot")
    args = p.parse_args(argv)
    from playwright.sync_api import sync_playwright

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as empty:
        proc, base = _serve(args.data_dir or empty)  # an empty folder: the bundled snapshot
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=args.chromium, args=["--headless", "--no-sandbox"])
                for name in args.pages:
                    for kind, viewport in WIDTHS.items():
                        context = browser.new_context(viewport=viewport, locale="en-GB" if args.lang == "en" else "es-ES")
                        page = context.new_page()
                        page.goto(base + PAGES[name] + f"?lang={args.lang}", timeout=120_000)
                        page.wait_for_load_state("networkidle", timeout=120_000)
                        if name not in ("data", "about", "compare", "changes"):
                            page.locator(".js-plotly-plot .main-svg").first.wait_for(timeout=120_000)
                        page.wait_for_function("() => !document.querySelector('[data-dash-is-loading=\"true\"]')",
                                               timeout=120_000)
                        page.wait_for_timeout(800)
                        png = _shrink(page.screenshot(full_page=args.full_page), args.max_kb)
                        path = out / f"{name}-{kind}{'' if args.lang == 'en' else '-' + args.lang}.png"
                        path.write_bytes(png)
                        print(f"{path.relative_to(REPO) if path.is_relative_to(REPO) else path}: {len(png) // 1024} KB")
                        context.close()
                browser.close()
        finally:
            proc.terminate()
            proc.wait(10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
