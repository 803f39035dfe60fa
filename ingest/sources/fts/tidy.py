"""Tidy: collected values -> validated tables (plans, clusters, plan locations, flows, donors)."""
from __future__ import annotations


import pandas as pd
from typing import Any

from ...report import Report
from ...schemas import SCHEMAS, validate
from .converters import _joined
from .model import PARTIAL_NOTE, API_SOURCE, MONEY_FIELDS, NOT_SPECIFIED, NO_FUNDING_NOTE, _Collected


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
        totals = {row["plan_id"]: row for row in plans}
        for row in locations:
            row["percent_funded"] = _percent(row["funding_usd"], row["requirements_usd"])
            plan = totals.get(row["plan_id"]) or {}
            row["share_of_requirements_percent"] = _share(row["requirements_usd"], plan.get("requirements_usd"))
            row["share_of_funding_percent"] = _share(row["funding_usd"], plan.get("funding_usd"))
        tables["fts_plan_locations"] = validate("fts_plan_locations", _frame("fts_plan_locations", locations),
                                                "fts_plan_locations")
    if collected.flows:
        flows = validate("fts_flows", _frame("fts_flows", list(collected.flows.values())), "fts_flows")
        tables["fts_flows"] = flows
        tables["fts_donors"] = donors(flows)
    return tables


def _plan_table_row(plan_id: int, collected: _Collected, report: Report) -> dict[str, Any] | None:
    """One fts_plans row with the derived columns (percent funded, unmet, regional, sources, coverage)."""
    rec = collected.plans[plan_id]
    coverage = rec.get("coverage") or "plan"
    if coverage != "partial" and all(rec.get(k) is None for k in MONEY_FIELDS):
        # Known only by name (e.g. a plan a flow names): a row would show made-up zeros.
        report.count("fts_plans: plan with no requirements or funding in the data read left out")
        return None
    if rec.get("year") is None:
        report.warn(f"plan {plan_id} ({rec.get('plan_name') or rec.get('plan_code')}): no year in any file; left out")
        return None
    sources = sorted(collected.sources.get(plan_id) or collected.seen.get(plan_id) or {API_SOURCE})
    funding = rec.get("funding_usd")
    figures = "; ".join(sources)
    if coverage == "partial":
        # Only some countries' shares were read: the plan's total is unknown, never one country's share.
        report.count("fts_plans: multi-country plan seen with only some of its countries: total left blank "
                     "(coverage 'partial')")
        figures += " (" + PARTIAL_NOTE + ")"
    elif funding is None:
        # The table needs a number. No file covered this plan's funding (e.g. plan/country alone).
        report.count("fts_plans: no funding figure in the data read; funding shown as 0")
        figures += f" ({NO_FUNDING_NOTE})"
        funding = 0
    requirements = rec.get("requirements_usd") if coverage != "partial" else None
    countries = sorted(rec.get("countries") or ())
    return {
        "plan_id": plan_id, "plan_code": rec.get("plan_code"),
        "plan_name": rec.get("plan_name") or rec.get("plan_code") or f"plan {plan_id}",
        "plan_type": rec.get("plan_type"), "plan_type_id": rec.get("plan_type_id"), "year": rec["year"],
        "start_date": rec.get("start_date"), "end_date": rec.get("end_date"),
        "countries_iso3": ";".join(countries) or None, "is_regional": _is_regional(rec),
        "requirements_original_usd": rec.get("requirements_original_usd") if coverage != "partial" else None,
        "requirements_usd": requirements,
        "funding_usd": funding if coverage != "partial" else None,
        "pledges_usd": rec.get("pledges_usd") if coverage != "partial" else None,
        "percent_funded": _percent(funding, requirements),
        "unmet_usd": None if not requirements or funding is None else max(requirements - funding, 0),
        "people_in_need": rec.get("people_in_need"), "people_targeted": rec.get("people_targeted"),
        "people_source": rec.get("people_source"), "figures_source": figures, "coverage": coverage,
    }


def _is_regional(rec: dict[str, Any]) -> bool:
    """A multi-country plan: more than one country in the data, or a regional plan type (FTS's typeName
    or planType category). Never guessed from the plan code."""
    if len(rec.get("countries") or ()) > 1 or "regional" in (rec.get("plan_type") or "").lower():
        return True
    if rec.get("coverage") in ("partial", "sum of country shares"):
        return True  # read as country shares of a multi-country plan
    if not rec.get("plan_type") and not rec.get("countries"):
        return "regional" in (rec.get("plan_name") or "").lower()
    return False


def _share(part: int | None, whole: int | None) -> float | None:
    """part / whole * 100 for a location's share of its plan; blank where either is unknown or whole is 0."""
    if part is None or not whole:
        return None
    return part / whole * 100


def _percent(funding: int | None, requirements: int | None) -> float | None:
    """funding / requirements * 100, unrounded; blank without requirements (or with 0)."""
    if funding is None or not requirements:
        return None
    return funding / requirements * 100


# Values a row without the column gets (rows built before the column existed, e.g. in tests or bench/).
FRAME_DEFAULTS = {"fts_plans": {"coverage": "plan"}}


def _frame(name: str, rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Rows -> DataFrame with the table's columns in order and nullable dtypes (validation checks them)."""
    columns = {}
    for column, spec in SCHEMAS[name].columns.items():
        default = FRAME_DEFAULTS.get(name, {}).get(column)
        values = [row.get(column, default) if row.get(column) is not None else default for row in rows]
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
