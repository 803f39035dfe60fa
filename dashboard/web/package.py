"""Downloads as a "data package": a zip of the CSV, a Frictionless `datapackage.json` and a README.md
saying where the rows come from (source, licence, retrieval time), what period they cover and which
filters made them. The CSV inside is byte for byte the plain CSV download."""
from __future__ import annotations

import io
import json
import zipfile
from typing import Any
from urllib.parse import urlsplit

import pandas as pd

from dashboard.render.text import SOURCES

_TYPES = {"i": "integer", "u": "integer", "f": "number", "b": "boolean", "M": "datetime"}


def link_header(view: Any, full_path: str) -> str:
    """`Link` for a CSV/JSON answer: the data package of the same rows (rel=describedby) and the source."""
    path = urlsplit(full_path).path if full_path else ""
    query = urlsplit(full_path).query if full_path else ""
    stem = path.rsplit(".", 1)[0] if "." in path.rsplit("/", 1)[-1] else path
    src = SOURCES["mmp" if view.source == "mmp" else "fts"]
    links = []
    if stem:
        links.append(f'<{stem}.zip{"?" + query if query else ""}>; rel="describedby"; type="application/zip"')
    links.append(f'<{src["url"]}>; rel="via"; title="{src["attribution"]}"')
    links.append(f'<{src["licence_url"]}>; rel="license"; title="{src["licence"]}"')
    return ", ".join(links)


def _schema(frame: pd.DataFrame) -> dict[str, Any]:
    return {"fields": [{"name": str(c), "type": _TYPES.get(frame[c].dtype.kind, "string")} for c in frame.columns]}


def build(name: str, csv_name: str, csv_text: str, frame: pd.DataFrame, meta: dict[str, Any]) -> bytes:
    """The zip: `csv_name` (exactly `csv_text`), datapackage.json and README.md from `meta` (source,
    licence, licence_url, attribution, url, retrieved_at, coverage, filters, rows, created)."""
    resource = "".join(ch if ch.isalnum() or ch in "-._" else "-" for ch in name.lower()).strip("-") or "data"
    package = {
        "profile": "tabular-data-package",
        "name": resource,
        "title": meta.get("title") or name,
        "created": meta.get("created"),
        "licenses": [{"name": meta.get("licence"), "path": meta.get("licence_url"), "title": meta.get("licence")}],
        "sources": [{"title": meta.get("attribution") or meta.get("source"), "path": meta.get("url")}],
        "resources": [{"name": resource, "path": csv_name, "profile": "tabular-data-resource", "format": "csv",
                       "mediatype": "text/csv", "encoding": "utf-8", "schema": _schema(frame)}],
        "humdash": {"retrieved_at": meta.get("retrieved_at"), "coverage": meta.get("coverage"),
                    "filters": meta.get("filters") or {}, "rows": meta.get("rows")},
    }
    filters = meta.get("filters") or {}
    cov = meta.get("coverage") or {}
    readme = "\n".join([
        f"# {meta.get('title') or name}", "",
        f"- File: `{csv_name}` ({meta.get('rows')} rows)",
        f"- Source: {meta.get('source')} <{meta.get('url')}>",
        f"- Licence: {meta.get('licence')} <{meta.get('licence_url')}>",
        f"- Attribution: {meta.get('attribution')}",
        f"- Retrieved: {meta.get('retrieved_at') or 'not recorded'}",
        f"- Data coverage: {cov.get('first')} to {cov.get('last')}" if cov else "- Data coverage: see source",
        "- Filters: " + (", ".join(f"{k}={v}" for k, v in filters.items()) if filters else "none"),
        f"- Made: {meta.get('created')}", "",
        "Columns and types are in datapackage.json (Frictionless Data Package).", ""])
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(csv_name, csv_text)
        zf.writestr("datapackage.json", json.dumps(package, indent=2, ensure_ascii=False, default=str))
        zf.writestr("README.md", readme)
    return buf.getvalue()
