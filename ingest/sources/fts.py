"""OCHA FTS: pull plans, funding, clusters and flows from api.hpc.tools, or read saved JSON/HDX CSV files.

Public API (called by the CLI and the snapshot builder):

* `read_files(paths, report)`: files a user saved -> validated tables, keyed by table name.
* `fetch(client, country, years, report, progress=None)`: a live pull for one country.
* `donors(flows)`: per plan and donor totals from the flow table.
* `apply_curated(plans, curated_csv, report=None)`: fill blanks from published figures.

Each response or file goes through three steps: fetch/read (bytes -> JSON or CSV rows), parse (one
function per endpoint shape, adding plain values to a `_Collected`), tidy (`_tables`: one DataFrame
per table, derived columns, schema validation). Definitions follow README.md ("Definitions").
"""
from __future__ import annotations

import csv
import datetime
import io
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

import pandas as pd

from ..errors import IngestError
from ..http import Client, decode_json
from ..report import Report
from ..schemas import FLOW_STATUSES, SCHEMAS, validate

API_SOURCE = "FTS api.hpc.tools"
HDX_SOURCE = "FTS HDX export"
PEOPLE_SOURCE = "FTS api.hpc.tools plan overview/progress (caseLoads)"
NO_FUNDING_NOTE = "funding not in the data read; shown as 0"
NOT_SPECIFIED = "Not specified"
SHARED_CLUSTERS = "Multiple clusters/sectors (shared)"
SHARED_LOCATIONS = "Multiple locations (shared)"
MAX_PAGES = 500
PLAN_ID_CHUNK = 40  # plan ids per groupby=plan request; keeps the URL short
ROW = "\x00row"  # key of a CSV row's number in the file (1 = header), for error messages
MONEY_FIELDS = ("requirements_original_usd", "requirements_usd", "funding_usd", "pledges_usd")

# A saved groupby=cluster/location response does not say which plan it is about (the plan id is only
# in the request URL), so read_files takes it from the file name, e.g. "..._planid-929_groupby-cluster.json".
_PLAN_ID_IN_NAME = re.compile(r"plan[_-]?id[-_=]?(\d+)(?!\d)", re.IGNORECASE)
# HDX joins list cells with a bare comma; a comma followed by a space is part of one name
# ("Housing, Land and Property").
_LIST_SEPARATOR = re.compile(r",(?! )")
_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}")
# An HXL hashtag ("#value+funding+total+usd"): what tells HDX's tag row from a data row starting with '#'.
_HXL_TAG = re.compile(r"^#[A-Za-z][A-Za-z0-9_]*(\s*\+\s*[A-Za-z][A-Za-z0-9_]*)*$")
INT64_MAX = 2**63 - 1
# Plan years the tables accept (from the schema, so checks and messages cannot drift apart).
_YEAR_RANGE = SCHEMAS["fts_plans"].columns["year"].checks[0].statistics
YEAR_MIN, YEAR_MAX = int(_YEAR_RANGE["min_value"]), int(_YEAR_RANGE["max_value"])
# Dates outside these years are typos or placeholders (FTS starts in the 1990s); they are left blank, counted.
DATE_YEARS = (1900, 2100)
# Largest file read_files accepts. Reading costs about 10-15x the file size in memory (measured: 1.5 GB
# peak and ~14 s for a 100 MB HDX flow CSV; 0.75 GB and ~7 s for a 100 MB flow-list JSON). Real files
# are far smaller: a country's HDX flow export is a few MB, an API page under 1 MB. 200 MB keeps a read
# under ~3 GB; a larger file is refused before it is read instead of exhausting memory.
MAX_FILE_BYTES = 200 * 1024 * 1024

HDX_PLAN_COLUMNS = {"countryCode", "id", "name", "code", "typeId", "typeName", "startDate", "endDate", "year",
                    "requirements", "funding"}
HDX_CLUSTER_COLUMNS = {"countryCode", "id", "name", "code", "year", "clusterCode", "cluster", "requirements",
                       "funding"}
HDX_FLOW_COLUMNS = {"id", "amountUSD", "status", "srcOrganization", "destOrganization", "destPlanId", "date"}


# --------------------------------------------------------------------------------------------------
# What the parsers collect before tidying
# --------------------------------------------------------------------------------------------------

@dataclass
class _Collected:
    """Plain values gathered from every response or file, merged field by field."""

    plans: dict[int, dict[str, Any]] = field(default_factory=dict)
    weak: dict[int, set[str]] = field(default_factory=dict)  # fields that any fuller file may replace
    sources: dict[int, set[str]] = field(default_factory=dict)  # where each plan's money figures came from
    seen: dict[int, set[str]] = field(default_factory=dict)  # every source that mentioned the plan
    clusters: dict[tuple[int, str], list[dict[str, Any]]] = field(default_factory=dict)
    locations: dict[tuple[int, str], dict[str, Any]] = field(default_factory=dict)
    flows: dict[str, dict[str, Any]] = field(default_factory=dict)

    def add_plan(self, plan_id: int, values: dict[str, Any], report: Report, source: str,
                 weak: Iterable[str] = ()) -> None:
        """Merge one file's values for a plan field by field (blanks never overwrite; later file wins)."""
        # A weak value (a year guessed from a name, funding from a possibly filtered query) only fills
        # blanks. Keys starting with '_' are parser notes, not fields; '_weak' lists the weak fields.
        weak = set(weak) | set(values.get("_weak", ()))
        for note in values.get("_notes", ()):
            report.count(note)
        record = self.plans.setdefault(plan_id, {})
        weak_here = self.weak.setdefault(plan_id, set())
        self.seen.setdefault(plan_id, set()).add(source)
        for key, value in values.items():
            if value is None or key.startswith("_"):
                continue
            if key == "countries":
                # Every file lists a subset of the plan's countries (plan/country lists only the
                # country asked for), so the union is the best estimate.
                record.setdefault("countries", set()).update(value)
                continue
            old, old_weak, new_weak = record.get(key), key in weak_here, key in weak
            if old is not None and new_weak and not old_weak:
                if old != value:  # a guess never replaces a firm value
                    report.count(f"fts_plans: {key} from a weaker file ignored (another file gave it)")
                continue
            if old is not None and old != value and (new_weak or not old_weak):
                report.count(f"fts_plans: {key} differs between files; the later file's value used")
            record[key] = value  # a firm value replaces a guess silently
            (weak_here.add if new_weak else weak_here.discard)(key)
        if any(values.get(k) is not None for k in MONEY_FIELDS):
            self.sources.setdefault(plan_id, set()).add(source)

    def set_clusters(self, plan_id: int, cluster_type: str, rows: list[dict[str, Any]], report: Report) -> None:
        """A plan's whole cluster breakdown; a later file replaces an earlier one as a block."""
        key = (plan_id, cluster_type)
        if key in self.clusters:
            report.count(f"fts_clusters: {cluster_type} breakdown of a plan given twice; the later file used")
        self.clusters[key] = rows

    def set_location(self, row: dict[str, Any], report: Report) -> None:
        """One plan-location row, keyed by ISO3 (or name); a later file wins."""
        key = (row["plan_id"], row.get("location_iso3") or row["location_name"])
        if key in self.locations and self.locations[key] != row:
            report.count("fts_plan_locations: a plan's location given twice; the later file used")
        self.locations[key] = row

    def add_flow(self, row: dict[str, Any], report: Report) -> None:
        """One flow, keyed by flow id; the same flow on two pages or files is kept once."""
        if row["flow_id"] in self.flows:
            report.count("fts_flows: same flow id seen twice; kept once (the later copy)")
        self.flows[row["flow_id"]] = row


# --------------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------------

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
        report.count(kind if kind.startswith("skipped") else f"FTS files read: {kind}")
    try:
        return _tables(collected, report)
    except IngestError as exc:
        # Tables merge every file, so a value the schema refuses may come from any of them: name them all.
        names = ", ".join(map(str, paths[:5])) + (f" and {len(paths) - 5} more" if len(paths) > 5 else "")
        raise IngestError(f"{names}: {exc}; check the value in those files") from None


def fetch(client: Client, country: str, years: list[int] | None, report: Report,
          progress: Callable[[int], None] | None = None, *, regional: bool = True) -> dict[str, pd.DataFrame]:
    """Live pull for one country, following API.md's recipe; returns validated tables.

    Plans: every plan of `/v1/public/plan/country/{ISO3}` in the years asked (all years when `years`
    is None), of every type (HRPs, HNRPs, flash appeals, regional 'R...' plans, the country's own
    'O...' plans such as OJOR20). Global 'O...' plans whose code does not name the country
    (OCOVD20, OGLBL20a) are left out: their requirements and funding are worldwide, so they would
    swamp the country's figures. With `regional`, regional plans hosted by other countries that name
    this country (the RMRP for VEN) are added from `/v1/public/plan/year/{Y}`.
    """
    iso3 = (country or "").strip().upper()
    if not re.fullmatch(r"[A-Z]{3}", iso3):
        raise IngestError(f"country {country!r}: give a three-letter ISO3 code such as VEN")
    get = _getter(client, progress)
    collected = _Collected()

    obj, url = get(f"/v1/public/plan/country/{iso3}")
    rows = _plan_rows(_envelope(obj, url, list), url)
    if not rows:
        raise IngestError(f"{url}: field data is an empty list: FTS has no plans for {iso3}; check the code")
    plans = _select_country_plans(rows, iso3, years, report, url)
    if regional:
        plans.update(_regional_plans(get, rows, iso3, years, set(plans), report))
    if not plans:
        asked = ", ".join(map(str, years or []))
        raise IngestError(f"{url}: no {iso3} plans for {asked or 'any year'}; FTS lists years "
                          f"{', '.join(sorted({str(f['year']) for _, f in rows if f.get('year')}))}")
    for plan_id, values in plans.items():
        collected.add_plan(plan_id, values, report, API_SOURCE)
    ids = sorted(plans)

    for start in range(0, len(ids), PLAN_ID_CHUNK):
        chunk = ids[start:start + PLAN_ID_CHUNK]
        obj, url = get("/v1/public/fts/flow", {"planId": ",".join(map(str, chunk)), "groupby": "plan"})
        data = _envelope(obj, url, dict)
        if not (data.get("requirements") or {}).get("objects") and _funding_object(data, url, "fundingTotals") is None:
            # Every plan asked for has requirements in plan/country: an empty answer means the query failed.
            raise IngestError(f"{url}: fields data.requirements.objects and data.report3.fundingTotals.objects "
                              "are empty for the plans asked; the API changed or ignored planId")
        _parse_groupby_plan(data, collected, report, url, API_SOURCE, only=set(chunk))
    for plan_id in ids:
        obj, url = get("/v1/public/fts/flow", {"planId": plan_id, "groupby": "cluster"})
        data = _envelope(obj, url, dict)
        collected.set_clusters(plan_id, "cluster", _cluster_rows(data, plan_id, "cluster", url, report), report)
        if _is_regional(collected.plans[plan_id]):
            obj, url = get("/v1/public/fts/flow", {"planId": plan_id, "groupby": "location"})
            for row in _location_rows(_envelope(obj, url, dict), plan_id, url, report):
                collected.set_location(row, report)
    for plan_id in ids:
        _fetch_flows(get, plan_id, collected, report)
    for year in sorted({collected.plans[p]["year"] for p in ids if collected.plans[p].get("year")}):
        path = f"/v2/fts/flow/plan/overview/progress/{year}"
        try:
            obj, url = get(path)
            _parse_progress(_envelope(obj, url, dict), collected, report, url, only=set(ids), people_only=True)
        except IngestError as exc:
            # Not documented as public: people in need are a bonus, funding does not depend on it.
            report.warn(f"people in need for {year} not available ({exc}); curated figures may fill them")
    return _tables(collected, report)


def donors(flows: pd.DataFrame) -> pd.DataFrame:
    """Per plan and donor: funding (paid + commitment), pledges, flow count and share of the plan's funding."""
    # Only flows entering the plan count. A pooled fund's allocation onwards is an "internal" child
    # flow of money already counted when it came in, so counting it again would double the donor.
    frame = flows[flows["plan_id"].notna()]
    frame = frame[frame["boundary"].isna() | (frame["boundary"] == "incoming")].copy()
    if frame.empty:
        return validate("fts_donors", _frame("fts_donors", []), "fts_donors")
    frame["donor_name"] = frame["donor_name"].fillna(NOT_SPECIFIED)
    frame["funding"] = frame["amount_usd"].where(frame["status"].isin(["paid", "commitment"]), 0)
    frame["pledges"] = frame["amount_usd"].where(frame["status"] == "pledge", 0)
    rows = []
    for (plan_id, donor), group in frame.groupby(["plan_id", "donor_name"], sort=True):
        rows.append({
            "plan_id": int(plan_id), "donor_name": donor,
            "donor_type": _joined(group["donor_type"]), "donor_iso3": _joined(group["donor_iso3"], sep=";"),
            "funding_usd": int(group["funding"].sum()), "pledges_usd": int(group["pledges"].sum()),
            "flows": len(group),
        })
    table = _frame("fts_donors", rows)
    # Share of the funding these flows bring to the plan (not of FTS's plan total, which also holds
    # flows this table may not have, e.g. when only some pages were read).
    plan_total = table.groupby("plan_id")["funding_usd"].transform("sum")
    table["share_percent"] = (table["funding_usd"] / plan_total * 100).where(plan_total > 0)
    return validate("fts_donors", table, "fts_donors")


CURATED_COLUMNS = ["plan_id", "plan_code", "plan_name", "plan_type", "year", "start_date", "end_date",
                   "countries_iso3", "is_regional", "context_iso3", "fts_name_pattern", "requirements_usd",
                   "funding_usd", "percent_funded", "people_in_need", "people_targeted", "source",
                   "source_date", "source_url", "notes"]


def apply_curated(plans: pd.DataFrame, curated_csv: Path, report: Report | None = None) -> pd.DataFrame:
    """Fill blank people figures (and add plans FTS lacks) from published figures; FTS values are kept.

    A row whose plan_id is in `plans` only fills blank people_in_need / people_targeted. A row whose
    plan_id is not (local negative ids) is a whole published-figure plan, added only when `plans`
    holds a plan of that year for its context country and no FTS plan of that year matches its
    fts_name_pattern (so it never duplicates FTS data).
    """
    report = report if report is not None else Report()
    curated = _read_curated(Path(curated_csv))
    out = plans.copy()
    added = []
    for row in curated:
        source = f"published figure: {row['source']}"
        match = out.index[out["plan_id"] == row["plan_id"]]
        if len(match):
            _fill_people(out, match[0], row, source, report)
        elif row["plan_id"] < 0:
            new = _published_plan(out, row, source, report)
            if new is not None:
                added.append(new)
        else:
            report.count("curated figures: row for an FTS plan not in this data (not used)")
    if added:
        out = pd.concat([out, _frame("fts_plans", added)], ignore_index=True)
    return validate("fts_plans", out, str(curated_csv))


# --------------------------------------------------------------------------------------------------
# Reading files: recognise the shape, then hand to a parser
# --------------------------------------------------------------------------------------------------

def _read_one(path: Path, content: bytes, collected: _Collected, report: Report) -> str:
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


def _read_json(path: Path, obj: Any, collected: _Collected, report: Report) -> str:
    """Dispatch a decoded JSON file on its shape."""
    where = str(path)
    kind = _json_kind(obj, where)
    if kind.startswith("skipped"):
        return kind
    data = obj["data"]
    if kind == "plan list":
        for plan_id, values in _plan_rows(data, where):
            if _is_worldwide(values):
                report.count("fts_plans: global 'O...' plan left out (worldwide figures)")
                continue
            collected.add_plan(plan_id, values, report, API_SOURCE)
    elif kind == "single plan":
        plan_id, values = _plan_fields(data, where)
        collected.add_plan(plan_id, values, report, API_SOURCE)
    elif kind == "groupby=plan":
        _parse_groupby_plan(data, collected, report, where, API_SOURCE)
    elif kind in ("groupby=cluster", "groupby=globalcluster"):
        plan_id = _plan_id_from_name(path, kind)
        cluster_type = kind.split("=")[1]
        collected.set_clusters(plan_id, cluster_type, _cluster_rows(data, plan_id, cluster_type, where, report),
                               report)
    elif kind == "groupby=location":
        plan_id = _plan_id_from_name(path, kind)
        for row in _location_rows(data, plan_id, where, report):
            collected.set_location(row, report)
    elif kind == "flow list":
        for row in _flow_rows(data, where, report):
            collected.add_flow(row, report)
    elif kind == "plan overview/progress":
        _parse_progress(data, collected, report, where)
    return kind


def _json_kind(obj: Any, where: str) -> str:
    """Name the endpoint a decoded JSON body answers, from its shape; raise if it is none we know."""
    if isinstance(obj, list):
        if obj and all(isinstance(x, dict) and {"file", "url"} <= set(x) for x in obj):
            return "skipped: a recorder's manifest of URLs, no data"
        raise IngestError(f"{where}: a JSON list is not an FTS API response; expected an object with "
                          "'status' and 'data' (or an HDX CSV export)")
    if not isinstance(obj, dict):
        raise IngestError(f"{where}: JSON {type(obj).__name__} is not an FTS API response")
    if "resources" in obj and "license_id" in obj or ("result" in obj and "success" in obj):
        return "skipped: HDX CKAN dataset metadata, no figures"
    if "status" in obj and obj["status"] != "ok":
        raise IngestError(f"{where}: field status is {obj['status']!r}, not 'ok': the API refused the "
                          "request; save the response again")
    if "data" not in obj:
        raise IngestError(f"{where}: field data missing; expected an FTS API response "
                          "({'status': 'ok', 'data': ...})")
    data = obj["data"]
    if isinstance(data, dict):
        if "id" in data and ("planVersion" in data or "code" in data):
            return "single plan"
        if "flows" in data:
            return "flow list"
        if "plans" in data and "totals" in data:
            return "plan overview/progress"
        if any(k.startswith("report") for k in data) or "requirements" in data:
            return _groupby_kind(data, where)
    if isinstance(data, list):
        items = [x for x in data if isinstance(x, dict)]
        if not data:
            raise IngestError(f"{where}: field data is an empty list; nothing to read (save a response with data)")
        if len(items) == len(data):
            keys = set().union(*items)
            if all("id" in x and ("planVersion" in x or {"code", "name"} <= set(x)) for x in items):
                return "plan list"
            if {"iso3", "adminLevel"} <= keys:
                return "skipped: location list (names and ids only)"
            if {"year", "totalFunding"} <= keys:
                return "skipped: country summary trends (funding outside plans too)"
            if "governingEntityVersion" in keys or "entityType" in keys:
                return "skipped: governingEntity (cluster names and global cluster ids only)"
    raise IngestError(f"{where}: unrecognised JSON shape; expected an FTS response of plan/country, "
                      "plan/year, fts/flow (with or without groupby), plan/overview/progress or rpm/plan")


def _groupby_kind(data: dict, where: str) -> str:
    """Which groupby a funding-summary response answers, from the objects' type."""
    types = set()
    reqs = data.get("requirements")
    if isinstance(reqs, dict):
        types |= {o.get("objectType") for o in _list(reqs.get("objects"), where, "data.requirements.objects")
                  if isinstance(o, dict) and isinstance(o.get("objectType"), str)}
    for key, report_block in data.items():
        if key.startswith("report") and isinstance(report_block, dict):
            for totals in (report_block.get("fundingTotals"), report_block.get("pledgeTotals")):
                if isinstance(totals, dict):
                    # A type is a name; null or anything else says nothing (and may not be hashable).
                    types |= {o.get("type") for o in _list(totals.get("objects"), where, f"data.{key}...objects")
                              if isinstance(o, dict) and isinstance(o.get("type"), str)}
    names = {"Plan": "groupby=plan", "Cluster": "groupby=cluster", "GlobalCluster": "groupby=globalcluster",
             "Location": "groupby=location"}
    if len(types) == 1 and next(iter(types)) in names:
        return names[next(iter(types))]
    if len(types) == 1:
        return f"skipped: groupby={next(iter(types)).lower()} (not used by our tables)"
    if not types:
        return "skipped: funding summary with no objects (nothing funded or required)"
    raise IngestError(f"{where}: funding summary mixes object types {sorted(types)}; expected one groupby")


def _plan_id_from_name(path: Path, kind: str) -> int:
    """The plan a saved groupby=cluster/location file is about, from its file name."""
    found = _PLAN_ID_IN_NAME.search(path.name)
    if not found:
        raise IngestError(f"{path}: a {kind} response does not say which plan it is about; put the plan id "
                          f"in the file name, e.g. 'planid-827_{kind.replace('=', '-')}.json'")
    return int(found.group(1))


def _read_csv(path: Path, content: bytes, collected: _Collected, report: Report) -> str:
    """Dispatch an HDX FTS CSV export on its header."""
    where = str(path)
    header, rows = _csv_rows(content, where, report)
    columns = set(header)
    name = path.name.lower()
    if not rows:
        report.warn(f"{where}: the file has a header but no data rows")
    if HDX_FLOW_COLUMNS <= columns:
        for row in rows:
            collected.add_flow(_hdx_flow(row, f"{where} row {row[ROW]}", report), report)
        return "HDX incoming/internal funding (flows)"
    if HDX_CLUSTER_COLUMNS <= columns:
        cluster_type = "globalcluster" if "globalcluster" in name else "cluster"
        for plan_id, block in _hdx_clusters(rows, cluster_type, where, report).items():
            collected.set_clusters(plan_id, cluster_type, block, report)
        return f"HDX requirements and funding by {cluster_type}"
    if HDX_PLAN_COLUMNS <= columns:
        if "covid" in name:
            # Same header as the plan file, but the figures are the COVID-19 part of each plan.
            return "skipped: HDX COVID-19 requirements/funding (a part of each plan, not its totals)"
        _hdx_plans(rows, collected, where, report)
        return "HDX requirements and funding (plans)"
    raise IngestError(f"{where}: unrecognised CSV header ({', '.join(header[:6])}...); expected an HDX FTS "
                      "export: fts_requirements_funding[_cluster|_globalcluster]_<iso3>.csv or "
                      "fts_incoming_funding_<iso3>.csv")


def _csv_rows(content: bytes, where: str, report: Report) -> tuple[list[str], list[dict[str, str]]]:
    """Header and rows of a CSV file, without the HXL hashtag row."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise IngestError(f"{where}: not UTF-8 text ({exc.reason} at byte {exc.start}); expected an HDX FTS "
                          "CSV export, which is UTF-8 (download it again, or save it as UTF-8 CSV)") from None
    reader = csv.reader(io.StringIO(text))
    try:
        table = list(reader)
    except csv.Error as exc:
        raise IngestError(f"{where} row {reader.line_num + 1}: not a readable CSV ({exc}); the file is damaged "
                          "or not a CSV export") from None
    if not table or not any(table[0]):
        raise IngestError(f"{where}: no header row; expected an HDX FTS CSV export")
    header = [h.strip() for h in table[0]]
    repeated = [name for name, n in Counter(h for h in header if h).items() if n > 1]
    if repeated:
        # A row is read into a dict by column name: one of the two would be dropped silently.
        raise IngestError(f"{where}: column {repeated[0]!r} appears more than once in the header; keep one "
                          "(an HDX export has each column once)")
    first = 2
    if len(table) > 1 and [c for c in table[1] if c.strip()] and all(_HXL_TAG.match(c.strip())
                                                                     for c in table[1] if c.strip()):
        first = 3  # HXL hashtags (HDX files before 2026-02-25)
        report.count("HDX CSV: HXL hashtag row dropped")
    rows = []
    for number, cells in enumerate(table[first - 1:], start=first):
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(header):
            raise IngestError(f"{where} row {number}: {len(cells)} cells for {len(header)} columns; "
                              "the file is damaged or not a CSV export")
        rows.append({**dict(zip(header, (c.strip() for c in cells))), ROW: number})
    return header, rows


# --------------------------------------------------------------------------------------------------
# Parsers: one per endpoint shape. They add plain Python values to a _Collected.
# --------------------------------------------------------------------------------------------------

def _plan_rows(data: Any, where: str) -> list[tuple[int, dict[str, Any]]]:
    """Plan rows of /v1/public/plan/country or plan/year (current or old flat shape)."""
    if not isinstance(data, list):
        raise IngestError(f"{where}: field data is a {type(data).__name__}, expected a list of plans")
    return [_plan_fields(plan, f"{where} plan #{i}") for i, plan in enumerate(data)]


def _plan_fields(plan: Any, where: str) -> tuple[int, dict[str, Any]]:
    """One plan row's fields. The 2026 shape nests name/code/dates in planVersion; older rows are flat."""
    if not isinstance(plan, dict):
        raise IngestError(f"{where}: a plan is a {type(plan).__name__}, expected an object")
    plan_id = _int(plan.get("id"), where, "id", required=True)
    version = plan.get("planVersion") if isinstance(plan.get("planVersion"), dict) else {}

    def pick(key: str) -> Any:
        return version.get(key) if version.get(key) is not None else plan.get(key)

    name, code = _text(pick("name")), _text(pick("code"))
    where = f"{where} (plan {plan_id})"
    year_texts = [str(y.get("year")) for y in _list(plan.get("years"), where, "years")
                  if isinstance(y, dict) and y.get("year")]
    year, weak = _plan_year(year_texts, code, name)
    if not weak:
        _check_year(year, where, "years[].year")
    all_years = {int(y) for y in year_texts if re.fullmatch(r"[0-9]{4}", y)} or ({year} if year else set())
    locations = _list(plan.get("locations"), where, "locations")
    notes: list[str] = []  # counted by add_plan (so not for plans a live pull leaves out)
    values: dict[str, Any] = {
        "plan_code": code, "plan_name": name, "plan_type": _plan_type(_list(plan.get("categories"), where,
                                                                              "categories")),
        "year": year, "start_date": _date(pick("startDate"), notes.append, "fts_plans: startDate"),
        "end_date": _date(pick("endDate"), notes.append, "fts_plans: endDate"),
        "countries": _countries(locations) or None, "_weak": weak,
        "_location_names": _location_names(locations), "_years": all_years,
    }
    if "revisedRequirements" in plan or "origRequirements" in plan:
        values.update(_requirements(plan, where))
    values["_notes"] = [*values.get("_notes", ()), *notes]
    return plan_id, values


def _select_country_plans(rows: list[tuple[int, dict]], iso3: str, years: list[int] | None, report: Report,
                          where: str) -> dict[int, dict]:
    """The country's plans in the years asked, without worldwide 'O...' plans."""
    kept = {}
    for plan_id, values in rows:
        if _is_worldwide(values, iso3):
            report.count("fts_plans: global 'O...' plan left out (worldwide figures)")
            continue
        if values.get("year") is None:
            report.warn(f"{where}: plan {plan_id} has no years[].year and no year in its code or name; left out")
            continue
        if years and not values["_years"] & set(years):  # a 2022-2023 plan is kept for 2023 too
            continue
        kept[plan_id] = values
    return kept


def _is_worldwide(values: dict[str, Any], iso3: str | None = None) -> bool:
    """A worldwide 'O...' plan (OCOVD20, OGLBL20a): its code names none of the countries it is listed for."""
    # A country's own 'O...' plans name it (OJOR20, OLBN22, OAFG08) and are kept.
    code = (values.get("plan_code") or "").upper()
    names = {iso3} if iso3 else set(values.get("countries") or ())
    return code.startswith("O") and bool(names) and not any(c in code for c in names)


def _regional_plans(get: Callable, rows: list[tuple[int, dict]], iso3: str, years: list[int] | None,
                    known: set[int], report: Report) -> dict[int, dict]:
    """Regional 'R...' plans of other host countries that name this country (e.g. the RMRP for VEN)."""
    names = _country_names(rows, iso3)
    wanted = sorted(set(years) if years else {v["year"] for _, v in rows if v.get("year")})
    found: dict[int, dict] = {}
    for year in wanted:
        try:
            obj, url = get(f"/v1/public/plan/year/{year}")
            year_rows = _plan_rows(_envelope(obj, url, list), url)
        except IngestError as exc:
            report.warn(f"regional plans for {year} not looked up ({exc})")
            continue
        for plan_id, values in year_rows:
            code, name = (values.get("plan_code") or "").upper(), (values.get("plan_name") or "").lower()
            if plan_id in known or not code.startswith("R") or year not in values["_years"]:
                continue
            if iso3 in code or any(re.search(rf"\b{re.escape(n)}\b", name) for n in names):
                found[plan_id] = values
                report.count("fts_plans: regional plan naming the country added from plan/year")
    return found


def _country_names(rows: list[tuple[int, dict]], iso3: str) -> set[str]:
    """Lower-case short names of the country, e.g. 'venezuela' from 'Venezuela, Bolivarian Republic of'."""
    names = set()
    for _, values in rows:
        for name in values.get("_location_names", {}).get(iso3, ()):
            names.add(name.split(",")[0].strip().lower())
    return names


def _parse_groupby_plan(data: dict, collected: _Collected, report: Report, where: str, source: str,
                        only: set[int] | None = None) -> None:
    """Requirements, funding (report3) and pledges per plan from a groupby=plan response."""
    requirements = _requirement_objects(data, where, report)
    funding, unplanned, _ = _breakdown(_funding_object(data, where, "fundingTotals"), where, report)
    pledge_object = _funding_object(data, where, "pledgeTotals", required=False)
    pledges = _breakdown(pledge_object, where, report)[0] if pledge_object is not False else None
    if unplanned:
        report.count("fts_plans: funding to no plan ('Not specified' in groupby=plan) not used", 1)
    weak: set[str] = set()
    if requirements is None:
        # An emergency- or otherwise filtered query has no requirements block, and its funding is
        # only the filtered part (covid-viz's emergencyid=911 file holds COVID funding only).
        weak = {"funding_usd", "pledges_usd"}
        report.warn(f"{where}: groupby=plan response without requirements (a filtered query?): its funding "
                    "only fills plans that no other file gives funding for")
    names = {_int(k, where, "objectsBreakdown id", required=True): v[0] for k, v in funding.items()}
    reqs = {o["id"]: o for o in requirements or [] if o["id"] is not None}
    ids = set(reqs) | set(names) if only is None else set(only)
    for plan_id in sorted(ids):
        name = (reqs.get(plan_id) or {}).get("name") or names.get(plan_id)
        year, year_weak = _plan_year([], None, name)
        values = {
            "plan_name": name, "year": year,
            # A plan missing from report3 received nothing: 0, not unknown.
            "funding_usd": funding.get(str(plan_id), (None, 0))[1],
            "pledges_usd": None if pledges is None else pledges.get(str(plan_id), (None, 0))[1],
        }
        if plan_id in reqs:
            values["requirements_usd"] = reqs[plan_id]["requirements_usd"]
            values["requirements_original_usd"] = reqs[plan_id]["requirements_original_usd"]
        collected.add_plan(plan_id, values, report, source, weak=weak | year_weak | {"plan_name"})


def _cluster_rows(data: dict, plan_id: int, cluster_type: str, where: str, report: Report) -> list[dict]:
    """One plan's clusters, plus 'not specified' and 'shared' rows, from groupby=cluster|globalcluster."""
    requirements = _requirement_objects(data, where, report) or []
    funding, not_specified, shared = _breakdown(_funding_object(data, where, "fundingTotals"), where, report)
    rows: dict[str, dict] = {}
    not_specified_req = None
    for obj in requirements:
        if obj["id"] is None:
            not_specified_req = obj
            continue
        rows[str(obj["id"])] = _cluster_row(plan_id, cluster_type, "cluster", str(obj["id"]), obj["name"],
                                            obj["requirements_original_usd"], obj["requirements_usd"], None)
    for cluster_id, (name, amount) in funding.items():
        row = rows.setdefault(cluster_id, _cluster_row(plan_id, cluster_type, "cluster", cluster_id, name,
                                                       None, None, None))
        row["funding_usd"] = _non_negative(amount, report, "fts_clusters")
    for row in rows.values():
        if row["funding_usd"] is None and row["requirements_usd"] is not None:
            # FTS (and the HDX CSV) leave these blank; 0 lets cluster rows add up to the plan total.
            row["funding_usd"] = 0
            report.count("fts_clusters: cluster with requirements but no funding: funding 0")
    blank = not_specified_req or {}
    tail = [
        _cluster_row(plan_id, cluster_type, "not_specified", None, NOT_SPECIFIED,
                     blank.get("requirements_original_usd"), blank.get("requirements_usd"),
                     _non_negative(not_specified or 0, report, "fts_clusters")),
        _cluster_row(plan_id, cluster_type, "shared", None, SHARED_CLUSTERS, None, None,
                     _non_negative(shared, report, "fts_clusters")),
    ]
    return sorted(rows.values(), key=lambda r: (r["cluster_name"] or "").lower()) + tail


def _cluster_row(plan_id: int, cluster_type: str, row_type: str, cluster_id: str | None, name: str | None,
                 original: int | None, revised: int | None, funding: int | None) -> dict[str, Any]:
    """A cluster row with the table's column names."""
    return {"plan_id": plan_id, "cluster_type": cluster_type, "row_type": row_type, "cluster_id": cluster_id,
            "cluster_name": name or f"cluster {cluster_id}", "requirements_original_usd": original,
            "requirements_usd": revised, "funding_usd": funding}


def _location_rows(data: dict, plan_id: int, where: str, report: Report) -> list[dict]:
    """A multi-country plan's requirements and funding per country, from groupby=location."""
    requirements = _requirement_objects(data, where, report) or []
    funding, not_specified, shared = _breakdown(_funding_object(data, where, "fundingTotals"), where, report)
    rows: dict[str, dict] = {}
    for obj in requirements:
        key = str(obj["id"]) if obj["id"] is not None else NOT_SPECIFIED
        rows[key] = {"plan_id": plan_id, "location_id": None if obj["id"] is None else str(obj["id"]),
                     "location_name": obj["name"] or NOT_SPECIFIED,
                     "requirements_original_usd": obj["requirements_original_usd"],
                     "requirements_usd": obj["requirements_usd"], "funding_usd": None}
    for location_id, (name, amount) in funding.items():
        row = rows.setdefault(location_id, {"plan_id": plan_id, "location_id": location_id,
                                            "location_name": name or f"location {location_id}",
                                            "requirements_original_usd": None, "requirements_usd": None})
        row["funding_usd"] = _non_negative(amount, report, "fts_plan_locations")
    if not_specified is not None or NOT_SPECIFIED in rows:
        row = rows.setdefault(NOT_SPECIFIED, {"plan_id": plan_id, "location_id": None,
                                              "location_name": NOT_SPECIFIED, "requirements_original_usd": None,
                                              "requirements_usd": None})
        row["funding_usd"] = _non_negative(not_specified or 0, report, "fts_plan_locations")
    for row in rows.values():
        row.setdefault("funding_usd", None)
        if row["funding_usd"] is None and row["requirements_usd"] is not None and row["location_id"]:
            row["funding_usd"] = 0  # absent from report3 = nothing received
    if shared:
        rows["shared"] = {"plan_id": plan_id, "location_id": None, "location_name": SHARED_LOCATIONS,
                          "requirements_original_usd": None, "requirements_usd": None,
                          "funding_usd": _non_negative(shared, report, "fts_plan_locations")}
    codes = _iso3_lookup(r["location_name"] for r in rows.values() if r["location_id"])
    for row in rows.values():
        row["location_iso3"] = codes.get(row["location_name"]) if row["location_id"] else None
    return list(rows.values())


def _parse_progress(data: dict, collected: _Collected, report: Report, where: str,
                    only: set[int] | None = None, people_only: bool = False) -> None:
    """Plans with requirements, funding and people in need/targeted from v2 plan/overview/progress."""
    plans = _need(data, "plans", where, "data.plans")
    if not isinstance(plans, list):
        raise IngestError(f"{where}: field data.plans is a {type(plans).__name__}, expected a list")
    for i, plan in enumerate(plans):
        here = f"{where} plan #{i}"
        if not isinstance(plan, dict):
            raise IngestError(f"{here}: expected an object")
        plan_id = _int(plan.get("id"), here, "id", required=True)
        if only is not None and plan_id not in only:
            continue
        values = _people(plan.get("caseLoads"), f"{here} (plan {plan_id})", report)
        if not people_only:
            values.update(_progress_plan(plan, f"{here} (plan {plan_id})", report))
        collected.add_plan(plan_id, values, report, API_SOURCE)


def _progress_plan(plan: dict, where: str, report: Report) -> dict[str, Any]:
    """Plan fields of one v2 progress plan (everything but people)."""
    name, code = _text(plan.get("name")), _text(plan.get("code"))
    years = [str(y.get("year")) for y in _list(plan.get("usageYears"), where, "usageYears")
             if isinstance(y, dict) and y.get("year")]
    year, weak = _plan_year(years, code, name)
    if not weak:
        _check_year(year, where, "usageYears[].year")
    plan_type = plan.get("planType") if isinstance(plan.get("planType"), dict) else {}
    values = {"plan_code": code, "plan_name": name, "plan_type": _text(plan_type.get("name")), "year": year,
              "start_date": _date(plan.get("startDate"), report.count, "fts_plans: startDate"),
              "end_date": _date(plan.get("endDate"), report.count, "fts_plans: endDate"),
              "countries": {c["iso3"] for c in _list(plan.get("countries"), where, "countries")
                            if isinstance(c, dict) and isinstance(c.get("iso3"), str)} or None,
              "_weak": weak}
    if isinstance(plan.get("requirements"), dict):
        values.update(_requirements(plan["requirements"], where))
    funding = plan.get("funding")
    # `funding` is absent for plans with no funding: that is 0, not unknown.
    values["funding_usd"] = _plan_funding(_int(funding.get("totalFunding"), where, "funding.totalFunding") or 0
                                          if isinstance(funding, dict) else 0, where, "funding.totalFunding")
    return values


def _plan_funding(amount: int | None, where: str, name: str) -> int | None:
    """A plan's total funding; negative is an IngestError (the table needs a figure, and none is below 0)."""
    if amount is not None and amount < 0:
        raise IngestError(f"{where}: field {name} is {amount:,}; a plan's total funding cannot be negative "
                          "(save the response again, or leave this file out)")
    return amount


def _people(caseloads: Any, where: str, report: Report) -> dict[str, Any]:
    """People in need ('inNeed') and targeted ('target') from a plan's caseLoads."""
    loads = [c for c in _list(caseloads, where, "caseLoads") if isinstance(c, dict)]
    if not loads:
        return {}
    if len(loads) > 1:
        # Several caseloads: the one with customReference "1" is the plan-wide figure in every
        # recorded sample (HAFG20: 14.0M in need, the others are sub-caseloads); else the largest.
        report.count("fts_plans: plan with several caseloads; plan-wide one used")
        first = [c for c in loads if str(c.get("customReference")) == "1"]
        loads = first or sorted(loads, key=lambda c: _caseload_value(c, "inNeed", where, _ignore) or 0,
                                reverse=True)
    need = _caseload_value(loads[0], "inNeed", where, report.count)
    target = _caseload_value(loads[0], "target", where, report.count)
    if need is None and target is None:
        return {}
    return {"people_in_need": need, "people_targeted": target, "people_source": PEOPLE_SOURCE}


def _ignore(_: str) -> None:
    """A `count` that counts nothing (for a value read again that is counted elsewhere)."""


def _caseload_value(caseload: dict, kind: str, where: str, count: Callable[[str], None]) -> int | None:
    """The value of one typed total of a caseload ('' and null are blank; unreadable ones blank, counted)."""
    for total in _list(caseload.get("totals"), where, "caseLoads[].totals"):
        if isinstance(total, dict) and total.get("type") == kind:
            value = total.get("value")
            if value in (None, ""):
                return None
            number = _amount(value, count, "fts_plans: people figure in caseLoads")
            if number is None:
                return None
            if not 0 <= number <= INT64_MAX:
                count("fts_plans: people figure in caseLoads: negative or too large (left blank)")
                return None
            return int(number)
    return None


def _flow_rows(data: dict, where: str, report: Report, plan_hint: int | None = None) -> list[dict]:
    """Rows of a flow list page (data.flows), one per flow; none dropped."""
    flows = _need(data, "flows", where, "data.flows")
    if not isinstance(flows, list):
        raise IngestError(f"{where}: field data.flows is a {type(flows).__name__}, expected a list")
    rows = [_flow_row(flow, f"{where} flow #{i}", report, plan_hint) for i, flow in enumerate(flows)]
    codes = _iso3_lookup(name for row in rows for name in row["_locations"])
    for row in rows:
        found = sorted({codes[n] for n in row.pop("_locations") if codes.get(n)})
        row["donor_iso3"] = ";".join(found) or None
    return rows


def _flow_row(flow: Any, where: str, report: Report, plan_hint: int | None) -> dict[str, Any]:
    """One flow: donor = source Organization, recipient = destination Organization, plan = destination Plan."""
    if not isinstance(flow, dict):
        raise IngestError(f"{where}: a flow is a {type(flow).__name__}, expected an object")
    flow_id = _text(_need(flow, "id", where, "id"))
    if flow_id is None:
        raise IngestError(f"{where}: field id is blank; every flow needs its FTS id (save the response again)")
    status = str(_need(flow, "status", where, "status")).lower()
    if status not in FLOW_STATUSES:
        raise IngestError(f"{where} (flow {flow_id}): status {status!r} is not one of {', '.join(FLOW_STATUSES)}")
    source = _objects(flow, "sourceObjects", where)
    destination = _objects(flow, "destinationObjects", where)
    donors_ = [o for o in source if o.get("type") == "Organization"]
    recipients = [o for o in destination if o.get("type") == "Organization"]
    for org in donors_ + recipients:
        _list(org.get("organizationTypes"), where, "organizationTypes")
    plan_ids = [_int(o.get("id"), where, "destinationObjects[Plan].id") for o in destination
                if o.get("type") == "Plan"]
    plan_id = plan_ids[0] if len(plan_ids) == 1 else (plan_hint if plan_hint in plan_ids else None)
    if len(plan_ids) > 1 and plan_id is None:
        report.count("fts_flows: flow to several plans; plan_id left blank")
    locations = [o.get("name") for o in source if o.get("type") == "Location" and isinstance(o.get("name"), str)]
    return {
        "flow_id": flow_id, "plan_id": plan_id,
        "date": _date(flow.get("date"), report.count, "fts_flows: date"),
        "decision_date": _date(flow.get("decisionDate"), report.count, "fts_flows: decisionDate"), "status": status,
        "donor_name": _names(donors_), "donor_type": _org_types(donors_),
        "recipient_name": _names(recipients), "recipient_type": _org_types(recipients),
        "cluster_name": _names([o for o in destination if o.get("type") == "Cluster"]),
        "amount_usd": _int(_need(flow, "amountUSD", where, "amountUSD"), where, "amountUSD", required=True),
        "original_amount": _amount(flow.get("originalAmount"), report.count, "fts_flows: originalAmount"),
        "original_currency": _text(flow.get("originalCurrency")),
        "boundary": _text(flow.get("boundary")),
        "parent_flow_id": None if flow.get("parentFlowId") is None else _text(flow.get("parentFlowId")),
        "_locations": locations,
    }


def _hdx_plans(rows: list[dict[str, str]], collected: _Collected, where: str, report: Report) -> None:
    """Plan rows of fts_requirements_funding_<iso3>.csv."""
    for row in rows:
        here = f"{where} row {row[ROW]}"
        if not row["id"]:
            # One per year: funding to the country outside any plan. Not a plan.
            report.count("HDX CSV: 'Not specified' row (funding outside plans) not a plan, skipped")
            continue
        plan_id = _int(row["id"], here, "id", required=True)
        iso3, code = row["countryCode"].upper(), row["code"] or None
        values: dict[str, Any] = {
            "plan_code": code, "plan_name": row["name"] or None, "plan_type": row["typeName"] or None,
            "year": _check_year(_int(row["year"], here, "year", required=True), here, "year"),
            "start_date": _date(row["startDate"], report.count, "fts_plans: startDate"),
            "end_date": _date(row["endDate"], report.count, "fts_plans: endDate"),
            "countries": {iso3} if re.fullmatch(r"[A-Z]{3}", iso3) else None,
        }
        revised = _non_negative(_int(row["requirements"], here, "requirements"), report, "fts_plans",
                                "requirements") or None
        funding = _int(row["funding"], here, "funding")
        if code and iso3 and iso3 not in code.upper():
            # A plan whose code does not name the country spans several countries (RMRP, OGLBL20): the
            # exporter writes this country's share of it, which is a plan-location figure, not the plan's.
            collected.set_location({"plan_id": plan_id, "location_id": None, "location_name": iso3,
                                    "location_iso3": iso3, "requirements_original_usd": None,
                                    "requirements_usd": revised, "funding_usd": funding}, report)
            report.count("HDX CSV: multi-country plan row read as the country's share (fts_plan_locations)")
            collected.add_plan(plan_id, values, report, HDX_SOURCE)
            continue
        if row["requirements"] in ("", "0"):
            report.count("fts_plans: no requirements (blank or 0) stored blank")
        if funding is None:
            report.count("HDX CSV: plan row with blank funding: funding 0")
        values.update({"requirements_usd": revised, "funding_usd": _plan_funding(funding, here, "funding") or 0})
        collected.add_plan(plan_id, values, report, HDX_SOURCE)


def _hdx_clusters(rows: list[dict[str, str]], cluster_type: str, where: str, report: Report) -> dict[int, list]:
    """Cluster rows of fts_requirements_funding_[global]cluster_<iso3>.csv, grouped by plan."""
    blocks: dict[int, list] = {}
    for row in rows:
        here = f"{where} row {row[ROW]}"
        plan_id = _int(row["id"], here, "id", required=True)
        name, code = row["cluster"], row["clusterCode"] or None
        row_type = ("shared" if name == SHARED_CLUSTERS else
                    "not_specified" if name == NOT_SPECIFIED and code is None else "cluster")
        funding = _int(row["funding"], here, "funding")
        if funding is None:
            # HDX leaves funding blank for clusters with requirements but no funding: 0 so sums work.
            report.count("fts_clusters: blank funding in HDX CSV stored as 0")
            funding = 0
        revised = _non_negative(_int(row["requirements"], here, "requirements"), report, "fts_clusters",
                                "requirements")
        blocks.setdefault(plan_id, []).append(_cluster_row(
            plan_id, cluster_type, row_type, code, name or None, None, revised or None,
            _non_negative(funding, report, "fts_clusters")))
    return blocks


def _hdx_flow(row: dict[str, str], where: str, report: Report) -> dict[str, Any]:
    """One row of fts_incoming_funding_<iso3>.csv as a flow."""
    status = row["status"].lower()
    if status not in FLOW_STATUSES:
        raise IngestError(f"{where}: status {row['status']!r} is not one of {', '.join(FLOW_STATUSES)}")
    plan_id = None
    if row["destPlanId"] and row["destPlanId"] != "Multiple":
        plan_id = _int(row["destPlanId"], where, "destPlanId")
    elif row["destPlanId"] == "Multiple":
        report.count("fts_flows: flow to several plans; plan_id left blank")
    iso3 = [c.strip() for c in row.get("srcLocations", "").split(",") if re.fullmatch(r"[A-Z]{3}", c.strip())]
    return {
        "flow_id": _text(row["id"]) or _int(None, where, "id", required=True), "plan_id": plan_id,
        "date": _date(row["date"], report.count, "fts_flows: date"),
        "decision_date": _date(row.get("decisionDate"), report.count, "fts_flows: decisionDate"), "status": status,
        "donor_name": row["srcOrganization"] or None, "donor_type": _hdx_list(row.get("srcOrganizationTypes")),
        "donor_iso3": ";".join(sorted(set(iso3))) or None,
        "recipient_name": row["destOrganization"] or None,
        "recipient_type": _hdx_list(row.get("destOrganizationTypes")),
        # The HDX export names global clusters only (the API flow list names the plan's clusters).
        "cluster_name": _hdx_list(row.get("destGlobalClusters")),
        "amount_usd": _int(row["amountUSD"], where, "amountUSD", required=True),
        "original_amount": _amount(row.get("originalAmount"), report.count, "fts_flows: originalAmount"),
        "original_currency": row.get("originalCurrency") or None,
        "boundary": row.get("boundary") or None, "parent_flow_id": None,
    }


# --------------------------------------------------------------------------------------------------
# Funding-summary helpers (groupby responses)
# --------------------------------------------------------------------------------------------------

def _requirement_objects(data: dict, where: str, report: Report) -> list[dict] | None:
    """data.requirements.objects as dicts (id int or None for "Not specified"); None when absent."""
    block = data.get("requirements")
    if block is None:
        return None
    objects = _need(block, "objects", where, "data.requirements.objects")
    if not isinstance(objects, list):
        raise IngestError(f"{where}: field data.requirements.objects is not a list")
    out = []
    for i, obj in enumerate(objects):
        here = f"{where} requirements.objects #{i}"
        if not isinstance(obj, dict):
            raise IngestError(f"{here}: expected an object")
        raw_id = obj.get("id")  # "Not specified" has no id (or "undefined")
        obj_id = None if raw_id in (None, "", "undefined") else _int(raw_id, here, "id")
        figures = _requirements(obj, here)
        for note in figures.pop("_notes"):
            report.count(note)
        out.append({"id": obj_id, "name": _text(obj.get("name")), **figures})
    return out


def _requirements(obj: dict, where: str) -> dict[str, Any]:
    """Current and original requirements; absent or 0 means there is no figure (stored blank)."""
    revised = _int(obj.get("revisedRequirements"), where, "revisedRequirements")
    original = _int(obj.get("origRequirements"), where, "origRequirements")
    # Counted by whoever keeps the values, so plans a pull leaves out do not show in the report.
    notes = [f"negative {name} (no requirement is below 0) stored blank"
             for name, value in (("revisedRequirements", revised), ("origRequirements", original))
             if value is not None and value < 0]
    revised = None if revised is not None and revised < 0 else revised
    original = None if original is not None and original < 0 else original
    notes += (["no original requirement (key absent or 0) stored blank"] if not original else []) + (
        ["requirements of 0 (FTS's 'no value') stored blank"] if revised == 0 else [])
    return {"requirements_usd": revised or None, "requirements_original_usd": original or None, "_notes": notes}


def _funding_object(data: dict, where: str, totals: str, required: bool = True) -> dict | None | bool:
    """report3.<totals>.objects[0]; None when nothing is funded; False when an optional block is absent."""
    report3 = _need(data, "report3", where, "data.report3")
    block = report3.get(totals) if isinstance(report3, dict) else None
    if block is None:
        if not required:
            return False
        raise IngestError(f"{where}: field data.report3.{totals} missing; expected an fts/flow groupby response")
    objects = _need(block, "objects", where, f"data.report3.{totals}.objects")
    if not isinstance(objects, list):
        raise IngestError(f"{where}: field data.report3.{totals}.objects is not a list")
    if objects and not isinstance(objects[0], dict):
        raise IngestError(f"{where}: field data.report3.{totals}.objects[0] is a JSON {_json_type(objects[0])}, "
                          "expected an object")
    return objects[0] if objects else None


def _breakdown(obj: dict | None | bool, where: str, report: Report) -> tuple[dict[str, tuple], int | None, int]:
    """Funding per object id (a string) as (name, totalFunding), the 'Not specified' amount, and shared funding."""
    if not obj:
        return {}, None, 0
    items = obj.get("objectsBreakdown")
    if items is None:
        items = obj.get("singleFundingObjects")
    if not isinstance(items, list):
        raise IngestError(f"{where}: field data.report3...objectsBreakdown missing; expected a list of funded objects")
    by_id: dict[str, tuple] = {}
    not_specified = None
    for i, item in enumerate(items):
        here = f"{where} objectsBreakdown #{i}"
        amount = _int(_need(item, "totalFunding", here, "totalFunding"), here, "totalFunding", required=True)
        raw_id = item.get("id")
        # ids are strings here (ints in singleFundingObjects); "Not specified" has none, or "undefined".
        if raw_id in (None, "", "undefined"):
            if raw_id == "undefined":
                report.count("'Not specified' object with id 'undefined'")
            not_specified = (not_specified or 0) + amount
            continue
        key = str(raw_id)
        if key in by_id:
            raise IngestError(f"{here}: object id {key} listed twice in objectsBreakdown")
        by_id[key] = (_text(item.get("name")), amount)
    totals = obj.get("totalBreakdown") if isinstance(obj.get("totalBreakdown"), dict) else {}
    shared = _int(totals.get("sharedFunding"), where, "totalBreakdown.sharedFunding") or 0
    return by_id, not_specified, shared


# --------------------------------------------------------------------------------------------------
# Live pull helpers
# --------------------------------------------------------------------------------------------------

def _getter(client: Client, progress: Callable[[int], None] | None) -> Callable:
    """`get(path, params)` -> (JSON, URL), ticking the progress bar once per request."""
    def get(path: str, params: dict | None = None) -> tuple[Any, str]:
        obj, fetched = client.get_json(path, params)
        if progress is not None:
            progress(1)
        return obj, fetched.url
    return get


def _envelope(obj: Any, url: str, data_type: type) -> Any:
    """Check {"status": "ok", "data": ...} and return data; anything else names the URL and field."""
    if not isinstance(obj, dict):
        raise IngestError(f"{url}: response is a JSON {type(obj).__name__}, expected an object with status and data")
    if "status" not in obj:
        raise IngestError(f"{url}: field status missing; the API changed or this is not an FTS endpoint")
    if obj["status"] != "ok":
        raise IngestError(f"{url}: field status is {obj['status']!r}, not 'ok'; try again later")
    data = _need(obj, "data", url, "data")
    if not isinstance(data, data_type):
        raise IngestError(f"{url}: field data is a {type(data).__name__}, expected a {data_type.__name__}")
    return data


def _fetch_flows(get: Callable, plan_id: int, collected: _Collected, report: Report) -> None:
    """Every page of a plan's flow list, following meta.nextLink until it is absent."""
    obj, url = get("/v1/public/fts/flow", {"planId": plan_id})
    seen = {url}
    total = 0
    for page in range(1, MAX_PAGES + 1):
        data = _envelope(obj, url, dict)
        rows = _flow_rows(data, url, report, plan_hint=plan_id)
        for row in rows:
            collected.add_flow(row, report)
        total += len(rows)
        meta = obj.get("meta") if isinstance(obj.get("meta"), dict) else {}
        next_link = meta.get("nextLink")
        if not next_link:
            if isinstance(meta.get("count"), int) and meta["count"] != total:
                report.warn(f"plan {plan_id}: meta.count says {meta['count']} flows, the pages held {total}")
            return
        if next_link in seen:
            raise IngestError(f"{url}: meta.nextLink {next_link} was already fetched (the pages loop); "
                              "try again later")
        if page == MAX_PAGES:
            break
        seen.add(next_link)
        obj, url = get(next_link)
    raise IngestError(f"plan {plan_id}: more than {MAX_PAGES} pages of flows; stopped (narrow the query)")


# --------------------------------------------------------------------------------------------------
# Tidy: collected values -> validated tables
# --------------------------------------------------------------------------------------------------

def _tables(collected: _Collected, report: Report) -> dict[str, pd.DataFrame]:
    """Build and validate every table the collected data covers."""
    tables = {}
    plans = [row for row in (_plan_table_row(pid, collected, report) for pid in sorted(collected.plans)) if row]
    if plans:
        tables["fts_plans"] = validate("fts_plans", _frame("fts_plans", plans), "fts_plans")
    clusters = [row for key in sorted(collected.clusters) for row in collected.clusters[key]]
    if clusters:
        for row in clusters:
            row["percent_funded"] = _percent(row["funding_usd"], row["requirements_usd"])
        tables["fts_clusters"] = validate("fts_clusters", _frame("fts_clusters", clusters), "fts_clusters")
    locations = [collected.locations[key] for key in sorted(collected.locations, key=str)]
    if locations:
        for row in locations:
            row["percent_funded"] = _percent(row["funding_usd"], row["requirements_usd"])
        tables["fts_plan_locations"] = validate("fts_plan_locations", _frame("fts_plan_locations", locations),
                                                "fts_plan_locations")
    if collected.flows:
        flows = validate("fts_flows", _frame("fts_flows", list(collected.flows.values())), "fts_flows")
        tables["fts_flows"] = flows
        tables["fts_donors"] = donors(flows)
    return tables


def _plan_table_row(plan_id: int, collected: _Collected, report: Report) -> dict[str, Any] | None:
    """One fts_plans row with the derived columns (percent funded, unmet, regional, sources)."""
    rec = collected.plans[plan_id]
    if all(rec.get(k) is None for k in MONEY_FIELDS):
        # Known only by name (e.g. a multi-country plan in an HDX country file, whose figures are the
        # country's share): a row would show made-up zeros.
        report.count("fts_plans: plan with no requirements or funding in the data read left out")
        return None
    if rec.get("year") is None:
        report.warn(f"plan {plan_id} ({rec.get('plan_name') or rec.get('plan_code')}): no year in any file; left out")
        return None
    sources = sorted(collected.sources.get(plan_id) or collected.seen.get(plan_id) or {API_SOURCE})
    funding = rec.get("funding_usd")
    figures = "; ".join(sources)
    if funding is None:
        # The schema needs a number. No file covered this plan's funding (e.g. plan/country alone).
        report.count("fts_plans: no funding figure in the data read; funding shown as 0")
        figures += f" ({NO_FUNDING_NOTE})"
        funding = 0
    requirements = rec.get("requirements_usd")
    countries = sorted(rec.get("countries") or ())
    return {
        "plan_id": plan_id, "plan_code": rec.get("plan_code"),
        "plan_name": rec.get("plan_name") or rec.get("plan_code") or f"plan {plan_id}",
        "plan_type": rec.get("plan_type"), "year": rec["year"],
        "start_date": rec.get("start_date"), "end_date": rec.get("end_date"),
        "countries_iso3": ";".join(countries) or None, "is_regional": _is_regional(rec),
        "requirements_original_usd": rec.get("requirements_original_usd"), "requirements_usd": requirements,
        "funding_usd": funding, "pledges_usd": rec.get("pledges_usd"),
        "percent_funded": _percent(funding, requirements),
        "unmet_usd": None if not requirements else max(requirements - funding, 0),
        "people_in_need": rec.get("people_in_need"), "people_targeted": rec.get("people_targeted"),
        "people_source": rec.get("people_source"), "figures_source": figures,
    }


def _is_regional(rec: dict[str, Any]) -> bool:
    """More than one country, or a regional 'R...' code; with neither known, 'regional' in the name."""
    code = rec.get("plan_code")
    if len(rec.get("countries") or ()) > 1 or (code or "").upper().startswith("R"):
        return True
    if not code and not rec.get("countries"):
        return "regional" in (rec.get("plan_name") or "").lower()
    return False


def _percent(funding: int | None, requirements: int | None) -> float | None:
    """funding / requirements * 100, unrounded; blank without requirements (or with 0)."""
    if funding is None or not requirements:
        return None
    return funding / requirements * 100


def _frame(name: str, rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Rows -> DataFrame with the table's columns in order and nullable dtypes (validation checks them)."""
    columns = {}
    for column, spec in SCHEMAS[name].columns.items():
        values = [row.get(column) for row in rows]
        dtype = str(spec.dtype)
        if dtype.startswith("datetime64"):
            columns[column] = pd.to_datetime(pd.Series(values, dtype="string"), format="%Y-%m-%d")
        elif dtype == "bool":
            columns[column] = pd.Series(values, dtype="bool")
        elif dtype in ("int64", "Int64"):
            columns[column] = pd.array(values, dtype="Int64")
        elif dtype == "float64":
            columns[column] = pd.array([None if v is None else float(v) for v in values], dtype="Float64")
        else:
            columns[column] = pd.array(values, dtype="string")
    frame = pd.DataFrame(columns)
    for column in frame.columns:
        if str(frame[column].dtype) == "Float64":
            frame[column] = frame[column].astype("float64")  # NaN for blank, as the schema's float64
    return frame


# --------------------------------------------------------------------------------------------------
# Curated (published) figures
# --------------------------------------------------------------------------------------------------

def _read_curated(path: Path) -> list[dict[str, Any]]:
    """Rows of data/curated/plan_figures.csv with typed values; a bad cell names its row and column."""
    try:
        content = path.read_bytes()
    except OSError as exc:
        raise IngestError(f"{path}: cannot read curated figures ({exc.strerror})") from None
    header, rows = _csv_rows(content, str(path), Report())
    missing = [c for c in ("plan_id", "source", "people_in_need", "people_targeted") if c not in header]
    if missing:
        raise IngestError(f"{path}: columns {', '.join(missing)} missing; expected {', '.join(CURATED_COLUMNS)}")
    out = []
    for row in rows:
        here = f"{path} row {row[ROW]}"
        if not row.get("source"):
            raise IngestError(f"{here}: column source is blank; every published figure needs its source")
        typed: dict[str, Any] = {k: (v or None) for k, v in row.items() if k != ROW}
        typed["plan_id"] = _int(row["plan_id"], here, "plan_id", required=True)
        for column in ("year", "requirements_usd", "funding_usd", "people_in_need", "people_targeted"):
            typed[column] = _int(row.get(column, ""), here, column)
        try:
            typed["percent_funded"] = float(row["percent_funded"]) if row.get("percent_funded") else None
        except ValueError:
            raise IngestError(f"{here}: column percent_funded {row['percent_funded']!r} is not a number") from None
        typed["is_regional"] = (row.get("is_regional") or "").lower() in ("true", "1", "yes")
        out.append(typed)
    return out


def _fill_people(out: pd.DataFrame, index: Any, row: dict[str, Any], source: str, report: Report) -> None:
    """Fill blank people figures of an FTS plan; an FTS value is never replaced."""
    filled = []
    for column in ("people_in_need", "people_targeted"):
        value = row[column]
        if value is None:
            continue
        current = out.at[index, column]
        if pd.isna(current):
            out.at[index, column] = value
            filled.append(column)
            report.count(f"fts_plans: {column} filled from a published figure")
        elif int(current) != value:
            report.count(f"fts_plans: published {column} differs from FTS; FTS value kept")
    if filled:
        current = out.at[index, "people_source"]
        out.at[index, "people_source"] = source if pd.isna(current) else f"{current}; {source}"


def _published_plan(plans: pd.DataFrame, row: dict[str, Any], source: str, report: Report) -> dict | None:
    """A whole plan row from published figures, or None when it does not belong to this data."""
    year, context = row.get("year"), row.get("context_iso3")
    same_year = plans[plans["year"] == year]
    if context:
        same_year_here = same_year[same_year["countries_iso3"].fillna("").str.contains(context, regex=False)]
        if same_year_here.empty:
            report.count("curated figures: published plan for a country-year not in this data (not added)")
            return None
    pattern = row.get("fts_name_pattern")
    if pattern and same_year["plan_name"].fillna("").str.contains(pattern, regex=True).any():
        report.count("curated figures: published plan not added (FTS has the plan)")
        return None
    missing = [c for c in ("plan_name", "year", "funding_usd") if row.get(c) is None]
    if missing:
        raise IngestError(f"published plan {row['plan_id']}: columns {', '.join(missing)} blank; a plan row "
                          "FTS lacks needs plan_name, year and funding_usd")
    requirements, funding = row.get("requirements_usd"), row["funding_usd"]
    percent = row.get("percent_funded")
    report.count("curated figures: published plan added (not FTS data)")
    return {
        "plan_id": row["plan_id"], "plan_code": row.get("plan_code"), "plan_name": row["plan_name"],
        "plan_type": row.get("plan_type"), "year": year, "start_date": row.get("start_date"),
        "end_date": row.get("end_date"), "countries_iso3": row.get("countries_iso3"),
        "is_regional": row["is_regional"], "requirements_original_usd": None, "requirements_usd": requirements,
        "funding_usd": funding, "pledges_usd": None,
        "percent_funded": percent if percent is not None else _percent(funding, requirements),
        "unmet_usd": None if not requirements else max(requirements - funding, 0),
        "people_in_need": row.get("people_in_need"), "people_targeted": row.get("people_targeted"),
        "people_source": source if row.get("people_in_need") or row.get("people_targeted") else None,
        "figures_source": source,
    }


# --------------------------------------------------------------------------------------------------
# Small value helpers
# --------------------------------------------------------------------------------------------------

def _need(obj: Any, key: str, where: str, path: str) -> Any:
    """obj[key], or an IngestError naming the place and the field."""
    if not isinstance(obj, dict) or key not in obj:
        raise IngestError(f"{where}: field {path} missing; the API response changed or this is not the "
                          "expected FTS endpoint")
    return obj[key]


def _int(value: Any, where: str, name: str, required: bool = False) -> int | None:
    """An integer from JSON or a CSV cell ('' and null are blank); anything else is an error."""
    if value is None or value == "":
        if required:
            raise IngestError(f"{where}: field {name} is blank; expected a whole number")
        return None
    number = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    elif isinstance(value, str) and re.fullmatch(r"-?[0-9]{1,30}(\.0+)?", value.strip()):
        number = int(value.strip().split(".")[0])  # exact: no float rounding of long numbers
    elif isinstance(value, str) and re.fullmatch(r"-?[0-9]+(\.0+)?", value.strip()):
        number = INT64_MAX + 1  # more digits than any amount; only the range message below applies
    if number is None:
        raise IngestError(f"{where}: field {name} is {_show(value)}; expected a whole number")
    if abs(number) > INT64_MAX:
        # Tables hold 64-bit integers; a larger amount is a corrupt value, never a real one.
        raise IngestError(f"{where}: field {name} is {_show(value)}; too large for a whole number "
                          f"(the limit is {INT64_MAX:,})")
    return number


def _show(value: Any) -> str:
    """A value for a message, cut to 60 characters."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _json_type(value: Any) -> str:
    """A decoded JSON value's type for messages: 'null', else the Python name (dict, list, str, int, ...)."""
    return "null" if value is None else type(value).__name__


def _list(value: Any, where: str, name: str) -> list:
    """A JSON array field ([] when absent or null); anything else is an IngestError naming the field."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise IngestError(f"{where}: field {name} is a JSON {_json_type(value)}, expected a list; the API "
                          "response changed or this is not the expected FTS endpoint")
    return value


def _amount(value: Any, count: Callable[[str], None], what: str) -> float | None:
    """An optional decimal amount (originalAmount); unreadable or non-finite values are blank, counted."""
    if value is None or value == "":
        return None
    number = None
    if isinstance(value, (int, float, str)) and not isinstance(value, bool):
        try:
            number = float(value)
        except (ValueError, OverflowError):
            number = None
    if number is None or not math.isfinite(number):
        count(f"{what}: unreadable number (left blank)")
        return None
    return number


def _non_negative(value: int | None, report: Report, table: str, what: str = "funding") -> int | None:
    """Money for a table that allows no negatives: a negative (a net correction) becomes blank, counted."""
    if value is not None and value < 0:
        report.count(f"{table}: negative {what} (a net correction) stored blank")
        return None
    return value


def _text(value: Any) -> str | None:
    """A trimmed string, or None for blank."""
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _date(value: Any, count: Callable[[str], None], what: str) -> str | None:
    """'YYYY-MM-DD' from an ISO date or datetime string (the calendar date as written); blank gives None.

    Anything else ('2019-02-30', '9999-12-31', 'soon') is left blank and counted as '<what>: unreadable
    or out-of-range date (left blank)': a date is never essential, and the year range is DATE_YEARS.
    """
    text = _text(value)
    if text is None:
        return None
    if _DATE.match(text):
        try:
            day = datetime.date.fromisoformat(text[:10])
        except ValueError:
            day = None
        if day is not None and DATE_YEARS[0] <= day.year <= DATE_YEARS[1]:
            return text[:10]
    count(f"{what}: unreadable or out-of-range date (left blank)")
    return None


def _check_year(year: int | None, where: str, name: str) -> int | None:
    """A plan year read from a file, or an IngestError when it is outside the tables' range."""
    if year is not None and not YEAR_MIN <= year <= YEAR_MAX:
        raise IngestError(f"{where}: field {name} is {year}; expected a year between {YEAR_MIN} and {YEAR_MAX}")
    return year


def _plan_year(years: list[str], code: str | None, name: str | None) -> tuple[int | None, set[str]]:
    """The plan's (first) year from years[], else guessed from its name or code (a weak value)."""
    found = sorted(int(y) for y in years if re.fullmatch(r"[0-9]{4}", y))
    if found:
        return found[0], set()  # firm: callers check its range (_check_year)
    for match in re.finditer(r"\b(19[0-9]{2}|20[0-9]{2})\b", name or ""):
        if YEAR_MIN <= int(match.group(1)) <= YEAR_MAX:  # a guess outside the range is no guess
            return int(match.group(1)), {"year"}
    match = re.search(r"(\d{2})(\d{2})?[a-z]?$", code or "")
    if match:
        return 2000 + int(match.group(1)), {"year"}
    return None, set()


def _plan_type(categories: Any) -> str | None:
    """The planType category's name (old rows: the first category's name)."""
    items = [c for c in categories or [] if isinstance(c, dict)]
    for item in items:
        if item.get("group") == "planType":
            return _text(item.get("name"))
    return _text(items[0].get("name")) if items and "group" not in items[0] else None


def _location_names(locations: Any) -> dict[str, list[str]]:
    """Location names per ISO3 (used to recognise regional plans that name the country)."""
    names: dict[str, list[str]] = {}
    for loc in locations or []:
        if isinstance(loc, dict) and isinstance(loc.get("iso3"), str) and loc.get("name"):
            names.setdefault(loc["iso3"], []).append(str(loc["name"]))
    return names


def _countries(locations: Any) -> set[str]:
    """ISO3 codes of a plan's country-level (adminLevel 0) locations."""
    codes = set()
    for loc in locations or []:
        if isinstance(loc, dict) and loc.get("adminLevel") in (0, "0", None):
            iso3 = loc.get("iso3")
            if isinstance(iso3, str) and re.fullmatch(r"[A-Z]{3}", iso3):
                codes.add(iso3)
    return codes


def _objects(flow: dict, key: str, where: str) -> list[dict]:
    """A flow's sourceObjects / destinationObjects list."""
    objects = _need(flow, key, where, key)
    if not isinstance(objects, list):
        raise IngestError(f"{where}: field {key} is not a list")
    return [o for o in objects if isinstance(o, dict)]


def _names(objects: list[dict]) -> str | None:
    """Names of flow objects, '; '-joined in order, without repeats."""
    names = list(dict.fromkeys(n for n in (_text(o.get("name")) for o in objects) if n))
    return "; ".join(names) or None


def _org_types(objects: list[dict]) -> str | None:
    """organizationTypes of flow organisations, '; '-joined without repeats."""
    types = list(dict.fromkeys(t.strip() for o in objects for t in o.get("organizationTypes") or []
                               if isinstance(t, str) and t.strip()))
    return "; ".join(types) or None


def _hdx_list(cell: str | None) -> str | None:
    """An HDX comma-joined list cell as a '; '-joined string."""
    parts = [p.strip() for p in _LIST_SEPARATOR.split(cell or "") if p.strip()]
    return "; ".join(parts) or None


def _joined(values: pd.Series, sep: str = "; ") -> str | None:
    """Distinct non-blank values of a column, sorted and joined (parts of joined values split first)."""
    parts = sorted({p.strip() for v in values.dropna() for p in str(v).split(sep.strip()) if p.strip()})
    return sep.join(parts) or None


def _iso3_lookup(names: Iterable[str]) -> dict[str, str | None]:
    """Country names (FTS Location names) to ISO3; names that are not one country map to None."""
    names = {n for n in names if n}
    if not names:
        return {}
    from ..countries import to_iso3  # shared with the MMP parser (country_converter, cached)
    return to_iso3(names)
