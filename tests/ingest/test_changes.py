"""What changed between two ingests: revised, added and removed figures, and moved totals."""
from __future__ import annotations

from datetime import datetime, timezone

import pandas as pd
import pytest

from ingest import schemas
from ingest.changes import changes, compare, pick_versions, totals_by_region
from ingest.cli import main
from ingest.errors import IngestError
from ingest.store import Store


def plans(rows: list[tuple[int, str, int, int]]) -> pd.DataFrame:
    """fts_plans rows (plan_id, code, requirements, funding)."""
    frame = pd.DataFrame([{
        "plan_id": pid, "plan_code": code, "plan_name": f"Plan {code}", "plan_type": "Humanitarian response plan",
        "year": 2019, "start_date": pd.NaT, "end_date": pd.NaT, "countries_iso3": "VEN", "is_regional": False,
        "requirements_original_usd": req, "requirements_usd": req, "funding_usd": fund, "pledges_usd": 0,
        "percent_funded": fund / req * 100, "unmet_usd": req - fund, "people_in_need": pd.NA,
        "people_targeted": pd.NA, "people_source": pd.NA, "figures_source": "FTS api.hpc.tools"}
        for pid, code, req, fund in rows])
    return schemas.validate("fts_plans", frame)


def test_compare_finds_revised_added_and_removed_figures():
    old = plans([(827, "HVEN19", 222_724_387, 70_000_000), (1, "HOLD19", 10, 5)])
    new = plans([(827, "HVEN19", 222_724_387, 76_925_346), (928, "HVEN20", 762_509_363, 155_027_634)])
    out = compare(old, new, "fts_plans")
    revised = out[out["change"] == "revised"]
    assert revised[["key", "field", "old_value", "new_value", "difference"]].values.tolist() == [
        ["827", "funding_usd", 70_000_000, 76_925_346, 6_925_346]]
    assert revised["label"].iloc[0] == "HVEN19 | Plan HVEN19 | 2019"
    added = out[out["change"] == "added"]
    assert set(added["key"]) == {"928"} and added.set_index("field").loc["funding_usd", "new_value"] == 155_027_634
    removed = out[out["change"] == "removed"]
    assert set(removed["key"]) == {"1"} and removed.set_index("field").loc["requirements_usd", "difference"] == -10


def test_added_and_removed_rows_are_labelled_each_with_its_own_row():
    """Labels of added and removed rows are made for all of them at once; each row keeps its own (and a
    row with a missing label part says nothing there, as a revised row does)."""
    old = plans([(1, "HOLD19", 10, 5), (2, "HOLD18", 20, 5), (3, "HSAME", 30, 5)])
    new = plans([(3, "HSAME", 30, 5), (928, "HVEN20", 762_509_363, 155_027_634), (929, "HCOL20", 5, 1)])
    new.loc[new["plan_id"] == 929, "plan_name"] = pd.NA
    out = compare(old, new, "fts_plans")
    labels = out.drop_duplicates("key").set_index("key")["label"].to_dict()
    assert labels == {"928": "HVEN20 | Plan HVEN20 | 2019", "929": "HCOL20 |  | 2019",
                      "1": "HOLD19 | Plan HOLD19 | 2019", "2": "HOLD18 | Plan HOLD18 | 2019"}
    assert set(out[out["change"] == "added"]["key"]) == {"928", "929"}
    assert set(out[out["change"] == "removed"]["key"]) == {"1", "2"}


def test_compare_of_identical_versions_is_empty():
    same = plans([(827, "HVEN19", 222_724_387, 76_925_346)])
    assert compare(same, same.copy(), "fts_plans").empty


def test_changes_since_a_date_and_errors(tmp_path):
    store = Store(tmp_path)
    with pytest.raises(IngestError, match="only 0 version"):
        changes(store, "fts_plans")
    store.write({"fts_plans": plans([(827, "HVEN19", 100, 10)])}, {}, now=datetime(2026, 1, 1, tzinfo=timezone.utc))
    store.write({"fts_plans": plans([(827, "HVEN19", 100, 20)])}, {}, now=datetime(2026, 2, 1, tzinfo=timezone.utc))
    store.write({"fts_plans": plans([(827, "HVEN19", 100, 35)])}, {}, now=datetime(2026, 3, 1, tzinfo=timezone.utc))
    assert changes(store, "fts_plans")["difference"].tolist() == [15]  # previous version -> current
    since_jan = changes(store, "fts_plans", since=datetime(2026, 1, 15))
    assert since_jan["difference"].tolist() == [25] and since_jan["old_version"].iloc[0].startswith("000001-20260101")
    with pytest.raises(IngestError, match="on or before 2025-12-01"):
        pick_versions(store, datetime(2025, 12, 1))


@pytest.mark.reference
def test_two_mmp_releases(reference, tmp_path):
    """The 2020 site download, then the 2025 release: totals per year and region group moved."""
    mmp = reference / "mmp"
    for name in ("mmp_global_oldschema_2014-2020-01.csv", "mmp_global_fullschema_2014-2025-04.xlsx"):
        assert main(["mmp", "--file", str(mmp / name), "--data-dir", str(tmp_path), "--quiet"]) == 0
    store = Store(tmp_path)
    old_dir, new_dir = pick_versions(store)
    moved = totals_by_region(store.read("mmp_deaths", old_dir), store.read("mmp_deaths", new_dir))
    row = moved[(moved["year"] == 2015) & (moved["region_group"] == "Mediterranean")].iloc[0]
    raw_old = pd.read_csv(mmp / "mmp_global_oldschema_2014-2020-01.csv", dtype=str, keep_default_na=False)
    raw_old = raw_old[(raw_old["Reported Year"] == "2015") & (raw_old["Region of Incident"] == "Mediterranean")]
    assert row["dead_and_missing_old"] == pd.to_numeric(raw_old["Total Dead and Missing"].str.replace(",", "")).sum()
    raw_new = pd.read_excel(mmp / "mmp_global_fullschema_2014-2025-04.xlsx", dtype=str, engine="calamine")
    raw_new = raw_new[raw_new["Incident Year"].str.startswith("2015", na=False)
                      & (raw_new["Region of Incident"] == "Mediterranean")]
    assert row["dead_and_missing_new"] == pd.to_numeric(raw_new["Total Number of Dead and Missing"]).sum()
    assert row["difference"] == row["dead_and_missing_new"] - row["dead_and_missing_old"]
    # years the 2020 download did not cover appear as new totals
    assert moved[(moved["year"] == 2024)]["dead_and_missing_old"].sum() == 0
    table = changes(store, "mmp_deaths")
    assert {"added", "revised"} <= set(table["change"])
