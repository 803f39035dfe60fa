"""Pandera schemas for every tidy table: checked when a table is written and when it is read.

Column names are the interface the dashboard and analysts rely on. Money is whole US dollars
(nullable Int64); percentages are floats; counts of people are nullable Int64 (blank = unknown);
dates are timezone-naive datetime64 (calendar dates, no time of day).
"""
from __future__ import annotations

import re
from typing import Any, Callable

import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaError, SchemaErrors

from .errors import IngestError

SCHEMA_VERSION = 2

# A country code as every table, filter and API parameter takes it: three capital letters. country_converter's
# own table also holds made-up codes ("BA1"); nothing else may pass for a country.
ISO3_PATTERN = r"[A-Z]{3}"
_ISO3_RE = re.compile(ISO3_PATTERN)


def is_iso3(value: object) -> bool:
    return isinstance(value, str) and _ISO3_RE.fullmatch(value) is not None


FLOW_STATUSES = ["paid", "commitment", "pledge"]
CLUSTER_ROW_TYPES = ["cluster", "not_specified", "shared"]
ORIGIN_GROUPS = ["single", "multiple", "unknown", "mixed"]
# How much of a plan its figures in fts_plans cover (see README "Definitions"):
# - "plan": the plan's own total, as FTS gives it (a plan-level API figure, or a one-country plan's row);
# - "sum of country shares": a multi-country plan's total, summed from the per-country rows of an export
#   that lists every country (HDX's worldwide file);
# - "partial": only some countries' shares were read; the plan's total is unknown and left blank
#   (the shares are in fts_plan_locations).
PLAN_COVERAGE = ["plan", "sum of country shares", "partial"]


def _col(dtype, nullable=True, checks=None, unique=False, required=True) -> pa.Column:
    return pa.Column(dtype, nullable=nullable, checks=checks, unique=unique, coerce=True, required=required)


def _kept(dtype) -> pa.Column:
    """A source column kept as published: absent from tables written before it was kept."""
    return _col(dtype, required=False)


_STR = "string"
_INT = "Int64"
_FLOAT = "float64"
_DATE = "datetime64[ns]"
_NONNEG = pa.Check.ge(0)
_ISO3 = pa.Check.str_matches(f"^{ISO3_PATTERN}$")
_ISO3_LIST = pa.Check.str_matches(f"^{ISO3_PATTERN}(;{ISO3_PATTERN})*$")
_YEAR = pa.Check.in_range(1990, 2100)

SCHEMAS: dict[str, pa.DataFrameSchema] = {
    "fts_plans": pa.DataFrameSchema(
        {
            "plan_id": _col("int64", nullable=False, unique=True),
            "plan_code": _col(_STR),
            "plan_name": _col(_STR, nullable=False),
            "plan_type": _col(_STR),
            "plan_type_id": _col(_INT),
            "year": _col("int64", nullable=False, checks=_YEAR),
            "start_date": _col(_DATE),
            "end_date": _col(_DATE),
            "countries_iso3": _col(_STR, checks=_ISO3_LIST),
            "is_regional": _col("bool", nullable=False),
            "requirements_original_usd": _col(_INT, checks=_NONNEG),
            "requirements_usd": _col(_INT, checks=_NONNEG),
            # Blank only where the total is unknown (coverage "partial"); FTS records net corrections as
            # negative amounts, so funding keeps its sign everywhere.
            "funding_usd": _col(_INT),
            "pledges_usd": _col(_INT, checks=_NONNEG),
            "percent_funded": _col(_FLOAT),
            "unmet_usd": _col(_INT, checks=_NONNEG),
            "people_in_need": _col(_INT, checks=_NONNEG),
            "people_targeted": _col(_INT, checks=_NONNEG),
            "people_source": _col(_STR),
            "figures_source": _col(_STR, nullable=False),
            "coverage": _col(_STR, nullable=False, checks=pa.Check.isin(PLAN_COVERAGE)),
        },
        strict=True, coerce=True, name="fts_plans",
    ),
    "fts_clusters": pa.DataFrameSchema(
        {
            "plan_id": _col("int64", nullable=False),
            "cluster_type": _col(_STR, nullable=False, checks=pa.Check.isin(["cluster", "globalcluster"])),
            "row_type": _col(_STR, nullable=False, checks=pa.Check.isin(CLUSTER_ROW_TYPES)),
            "cluster_id": _col(_STR),
            "cluster_name": _col(_STR, nullable=False),
            "requirements_original_usd": _col(_INT, checks=_NONNEG),
            "requirements_usd": _col(_INT, checks=_NONNEG),
            "funding_usd": _col(_INT),  # negative: a net correction (kept, as FTS gives it)
            "percent_funded": _col(_FLOAT),
        },
        strict=True, coerce=True, name="fts_clusters",
        unique=["plan_id", "cluster_type", "row_type", "cluster_id", "cluster_name"],
    ),
    "fts_plan_locations": pa.DataFrameSchema(
        {
            "plan_id": _col("int64", nullable=False),
            "location_id": _col(_STR),
            "location_name": _col(_STR, nullable=False),
            "location_iso3": _col(_STR, checks=_ISO3),
            "requirements_original_usd": _col(_INT, checks=_NONNEG),
            "requirements_usd": _col(_INT, checks=_NONNEG),
            "funding_usd": _col(_INT),
            "percent_funded": _col(_FLOAT),
            # This location's part of the plan's requirements and funding (blank where the plan's is unknown).
            "share_of_requirements_percent": _col(_FLOAT),
            "share_of_funding_percent": _col(_FLOAT),
        },
        strict=True, coerce=True, name="fts_plan_locations",
        unique=["plan_id", "location_id", "location_name"],
    ),
    "fts_flows": pa.DataFrameSchema(
        {
            "flow_id": _col(_STR, nullable=False),
            "plan_id": _col(_INT),
            "date": _col(_DATE),
            "decision_date": _col(_DATE),
            "status": _col(_STR, nullable=False, checks=pa.Check.isin(FLOW_STATUSES)),
            "donor_name": _col(_STR),
            "donor_type": _col(_STR),
            "donor_iso3": _col(_STR, checks=_ISO3_LIST),
            "recipient_name": _col(_STR),
            "recipient_type": _col(_STR),
            "cluster_name": _col(_STR),
            "amount_usd": _col(_INT, nullable=False),
            "original_amount": _col(_FLOAT),
            "original_currency": _col(_STR),
            "boundary": _col(_STR),
            "parent_flow_id": _col(_STR),
        },
        strict=True, coerce=True, name="fts_flows",
    ),
    "fts_donors": pa.DataFrameSchema(
        {
            "plan_id": _col("int64", nullable=False),
            "donor_name": _col(_STR, nullable=False),
            "donor_type": _col(_STR),
            "donor_iso3": _col(_STR, checks=_ISO3_LIST),
            "funding_usd": _col(_INT, nullable=False),
            "pledges_usd": _col(_INT, nullable=False),
            "flows": _col("int64", nullable=False, checks=_NONNEG),
            "share_percent": _col(_FLOAT),
        },
        strict=True, coerce=True, name="fts_donors", unique=["plan_id", "donor_name"],
    ),
    # Figures published outside FTS (e.g. R4V's RMRP 2019 end-year report), kept apart from FTS data.
    "published_plan_figures": pa.DataFrameSchema(
        {
            "figure_id": _col("int64", nullable=False, unique=True),
            "fts_plan_id": _col(_INT),  # the FTS plan a figure completes (people figures FTS lacks); else blank
            "plan_code": _col(_STR),
            "plan_name": _col(_STR),
            "plan_type": _col(_STR),
            "year": _col(_INT, checks=_YEAR),
            "start_date": _col(_DATE),
            "end_date": _col(_DATE),
            "countries_iso3": _col(_STR, checks=_ISO3_LIST),
            "is_regional": _col("bool", nullable=False),
            "context_iso3": _col(_STR, checks=_ISO3),
            "fts_name_pattern": _col(_STR),
            "requirements_usd": _col(_INT, checks=_NONNEG),
            "funding_usd": _col(_INT),
            "percent_funded": _col(_FLOAT),
            "people_in_need": _col(_INT, checks=_NONNEG),
            "people_targeted": _col(_INT, checks=_NONNEG),
            "source": _col(_STR, nullable=False),
            "source_date": _col(_STR),
            "source_url": _col(_STR),
            "notes": _col(_STR),
        },
        strict=True, coerce=True, name="published_plan_figures",
    ),
    "mmp_incidents": pa.DataFrameSchema(
        {
            "incident_id": _col(_STR, nullable=False, unique=True),
            "incident_date": _col(_DATE),
            "year": _col("int64", nullable=False, checks=_YEAR),
            "month": _col(_INT, checks=pa.Check.in_range(1, 12)),
            "region": _col(_STR),
            "region_group": _col(_STR),
            "country_of_incident": _col(_STR),
            "country_of_incident_iso3": _col(_STR, checks=_ISO3_LIST),
            "origin": _col(_STR),
            "origin_iso3": _col(_STR, checks=_ISO3_LIST),
            "origin_group": _col(_STR, checks=pa.Check.isin(ORIGIN_GROUPS)),
            "dead": _col(_INT),
            "missing": _col(_INT),
            "dead_and_missing": _col(_INT, nullable=False),
            "survivors": _col(_INT),
            "females": _col(_INT),
            "males": _col(_INT),
            "children": _col(_INT),
            "cause_of_death": _col(_STR),
            "migration_route": _col(_STR),
            "lat": _col(_FLOAT, checks=pa.Check.in_range(-90, 90)),
            "lon": _col(_FLOAT, checks=pa.Check.in_range(-180, 180)),
            "source_quality": _col(_STR),
            "url": _col(_STR),
            "source_file": _col(_STR, nullable=False),
            # The source's own columns, kept as published (see ingest/sources/mmp/tidy.py KEPT).
            "total_dead_and_missing_source": _kept(_INT),
            "main_id": _kept(_STR),
            "source_incident_id": _kept(_STR),
            "location": _kept(_STR),
            "information_source": _kept(_STR),
            "region_of_origin": _kept(_STR),
            "unsd_geographical_grouping": _kept(_STR),
            "incident_type": _kept(_STR),
            "article_title": _kept(_STR),
        },
        # Not strict: any column of the source no alias knows follows these, as text, named after its header.
        strict=False, coerce=True, name="mmp_incidents",
    ),
    "mmp_deaths": pa.DataFrameSchema(
        {
            "year": _col("int64", nullable=False, checks=_YEAR),
            "month": _col(_INT, checks=pa.Check.in_range(1, 12)),
            "region": _col(_STR),
            "region_group": _col(_STR),
            "country_of_incident_iso3": _col(_STR),
            "origin": _col(_STR),
            "origin_iso3": _col(_STR),
            "origin_group": _col(_STR, checks=pa.Check.isin(ORIGIN_GROUPS)),
            "cause_of_death": _col(_STR),
            "migration_route": _col(_STR),
            "incidents": _col("int64", nullable=False, checks=_NONNEG),
            "dead": _col("int64", nullable=False),
            "missing": _col("int64", nullable=False),
            "dead_and_missing": _col("int64", nullable=False),
            "survivors": _col("int64", nullable=False),
            "females": _col("int64", nullable=False),
            "males": _col("int64", nullable=False),
            "children": _col("int64", nullable=False),
        },
        strict=True, coerce=True, name="mmp_deaths",
    ),
}

TABLES = list(SCHEMAS)

# Which table each source feeds; used for provenance (licence and attribution) in the manifest.
SOURCE_OF = {name: ("mmp" if name.startswith("mmp_") else "published" if name.startswith("published_")
                    else "fts") for name in TABLES}

LICENCES = {
    "fts": {
        "source": "OCHA Financial Tracking Service (FTS)",
        "licence": "CC BY-IGO 3.0",
        "licence_url": "https://creativecommons.org/licenses/by/3.0/igo/",
        "attribution": "OCHA Financial Tracking Service (fts.unocha.org)",
    },
    "published": {
        "source": "Published plan figures, hand-entered from the publication each row names (source, source_url)",
        "licence": "CC BY 4.0",
        "licence_url": "https://creativecommons.org/licenses/by/4.0/",
        "attribution": "humdash curated figures (data/curated/plan_figures.csv), citing each row's publisher",
    },
    "mmp": {
        "source": "IOM Missing Migrants Project",
        "licence": "CC BY 4.0",
        "licence_url": "https://creativecommons.org/licenses/by/4.0/",
        "attribution": "IOM Missing Migrants Project (missingmigrants.iom.int)",
    },
}


def empty(name: str) -> pd.DataFrame:
    """An empty frame with the table's columns and dtypes."""
    schema = SCHEMAS[name]
    return schema.validate(pd.DataFrame({c: pd.Series([], dtype=str(col.dtype)) for c, col in schema.columns.items()}))


# Columns added after a table was first written, with the value a table written before has for them;
# `validate` adds them to such a table so stored versions stay readable.
ADDED_COLUMNS: dict[str, dict[str, Any]] = {
    "fts_plans": {"plan_type_id": None, "coverage": "plan"},
    "fts_plan_locations": {"share_of_requirements_percent": None, "share_of_funding_percent": None},
}


def upgrade(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` with the columns added since it was written (see ADDED_COLUMNS), in the schema's order."""
    added = {c: v for c, v in ADDED_COLUMNS.get(name, {}).items() if c not in frame.columns}
    if not added:
        return frame
    frame = frame.assign(**{c: pd.Series([v] * len(frame), index=frame.index, dtype="object")
                            for c, v in added.items()})
    order = [c for c in SCHEMAS[name].columns if c in frame.columns]
    return frame[order + [c for c in frame.columns if c not in order]]


def validate(name: str, frame: pd.DataFrame, where: str = "") -> pd.DataFrame:
    """Coerce and check `frame` against table `name`'s schema; IngestError lists what failed."""
    if name not in SCHEMAS:
        raise IngestError(f"unknown table {name!r}; known tables: {', '.join(TABLES)}")
    frame = upgrade(name, frame)
    if _passes_as_is(SCHEMAS[name], frame):
        return frame.copy(deep=False)  # what pandera returns for such a frame (copy-on-write: independent)
    try:
        return SCHEMAS[name].validate(frame, lazy=True)
    except SchemaErrors as exc:
        cases = exc.failure_cases
        lines = []
        for _, row in cases.head(10).iterrows():
            lines.append(f"column {row.get('column')!s}: {row.get('check')!s} failed for {row.get('failure_case')!r}"
                         + (f" (row {row.get('index')})" if pd.notna(row.get("index")) else ""))
        more = f" and {len(cases) - 10} more" if len(cases) > 10 else ""
        raise IngestError(f"{where or name}: table {name} does not match its schema: "
                          + "; ".join(lines) + more) from None
    except SchemaError as exc:
        raise IngestError(f"{where or name}: table {name} does not match its schema: {exc}") from None


# ---- fast path -------------------------------------------------------------------------------------
# A table is validated where it is made, again where it is written and again where it is loaded, and
# pandera's machinery costs far more than the checks themselves. A frame that already has exactly the
# schema's columns and dtypes (so coercion would change nothing) is checked here with the same pandas
# operations pandera's built-in checks use; only a frame that passes all of them is returned from here.
# Anything else (a failure, a dtype to coerce, a check not listed below) goes through pandera, so its
# result and error messages are pandera's.

_FAST_CHECKS: dict[str, Callable[[pd.Series, dict[str, Any]], pd.Series]] = {
    "greater_than_or_equal_to": lambda s, stats: s >= stats["min_value"],
    "in_range": lambda s, stats: ((s >= stats["min_value"]) if stats["include_min"] else (s > stats["min_value"]))
    & ((s <= stats["max_value"]) if stats["include_max"] else (s < stats["max_value"])),
    "isin": lambda s, stats: s.isin(stats["allowed_values"]),
    "str_matches": lambda s, stats: s.str.match(stats["pattern"], na=False),
}


def _same_dtype(actual: Any, expected: Any) -> bool:
    """Exactly the dtype coercion would give (string storage and missing-value marker included)."""
    return (type(actual) is type(expected) and actual == expected
            and getattr(actual, "storage", None) == getattr(expected, "storage", None))


def _passes_as_is(schema: pa.DataFrameSchema, frame: pd.DataFrame) -> bool:
    """True when pandera would accept `frame` without changing it; False when unsure."""
    columns = schema.columns
    # A non-strict schema (mmp_incidents) lets extra columns follow its own; pandera leaves them alone.
    if (not isinstance(frame, pd.DataFrame) or list(frame.columns[:len(columns)]) != list(columns)
            or (schema.strict and len(frame.columns) != len(columns)) or schema.checks
            or schema.index is not None or schema.ordered):
        return False
    for name, column in columns.items():
        series = frame[name]
        if column.dtype is None or not _same_dtype(series.dtype, column.dtype.type):
            return False
        if column.unique and series.duplicated().any():
            return False
        nulls = series.isna()
        if nulls.any():
            if not column.nullable:
                return False
            series = series[~nulls]  # pandera's checks ignore nulls (ignore_na, the default)
        for check in column.checks:
            test = _FAST_CHECKS.get(check.name)
            if test is None or not check.ignore_na or check.element_wise:
                return False
            if not bool(test(series, check.statistics).all()):
                return False
    return not (schema.unique and frame.duplicated(subset=list(schema.unique)).any())
