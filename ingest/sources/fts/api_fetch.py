"""A live pull from api.hpc.tools for one country, following API.md's recipe."""
from __future__ import annotations

import pandas as pd
import re
from typing import Any, Callable

from ...errors import IngestError
from ...http import Client
from ...report import Report
from ...schemas import is_iso3
from .api_json import _cluster_rows, _flow_rows, _funding_object, _location_rows, _parse_groupby_plan, _parse_progress, _plan_rows
from .converters import _need
from .model import API_SOURCE, MAX_PAGES, PLAN_ID_CHUNK, _Collected
from .tidy import _is_regional, _tables


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
    if not is_iso3(iso3):
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
