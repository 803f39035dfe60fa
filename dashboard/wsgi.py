"""WSGI entry point: `gunicorn dashboard.wsgi:server` (data directory from $HUMDASH_DATA_DIR, else ./data)."""
from __future__ import annotations

import logging

from dashboard.serving import keep_arrow_out, keep_test_libraries_out

keep_arrow_out()  # before pandas is imported (dashboard/serving.py)
keep_test_libraries_out()

from dashboard.app import create_app  # noqa: E402

logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
app = create_app()
server = app.server
