"""OCHA FTS: pull plans, funding, clusters and flows from api.hpc.tools, or read saved JSON/HDX CSV files.

Public API (called by the pipeline and the snapshot builder):

* `read_files(paths, report)`: files a user saved -> validated tables, keyed by table name.
* `fetch(client, country, years, report, progress=None)`: a live pull for one country.
* `donors(flows)`: per plan and donor totals from the flow table.
* `apply_curated(plans, curated_csv, report=None)`: fill blank people figures from published figures.

Each response or file goes through three steps, one module each: read (`files`: bytes -> JSON or CSV
rows, the file's kind), parse (`api_json` for API responses, `hdx_csv` for HDX exports: plain values
added to a `model._Collected`), tidy (`tidy`: one DataFrame per table, derived columns, schema
validation). `api_fetch` is the live pull, `curated` the published figures, `converters` the value
helpers. Definitions follow README.md ("Definitions").
"""
from __future__ import annotations

from ...schemas import FLOW_STATUSES
from .api_fetch import fetch
from .curated import CURATED_COLUMNS, apply_curated, combine, read_published
from .files import _read_one, read_files  # noqa: F401
from .model import (API_SOURCE, HDX_CLUSTER_COLUMNS, HDX_FLOW_COLUMNS, HDX_PLAN_COLUMNS, HDX_SOURCE,
                    MAX_FILE_BYTES, NOT_SPECIFIED, SHARED_CLUSTERS, SHARED_LOCATIONS, _Collected)  # noqa: F401
from .tidy import donors

# Internal steps that tests and bench/ drive directly.
from .api_fetch import _select_country_plans  # noqa: F401,E402
from .api_json import _plan_rows  # noqa: F401,E402
from .tidy import _frame, _tables  # noqa: F401,E402

__all__ = ["API_SOURCE", "CURATED_COLUMNS", "FLOW_STATUSES", "HDX_CLUSTER_COLUMNS", "HDX_FLOW_COLUMNS",
           "HDX_PLAN_COLUMNS", "HDX_SOURCE", "MAX_FILE_BYTES", "NOT_SPECIFIED", "SHARED_CLUSTERS",
           "SHARED_LOCATIONS", "apply_curated", "combine", "donors", "fetch", "read_files", "read_published"]
