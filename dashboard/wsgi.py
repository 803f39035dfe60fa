"""WSGI entry point: `gunicorn dashboard.wsgi:server` (data directory from $HUMDASH_DATA_DIR, else ./data)."""
from __future__ import annotations

import logging

from dashboard.app import create_app

logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
app = create_app()
server = app.server
