"""Parsers of HDX FTS CSV exports (plans, clusters, incoming funding)."""
from __future__ import annotations

import csv
import io
from collections import Counter
from pathlib import Path
from typing import Any

from ... import csvsniff
from ...countries import names_of
from ...errors import IngestError
from ...report import Report
from ...schemas import FLOW_STATUSES, is_iso3
from .api_json import _cluster_row
from .converters import _amount, _check_year, _date, _hdx_list, _int, _non_negative, _text
from .model import FileKind, HDX_CLUSTER_COLUMNS, HDX_FLOW_COLUMNS, HDX_PLAN_COLUMNS, HDX_SOURCE, NOT_SPECIFIED, ROW, SHARED_CLUSTERS, _Collected, _HXL_TAG


ROWS = "HDX plan rows: "
ALL_HDX_COLUMNS = HDX_PLAN_COLUMNS | HDX_CLUSTER_COLUMNS | HDX_FLOW_COLUMNS | {
    "plan_id", "source", "people_in_need", "people_targeted", "percentFunded"}  # the last: curated figures
DATE_COLUMNS = {"startDate", "endDate", "date", "decisionDate", "firstReportedDate", "createdAt", "updatedAt"}
NUMBER_COLUMNS = {"requirements", "funding", "percentFunded", "amountUSD", "originalAmount"}
# A plan CSV listing at least this many countries is HDX's worldwide export (every country of every plan);
# a country's own file lists one. Only the worldwide file says all of a multi-country plan's shares.
WORLDWIDE_MIN_COUNTRIES = 20


def _read_csv(path: Path, content: bytes, collected: _Collected, report: Report) -> FileKind:
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
        return FileKind.HDX_FLOWS
    if HDX_CLUSTER_COLUMNS <= columns:
        cluster_type = "globalcluster" if "globalcluster" in name else "cluster"
        for plan_id, block in _hdx_clusters(rows, cluster_type, where, report).items():
            collected.set_clusters(plan_id, cluster_type, block, report)
        return FileKind.HDX_GLOBALCLUSTERS if cluster_type == "globalcluster" else FileKind.HDX_CLUSTERS
    if HDX_PLAN_COLUMNS <= columns:
        if "covid" in name:
            # Same header as the plan file, but the figures are the COVID-19 part of each plan.
            return FileKind.SKIPPED_HDX_COVID
        _hdx_plans(rows, collected, where, report)
        return FileKind.HDX_PLANS
    raise IngestError(f"{where}: unrecognised CSV header ({', '.join(header[:6])}...; "
                      f"{csvsniff.describe(content[:2000].decode('utf-8', 'replace').splitlines()[0])}); expected "
                      "an HDX FTS export: fts_requirements_funding[_cluster|_globalcluster]_<iso3>.csv or "
                      f"fts_incoming_funding_<iso3>.csv; if it is one, {csvsniff.REEXPORT}")


def _csv_rows(content: bytes, where: str, report: Report, expected: set[str] | None = None
              ) -> tuple[list[str], list[dict[str, str]]]:
    """Header and rows of a CSV file, without the HXL hashtag row. A file re-saved by a spreadsheet
    (';' separator, dd/mm/yyyy dates, thousands separators, CRLF, UTF-16 or Windows-1252) is read
    right where its layout is unambiguous, with each repair counted; otherwise refused, naming what
    was found (see ingest.csvsniff)."""
    text = csvsniff.decode(content, where, report).removeprefix("\ufeff")
    first_line = text.split("\n", 1)[0]
    sep = csvsniff.separator(first_line, expected or ALL_HDX_COLUMNS)
    if sep != ",":
        report.count(f"CSV: {csvsniff.SEPARATORS[sep]}-separated (a spreadsheet's export) read as such")
    reader = csv.reader(io.StringIO(text), delimiter=sep)
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
        rows.append({**dict(zip(header, (c.strip() for c in cells))), ROW: str(number)})
    _spreadsheet_cells(rows, header, sep != ",", where, report)
    return header, rows


def _spreadsheet_cells(rows: list[dict[str, str]], header: list[str], decimal_comma: bool, where: str,
                       report: Report) -> None:
    """dd/mm/yyyy (or mm/dd/yyyy) dates to ISO, and spreadsheet-formatted numbers to plain digits, in place."""
    dates = [c for c in header if c in DATE_COLUMNS]
    # only dates a spreadsheet wrote its own way ('31/12/2019', '31.12.2019') need a decision
    first_is_day = csvsniff.day_first({c: [r[c] for r in rows if r[c] and not r[c][:4].isdigit()] for c in dates},
                                      where)
    if first_is_day is not None:
        for row in rows:
            for column in dates:
                row[column] = csvsniff.iso_date(row[column], first_is_day)
        report.count(f"CSV: {'day' if first_is_day else 'month'}-first dates (dd/mm/yyyy style) read as such")
    for column in (c for c in header if c in NUMBER_COLUMNS):
        for row in rows:
            if row[column].isdigit() or not row[column]:
                continue  # plain digits: nothing to undo
            plain = csvsniff.plain_number(row[column], decimal_comma)
            if plain != row[column]:
                row[column] = plain
                report.count(f"CSV: {column}: spreadsheet number format (thousands or decimal separator) read")


def _hdx_plans(rows: list[dict[str, str]], collected: _Collected, where: str, report: Report) -> None:
    """Plan rows of fts_requirements_funding_<iso3>.csv or of HDX's worldwide file (one row per country x
    plan). A plan listed under one country that is not a regional plan is that country's own plan: the
    row is its total. A multi-country plan (listed under several countries, or of a regional type) has
    one row per country holding that country's share: its total is the sum of the shares when the file
    lists every country (the worldwide export), else it is unknown and the plan is marked partial.
    Every row is counted under "HDX plan rows: ..." as kept, summed into a plan, or dropped with why."""
    plans: dict[int, list[dict[str, str]]] = {}
    for row in rows:
        if not row["id"]:
            # One per country and year: funding to the country outside any plan. Not a plan.
            report.count(f"{ROWS}dropped: 'Not specified' (funding to a country outside any plan)")
            continue
        plans.setdefault(_int(row["id"], f"{where} row {row[ROW]}", "id", required=True), []).append(row)
    countries_in_file = {row["countryCode"].strip().upper() for row in rows if row["countryCode"].strip()}
    worldwide = len(countries_in_file) >= WORLDWIDE_MIN_COUNTRIES
    for plan_id, group in plans.items():
        by_country: dict[str, dict[str, str]] = {}
        for row in group:
            iso3 = row["countryCode"].strip().upper()
            if iso3 in by_country:
                report.count(f"{ROWS}dropped: same plan and country twice (the later row kept)")
            by_country[iso3] = row
        first = group[0]
        values = _hdx_plan_values(first, f"{where} row {first[ROW]}", report)
        values["countries"] = {c for c in by_country if is_iso3(c)} or None
        multi = len(by_country) > 1 or _regional_type(values.get("plan_type")) or (
            # In a country's own file, a plan whose code does not name the country (OCOVD20, RREG22 in
            # fts_requirements_funding_ven.csv) is another plan's share; the worldwide file lists all.
            # The worldwide file lists every country, but a global plan ("Other", e.g. OGLBL20a, an NGO envelope
            # listed only under VEN) is still no country's own plan.
            (not worldwide or values.get("plan_type") == "Other")
            and _names_other_country(values.get("plan_code"), next(iter(by_country))))
        if not multi:
            values.update(_hdx_money(first, f"{where} row {first[ROW]}", report, "fts_plans"))
            _check_percent(first, values, report)
            values["coverage"] = "plan"
            report.count(f"{ROWS}kept: one plan's own total")
            collected.add_plan(plan_id, values, report, HDX_SOURCE)
            continue
        _hdx_shares(plan_id, values, by_country, worldwide, where, report, collected)


def _hdx_shares(plan_id: int, values: dict[str, Any], by_country: dict[str, dict[str, str]], worldwide: bool,
                where: str, report: Report, collected: _Collected) -> None:
    """A multi-country plan: each country's row is its share (kept in fts_plan_locations); the plan's total
    is their sum in the worldwide file, else unknown (the plan is marked partial)."""
    shares = []
    names = names_of(by_country)
    for iso3, row in by_country.items():
        money = _hdx_money(row, f"{where} row {row[ROW]}", report, "fts_plan_locations")
        shares.append(money)
        collected.set_location({"plan_id": plan_id, "location_id": None, "location_name": names.get(iso3, iso3),
                                "location_iso3": iso3 if is_iso3(iso3) else None,
                                "requirements_original_usd": None, "requirements_usd": money["requirements_usd"],
                                "funding_usd": money["funding_usd"]}, report)
    if worldwide:
        requirements = [m["requirements_usd"] for m in shares if m["requirements_usd"] is not None]
        values.update({"requirements_usd": sum(requirements) if requirements else None,
                       "funding_usd": sum(m["funding_usd"] or 0 for m in shares),
                       "coverage": "sum of country shares"})
        report.count(f"{ROWS}summed into a multi-country plan's total (share kept in fts_plan_locations)",
                     len(by_country))
    else:
        values["coverage"] = "partial"
        report.count(f"{ROWS}kept as a country's share of a multi-country plan whose other countries are not "
                     "in the file (plan total unknown; share in fts_plan_locations)", len(by_country))
    collected.add_plan(plan_id, values, report, HDX_SOURCE)


def _names_other_country(code: str | None, iso3: str) -> bool:
    """A plan code that does not contain the row's country code (HVEN19 names VEN; OCOVD20 does not)."""
    return bool(code) and bool(iso3) and iso3 not in code.upper()


def _regional_type(plan_type: str | None) -> bool:
    """A plan type that spans several countries by definition ("Regional response plan")."""
    return "regional" in (plan_type or "").lower()


def _hdx_plan_values(row: dict[str, str], here: str, report: Report) -> dict[str, Any]:
    """The descriptive fields of an HDX plan row (name, code, type from the data, year, dates)."""
    return {
        "plan_code": row["code"] or None, "plan_name": row["name"] or None, "plan_type": row["typeName"] or None,
        "plan_type_id": _int(row.get("typeId") or None, here, "typeId"),
        "year": _check_year(_int(row["year"], here, "year", required=True), here, "year"),
        "start_date": _date(row["startDate"], report.count, "fts_plans: startDate"),
        "end_date": _date(row["endDate"], report.count, "fts_plans: endDate"),
    }


def _hdx_money(row: dict[str, str], here: str, report: Report, table: str) -> dict[str, Any]:
    """Requirements (blank or 0: none, stored blank) and funding (blank: 0; negative: kept) of one row."""
    revised = _non_negative(_int(row["requirements"], here, "requirements"), report, table, "requirements") or None
    if row["requirements"] in ("", "0"):
        report.count(f"{table}: no requirements (blank or 0) stored blank")
    funding = _int(row["funding"], here, "funding")
    if funding is None:
        report.count(f"{table}: blank funding in HDX CSV stored as 0")
    elif funding < 0:
        report.count(f"{table}: negative funding (a net correction) kept")
    return {"requirements_usd": revised, "funding_usd": funding or 0}


def _check_percent(row: dict[str, str], values: dict[str, Any], report: Report) -> None:
    """Cross-check the row's own percentFunded (HDX rounds it to a whole number) against its funding and
    requirements; a disagreement is counted and named in the ingest report."""
    source, requirements = _percent_cell(row.get("percentFunded")), values.get("requirements_usd")
    if source is None or not requirements:
        return
    ours = values["funding_usd"] / requirements * 100
    if abs(ours - source) <= 0.51:  # a whole number rounded from the same ratio is within 0.5
        report.count("fts_plans: source percentFunded agrees with funding / requirements")
        return
    report.count("fts_plans: source percentFunded differs from funding / requirements")
    report.warn(f"source percentFunded differs from funding / requirements: {values.get('plan_code') or row['id']} "
                f"{source:g} % in the file vs {ours:.1f} %")


def _percent_cell(cell: str | None) -> float | None:
    """HDX's percentFunded (a rounded integer; blank without requirements); unreadable is blank."""
    try:
        return float(cell) if cell not in (None, "") else None
    except ValueError:
        return None


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
        elif funding < 0:
            report.count("fts_clusters: negative funding (a net correction) kept")
        revised = _non_negative(_int(row["requirements"], here, "requirements"), report, "fts_clusters",
                                "requirements")
        blocks.setdefault(plan_id, []).append(_cluster_row(
            plan_id, cluster_type, row_type, code, name or None, None, revised or None,
            funding))
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
    iso3 = [c.strip() for c in row.get("srcLocations", "").split(",") if is_iso3(c.strip())]
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
