"""Constants of the FTS source and `_Collected`, the plain values parsers gather before tidying."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Iterable

from ...report import Report
from ...schemas import SCHEMAS


API_SOURCE = "FTS api.hpc.tools"
HDX_SOURCE = "FTS HDX export"
PEOPLE_SOURCE = "FTS api.hpc.tools plan overview/progress (caseLoads)"
NO_FUNDING_NOTE = "funding not in the data read; shown as 0"
PARTIAL_NOTE = "only some countries' shares read; plan total unknown"
NOT_SPECIFIED = "Not specified"
SHARED_CLUSTERS = "Multiple clusters/sectors (shared)"
SHARED_LOCATIONS = "Multiple locations (shared)"
MAX_PAGES = 500
PLAN_ID_CHUNK = 40  # plan ids per groupby=plan request; keeps the URL short
ROW = "\x00row"  # key of a CSV row's number in the file (1 = header), for error messages
MONEY_FIELDS = ("requirements_original_usd", "requirements_usd", "funding_usd", "pledges_usd")
# A partial view (some countries' shares only) never replaces a plan's total; between a plan-level figure
# and a sum of all country shares, the later file wins like any other field (counted when they differ).
COVERAGE_RANK = {"partial": 0, "sum of country shares": 1, "plan": 1}
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


class FileKind(str, Enum):
    """What a saved file is, decided from its content (and, for CSVs, its header); the value is the
    wording of the ingest report. Kinds whose value starts with 'skipped' hold nothing for our tables."""

    PLAN_LIST = "plan list"
    SINGLE_PLAN = "single plan"
    GROUPBY_PLAN = "groupby=plan"
    GROUPBY_CLUSTER = "groupby=cluster"
    GROUPBY_GLOBALCLUSTER = "groupby=globalcluster"
    GROUPBY_LOCATION = "groupby=location"
    FLOW_LIST = "flow list"
    PROGRESS = "plan overview/progress"
    HDX_FLOWS = "HDX incoming/internal funding (flows)"
    HDX_CLUSTERS = "HDX requirements and funding by cluster"
    HDX_GLOBALCLUSTERS = "HDX requirements and funding by globalcluster"
    HDX_PLANS = "HDX requirements and funding (plans)"
    SKIPPED_MANIFEST = "skipped: a recorder's manifest of URLs, no data"
    SKIPPED_CKAN = "skipped: HDX CKAN dataset metadata, no figures"
    SKIPPED_LOCATIONS = "skipped: location list (names and ids only)"
    SKIPPED_TRENDS = "skipped: country summary trends (funding outside plans too)"
    SKIPPED_GOVERNING_ENTITY = "skipped: governingEntity (cluster names and global cluster ids only)"
    SKIPPED_OTHER_GROUPBY = "skipped: groupby of another object type (not used by our tables)"
    SKIPPED_EMPTY_SUMMARY = "skipped: funding summary with no objects (nothing funded or required)"
    SKIPPED_HDX_COVID = "skipped: HDX COVID-19 requirements/funding (a part of each plan, not its totals)"

    @property
    def skipped(self) -> bool:
        return self.value.startswith("skipped")

    @property
    def cluster_type(self) -> str:
        """'cluster' or 'globalcluster' for cluster breakdowns."""
        return "globalcluster" if "globalcluster" in self.value else "cluster"

    def __str__(self) -> str:
        return self.value


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
        # A partial view read later never replaces a plan's total (nor its money figures).
        rank = COVERAGE_RANK.get(values.get("coverage") or "plan", 0)
        if rank < COVERAGE_RANK.get(record.get("coverage") or "", -1):
            weak |= {"coverage", *MONEY_FIELDS}
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
