"""python -m dashboard [--data-dir DIR] [--host 127.0.0.1] [--port 8050] [--debug]"""
from __future__ import annotations

import argparse
import logging
import sys

from dashboard.serving import keep_arrow_out, keep_test_libraries_out

keep_arrow_out()  # before pandas is imported (dashboard/serving.py)
keep_test_libraries_out()

from ingest.store import default_data_dir  # noqa: E402


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m dashboard",
        description="Serve the humanitarian funding (OCHA FTS) and missing migrants (IOM MMP) dashboard. "
                    "Tables are read from DIR as ingested, else from the bundled snapshot (data/snapshot), "
                    "and reloaded when a new ingest lands. For production use gunicorn dashboard.wsgi:server.",
        epilog="Other sites may not frame the pages unless HUMDASH_ALLOW_EMBED is set: 1 for any site, or a "
               "space-separated list of origins (https://example.org). Debug mode (tracebacks, dev tools) is "
               "off unless --debug is given.")
    p.add_argument("--data-dir", default=str(default_data_dir()),
                   help="data directory written by `python -m ingest` (default: $HUMDASH_DATA_DIR or ./data)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8050, help="port (default 8050)")
    p.add_argument("--debug", action="store_true", help="Dash debug mode: reloader and dev tools (never in production)")
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # Dash both prints "Dash is running on …" through its own handler and lets the record reach the root
    # logger: keep the one line.
    logging.getLogger("dash.dash").propagate = False
    from dashboard.app import create_app

    app = create_app(args.data_dir)
    from dashboard.data.dataset import warm_in_background

    source = app.server.extensions["humdash"]
    source.warm_reloads = True  # this load and every later one: the likeliest selections worked out meanwhile
    warm_in_background(source.current())
    app.run(host=args.host, port=args.port, debug=args.debug)
    return 0


if __name__ == "__main__":
    sys.exit(main())
