"""HDX's worldwide FTS exports, downloaded live: the dataset's resources are looked up with CKAN's
`package_show` (API.md, "HDX (CKAN) conventions"), then the plan and cluster CSVs are downloaded and
read like saved files (one row per country x plan; see hdx_csv._hdx_plans for regional plans).

The dataset's name on HDX is configurable (`--hdx-dataset`): OCHA names country datasets
`<iso3>-requirements-and-funding-data` since April 2025; the worldwide one follows the same pattern
as `world-...`, which could not be checked offline, so a wrong name is a clear error naming it.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import pandas as pd

from ...errors import IngestError
from ...http import Client
from ...report import Report
from ...settings import HDX_BASE as HDX_BASE  # the default of $HDX_BASE, defined once
from .files import _read_one
from .model import _Collected
from .tidy import _tables

GLOBAL_DATASET = "world-requirements-and-funding-data"
GLOBAL_FILES = ("fts_requirements_funding_global.csv", "fts_requirements_funding_cluster_global.csv")


def fetch_hdx_global(client: Client, report: Report, dataset: str = GLOBAL_DATASET,
                     progress: Callable[[int], None] | None = None) -> dict[str, pd.DataFrame]:
    """Download HDX's worldwide plan and cluster exports of `dataset` and read them; validated tables."""
    obj, fetched = client.get_json("/api/3/action/package_show", {"id": dataset})
    if progress is not None:
        progress(1)
    resources = _resources(obj, fetched.url, dataset)
    collected = _Collected()
    for name in GLOBAL_FILES:
        resource = resources.get(name)
        if resource is None:
            raise IngestError(f"{fetched.url}: dataset {dataset!r} has no resource {name} (it has "
                              f"{', '.join(sorted(resources)) or 'none'}); pass the right dataset with --hdx-dataset")
        url = resource.get("download_url") or resource.get("url")
        if not isinstance(url, str) or not url:
            raise IngestError(f"{fetched.url}: resource {name} has no download URL")
        content = client.get(url).content
        if progress is not None:
            progress(1)
        kind = _read_one(Path(name), content, collected, report)
        report.count(f"FTS files read: {kind.value} (downloaded from HDX)")
    return _tables(collected, report)


def _resources(obj: Any, url: str, dataset: str) -> dict[str, dict[str, Any]]:
    """CKAN package_show's resources by file name; a failed lookup names the dataset."""
    if not isinstance(obj, dict) or not obj.get("success") or not isinstance(obj.get("result"), dict):
        message = (obj.get("error") or {}).get("message") if isinstance(obj, dict) else None
        raise IngestError(f"{url}: HDX has no dataset {dataset!r} ({message or 'package_show failed'}); "
                          "pass the worldwide FTS dataset's name with --hdx-dataset")
    resources = obj["result"].get("resources")
    if not isinstance(resources, list):
        raise IngestError(f"{url}: field result.resources missing; expected a CKAN dataset")
    return {str(r.get("name")): r for r in resources if isinstance(r, dict) and r.get("name")}
