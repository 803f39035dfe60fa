"""ingest.sources.fts on the real FTS files in ../shared/reference/fts (see its README.md and API.md).

Every expected number here was looked up by hand in the files (jq / grep on the raw JSON and CSV,
or copied from the reference README), never computed with the parser's code.
"""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import pandas as pd
import pytest

from ingest.report import Report
from tests.conftest import reference_dir, require_reference
from ingest.sources import fts

REFERENCE = reference_dir()
FTS = REFERENCE / "fts"

pytestmark = pytest.mark.reference

PLAN_COUNTRY = "vigia_v1_public_plan_country_VEN_2026-09-25.json"
GROUPBY_PLAN = "vigia_v1_public_fts_flow_planId-VEN-HRPs_groupby-plan_2026-09-25.json"
CLUSTER_929 = "hdxfts_v1_flow_custom-search_planid-929_groupby-cluster.json"
GLOBALCLUSTER_929 = "hdxfts_v1_flow_custom-search_planid-929_groupby-globalcluster.json"
CLUSTER_1010 = "hdxfts_v1_flow_custom-search_planid-1010_groupby-cluster.json"
LOCATION_943 = "hdxfts_v1_flow_custom-search_planid-943_groupby-location.json"
LOCATION_1069 = "covidviz_v1_flow_custom-search_planid-1069_RMRP2022_groupby-location.json"
EMERGENCY = "covidviz_v1_flow_custom-search_emergencyid-911_planids-2022_groupby-plan.json"
PROGRESS_2020 = "hdxfts_v2_fts_flow_plan_overview_progress_2020.json"
PROGRESS_2022 = "covidviz_v2_fts_flow_plan_overview_progress_2022.json"
FLOWS_PAGE = "hdxfts_v1_flow_custom-search_locationid-1_year-2020_page-3.json"
FLOWS_SINGLE = "hdxfts_v1_flow_custom-search_locationid-1_year-2021.json"
FLOW_SAMPLE = "etools_v1_public_fts_flow_sample.json"
RPM_PLAN = "etools_v1_public_rpm_plan_id_474_entities.json"
HDX_PLANS = "hdx_download_fts_requirements_funding_afg.csv"
HDX_PLANS_TESTOUT = "hdxfts_testout_fts_requirements_funding_afg_hxl.csv"
HDX_CLUSTER_HXL = "hdxfts_testout_fts_requirements_funding_cluster_afg_hxl.csv"
HDX_CLUSTER_NOHXL = "hdxfts_testout_fts_requirements_funding_cluster_afg_nohxl.csv"
HDX_GLOBALCLUSTER = "hdxfts_testout_fts_requirements_funding_globalcluster_afg_hxl.csv"
HDX_FLOWS = "hdxfts_testout_fts_incoming_funding_afg_hxl.csv"

# Files that hold nothing for our tables: read without error, no tables.
SKIPPED = {
    "hdx_ckan_package_fts-requirements-and-funding-data-for-afghanistan.json": "CKAN",
    "vigia_fixture_manifest_2026-09-25.json": "manifest",
    "hdxfts_v1_public_location.json": "location list",
    "hdxfts_v2_country-1_summary_trends_2025.json": "summary trends",
    "hdxfts_v2_public_governingentity_planid-1010.json": "governingEntity",
}


@pytest.fixture(scope="module", autouse=True)
def reference_folder() -> Path:
    return require_reference("fts")


def all_files() -> list[str]:
    return sorted(p.name for p in FTS.glob("*") if p.suffix in {".json", ".csv"})


@lru_cache(maxsize=None)
def read(*names: str) -> tuple[dict[str, pd.DataFrame], Report]:
    report = Report()
    return fts.read_files([FTS / n for n in names], report), report


def row(table: pd.DataFrame, **where) -> pd.Series:
    mask = pd.Series(True, index=table.index)
    for column, value in where.items():
        mask &= table[column] == value
    rows = table[mask]
    assert len(rows) == 1, f"{where}: {len(rows)} rows"
    return rows.iloc[0]


def raw(name: str):
    return json.loads((FTS / name).read_text(encoding="utf-8"))


# --------------------------------------------------------------------------------------------------
# Every file
# --------------------------------------------------------------------------------------------------

def test_the_reference_folder_has_the_files_this_test_knows():
    assert len(all_files()) == 25  # README section 4 lists 25 data files


# Without the folder, one placeholder case lets the autouse fixture skip or fail (no silent empty set).
@pytest.mark.parametrize("name", all_files() if FTS.is_dir() else ["(reference folder missing)"])
def test_every_file_is_read(name):
    tables, report = read(name)
    if name in SKIPPED:
        assert tables == {}
        assert any(what.startswith("skipped:") and SKIPPED[name] in what for what in report.counts), report.counts
    else:
        assert tables, f"{name} gave no table"


def test_all_files_together_as_the_snapshot_reads_them():
    tables, report = read(*all_files())
    assert set(tables) == {"fts_plans", "fts_clusters", "fts_plan_locations", "fts_flows", "fts_donors"}
    plans = tables["fts_plans"]
    # the vigia files come last, so the 2026 recording wins for the Venezuela plans
    assert row(plans, plan_id=928).funding_usd == 155_027_634
    assert row(plans, plan_id=1097).requirements_usd == 794_987_748  # not progress 2022's 708,100,000
    assert row(plans, plan_id=1097).people_in_need == 7_000_000
    assert counted(report, "skipped:") == len(SKIPPED)


def counted(report: Report, fragment: str) -> int:
    return sum(n for what, n in report.counts.items() if fragment in what)


# --------------------------------------------------------------------------------------------------
# Venezuela plans (vigia recording of 2026-09-25)
# --------------------------------------------------------------------------------------------------

def test_hven19_figures():
    plans = read(PLAN_COUNTRY, GROUPBY_PLAN)[0]["fts_plans"]
    p = row(plans, plan_id=827)
    assert (p.plan_code, p.year, p.countries_iso3, p.is_regional) == ("HVEN19", 2019, "VEN", False)
    assert p.requirements_usd == 222_724_387 and p.requirements_original_usd == 222_724_387
    assert p.funding_usd == 76_925_346 and p.pledges_usd == 1_023_541
    assert p.percent_funded == pytest.approx(34.54, abs=0.005)
    assert p.unmet_usd == 222_724_387 - 76_925_346
    assert p.start_date == pd.Timestamp("2019-01-01") and p.end_date == pd.Timestamp("2019-12-31")


def test_hven20_funding_comes_from_report3():
    p = row(read(PLAN_COUNTRY, GROUPBY_PLAN)[0]["fts_plans"], plan_id=928)
    assert p.funding_usd == 155_027_634  # report2 says 182,209,349
    assert p.requirements_usd == 762_509_363 and p.requirements_original_usd == 674_377_198


def test_hven25_has_no_original_requirement():
    # plan/country gives origRequirements 0, groupby=plan has no origRequirements key
    for names in ((PLAN_COUNTRY,), (GROUPBY_PLAN,), (PLAN_COUNTRY, GROUPBY_PLAN)):
        p = row(read(*names)[0]["fts_plans"], plan_id=1277)
        assert pd.isna(p.requirements_original_usd) and p.requirements_usd == 606_497_714


def test_venezuela_plan_set():
    plans = read(PLAN_COUNTRY, GROUPBY_PLAN)[0]["fts_plans"].set_index("plan_id")
    # 8 HVEN plans + RMRP 2026 (groupby=plan only); the global 952/1006/1007 are left out
    assert sorted(plans.index) == [827, 928, 1029, 1097, 1135, 1158, 1277, 1517, 1525]
    assert plans.loc[1517, "plan_type"] == "Humanitarian needs and response plan"
    assert plans.loc[1517, "pledges_usd"] == 1_150_748 and plans.loc[1029, "pledges_usd"] == 0
    assert plans.loc[1525, "funding_usd"] == 122_429_893 and plans.loc[1525, "year"] == 2026
    assert plans.loc[1525, "is_regional"]
    # every funded plan in report3, by hand: their sum is report3's singleFundingTotal
    assert plans["funding_usd"].sum() == 2_014_039_546


# --------------------------------------------------------------------------------------------------
# Clusters: cluster rows + not specified + shared = plan total
# --------------------------------------------------------------------------------------------------

def test_plan_929_clusters_add_up():
    clusters = read(CLUSTER_929)[0]["fts_clusters"]
    assert clusters["funding_usd"].sum() == 564_467_765
    assert row(clusters, row_type="shared").funding_usd == 24_156_904
    assert row(clusters, row_type="not_specified").funding_usd == 160_548_636
    assert (clusters["row_type"] == "cluster").sum() == 18  # 16 with requirements + 2 funding-only
    health = row(clusters, cluster_id="5403")
    assert pd.isna(health.requirements_original_usd) and health.requirements_usd == 107_614_298
    assert row(clusters, cluster_id="5407").funding_usd == 0
    assert pd.isna(row(clusters, cluster_id="5404").requirements_usd)


def test_plan_929_global_clusters_add_up():
    clusters = read(GLOBALCLUSTER_929)[0]["fts_clusters"]
    assert set(clusters["cluster_type"]) == {"globalcluster"}
    assert clusters["funding_usd"].sum() == 564_467_765
    assert row(clusters, row_type="shared").funding_usd == 44_825_602
    assert row(clusters, row_type="not_specified").funding_usd == 158_871_041


def test_plan_1010_clusters_add_up():
    clusters = read(CLUSTER_1010)[0]["fts_clusters"]
    assert clusters["funding_usd"].sum() == 18_604_280
    assert row(clusters, row_type="not_specified").funding_usd == 16_135_147
    assert row(clusters, row_type="shared").funding_usd == 0
    assert row(clusters, cluster_id="5832").funding_usd == 0  # requirements 600,000, no funding


def test_hdx_cluster_csvs_with_and_without_hxl_are_identical():
    hxl, nohxl = read(HDX_CLUSTER_HXL)[0]["fts_clusters"], read(HDX_CLUSTER_NOHXL)[0]["fts_clusters"]
    pd.testing.assert_frame_equal(hxl, nohxl)
    assert len(nohxl) == 20  # 21 lines - header
    assert nohxl["funding_usd"].sum() == 564_467_765
    assert row(nohxl, row_type="shared").cluster_name == "Multiple clusters/sectors (shared)"
    assert row(nohxl, cluster_id="5404").funding_usd == 3_000_000
    # HDX's cluster figures agree with the JSON it was made from
    json_rows = read(CLUSTER_929)[0]["fts_clusters"].set_index(["row_type", "cluster_name"])
    csv_rows = nohxl.set_index(["row_type", "cluster_name"])
    assert (json_rows["funding_usd"].sort_index() == csv_rows["funding_usd"].sort_index()).all()


def test_hdx_global_cluster_csv_adds_up():
    clusters = read(HDX_GLOBALCLUSTER)[0]["fts_clusters"]
    assert set(clusters["cluster_type"]) == {"globalcluster"} and len(clusters) == 18
    assert clusters["funding_usd"].sum() == 564_467_765
    assert row(clusters, cluster_id="7").requirements_usd == 171_090_518


# --------------------------------------------------------------------------------------------------
# HDX requirements CSVs
# --------------------------------------------------------------------------------------------------

def test_hdx_requirements_csv_plan_rows():
    tables, report = read(HDX_PLANS)
    plans = tables["fts_plans"]
    p = row(plans, plan_id=1185)
    assert (p.plan_code, p.year, p.requirements_usd, p.funding_usd) == ("HAFG24", 2024, 3_059_587_797, 486_347_114)
    assert p.figures_source == "FTS HDX export" and p.countries_iso3 == "AFG"
    flash = row(plans, plan_id=1057)
    assert (flash.requirements_usd, flash.funding_usd, flash.plan_type) == (606_261_163, 996_623_679, "Flash appeal")
    assert flash.percent_funded == pytest.approx(996_623_679 / 606_261_163 * 100) and flash.unmet_usd == 0
    assert row(plans, plan_id=929).funding_usd == 598_889_234
    cap = row(plans, plan_id=70)  # requirements 0 in the CSV
    assert pd.isna(cap.requirements_usd) and cap.funding_usd == 2_053_268 and pd.isna(cap.percent_funded)
    assert counted(report, "HDX plan rows: dropped: 'Not specified'") == 29
    # 55 data rows - 29 "Not specified"; 1006 (OGLBL20b, a global plan) is Afghanistan's share only: kept,
    # marked partial, total blank
    assert len(plans) == 26
    share = row(tables["fts_plan_locations"], plan_id=1006)
    assert (share.location_iso3, share.funding_usd) == ("AFG", 15_000_000)
    glbl = row(plans, plan_id=1006)
    assert glbl.coverage == "partial" and pd.isna(glbl.funding_usd) and pd.isna(glbl.requirements_usd)
    assert counted(report, "HDX plan rows:") == 55


def test_hdx_testout_requirements_csv():
    plans = read(HDX_PLANS_TESTOUT)[0]["fts_plans"]
    p = row(plans, plan_id=929)
    assert (p.requirements_usd, p.funding_usd) == (1_131_050_820, 564_467_765)


# --------------------------------------------------------------------------------------------------
# Flows
# --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name, n", [(FLOWS_PAGE, 84), (FLOWS_SINGLE, 37), (FLOW_SAMPLE, 1)])
def test_flow_lists_keep_every_flow(name, n):
    flows = read(name)[0]["fts_flows"]
    ids = [f["id"] for f in raw(name)["data"]["flows"]]
    assert len(ids) == n and len(flows) == n
    assert sorted(flows["flow_id"]) == sorted(ids)


def test_flow_page_values():
    flows = read(FLOWS_PAGE)[0]["fts_flows"].set_index("flow_id")
    f = flows.loc["221951"]  # AHF allocation to War Child Canada, internal
    assert (f.plan_id, f.amount_usd, f.status, f.boundary) == (929, 246_594, "paid", "internal")
    assert (f.donor_name, f.donor_type, f.recipient_name) == ("Afghanistan Humanitarian Fund", "Pooled fund",
                                                              "War Child Canada")
    assert f.cluster_name == "Protection" and f.date == pd.Timestamp("2020-11-02")
    assert (flows["boundary"] == "incoming").sum() == 52 and (flows["boundary"] == "internal").sum() == 32
    assert flows["parent_flow_id"].notna().sum() == 7 and flows["original_currency"].notna().sum() == 31


def test_flow_sample_values():
    f = read(FLOW_SAMPLE)[0]["fts_flows"].iloc[0]
    assert (f.flow_id, f.plan_id, f.amount_usd, f.original_amount, f.original_currency) == (
        "193821", 668, 2_614_016, 2_350_000.0, "EUR")
    assert f.cluster_name == "Eau, hygiène et assainissement; Nutrition; Santé"
    assert f.parent_flow_id == "184341" and f.decision_date == pd.Timestamp("2019-06-19")


def test_hdx_incoming_flows():
    flows = read(HDX_FLOWS)[0]["fts_flows"].set_index("flow_id")
    assert len(flows) == 328  # csv records after header and HXL row (descriptions hold line breaks)
    f = flows.loc["228103"]
    assert (f.plan_id, f.amount_usd, f.original_amount, f.original_currency, f.cluster_name) == (
        929, 2_311_248, 3_000_000.0, "CAD", "Food Security")
    assert pd.isna(flows.loc["228238", "plan_id"])
    assert (flows["plan_id"] == 929).sum() == 250 and (flows["plan_id"] == 1006).sum() == 1


def test_donors_from_flows():
    tables = read(FLOWS_SINGLE)[0]
    donors = tables["fts_donors"]
    flows = raw(FLOWS_SINGLE)["data"]["flows"]
    # by hand: incoming flows with a destination plan, per source organisation
    by_hand: dict[tuple[int, str], int] = {}
    for f in flows:
        plans = [o for o in f["destinationObjects"] if o["type"] == "Plan"]
        if f["boundary"] == "incoming" and len(plans) == 1 and f["status"] != "pledge":
            donor = [o["name"] for o in f["sourceObjects"] if o["type"] == "Organization"][0]
            key = (int(plans[0]["id"]), donor)
            by_hand[key] = by_hand.get(key, 0) + f["amountUSD"]
    got = {(int(r.plan_id), r.donor_name): int(r.funding_usd) for r in donors.itertuples()}
    assert got == by_hand


# --------------------------------------------------------------------------------------------------
# People in need, plan overview/progress, locations, other shapes
# --------------------------------------------------------------------------------------------------

def test_people_from_progress_2020():
    plans = read(PROGRESS_2020)[0]["fts_plans"]
    afg = row(plans, plan_id=929)  # three caseloads; customReference "1" is the plan-wide one
    assert (afg.people_in_need, afg.people_targeted) == (14_000_000, 11_054_331)
    pse = row(plans, plan_id=832)
    assert (pse.people_in_need, pse.people_targeted) == (2_400_000, 1_500_000)
    assert afg.funding_usd == 564_467_765 and afg.requirements_usd == 1_131_050_820


def test_people_and_plans_from_progress_2022():
    plans = read(PROGRESS_2022)[0]["fts_plans"]
    assert len(plans) == 42
    ven = row(plans, plan_id=1097)
    assert (ven.people_in_need, ven.people_targeted) == (7_000_000, 4_500_000)
    assert ven.funding_usd == 0 and ven.requirements_usd == 708_100_000  # no funding key at the time
    assert pd.isna(ven.requirements_original_usd)  # origRequirements 0
    rmrp = row(plans, plan_id=1069)
    assert (rmrp.plan_code, rmrp.requirements_usd, rmrp.funding_usd) == ("RREG22", 1_786_198_773, 11_470_866)
    assert rmrp.is_regional and (rmrp.people_in_need, rmrp.people_targeted) == (8_400_000, 3_800_000)


def test_filtered_groupby_plan_does_not_replace_plan_funding():
    # the emergencyid=911 file holds COVID funding only (41,023,818 for HAFG22)
    alone = read(EMERGENCY)[0]["fts_plans"]
    assert row(alone, plan_id=1100).funding_usd == 41_023_818
    tables, report = read(PROGRESS_2022, EMERGENCY)
    assert row(tables["fts_plans"], plan_id=1100).funding_usd == 1_380_305_811
    assert any("without requirements" in w for w in report.warnings)


def test_plan_locations():
    loc = read(LOCATION_943)[0]["fts_plan_locations"]
    lebanon = row(loc, location_id="124")
    assert (lebanon.location_iso3, lebanon.requirements_usd, lebanon.funding_usd) == (
        "LBN", 2_656_353_273, 914_816_010)
    assert row(loc, location_name="Not specified").funding_usd == -615_694  # a net correction: sign kept
    assert row(loc, location_name="Multiple locations (shared)").funding_usd == 129_011_963
    rmrp = read(LOCATION_1069)[0]["fts_plan_locations"]
    assert row(rmrp, location_iso3="COL").funding_usd == 9_513_152
    assert row(rmrp, location_iso3="CUW").requirements_usd == 7_282_539
    assert len(rmrp) == 18  # 17 countries + Not specified


def test_rpm_plan():
    p = row(read(RPM_PLAN)[0]["fts_plans"], plan_id=474)
    assert (p.plan_code, p.plan_name, p.year, p.requirements_usd) == (
        "HXSHL15", "Sahel Regional 2015", 2015, 10_336_405)
    assert p.is_regional and p.countries_iso3 == "BFA;CMR;GMB;MLI;MRT;NER;NGA;SEN;TCD"
    assert p.funding_usd == 0 and "funding not in the data read" in p.figures_source


def test_curated_figures_on_the_venezuela_recording():
    curated = Path(__file__).resolve().parents[4] / "data" / "curated" / "plan_figures.csv"
    plans = read(PLAN_COUNTRY, GROUPBY_PLAN)[0]["fts_plans"]
    out = fts.apply_curated(plans, curated).set_index("plan_id")
    assert (out.loc[827, "people_in_need"], out.loc[827, "people_targeted"]) == (7_000_000, 2_600_000)
    assert out.loc[827, "funding_usd"] == 76_925_346
    assert out.loc[-1, "figures_source"].startswith("published figure:")
