"""Multi-country (regional) plans, negative funding and row accounting in HDX FTS exports.

Two kinds of input: small files written here (a country's own export, and a worldwide export of
more than 20 countries, like HDX's fts_requirements_funding_global.csv), and the real worldwide
exports in ../shared/reference/fts/global (see its README.md). Expected values on the real files
are recomputed from the raw CSV with the csv module, never with the parser's code.
"""
from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

import pandas as pd
import pytest

from ingest.report import Report
from ingest.sources import fts
from tests.conftest import require_reference

HEADER = "countryCode,id,name,code,typeId,typeName,startDate,endDate,year,requirements,funding,percentFunded"
CLUSTER_HEADER = "countryCode,id,name,code,startDate,endDate,year,clusterCode,cluster,requirements,funding,percentFunded"
# 22 countries: enough for a worldwide export (a country's own file lists one)
COUNTRIES = ["AFG", "ARG", "BOL", "BRA", "CHL", "COL", "ECU", "PER", "VEN", "SYR", "LBN", "JOR", "TUR", "IRQ",
             "EGY", "SDN", "SSD", "UGA", "KEN", "ETH", "SOM", "YEM"]
RMRP = "Venezuela Regional Refugee and Migrant Response Plan (RMRP) 2022,RREG22,111,Regional response plan," \
       "2022-01-01,2022-12-31,2022"


def read(*paths: Path) -> tuple[dict[str, pd.DataFrame], Report]:
    report = Report()
    return fts.read_files(list(paths), report), report


def write(tmp_path: Path, name: str, lines: list[str], newline: str = "\n") -> Path:
    path = tmp_path / name
    path.write_bytes(newline.join(lines).encode() + newline.encode())
    return path


def worldwide_lines() -> list[str]:
    lines = [HEADER]
    # The RMRP in 5 countries, one with blank requirements (funding only), one with a negative share
    shares = {"COL": (800, 330), "ECU": (288, 92), "PER": (304, 103), "BRA": ("", 31), "CHL": (59, -4)}
    for iso3, (req, fund) in shares.items():
        lines.append(f"{iso3},1069,{RMRP},{req},{fund},")
    # Every country's own plan, and its "Not specified" row
    for i, iso3 in enumerate(COUNTRIES):
        lines.append(f"{iso3},{2000 + i},{iso3} Humanitarian Response Plan 2022,H{iso3}22,4,Humanitarian response "
                     f"plan,2022-01-01,2022-12-31,2022,{1000 + i},{500 + i},50")
        lines.append(f"{iso3},,Not specified,,,,,,2022,,{7 + i},")
    # A flash appeal in a single row, and a regional-type plan listed under one country only
    lines.append("SOM,3001,Somalia Flash Appeal 2022,FSOM22,5,Flash appeal,2022-09-01,2022-12-31,2022,90,120,133")
    lines.append("YEM,3002,Rohingya-like Joint Response Plan 2022,RYEM22,111,Regional response plan,2022-01-01,"
                 "2022-12-31,2022,70,35,50")
    return lines


def test_worldwide_export_gives_each_multi_country_plan_its_total(tmp_path):
    tables, report = read(write(tmp_path, "fts_requirements_funding_global.csv", worldwide_lines()))
    plans = tables["fts_plans"].set_index("plan_id")
    rmrp = plans.loc[1069]
    # 800 + 288 + 304 + 59 (Brazil's blank requirements add nothing); 330 + 92 + 103 + 31 - 4
    assert (rmrp.requirements_usd, rmrp.funding_usd) == (1451, 552)
    assert rmrp.coverage == "sum of country shares" and rmrp.is_regional
    assert rmrp.countries_iso3 == "BRA;CHL;COL;ECU;PER" and rmrp.plan_type == "Regional response plan"
    assert rmrp.plan_type_id == 111 and rmrp.percent_funded == pytest.approx(552 / 1451 * 100)
    shares = tables["fts_plan_locations"].query("plan_id == 1069").set_index("location_iso3")
    assert shares["funding_usd"].sum() == rmrp.funding_usd
    assert shares.loc["CHL", "funding_usd"] == -4  # a net correction keeps its sign
    assert shares.loc["COL", "share_of_requirements_percent"] == pytest.approx(800 / 1451 * 100)
    assert shares.loc["COL", "share_of_funding_percent"] == pytest.approx(330 / 552 * 100)
    assert pd.isna(shares.loc["BRA", "requirements_usd"])
    # single-row plans are kept with their own totals; a regional type with one country is still regional
    assert (plans.loc[3001, "funding_usd"], plans.loc[3001, "coverage"]) == (120, "plan")
    assert plans.loc[3002, "is_regional"] and plans.loc[3002, "coverage"] == "sum of country shares"
    assert plans.loc[2000, "coverage"] == "plan" and not plans.loc[2000, "is_regional"]
    assert len(plans) == 1 + len(COUNTRIES) + 2


def test_every_input_row_is_accounted_for(tmp_path):
    lines = worldwide_lines()
    _, report = read(write(tmp_path, "fts_requirements_funding_global.csv", lines))
    rows = {k: v for k, v in report.counts.items() if k.startswith("HDX plan rows:")}
    assert sum(rows.values()) == len(lines) - 1
    assert sum(v for k, v in rows.items() if "dropped: 'Not specified'" in k) == len(COUNTRIES)
    assert sum(v for k, v in rows.items() if "summed into" in k) == 5 + 1


def test_a_country_file_never_gives_a_share_as_the_plan_total(tmp_path):
    path = write(tmp_path, "fts_requirements_funding_col.csv", [
        HEADER, f"COL,1069,{RMRP},802903743,330009667,41",
        "COL,1520,Colombia Humanitarian Response Plan 2022,HCOL22,4,Humanitarian response plan,2022-01-01,"
        "2022-12-31,2022,283000000,120000000,42",
        "COL,1006,GHRP (COVID) Famine Prevention 2020,OGLBL20b,1614,Other,2020-03-25,2020-12-31,2020,,5000,"])
    tables, report = read(path)
    plans = tables["fts_plans"].set_index("plan_id")
    for plan_id in (1069, 1006):  # a regional type, and a code that does not name the country
        p = plans.loc[plan_id]
        assert p.coverage == "partial" and pd.isna(p.requirements_usd) and pd.isna(p.funding_usd)
        assert pd.isna(p.percent_funded) and pd.isna(p.unmet_usd) and "plan total unknown" in p.figures_source
    assert plans.loc[1520, "funding_usd"] == 120_000_000 and plans.loc[1520, "coverage"] == "plan"
    share = tables["fts_plan_locations"].set_index("plan_id").loc[1069]
    assert (share.location_iso3, share.requirements_usd, share.funding_usd) == ("COL", 802903743, 330009667)
    assert pd.isna(share.share_of_funding_percent)  # of an unknown total


def test_a_partial_view_never_replaces_a_plan_total(tmp_path):
    world = write(tmp_path, "fts_requirements_funding_global.csv", worldwide_lines())
    country = write(tmp_path, "fts_requirements_funding_col.csv", [HEADER, f"COL,1069,{RMRP},800,330,41"])
    for order in ((world, country), (country, world)):
        plans = read(*order)[0]["fts_plans"].set_index("plan_id")
        assert (plans.loc[1069, "funding_usd"], plans.loc[1069, "coverage"]) == (552, "sum of country shares")


def test_negative_cluster_funding_is_kept_and_clusters_add_up(tmp_path):
    path = write(tmp_path, "fts_requirements_funding_cluster_ven.csv", [
        CLUSTER_HEADER,
        "VEN,827,Venezuela 2019,HVEN19,2019-01-01,2019-12-31,2019,1,Health,100,60,60",
        "VEN,827,Venezuela 2019,HVEN19,2019-01-01,2019-12-31,2019,2,Protection,50,30,60",
        "VEN,827,Venezuela 2019,HVEN19,2019-01-01,2019-12-31,2019,,Not specified,,-15,",
        "VEN,827,Venezuela 2019,HVEN19,2019-01-01,2019-12-31,2019,,Multiple clusters/sectors (shared),,5,"],
        newline="\r\n")
    tables, report = read(path)
    clusters = tables["fts_clusters"].set_index("cluster_name")
    assert clusters.loc["Not specified", "funding_usd"] == -15
    assert clusters["funding_usd"].sum() == 80
    assert report.counts["fts_clusters: negative funding (a net correction) kept"] == 1


# --------------------------------------------------------------------------------------------------
# The real worldwide exports (../shared/reference/fts/global)
# --------------------------------------------------------------------------------------------------

def _raw(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def global_plans():
    folder = require_reference("fts/global")
    path = folder / "hdx_download_fts_requirements_funding_global_2026-02.csv"
    report = Report()
    return _raw(path), fts.read_files([path], report), report


@pytest.mark.reference
def test_real_worldwide_file_every_plan_total_is_the_sum_of_its_country_rows(global_plans):
    raw, tables, _ = global_plans
    req, fund, countries = defaultdict(int), defaultdict(int), defaultdict(set)
    for row in raw:
        if row["id"]:
            req[int(row["id"])] += int(row["requirements"] or 0)
            fund[int(row["id"])] += int(row["funding"] or 0)
            countries[int(row["id"])].add(row["countryCode"])
    plans = tables["fts_plans"].set_index("plan_id")
    assert set(plans.index) == set(req)  # every plan kept, single-row flash appeals included
    multi = [p for p, c in countries.items() if len(c) > 1]
    assert len(multi) == 68  # the README's count
    for plan_id in req:
        p = plans.loc[plan_id]
        assert p.funding_usd == fund[plan_id], plan_id
        assert (0 if pd.isna(p.requirements_usd) else p.requirements_usd) == req[plan_id], plan_id
        assert p.countries_iso3.split(";") == sorted(countries[plan_id])
    assert (plans.loc[multi, "coverage"] == "sum of country shares").all()
    rmrp = plans.loc[1069]
    assert rmrp.is_regional and rmrp.plan_code == "RREG22" and len(countries[1069]) == 17
    shares = tables["fts_plan_locations"]
    per_plan = shares[shares["plan_id"].isin(multi)].groupby("plan_id")["funding_usd"].sum()
    assert (per_plan == plans.loc[per_plan.index, "funding_usd"]).all()


@pytest.mark.reference
def test_real_worldwide_file_every_row_accounted_for(global_plans):
    raw, _, report = global_plans
    rows = {k: v for k, v in report.counts.items() if k.startswith("HDX plan rows:")}
    assert sum(rows.values()) == len(raw)
    assert sum(v for k, v in rows.items() if "'Not specified'" in k) == sum(1 for r in raw if not r["id"])


@pytest.mark.reference
def test_real_cluster_export_negative_funding_kept_and_sums_agree_with_the_plans(global_plans):
    folder = require_reference("fts/global")
    path = folder / "hdx_download_fts_requirements_funding_cluster_global_2026.csv"
    raw = _raw(path)
    clusters = fts.read_files([path], Report())["fts_clusters"]
    assert len(clusters) == len(raw)
    negative = [r for r in raw if r["funding"].startswith("-")]
    assert len(negative) == 35 and (clusters["funding_usd"] < 0).sum() == 35
    # where the source's cluster rows add up to the plan's funding, ours do too
    raw_plans, tables, _ = global_plans
    plan_funding = defaultdict(int)
    for row in raw_plans:
        if row["id"]:
            plan_funding[int(row["id"])] += int(row["funding"] or 0)
    raw_sum = defaultdict(int)
    for row in raw:
        raw_sum[int(row["id"])] += int(row["funding"] or 0)
    ours = clusters.groupby("plan_id")["funding_usd"].sum()
    plans = tables["fts_plans"].set_index("plan_id")["funding_usd"]
    agreeing = [p for p in raw_sum if p in plan_funding and raw_sum[p] == plan_funding[p]]
    assert len(agreeing) > 600  # 683 of 815: the plan file is an earlier copy (February 2026)
    for plan_id in agreeing:
        assert ours[plan_id] == plans[plan_id], plan_id


def test_source_percent_funded_is_cross_checked(tmp_path):
    lines = [HEADER, "VEN,9001,Venezuela 2019,HVEN19,4,Humanitarian response plan,2019-01-01,2019-12-31,2019,200,69,35",
             "VEN,9002,Venezuela 2020,HVEN20,4,Humanitarian response plan,2020-01-01,2020-12-31,2020,200,60,80"]
    tables, report = read(write(tmp_path, "fts_requirements_funding_ven.csv", lines))
    assert report.counts["fts_plans: source percentFunded agrees with funding / requirements"] == 1  # 34.5 ~ 35
    assert report.counts["fts_plans: source percentFunded differs from funding / requirements"] == 1
    assert any("HVEN20 80 % in the file vs 30.0 %" in w for w in report.warnings)


def test_a_global_plan_listed_under_one_country_is_not_its_own_plan(tmp_path):
    """HDX's worldwide file lists OGLBL20a (a global COVID NGO envelope, type "Other") under VEN only:
    it is a share of a global plan, never shown as Venezuela's own plan."""
    lines = worldwide_lines() + ["VEN,1007,GHRP (COVID) Unallocated supplementary NGO envelope 2020,OGLBL20a,1614,"
                                 "Other,2020-03-25,2020-12-31,2020,,6159855,"]
    plans = read(write(tmp_path, "fts_requirements_funding_global.csv", lines))[0]["fts_plans"].set_index("plan_id")
    assert plans.loc[1007, "is_regional"] and plans.loc[1007, "coverage"] == "sum of country shares"
    assert plans.loc[3001, "coverage"] == "plan" and not plans.loc[3001, "is_regional"]  # FSOM22 stays own
