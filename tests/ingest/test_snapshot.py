"""The bundled snapshot: FTS aggregates and IOM incidents, up to date with their sources, and the figures donors quote."""
from __future__ import annotations

import json
import re

import pandas as pd
import pytest

from ingest.cli import SNAPSHOT_TABLES, main
from ingest.store import SNAPSHOT_DIR, Store


def test_snapshot_holds_aggregates_only_with_provenance():
    manifest = json.loads((SNAPSHOT_DIR / "manifest.json").read_text())
    assert sorted(manifest["tables"]) == sorted(SNAPSHOT_TABLES)
    assert "fts_flows" not in manifest["tables"]  # no flow records: the FTS exports hold current-year flows only
    # every incident of the two MMP files (19,255 in the 2014-April 2025 release, 238 in the 2026 export)
    assert manifest["tables"]["mmp_incidents"]["rows"] == 19_255 + 238
    for entry in manifest["tables"].values():
        assert entry["inputs"] and all(len(i["sha256"]) == 64 and i["retrieved_at"] for i in entry["inputs"])
        assert entry["licence"] in {"CC BY 4.0", "CC BY-IGO 3.0"}
    files = {i["file"] for i in manifest["tables"]["mmp_deaths"]["inputs"]}
    assert files == {"mmp_global_fullschema_2014-2025-04.xlsx", "mmp_global_siteexport_2026-01-to-2026-05.csv"}


def test_snapshot_venezuela_2019_figures():
    plans = Store(SNAPSHOT_DIR).read("fts_plans").set_index("plan_id")
    hven19 = plans.loc[827]
    assert hven19["plan_code"] == "HVEN19" and hven19["year"] == 2019
    assert hven19["requirements_usd"] == 222_724_387 and hven19["funding_usd"] == 76_925_346
    assert round(hven19["percent_funded"], 1) == 34.5
    # FTS has no caseloads for HVEN19: the published figures are a table of their own, never in fts_plans
    assert pd.isna(hven19["people_in_need"]) and pd.isna(hven19["people_targeted"])
    published = Store(SNAPSHOT_DIR).read("published_plan_figures").set_index("figure_id")
    assert (published.loc[827, "people_in_need"], published.loc[827, "people_targeted"]) == (7_000_000, 2_600_000)
    assert published.loc[827, "source"].startswith("Venezuela Humanitarian Response Plan July-December 2019")
    assert -1 not in plans.index  # the R4V figure for the RMRP 2019 is not FTS data
    assert sorted(plans.loc[plans["plan_code"].str.fullmatch(r"HVEN\d\d", na=False), "year"]) == list(range(2019, 2027))


@pytest.mark.slow  # a whole rebuild from the reference files
@pytest.mark.reference
def test_snapshot_is_rebuilt_identically_from_the_reference(reference, tmp_path):
    out = tmp_path / "snap"
    assert main(["snapshot", "--from", str(reference), "--out", str(out), "--as-of", "2026-11-27", "--quiet"]) == 0
    fresh, bundled = Store(out), Store(SNAPSHOT_DIR)
    for name in SNAPSHOT_TABLES:
        pd.testing.assert_frame_equal(fresh.read(name), bundled.read(name), check_exact=True)
    new, old = fresh.manifest()["tables"], bundled.manifest()["tables"]
    assert _portable(new) == _portable(old)
    for name in SNAPSHOT_TABLES:  # the same bytes, where the same library versions wrote them
        if _writers(out / new[name]["file"]) == _writers(SNAPSHOT_DIR / old[name]["file"]):
            assert new[name]["sha256"] == old[name]["sha256"], name


def _portable(tables: dict) -> dict:
    """Manifest entries with folder names dropped from the notes (the snapshot may be built from any path),
    and without the table file's digest: its bytes hold the versions of pandas and pyarrow that wrote it
    (the frames themselves are compared exactly)."""
    return {name: {**{k: v for k, v in entry.items() if k != "sha256"},
                   "notes": [re.sub(r"\S*/(?=[^/\s]+\.(json|csv|xlsx))", "", n) for n in entry["notes"]]}
            for name, entry in tables.items()}


def _writers(path) -> tuple[str, str]:
    """The pandas and Parquet writer versions recorded in a Parquet file."""
    import json

    import pyarrow.parquet as pq

    meta = pq.read_metadata(path)
    return json.loads(meta.metadata[b"pandas"])["pandas_version"], meta.created_by


@pytest.mark.reference
def test_snapshot_mmp_totals_equal_the_sources(reference):
    """Per-year dead_and_missing in the snapshot = the xlsx's own total column + the 2026 export's dead+missing."""
    xlsx = pd.read_excel(reference / "mmp" / "mmp_global_fullschema_2014-2025-04.xlsx", dtype=str,
                         engine="calamine")
    xlsx_total = pd.to_numeric(xlsx["Total Number of Dead and Missing"]).sum()
    site = pd.read_csv(reference / "mmp" / "mmp_global_siteexport_2026-01-to-2026-05.csv", dtype=str,
                       keep_default_na=False)
    site_total = sum(pd.to_numeric(site[c].replace("", "0")).sum()
                     for c in ("Number Dead", "Minimum Estimated Number of Missing"))
    deaths = Store(SNAPSHOT_DIR).read("mmp_deaths")
    assert deaths["dead_and_missing"].sum() == xlsx_total + site_total
    assert deaths.loc[deaths["year"] == 2026, "dead_and_missing"].sum() == site_total
    assert deaths["incidents"].sum() == len(xlsx) + len(site)
