"""ingest.sources.mmp on small hand-made fixtures (tests/fixtures/mmp) and a real local HTTP server."""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from ingest.errors import IngestError
from ingest.http import Client
from ingest.report import Report
from ingest.schemas import SCHEMAS
from ingest.sources import mmp

FIXTURES = Path(__file__).resolve().parents[3] / "fixtures" / "mmp"


def read(name: str) -> tuple[pd.DataFrame, Report]:
    report = Report()
    return mmp.read_file(FIXTURES / name, report), report


def row(frame: pd.DataFrame, incident_id: str) -> pd.Series:
    hits = frame[frame["incident_id"] == incident_id]
    assert len(hits) == 1, f"{incident_id}: {len(hits)} rows"
    return hits.iloc[0]


def assert_contract(frame: pd.DataFrame) -> None:
    assert list(frame.columns) == list(SCHEMAS["mmp_incidents"].columns)
    assert frame["incident_id"].is_unique


# ------------------------------------------------------------------------------------- current full schema

@pytest.mark.parametrize("name", ["full_schema.csv", "full_schema.xlsx"])
def test_full_schema(name):
    df, report = read(name)
    assert_contract(df)
    assert len(df) == 12
    assert df["source_file"].unique().tolist() == [name]
    # BOM stripped from the id, and counted.
    assert "2019.MMP00001" in set(df["incident_id"])
    assert not df["incident_id"].str.contains("\ufeff").any()
    assert report.counts["BOM (U+FEFF) stripped from incident id"] == 1
    # A correction: negative missing kept, the source's total kept (never abs()).
    r = row(df, "2015.MMP00565")
    assert (r["dead"], r["missing"], r["dead_and_missing"]) == (69, -13, 56)
    assert r["incident_date"] == pd.Timestamp("2015-10-28") and r["month"] == 10
    # Blank date, year and month: the year comes from the id.
    r = row(df, "2020.MMP01074")
    assert pd.isna(r["incident_date"]) and pd.isna(r["month"]) and r["year"] == 2020
    assert report.counts["year recovered from ID"] == 1
    assert r["source_quality"] == "4,5"
    # Source total disagreeing with dead + missing: kept, counted.
    r = row(df, "2023.MMP0001")
    assert (r["dead"], r["missing"], r["dead_and_missing"]) == (3, 1, 5)
    assert report.counts["source total differs from dead + missing (source total kept)"] == 1
    # Out-of-range coordinates blanked; "lat, lon" order otherwise.
    assert pd.isna(r["lat"]) and pd.isna(r["lon"])
    assert report.counts["coordinates out of range (left blank)"] == 1
    r = row(df, "2019.MMP00001")
    assert (r["lat"], r["lon"]) == (31.650259, -110.366453)


def test_full_schema_csv_and_xlsx_agree():
    csv, _ = read("full_schema.csv")
    xlsx, _ = read("full_schema.xlsx")
    pd.testing.assert_frame_equal(csv.drop(columns="source_file"), xlsx.drop(columns="source_file"))


def test_origin_groups_and_iso3():
    df, report = read("full_schema.csv")
    got = df.set_index("incident_id")[["origin_iso3", "origin_group"]]
    expected = {
        "2019.MMP00001": ("VEN", "single"),
        "2015.MMP00565": (None, "unknown"),  # Unknown
        "2020.MMP01074": ("ETH;SOM", "multiple"),  # Ethiopia,Somalia
        "2020.MMP00507": ("COL;VEN", "multiple"),  # Colombia,Mixed,Venezuela (...)
        "2022.MMP0352": (None, "unknown"),  # blank
        "2022.MMP0353": (None, "mixed"),  # Mixed
        "2023.MMP0001": (None, "single"),  # Narnia: a name, unmatched
        "2023.MMP0002": (None, "mixed"),  # Mixed,Unknown
        "2023.MMP0003": (None, "unknown"),  # Mixed/Unknown
        "2023.MMP0004": ("IRN", "multiple"),  # Iran (...),Unknown
        "2024.MMP0001": ("CIV", "single"),  # Côte d'Ivoire
        "2024.MMP0002": ("SYR", "single"),
    }
    for incident, (iso3, group) in expected.items():
        assert (None if pd.isna(got.at[incident, "origin_iso3"]) else got.at[incident, "origin_iso3"]) == iso3, incident
        assert got.at[incident, "origin_group"] == group, incident
    assert row(df, "2020.MMP00507")["origin"] == "Colombia,Mixed,Venezuela (Bolivarian Republic of)"  # as published
    assert report.counts["unmatched country name: Narnia"] == 1
    assert not [k for k in report.counts if k.startswith("unmatched") and "Narnia" not in k]
    r = row(df, "2022.MMP0353")
    assert r["country_of_incident"] == "China, Hong Kong Special Administrative Region"
    assert r["country_of_incident_iso3"] == "HKG"
    assert row(df, "2023.MMP0001")["country_of_incident_iso3"] == "TUR"


def test_region_groups_multi_region_and_unknown_region():
    df, report = read("full_schema.csv")
    r = row(df, "2020.MMP00507")
    assert (r["region"], r["region_group"]) == ("Mediterranean,North America", "Multiple")
    r = row(df, "2022.MMP0352")
    assert (r["region"], r["region_group"]) == ("Central America,North America", "Americas")
    assert report.counts["multi-region incident"] == 2
    assert report.counts["multi-region incident across region groups (Multiple)"] == 1
    assert pd.isna(row(df, "2024.MMP0002")["region_group"])
    assert any("Atlantis" in w for w in report.warnings)


def test_region_groups_table():
    americas = {r for r, g in mmp.REGION_GROUPS.items() if g == "Americas"}
    assert americas == {"North America", "Central America", "Caribbean", "South America", "US-Mexico Border"}
    assert mmp.REGION_GROUPS["Mediterranean"] == "Mediterranean"
    assert mmp.REGION_GROUPS["Horn of Africa"] == mmp.REGION_GROUPS["Sub-Saharan Africa"] == "Africa"
    assert mmp.REGION_GROUPS["Middle East"] == mmp.REGION_GROUPS["South-eastern Asia"] == "Asia"
    assert set(mmp.REGION_GROUPS.values()) == {"Americas", "Mediterranean", "Europe", "Africa", "Asia"}


# ------------------------------------------------------------------------------------- other layouts

def test_kaggle_identical_rows_are_distinct_incidents():
    df, report = read("kaggle_19col.csv")
    assert_contract(df)
    assert len(df) == 6  # three identical Pima rows all kept
    assert df["incident_id"].tolist()[:3] == ["kaggle_19col:2", "kaggle_19col:3", "kaggle_19col:4"]
    assert report.counts["incident id synthesised from file and row (no id in source)"] == 6
    assert df["year"].tolist() == [2014, 2014, 2014, 2015, 2016, 2023]
    assert df["month"].tolist() == [1, 1, 1, 4, 3, 7]  # "Apr" and full names
    assert df["incident_date"].isna().all()
    r = df.iloc[3]
    assert pd.isna(r["dead"]) and r["dead_and_missing"] == 272 and pd.isna(r["lat"])
    r = df.iloc[4]
    assert (r["missing"], r["survivors"], r["origin_group"], r["origin_iso3"]) == (-1, -2, "multiple", "MAR")
    assert any("Kaggle" in w for w in report.warnings)


def test_old_schema_thousands_separator_dates_and_old_regions():
    df, report = read("old_schema_2020.csv")
    assert_contract(df)
    assert len(df) == 7
    r = row(df, "40345")
    assert (r["dead"], r["missing"], r["dead_and_missing"]) == (750, 272, 1022)
    assert report.counts["thousands separator removed from a count"] == 1
    r = row(df, "52682")
    assert r["incident_date"] == pd.Timestamp("2020-01-05") and (r["year"], r["month"]) == (2020, 1)
    assert (r["lat"], r["lon"]) == (38.61076246167, 26.651187816406)
    assert row(df, "52665")["dead_and_missing"] == 0  # the Placeholder row is kept as published
    groups = df.set_index("region")["region_group"].to_dict()
    assert groups == {"Mediterranean": "Mediterranean", "US-Mexico Border": "Americas", "Horn of Africa": "Africa",
                      "Middle East": "Asia", "Sub-Saharan Africa": "Africa"}
    # No Country of Origin in this release: nationality is "not recorded", not "unknown".
    assert df["origin"].isna().all() and df["origin_group"].isna().all()


def test_2022_schema_cp1252_and_wkt_point():
    raw = (FIXTURES / "schema_2022_cp1252.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    df, report = read("schema_2022_cp1252.csv")
    assert_contract(df)
    assert len(df) == 4
    assert report.counts["file decoded as Windows-1252 (not UTF-8)"] == 1
    assert row(df, "2019.MMP01859")["cause_of_death"] == "Violence \u2013 shot at Tecún\u00a0Umán"
    # WKT is POINT (lon lat): longitude first.
    r = row(df, "2014.MMP00001")
    assert (r["lat"], r["lon"]) == (31.650259, -110.366453)
    r = row(df, "7420")
    assert (r["lat"], r["lon"]) == (22.73438554, 12.93933141) and r["year"] == 2016
    # Blank date with a year column: year from the column, month from the month name.
    r = row(df, "2019.MMP01859")
    assert pd.isna(r["incident_date"]) and (r["year"], r["month"]) == (2019, 1)
    assert report.counts["year recovered from ID"] == 0
    r = row(df, "2021.MMP00001")
    assert pd.isna(r["lat"]) and (r["missing"], r["survivors"], r["dead_and_missing"]) == (-2, -1, 5)


def test_site_export_dates_ids_and_computed_totals():
    df, report = read("site_export_2026.csv")
    assert_contract(df)
    assert (FIXTURES / "site_export_2026.csv").read_bytes()[-1:] != b"\n"
    assert len(df) == 5
    assert {"2026.MMP00078", "2026.MMP00079"} <= set(df["incident_id"])  # Main ID 2026.MMP0007 repeats
    assert report.counts["incident id taken from Incident ID (Main ID repeats)"] == 5
    assert row(df, "2026.MMP0001")["incident_date"] == pd.Timestamp("2026-01-01")
    assert row(df, "2026.MMP0215")["incident_date"] == pd.Timestamp("2026-05-01")  # US order: MM/DD
    assert row(df, "2026.MMP0190")["incident_date"] == pd.Timestamp("2026-02-15")
    r = row(df, "2026.MMP0190")
    assert (r["dead"], r["missing"], r["dead_and_missing"], r["survivors"]) == (17, -5, 12, -1)
    assert row(df, "2026.MMP00079")["dead_and_missing"] == 3  # blank dead counts as 0
    assert report.counts["total computed as dead + missing (no total in source)"] == 5
    assert row(df, "2026.MMP0190")["origin_group"] == "mixed"
    assert row(df, "2026.MMP0215")["origin_group"] == "unknown"  # Mixed/Unknown


def test_2022_site_export_with_header_typo():
    df, report = read("site_export_2022.csv")
    assert_contract(df)
    assert df["migration_route"].tolist() == ["US-Mexico border crossing", "Central Mediterranean"]
    assert df["dead_and_missing"].tolist() == [1, 7]


def test_json_feed_file_repeated_ids_entities_and_blank_date():
    df, report = read("feed_2019.json")
    assert_contract(df)
    assert len(df) == 6
    assert ["2019.MMP00200", "2019.MMP00200#2", "2019.MMP00200#3"] == [
        i for i in df["incident_id"] if i.startswith("2019.MMP00200")]
    assert report.counts["repeated incident id suffixed #n"] == 2
    assert row(df, "2019.MMP00200#3")["dead"] == 3  # suffixes follow file order
    assert row(df, "2019.MMP00200")["country_of_incident"] == "Côte d'Ivoire"
    assert row(df, "2019.MMP00200")["country_of_incident_iso3"] == "CIV"
    assert row(df, "2019.MMP00100")["dead_and_missing"] == 1022
    r = row(df, "2019.MMP01859")
    assert pd.isna(r["incident_date"]) and r["year"] == 2019
    assert row(df, "2019.MMP00300")["country_of_incident_iso3"] == "VEN"
    assert df["origin_group"].isna().all()  # no country_origin before 2025


def test_json_feed_2025_has_nationality():
    df, _ = read("feed_2025.json")
    assert df.set_index("incident_id")["origin_group"].to_dict() == {
        "2025.MMP0937": "unknown", "2025.MMP0001": "single", "2025.MMP0002": "multiple"}
    assert row(df, "2025.MMP0002")["origin_iso3"] == "GTM;MEX"
    r = row(df, "2025.MMP0937")
    assert (r["lat"], r["lon"]) == (36.09697472, -7.465096441)


def test_hdx_copy_drops_the_hxl_row():
    df, report = read("hdx_feed_hxl.csv")
    assert_contract(df)
    assert df["incident_id"].tolist() == ["2019.MMP00100", "2019.MMP00200", "2019.MMP01859"]
    assert report.counts["HXL hashtag row dropped"] == 1


def test_hxl_row_in_any_layout(tmp_path):
    lines = (FIXTURES / "full_schema.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    hxl = ",".join(["#id", "", "#meta+type", "#region+name"] + [""] * 21) + "\n"
    (tmp_path / "hdx.csv").write_text(lines[0] + hxl + "".join(lines[1:]), encoding="utf-8")
    report = Report()
    df = mmp.read_file(tmp_path / "hdx.csv", report)
    assert len(df) == 12 and report.counts["HXL hashtag row dropped"] == 1
    assert df["incident_id"].str.startswith("hdx:").sum() == 0


# ------------------------------------------------------------------------------------- failures

def test_empty_file_is_an_error(tmp_path):
    for content in (b"", b"  \r\n", b"\xef\xbb\xbf"):
        path = tmp_path / "empty.csv"
        path.write_bytes(content)
        with pytest.raises(IngestError, match="empty.csv: the file is empty"):
            mmp.read_file(path, Report())


def test_empty_workbook_and_zip_are_errors(tmp_path):
    import zipfile

    import openpyxl

    openpyxl.Workbook().save(tmp_path / "blank.xlsx")
    with pytest.raises(IngestError, match="blank.xlsx: no header row found"):
        mmp.read_file(tmp_path / "blank.xlsx", Report())
    with zipfile.ZipFile(tmp_path / "kaggle.zip", "w") as archive:
        archive.write(FIXTURES / "kaggle_19col.csv", "kaggle_19col.csv")
    with pytest.raises(IngestError, match="kaggle.zip: cannot read the workbook .*unzipped first"):
        mmp.read_file(tmp_path / "kaggle.zip", Report())


def test_missing_file_is_an_error(tmp_path):
    with pytest.raises(IngestError, match="nope.csv"):
        mmp.read_file(tmp_path / "nope.csv", Report())


def test_wrong_columns_name_found_and_expected(tmp_path):
    path = tmp_path / "other.csv"
    path.write_text("Country,Year,Deaths\nItaly,2020,3\n", encoding="utf-8")
    with pytest.raises(IngestError) as err:
        mmp.read_file(path, Report())
    message = str(err.value)
    assert "other.csv" in message
    assert "Columns found: Country, Year, Deaths" in message
    # the quantity that is truly absent is named, with the header that would supply it
    assert "no column for the number of dead or missing" in message and "'Number of Dead'" in message
    assert "incident date or year" not in message  # 'Year' dates the incidents


def test_a_file_lacking_optional_columns_is_read(tmp_path):
    frame = pd.read_csv(FIXTURES / "full_schema.csv", dtype=str, keep_default_na=False)
    frame.drop(columns=["Country of Incident", "Month"]).to_csv(tmp_path / "short.csv", index=False)
    out = mmp.read_file(tmp_path / "short.csv", Report())
    assert len(out) == len(frame)
    assert out["country_of_incident"].isna().all()  # absent: blank, never guessed
    dated = out["incident_date"].notna()
    assert (out.loc[dated, "month"] == out.loc[dated, "incident_date"].dt.month).all()


def test_header_only_file_gives_an_empty_table(tmp_path):
    path = tmp_path / "header.csv"
    path.write_text((FIXTURES / "full_schema.csv").read_text(encoding="utf-8").splitlines()[0] + "\n")
    report = Report()
    df = mmp.read_file(path, report)
    assert df.empty and list(df.columns) == list(SCHEMAS["mmp_incidents"].columns)
    assert report.warnings


@pytest.mark.parametrize("content, match", [
    ('{"error": "not found"}', "expected a JSON array of incident objects, got a JSON dict"),
    ('[{"web_id": "1"}]', r"record 0 \(web_id '1'\) lacks field\(s\) .*location_coodinates"),
    ("[1, 2]", "record 0 is a JSON int"),
    ('[{"web_id": ', "malformed or truncated JSON"),
])
def test_bad_json_files(tmp_path, content, match):
    path = tmp_path / "feed.json"
    path.write_text(content)
    with pytest.raises(IngestError, match=match):
        mmp.read_file(path, Report())


def test_unreadable_cells_are_counted_not_fatal(tmp_path):
    frame = pd.read_csv(FIXTURES / "site_export_2026.csv", dtype=str, keep_default_na=False)
    frame.loc[0, "Incident Date"] = "sometime in January"
    frame.loc[1, "Number Dead"] = "about 3"
    frame.loc[2, "Coordinates"] = "north of Ceuta"
    frame.to_csv(tmp_path / "odd.csv", index=False)
    report = Report()
    df = mmp.read_file(tmp_path / "odd.csv", report)
    assert len(df) == 5
    assert report.counts["unreadable incident date (left blank)"] == 1
    assert report.counts["unreadable number in dead (left blank)"] == 1
    assert report.counts["unreadable coordinates (left blank)"] == 1
    r = df.iloc[0]
    assert pd.isna(r["incident_date"]) and (r["year"], r["month"]) == (2026, 1)


def test_no_year_anywhere_is_an_error(tmp_path):
    frame = pd.read_csv(FIXTURES / "kaggle_19col.csv", dtype=str, keep_default_na=False, encoding="utf-8-sig")
    frame.loc[2, "Incident year"] = ""
    frame.to_csv(tmp_path / "noyear.csv", index=False)
    with pytest.raises(IngestError, match=r"noyear.csv: 1 row\(s\) have no date, year .*noyear:4"):
        mmp.read_file(tmp_path / "noyear.csv", Report())


# ------------------------------------------------------------------------------------- aggregate

def test_aggregate_keeps_every_row_and_the_totals():
    frames = [read(name)[0] for name in ("full_schema.csv", "kaggle_19col.csv", "old_schema_2020.csv",
                                         "site_export_2026.csv", "feed_2019.json")]
    incidents = pd.concat(frames, ignore_index=True)
    deaths = mmp.aggregate(incidents)
    assert list(deaths.columns) == list(SCHEMAS["mmp_deaths"].columns)
    assert deaths["incidents"].sum() == len(incidents)
    assert deaths["dead_and_missing"].sum() == incidents["dead_and_missing"].sum()
    for column in ("dead", "missing", "survivors", "females", "males", "children"):
        assert deaths[column].sum() == incidents[column].sum(skipna=True), column
    # The three identical Kaggle rows fall into one group of three incidents.
    kaggle = deaths[(deaths["year"] == 2014) & (deaths["region"] == "North America") & (deaths["origin"] == "Unknown")]
    assert kaggle["incidents"].tolist() == [3]
    # NA keys (blank month, no nationality) are kept as their own groups.
    assert deaths["month"].isna().any() and deaths["origin_group"].isna().any()
    assert (deaths["missing"] < 0).any()  # corrections stay negative


def test_aggregate_of_nothing():
    deaths = mmp.aggregate(mmp.read_file(FIXTURES / "full_schema.csv", Report()).iloc[0:0])
    assert deaths.empty and list(deaths.columns) == list(SCHEMAS["mmp_deaths"].columns)


# ------------------------------------------------------------------------------------- fetch (live path)

@pytest.fixture
def feed_server(local_server):
    """The shared real HTTP server (tests/conftest.py) serving the fixture feed per year."""
    base, script = local_server
    script.add("/global-figures/2019/json", (200, (FIXTURES / "feed_2019.json").read_bytes(), {}))
    script.add("/global-figures/2025/json", (200, (FIXTURES / "feed_2025.json").read_bytes(), {}))
    script.add("/global-figures/2024/json", (200, b"[]", {}))
    script.add("/global-figures/2030/json", (200, b'{"message": "no such year"}', {}))
    script.add("/global-figures/2031/json",
               (200, json.dumps([{"web_id": "2031.MMP1", "region": "Europe"}]).encode(), {}))
    return base, script


def test_fetch_pulls_each_year(feed_server):
    feed_server, script = feed_server
    ticks: list[int] = []
    report = Report()
    df = mmp.fetch(Client(feed_server, min_interval=0, retries=0), [2019, 2024, 2025], report, progress=ticks.append)
    assert script.hits == ["/global-figures/2019/json", "/global-figures/2024/json", "/global-figures/2025/json"]
    assert ticks == [1, 1, 1]
    assert_contract(df)
    assert len(df) == 6 + 3
    assert set(df["source_file"]) == {f"{feed_server}/global-figures/{y}/json" for y in (2019, 2025)}
    assert report.counts["repeated incident id suffixed #n"] == 2
    assert any("2024/json" in w and "empty" in w for w in report.warnings)
    # Nationality only where the feed has it (2025).
    assert df.loc[df["year"] == 2019, "origin_group"].isna().all()
    assert df.loc[df["year"] == 2025, "origin_group"].notna().all()
    assert row(df, "2019.MMP00100")["dead_and_missing"] == 1022


def test_fetch_empty_year_only(feed_server):
    feed_server, _ = feed_server
    report = Report()
    df = mmp.fetch(Client(feed_server, min_interval=0, retries=0), [2024], report)
    assert df.empty and list(df.columns) == list(SCHEMAS["mmp_incidents"].columns)
    assert report.warnings


@pytest.mark.parametrize("year, match", [
    (2030, r"/global-figures/2030/json: expected a JSON array of incident objects, got a JSON dict"),
    (2031, r"/global-figures/2031/json: record 0 \(web_id '2031.MMP1'\) lacks field\(s\) .*reported_date"),
    (2032, r"/global-figures/2032/json: HTTP 404"),
])
def test_fetch_bad_responses_name_the_url_and_field(feed_server, year, match):
    feed_server, _ = feed_server
    with pytest.raises(IngestError, match=match):
        mmp.fetch(Client(feed_server, min_interval=0, retries=0), [year], Report())


# ------------------------------------------------------------------------------------- cell parsers

AWKWARD_COUNTS = ["12", " 12", "1,000", "12,34", "-3", "+4", "7.0", "1e3", "2.5", "١٢", "1_000", "nan", "inf",
                  "99999999999", "1e400", "", None, "12", "1,000", None]


def test_counts_work_once_per_distinct_cell_but_count_every_row():
    """Counts are parsed per distinct text and spread back: every row gets its own value and is counted."""
    cells = pd.Series(AWKWARD_COUNTS, dtype="string").str.strip().replace("", pd.NA)
    report = Report()
    got = mmp._counts(cells, "dead", report)
    expected = []
    for cell in cells.tolist():
        if cell is pd.NA:
            expected.append(pd.NA)
            continue
        value = mmp._whole_number(cell.replace(",", "") if mmp._THOUSANDS.fullmatch(cell) else cell)
        expected.append(value if type(value) is int else pd.NA)
    pd.testing.assert_series_equal(got, pd.Series(expected, dtype="Int64"))
    assert report.counts["thousands separator removed from a count"] == 2
    assert report.counts["negative dead kept (IOM correction)"] == 1
    assert report.counts[f"number beyond {mmp.MAX_COUNT:,} in dead (left blank)"] == 2  # 99999999999, 1e400
    assert report.counts["unreadable number in dead (left blank)"] == 6  # 12,34 2.5 ١٢ 1_000 nan inf


def test_coordinates_both_notations_and_junk():
    cells = pd.Series(["31.65, -110.36", "POINT (26.2 39.3)", "point(-3 4.5)", "91, 0", "x", None, "+1",
                       "POINT (26.2 39.3)"], dtype="string")
    report = Report()
    lat, lon = mmp._coordinates(cells, report)
    assert lat.tolist()[:3] == [31.65, 39.3, 4.5] and lon.tolist()[:3] == [-110.36, 26.2, -3.0]
    assert lat.isna().tolist() == [False, False, False, True, True, True, True, False]
    assert report.counts["unreadable coordinates (left blank)"] == 2
    assert report.counts["coordinates out of range (left blank)"] == 1
