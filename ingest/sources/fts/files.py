"""Reading saved FTS files: recognise each file's kind and hand it to its parser."""
from __future__ import annotations

import pandas as pd
from pathlib import Path
from typing import Any

from ...errors import IngestError
from ...http import decode_json
from ...report import Report
from .api_fetch import _is_worldwide
from .api_json import _cluster_rows, _flow_rows, _json_kind, _location_rows, _parse_groupby_plan, _parse_progress, _plan_fields, _plan_rows
from .hdx_csv import _read_csv
from .model import FileKind, API_SOURCE, MAX_FILE_BYTES, _Collected, _PLAN_ID_IN_NAME
from .tidy import _tables


def read_files(paths: list[Path], report: Report) -> dict[str, pd.DataFrame]:
    """Parse saved FTS JSON responses and HDX FTS CSV exports into validated tables.

    JSON files are recognised by shape, CSVs by header. Only what the content cannot say comes from
    the file name: the plan of a groupby=cluster/location response ('planid-929'), cluster vs global
    cluster and the COVID subset of HDX CSVs. A later file wins a field two files disagree on (counted).
    Files holding nothing for our tables are counted as "skipped: <why>". Worldwide 'O...' plans in a
    plan list are left out as in `fetch`.
    """
    collected = _Collected()
    paths = [Path(path) for path in paths]
    for path in paths:
        try:
            size = path.stat().st_size
            if size > MAX_FILE_BYTES:
                raise IngestError(f"{path}: the file is {size / 2**20:,.0f} MB, more than the "
                                  f"{MAX_FILE_BYTES // 2**20} MB this tool reads; check it is an FTS API response "
                                  "or HDX export, or save a narrower query (one plan or year per file)")
            content = path.read_bytes()
        except OSError as exc:
            raise IngestError(f"{path}: cannot read the file ({exc.strerror}); check the path") from None
        kind = _read_one(path, content, collected, report)
        report.count(kind.value if kind.skipped else f"FTS files read: {kind.value}")
    try:
        return _tables(collected, report)
    except IngestError as exc:
        # Tables merge every file, so a value the schema refuses may come from any of them: name them all.
        names = ", ".join(map(str, paths[:5])) + (f" and {len(paths) - 5} more" if len(paths) > 5 else "")
        raise IngestError(f"{names}: {exc}; check the value in those files") from None


def _read_one(path: Path, content: bytes, collected: _Collected, report: Report) -> FileKind:
    """Parse one saved file into `collected`; returns what kind of file it was."""
    where = str(path)
    head = content.removeprefix(b"\xef\xbb\xbf").lstrip()[:1]  # a UTF-8 BOM before JSON is still JSON
    if not head:
        raise IngestError(f"{where}: the file is empty; expected an FTS API JSON response or an HDX FTS CSV")
    if head in (b"{", b"[", b"<"):
        try:
            obj = decode_json(content, where)
        except RecursionError:
            raise IngestError(f"{where}: JSON nested too deeply to be an FTS API response; save the response "
                              "again") from None
        return _read_json(path, obj, collected, report)
    return _read_csv(path, content, collected, report)


def _read_json(path: Path, obj: Any, collected: _Collected, report: Report) -> FileKind:
    """Dispatch a decoded JSON file on its shape."""
    where = str(path)
    kind = _json_kind(obj, where)
    if kind.skipped:
        return kind
    data = obj["data"]
    if kind is FileKind.PLAN_LIST:
        for plan_id, values in _plan_rows(data, where):
            if _is_worldwide(values):
                report.count("fts_plans: global 'O...' plan left out (worldwide figures)")
                continue
            collected.add_plan(plan_id, values, report, API_SOURCE)
    elif kind is FileKind.SINGLE_PLAN:
        plan_id, values = _plan_fields(data, where)
        collected.add_plan(plan_id, values, report, API_SOURCE)
    elif kind is FileKind.GROUPBY_PLAN:
        _parse_groupby_plan(data, collected, report, where, API_SOURCE)
    elif kind in (FileKind.GROUPBY_CLUSTER, FileKind.GROUPBY_GLOBALCLUSTER):
        plan_id = _plan_id_from_name(path, kind)
        cluster_type = kind.cluster_type
        collected.set_clusters(plan_id, cluster_type, _cluster_rows(data, plan_id, cluster_type, where, report),
                               report)
    elif kind is FileKind.GROUPBY_LOCATION:
        plan_id = _plan_id_from_name(path, kind)
        for row in _location_rows(data, plan_id, where, report):
            collected.set_location(row, report)
    elif kind is FileKind.FLOW_LIST:
        for row in _flow_rows(data, where, report):
            collected.add_flow(row, report)
    elif kind is FileKind.PROGRESS:
        _parse_progress(data, collected, report, where)
    return kind


def _plan_id_from_name(path: Path, kind: FileKind) -> int:
    """The plan a saved groupby=cluster/location file is about, from its file name."""
    found = _PLAN_ID_IN_NAME.search(path.name)
    if not found:
        raise IngestError(f"{path}: a {kind.value} response does not say which plan it is about; put the plan id "
                          f"in the file name, e.g. 'planid-827_{kind.value.replace('=', '-')}.json'")
    return int(found.group(1))
