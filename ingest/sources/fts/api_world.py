"""A worldwide live pull from api.hpc.tools: every plan of the years asked, whatever its countries.

Recipe (API.md): `/v1/public/plan/year/{Y}` lists every plan of a year; `/v1/public/fts/flow?planId=
<ids>&groupby=plan` gives each plan's own requirements and funding (report3), in chunks of ids;
`groupby=location` splits each multi-country plan by country (fts_plan_locations); `groupby=cluster`
(optional, one request per plan) gives cluster coverage. Plan totals here are the API's own figures
(coverage "plan"), for global plans too.
"""
from __future__ import annotations

from typing import Any, Callable

import pandas as pd

from ...errors import IngestError
from ...http import Client
from ...report import Report
from .api_fetch import _envelope, _getter
from .api_json import _cluster_rows, _location_rows, _parse_groupby_plan, _plan_rows
from .model import API_SOURCE, PLAN_ID_CHUNK, _Collected
from .tidy import _is_regional, _tables

FIRST_YEAR = 2000


def fetch_world(client: Client, years: list[int], report: Report, progress: Callable[[int], None] | None = None,
                *, clusters: bool = False) -> dict[str, pd.DataFrame]:
    """Every plan of `years` with its requirements and funding, the country split of multi-country plans
    and (with `clusters`) every plan's cluster coverage; validated tables."""
    if not years:
        raise IngestError("give at least one year (--year YYYY) for a worldwide pull")
    get = _getter(client, progress)
    collected = _Collected()
    for year in sorted(set(years)):
        obj, url = get(f"/v1/public/plan/year/{year}")
        rows = _plan_rows(_envelope(obj, url, list), url)
        kept = 0
        for plan_id, values in rows:
            if values.get("year") is None:
                report.warn(f"{url}: plan {plan_id} has no year in years[], its code or its name; left out")
                continue
            values["coverage"] = "plan"
            collected.add_plan(plan_id, values, report, API_SOURCE)
            kept += 1
        report.count(f"plan/year: plans listed for {year}", kept)
    ids = sorted(collected.plans)
    if not ids:
        raise IngestError(f"no plans listed for {', '.join(map(str, sorted(set(years))))}; check the years")
    for start in range(0, len(ids), PLAN_ID_CHUNK):
        chunk = ids[start:start + PLAN_ID_CHUNK]
        obj, url = get("/v1/public/fts/flow", {"planId": ",".join(map(str, chunk)), "groupby": "plan"})
        _parse_groupby_plan(_envelope(obj, url, dict), collected, report, url, API_SOURCE, only=set(chunk))
    for plan_id in ids:
        if _is_regional(collected.plans[plan_id]):
            obj, url = get("/v1/public/fts/flow", {"planId": plan_id, "groupby": "location"})
            for row in _location_rows(_envelope(obj, url, dict), plan_id, url, report):
                collected.set_location(row, report)
        if clusters:
            obj, url = get("/v1/public/fts/flow", {"planId": plan_id, "groupby": "cluster"})
            rows_: list[dict[str, Any]] = _cluster_rows(_envelope(obj, url, dict), plan_id, "cluster", url, report)
            collected.set_clusters(plan_id, "cluster", rows_, report)
    return _tables(collected, report)
