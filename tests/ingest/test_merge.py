"""A partial ingest never shrinks a table: new rows are merged by key into the current tables (a file
replaces only the plans, flows or years it holds), `--replace` rebuilds, and the report counts rows
added, changed and removed per table. The fault first: before the merge, one small file replaced an
81-plan table."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from ingest.cli import main
from ingest.merge import merge
from ingest.store import Store

FIX = Path(__file__).resolve().parents[1] / "fixtures"
HEADER = "countryCode,id,name,code,typeId,typeName,startDate,endDate,year,requirements,funding,percentFunded"


def plans_file(tmp_path: Path, name: str, rows: list[tuple[int, str, int, int, int]]) -> Path:
    lines = [HEADER] + [f"VEN,{pid},Plan {code},{code},4,Humanitarian response plan,{y}-01-01,{y}-12-31,{y},{req},{fund},"
                        for pid, code, y, req, fund in rows]
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n")
    return path


def test_a_one_plan_file_updates_that_plan_and_keeps_the_others(tmp_path, capsys):
    data = tmp_path / "data"
    full = plans_file(tmp_path, "fts_requirements_funding_ven.csv",
                      [(9000 + i, f"HVEN{i:02d}", 2000 + i, 1000 + i, 500) for i in range(1, 12)])
    assert main(["fts", "--file", str(full), "--data-dir", str(data), "--quiet"]) == 0
    one = plans_file(tmp_path, "fts_requirements_funding_ven_update.csv",
                     [(9003, "HVEN03", 2003, 1003, 900), (9100, "HVEN99", 2019, 5, 1)])
    assert main(["fts", "--file", str(one), "--data-dir", str(data), "--quiet"]) == 0
    out = capsys.readouterr().out
    plans = Store(data).read("fts_plans").set_index("plan_id")
    assert len(plans) == 12 and plans.loc[9003, "funding_usd"] == 900 and plans.loc[9011, "funding_usd"] == 500
    assert "fts_plans: merged by key into the current table: 1 rows added, 1 changed, 0 removed, 10 kept" in out
    note = Store(data).manifest()["tables"]["fts_plans"]["notes"][0]
    assert note.startswith("merged by key") and len(Store(data).manifest()["tables"]["fts_plans"]["inputs"]) == 2
    # --replace: a clean rebuild from this file alone
    assert main(["fts", "--file", str(one), "--data-dir", str(data), "--quiet", "--replace"]) == 0
    assert sorted(Store(data).read("fts_plans")["plan_id"]) == [9003, 9100]


def test_clusters_of_a_plan_are_replaced_as_a_block():
    current = pd.DataFrame({"plan_id": [1, 1, 2], "cluster_type": ["cluster"] * 3, "row_type": ["cluster"] * 3,
                            "cluster_id": ["a", "b", "c"], "cluster_name": ["A", "B", "C"],
                            "funding_usd": pd.array([1, 2, 3], dtype="Int64")})
    new = pd.DataFrame({"plan_id": [1], "cluster_type": ["cluster"], "row_type": ["cluster"], "cluster_id": ["a"],
                        "cluster_name": ["A"], "funding_usd": pd.array([5], dtype="Int64")})
    result = merge("fts_clusters", new, current)
    assert list(result.frame["cluster_id"]) == ["a", "c"]  # plan 1's old "b" is gone, plan 2 kept
    assert (result.added, result.changed, result.removed, result.kept) == (0, 1, 1, 1)


def test_migrant_incidents_merge_by_year(tmp_path, capsys):
    data = tmp_path / "data"
    assert main(["mmp", "--file", str(FIX / "mmp" / "feed_2019.json"), "--data-dir", str(data), "--quiet"]) == 0
    first = Store(data).read("mmp_incidents")
    assert main(["mmp", "--file", str(FIX / "mmp" / "feed_2025.json"), "--data-dir", str(data), "--quiet"]) == 0
    both = Store(data).read("mmp_incidents")
    second_years = set(both["year"]) - set(first["year"])
    assert second_years and set(first["year"]) <= set(both["year"])
    assert len(both) == len(first) + int(both["year"].isin(second_years).sum())
    deaths = Store(data).read("mmp_deaths")
    assert set(deaths["year"]) == set(both["year"])
    assert int(deaths["dead_and_missing"].sum()) == int(both["dead_and_missing"].sum())
