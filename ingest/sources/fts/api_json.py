"""Parsers of FTS API JSON responses: one per endpoint shape, adding plain values to a `_Collected`."""
from __future__ import annotations

import re
from typing import Any, Callable, Literal

from ...errors import IngestError
from ...report import Report
from ...schemas import FLOW_STATUSES
from .converters import _amount, _check_year, _countries, _date, _int, _iso3_lookup, _json_type, _list, _location_names, _names, _need, _signed_funding, _objects, _org_types, _plan_type, _plan_year, _text
from .model import FileKind, API_SOURCE, INT64_MAX, NOT_SPECIFIED, PEOPLE_SOURCE, SHARED_CLUSTERS, SHARED_LOCATIONS, _Collected


def _json_kind(obj: Any, where: str) -> FileKind:
    """Name the endpoint a decoded JSON body answers, from its shape; raise if it is none we know."""
    if isinstance(obj, list):
        if obj and all(isinstance(x, dict) and {"file", "url"} <= set(x) for x in obj):
            return FileKind.SKIPPED_MANIFEST
        raise IngestError(f"{where}: a JSON list is not an FTS API response; expected an object with "
                          "'status' and 'data' (or an HDX CSV export)")
    if not isinstance(obj, dict):
        raise IngestError(f"{where}: JSON {type(obj).__name__} is not an FTS API response")
    if "resources" in obj and "license_id" in obj or ("result" in obj and "success" in obj):
        return FileKind.SKIPPED_CKAN
    if "status" in obj and obj["status"] != "ok":
        raise IngestError(f"{where}: field status is {obj['status']!r}, not 'ok': the API refused the "
                          "request; save the response again")
    if "data" not in obj:
        raise IngestError(f"{where}: field data missing; expected an FTS API response "
                          "({'status': 'ok', 'data': ...})")
    data = obj["data"]
    if isinstance(data, dict):
        if "id" in data and ("planVersion" in data or "code" in data):
            return FileKind.SINGLE_PLAN
        if "flows" in data:
            return FileKind.FLOW_LIST
        if "plans" in data and "totals" in data:
            return FileKind.PROGRESS
        if any(k.startswith("report") for k in data) or "requirements" in data:
            return _groupby_kind(data, where)
    if isinstance(data, list):
        items = [x for x in data if isinstance(x, dict)]
        if not data:
            raise IngestError(f"{where}: field data is an empty list; nothing to read (save a response with data)")
        if len(items) == len(data):
            keys = set().union(*items)
            if all("id" in x and ("planVersion" in x or {"code", "name"} <= set(x)) for x in items):
                return FileKind.PLAN_LIST
            if {"iso3", "adminLevel"} <= keys:
                return FileKind.SKIPPED_LOCATIONS
            if {"year", "totalFunding"} <= keys:
                return FileKind.SKIPPED_TRENDS
            if "governingEntityVersion" in keys or "entityType" in keys:
                return FileKind.SKIPPED_GOVERNING_ENTITY
    raise IngestError(f"{where}: unrecognised JSON shape; expected an FTS response of plan/country, "
                      "plan/year, fts/flow (with or without groupby), plan/overview/progress or rpm/plan")


def _groupby_kind(data: dict, where: str) -> FileKind:
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
    names = {"Plan": FileKind.GROUPBY_PLAN, "Cluster": FileKind.GROUPBY_CLUSTER,
             "GlobalCluster": FileKind.GROUPBY_GLOBALCLUSTER, "Location": FileKind.GROUPBY_LOCATION}
    if len(types) == 1 and next(iter(types)) in names:
        return names[next(iter(types))]
    if len(types) == 1:
        return FileKind.SKIPPED_OTHER_GROUPBY
    if not types:
        return FileKind.SKIPPED_EMPTY_SUMMARY
    raise IngestError(f"{where}: funding summary mixes object types {sorted(types)}; expected one groupby")


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
        "plan_type_id": _plan_type_id(plan.get("categories")),
        "year": year, "start_date": _date(pick("startDate"), notes.append, "fts_plans: startDate"),
        "end_date": _date(pick("endDate"), notes.append, "fts_plans: endDate"),
        "countries": _countries(locations) or None, "_weak": weak,
        "_location_names": _location_names(locations), "_years": all_years,
    }
    if "revisedRequirements" in plan or "origRequirements" in plan:
        values.update(_requirements(plan, where))
    values["_notes"] = [*values.get("_notes", ()), *notes]
    return plan_id, values


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
        row["funding_usd"] = _signed_funding(amount, report, "fts_clusters")
    for row in rows.values():
        if row["funding_usd"] is None and row["requirements_usd"] is not None:
            # FTS (and the HDX CSV) leave these blank; 0 lets cluster rows add up to the plan total.
            row["funding_usd"] = 0
            report.count("fts_clusters: cluster with requirements but no funding: funding 0")
    blank = not_specified_req or {}
    tail = [
        _cluster_row(plan_id, cluster_type, "not_specified", None, NOT_SPECIFIED,
                     blank.get("requirements_original_usd"), blank.get("requirements_usd"),
                     _signed_funding(not_specified or 0, report, "fts_clusters")),
        _cluster_row(plan_id, cluster_type, "shared", None, SHARED_CLUSTERS, None, None,
                     _signed_funding(shared, report, "fts_clusters")),
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
        row["funding_usd"] = _signed_funding(amount, report, "fts_plan_locations")
    if not_specified is not None or NOT_SPECIFIED in rows:
        row = rows.setdefault(NOT_SPECIFIED, {"plan_id": plan_id, "location_id": None,
                                              "location_name": NOT_SPECIFIED, "requirements_original_usd": None,
                                              "requirements_usd": None})
        row["funding_usd"] = _signed_funding(not_specified or 0, report, "fts_plan_locations")
    for row in rows.values():
        row.setdefault("funding_usd", None)
        if row["funding_usd"] is None and row["requirements_usd"] is not None and row["location_id"]:
            row["funding_usd"] = 0  # absent from report3 = nothing received
    if shared:
        rows["shared"] = {"plan_id": plan_id, "location_id": None, "location_name": SHARED_LOCATIONS,
                          "requirements_original_usd": None, "requirements_usd": None,
                          "funding_usd": _signed_funding(shared, report, "fts_plan_locations")}
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
    type_id = plan_type.get("id")
    values = {"plan_code": code, "plan_name": name, "plan_type": _text(plan_type.get("name")),
              "plan_type_id": type_id if isinstance(type_id, int) and not isinstance(type_id, bool) else None,
              "year": year,
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


def _plan_type_id(categories: Any) -> int | None:
    """The planType category's id (FTS's plan type id), or None."""
    for item in categories if isinstance(categories, list) else []:
        if isinstance(item, dict) and item.get("group") == "planType":
            value = item.get("id")
            return value if isinstance(value, int) and not isinstance(value, bool) else None
    return None


def _plan_funding(amount: int | None, where: str, name: str) -> int | None:
    """A plan's total funding as FTS gives it (a negative total, a net correction, is kept)."""
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


def _funding_object(data: dict, where: str, totals: str, required: bool = True) -> dict | None | Literal[False]:
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


def _breakdown(obj: dict | None | Literal[False], where: str, report: Report) -> tuple[dict[str, tuple], int | None, int]:
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
