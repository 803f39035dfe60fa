"""ingest.sources.mmp on the real MMP files in ../shared/reference/mmp (see its README).

Expected values are computed here independently from the raw files with plain pandas
(dtype=str, commas stripped by hand), or copied from the reference README; never with the
parser's own helpers.
"""
from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

import pandas as pd
import pytest

from ingest.report import Report
from tests.conftest import reference_dir, require_reference
from ingest.sources import mmp

REFERENCE = reference_dir()
MMP = REFERENCE / "mmp"

pytestmark = pytest.mark.reference

XLSX = "mmp_global_fullschema_2014-2025-04.xlsx"
KAGGLE = "mmp_global_kaggle19col_2014-2023-07.csv"
OLD = "mmp_global_oldschema_2014-2020-01.csv"
S2022 = "mmp_global_2022schema_noorigin_2014-2022-02.csv"
SITE = "mmp_global_siteexport_2026-01-to-2026-05.csv"

# From the reference README (rows; rows per year; the column holding the year, total and id).
ROWS = {XLSX: 19_255, KAGGLE: 13_020, OLD: 6_249, S2022: 10_274, SITE: 238}
ROWS_PER_YEAR = {
    # the 13 blank-year rows of the xlsx are 2020 records (their ids say so): 1311 + 13
    XLSX: {2014: 527, 2015: 1033, 2016: 1511, 2017: 1482, 2018: 1645, 2019: 1815, 2020: 1311 + 13, 2021: 1884,
           2022: 2289, 2023: 2695, 2024: 2824, 2025: 226},
    KAGGLE: {2014: 296, 2015: 821, 2016: 1277, 2017: 1341, 2018: 1637, 2019: 1804, 2020: 1296, 2021: 1800,
             2022: 2183, 2023: 565},
    OLD: {2014: 247, 2015: 808, 2016: 1275, 2017: 1356, 2018: 1625, 2019: 929, 2020: 9},
    S2022: {2014: 296, 2015: 820, 2016: 1278, 2017: 1338, 2018: 1633, 2019: 1793, 2020: 1284, 2021: 1725, 2022: 107},
    SITE: {2026: 238},
}
YEAR_COLUMN = {XLSX: "Incident Year", KAGGLE: "Incident year", OLD: "Reported Year", S2022: "Incident year",
               SITE: "Year"}
TOTAL_COLUMN = {XLSX: "Total Number of Dead and Missing", KAGGLE: "Total Number of Dead and Missing",
                OLD: "Total Dead and Missing", S2022: "Total Number of Dead and Missing", SITE: None}
ID_COLUMN = {XLSX: "Main ID", KAGGLE: None, OLD: "Web ID", S2022: "Main ID", SITE: "Main ID"}
FEED_ROWS = {2014: 535, 2015: 855, 2016: 1293, 2017: 1357, 2018: 1684, 2019: 1832, 2020: 1352, 2021: 1920,
             2022: 2320, 2023: 2689, 2024: 1034, 2025: 975}
FEED_REPEATED_IDS = {2014: 7, 2015: 15, 2016: 11, 2017: 13, 2018: 26, 2019: 17, 2020: 28, 2021: 53, 2022: 66,
                     2023: 67, 2024: 36, 2025: 35}
AMERICAS = {"North America", "Central America", "Caribbean", "South America"}  # current-schema region names


def xlsx_slow(names) -> list:
    """Reading the 2014-2025 xlsx (openpyxl, the parser's way and plain pandas's) takes 20-40 s: the tests that need
    it are slow, so the fast lane leaves them out (the full suite runs them)."""
    return [pytest.param(name, marks=pytest.mark.slow) if name == XLSX else name for name in names]


@pytest.fixture(scope="module", autouse=True)
def reference_folder() -> Path:
    return require_reference("mmp")


@lru_cache(maxsize=None)
def parsed(name: str) -> tuple[pd.DataFrame, Report]:
    report = Report()
    return mmp.read_file(MMP / name, report), report


@lru_cache(maxsize=None)
def raw(name: str) -> pd.DataFrame:
    """The file as plain pandas reads it: every cell text, blanks ''."""
    path = MMP / name
    if name.endswith(".xlsx"):
        return pd.read_excel(path, engine="openpyxl", dtype=str, keep_default_na=False)
    if name.endswith(".json"):
        return pd.DataFrame(json.loads(path.read_text(encoding="utf-8")), dtype=str)
    encoding = {KAGGLE: "utf-8-sig", S2022: "cp1252"}.get(name, "utf-8")
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding=encoding)


def feed(year: int) -> str:
    return f"feed/mmp_feed_{year}.json"


def as_int(cells: pd.Series) -> pd.Series:
    """Plain conversion: strip thousands commas, blank = 0."""
    return cells.str.replace(",", "", regex=False).replace("", "0").astype(int)


def raw_years(name: str) -> pd.Series:
    frame = raw(name)
    year = frame[YEAR_COLUMN[name]]
    if ID_COLUMN[name]:  # blank year: the year the id starts with
        year = year.where(year != "", frame[ID_COLUMN[name]].str.replace("\ufeff", "", regex=False).str[:4])
    return year.astype(float).astype(int)


def raw_totals(name: str) -> pd.Series:
    frame = raw(name)
    if TOTAL_COLUMN[name]:
        return as_int(frame[TOTAL_COLUMN[name]])
    return as_int(frame["Number Dead"]) + as_int(frame["Minimum Estimated Number of Missing"])


# ---------------------------------------------------------------------------------------------- all files

def test_every_reference_file_is_here():
    assert sorted(p.name for p in MMP.glob("*.*") if p.suffix != ".md") == sorted(ROWS)
    assert sorted(p.name for p in (MMP / "feed").glob("*.json")) == [f"mmp_feed_{y}.json" for y in FEED_ROWS]


@pytest.mark.slow  # reads every file in full, the 2014-2025 xlsx too
@pytest.mark.parametrize("name", list(ROWS))
def test_row_counts_nothing_dropped_or_invented(name):
    df, _ = parsed(name)
    assert len(raw(name)) == ROWS[name]
    assert len(df) == ROWS[name]
    assert df["incident_id"].is_unique
    assert (df["source_file"] == name).all()


@pytest.mark.slow  # reads every file in full, the 2014-2025 xlsx too
@pytest.mark.parametrize("name", list(ROWS))
def test_per_year_rows_and_totals_match_the_raw_file(name):
    df, _ = parsed(name)
    expected_rows = raw_years(name).value_counts().sort_index()
    expected_totals = raw_totals(name).groupby(raw_years(name)).sum().sort_index()
    got_rows = df.groupby("year").size()
    got_totals = df.groupby("year")["dead_and_missing"].sum()
    assert got_rows.to_dict() == expected_rows.to_dict() == ROWS_PER_YEAR[name]
    assert got_totals.astype(int).to_dict() == expected_totals.to_dict()
    assert int(df["dead_and_missing"].sum()) == int(raw_totals(name).sum())


@pytest.mark.parametrize("name", xlsx_slow(ROWS))
def test_other_counts_match_the_raw_file(name):
    df, _ = parsed(name)
    frame = raw(name)
    dead = "Number Dead" if "Number Dead" in frame.columns else "Number of Dead"
    for column, field in [(dead, "dead"), ("Minimum Estimated Number of Missing", "missing"),
                          ("Number of Survivors", "survivors"), ("Number of Children", "children")]:
        assert int(df[field].sum()) == int(as_int(frame[column]).sum()), field
        assert int(df[field].isna().sum()) == int((frame[column] == "").sum()), field  # blank stays blank


@pytest.mark.parametrize("name", xlsx_slow(ROWS))
def test_aggregate_preserves_every_incident_and_the_total(name):
    df, _ = parsed(name)
    deaths = mmp.aggregate(df)
    assert int(deaths["incidents"].sum()) == len(df)
    assert int(deaths["dead_and_missing"].sum()) == int(df["dead_and_missing"].sum()) == int(raw_totals(name).sum())
    assert int(deaths["missing"].sum()) == int(df["missing"].sum())


@pytest.mark.parametrize("name", xlsx_slow(list(ROWS) + [feed(y) for y in FEED_ROWS]))
def test_every_country_name_is_matched(name):
    _, report = parsed(name)
    assert [k for k in report.counts if k.startswith("unmatched country name")] == []


# ---------------------------------------------------------------------------------------------- xlsx quirks

@pytest.mark.slow  # reads the 2014-2025 xlsx
def test_blank_date_rows_get_year_2020_from_their_ids():
    df, report = parsed(XLSX)
    frame = raw(XLSX)
    blank = frame.loc[frame["Incident Date"] == "", "Main ID"].tolist()
    assert len(blank) == 13 and blank[0] == "2020.MMP01074" and blank[-1] == "2020.MMP01101"
    rows = df[df["incident_id"].isin(blank)]
    assert len(rows) == 13
    assert (rows["year"] == 2020).all() and rows["incident_date"].isna().all() and rows["month"].isna().all()
    assert report.counts["year recovered from ID"] == 13


@pytest.mark.slow  # reads the 2014-2025 xlsx
def test_bom_ids_are_cleaned_and_unique():
    df, report = parsed(XLSX)
    ids = raw(XLSX)["Main ID"]
    with_bom = ids[ids.str.startswith("\ufeff")]
    assert len(with_bom) == 9 and "\ufeff2019.MMP01896" in set(with_bom)
    assert set(with_bom.str[1:]) <= set(df["incident_id"])
    assert not df["incident_id"].str.contains("\ufeff").any()
    assert df["incident_id"].is_unique
    assert report.counts["BOM (U+FEFF) stripped from incident id"] == 9


@pytest.mark.slow  # reads the 2014-2025 xlsx
def test_negative_correction_is_kept():
    df, report = parsed(XLSX)
    r = df[df["incident_id"] == "2015.MMP00565"].iloc[0]
    assert (r["dead"], r["missing"], r["dead_and_missing"]) == (69, -13, 56)
    assert sorted(df.loc[df["missing"] < 0, "missing"].tolist()) == [-13, -2, -2, -1, -1]
    assert sorted(df.loc[df["survivors"] < 0, "survivors"].tolist()) == [-2, -1, -1, -1, -1]
    assert report.counts["source total differs from dead + missing (source total kept)"] == 0


@pytest.mark.slow  # reads the 2014-2025 xlsx
def test_origin_groups_match_a_hand_count():
    df, _ = parsed(XLSX)
    cells = raw(XLSX)["Country of Origin"]
    # README figures first.
    assert (cells == "Unknown").sum() == 8_564 and (cells == "Mixed").sum() == 43 and (cells == "").sum() == 28
    assert cells.str.contains(",(?! )", regex=True).sum() == 469

    def by_hand(cell: str) -> str:
        parts = [p for p in re.split(r",(?! )", cell) if p]
        tokens = {"Unknown", "Mixed", "Mixed/Unknown"}
        countries = [p for p in parts if p not in tokens]
        if not countries:
            return "mixed" if "Mixed" in parts else "unknown"
        return "single" if len(parts) == 1 else "multiple"

    expected = cells.map(by_hand).value_counts().to_dict()
    assert df["origin_group"].value_counts().to_dict() == expected
    assert expected == {"single": 10_112, "unknown": 8_634, "multiple": 463, "mixed": 46}


@pytest.mark.slow  # reads the 2014-2025 xlsx
def test_venezuela_is_ven():
    df, _ = parsed(XLSX)
    exact = df[df["origin"] == "Venezuela (Bolivarian Republic of)"]
    assert len(exact) > 0 and (exact["origin_iso3"] == "VEN").all()
    listed = df[df["origin"].str.contains("Venezuela", na=False)]
    assert listed["origin_iso3"].str.split(";").map(lambda codes: "VEN" in codes).all()
    r = df[df["origin"] == "Colombia,Mixed,Venezuela (Bolivarian Republic of)"].iloc[0]
    assert (r["origin_iso3"], r["origin_group"]) == ("COL;VEN", "multiple")
    hk = df[df["country_of_incident"] == "China, Hong Kong Special Administrative Region"]
    assert (hk["country_of_incident_iso3"] == "HKG").all()


@pytest.mark.slow  # reads the 2014-2025 xlsx
def test_multi_region_rows():
    df, _ = parsed(XLSX)
    multi = df[df["region"].str.contains(",", na=False)].set_index("region")["region_group"].to_dict()
    assert multi == {"Mediterranean,North America": "Multiple", "Mediterranean,Northern Africa": "Multiple",
                     "Central America,North America": "Americas"}
    assert df["region_group"].notna().all()


@pytest.mark.slow  # reads the 2014-2025 xlsx
def test_americas_2019_to_mid_august_by_hand():
    """IOM (Aug 2019): "at least 514 dead in the Americas by mid-August, Venezuelans first among known
    nationalities". The 2025 xlsx, counted by hand below, gives 598 dead and missing in 346 incidents
    (469 dead), Venezuelans still first among known nationalities with 94."""
    frame = raw(XLSX)
    in_window = (frame["Incident Date"] >= "2019-01-01") & (frame["Incident Date"] <= "2019-08-15")
    americas = frame[in_window & frame["Region of Incident"].isin(AMERICAS)]
    total = as_int(americas["Total Number of Dead and Missing"])
    assert (len(americas), int(total.sum()), int(as_int(americas["Number of Dead"]).sum())) == (346, 598, 469)
    known = americas["Country of Origin"].ne("Unknown") & ~americas["Country of Origin"].str.contains(",")
    by_nationality = total[known].groupby(americas.loc[known, "Country of Origin"]).sum().sort_values()
    assert (by_nationality.index[-1], int(by_nationality.iloc[-1])) == ("Venezuela (Bolivarian Republic of)", 94)

    df, _ = parsed(XLSX)
    window = df[(df["region_group"] == "Americas") & df["incident_date"].between("2019-01-01", "2019-08-15")]
    assert (len(window), int(window["dead_and_missing"].sum()), int(window["dead"].sum())) == (346, 598, 469)
    single = window[window["origin_group"] == "single"]
    top = single.groupby("origin")["dead_and_missing"].sum().sort_values()
    assert (top.index[-1], int(top.iloc[-1])) == ("Venezuela (Bolivarian Republic of)", 94)
    assert single.loc[single["origin"] == top.index[-1], "origin_iso3"].unique().tolist() == ["VEN"]


# ---------------------------------------------------------------------------------------------- other files

def test_thousands_separator_total():
    df, report = parsed(OLD)
    frame = raw(OLD)
    assert frame.loc[frame["Web ID"] == "40345", "Total Dead and Missing"].tolist() == ["1,022"]
    r = df[df["incident_id"] == "40345"].iloc[0]
    assert (r["dead"], r["missing"], r["dead_and_missing"]) == (750, 272, 1022)
    assert r["incident_date"] == pd.Timestamp("2015-04-18")
    assert report.counts["thousands separator removed from a count"] == 1
    assert df["incident_date"].notna().all()  # "January 05, 2020" style throughout
    assert df["region_group"].notna().all()  # old region names all grouped
    assert df.loc[df["region"] == "US-Mexico Border", "region_group"].eq("Americas").all()


def test_kaggle_duplicates_are_kept():
    df, report = parsed(KAGGLE)
    frame = raw(KAGGLE)
    assert int(frame.duplicated(keep=False).sum()) == 947
    assert int(frame.duplicated().sum()) == 641
    assert len(df) == 13_020 and df["incident_id"].is_unique
    assert df["incident_id"].iloc[0] == "mmp_global_kaggle19col_2014-2023-07:2"
    # Without the synthesised id, parsed rows repeat exactly as often as the raw rows they come from
    # (every source column is kept, location and information source included).
    assert int(df.drop(columns="incident_id").duplicated().sum()) == int(frame.duplicated().sum())


@pytest.mark.slow  # reads the 2014-2025 xlsx
def test_wkt_point_is_lon_lat():
    df, _ = parsed(S2022)
    frame = raw(S2022)
    # Checked by hand: first row "POINT (-110.366453 31.650259)" is Pima County, Arizona (31.65 N, 110.37 W).
    assert frame.loc[0, "Coordinates"] == "POINT (-110.366453 31.650259)"
    first = df[df["incident_id"] == "2014.MMP00001"].iloc[0]
    assert (first["lat"], first["lon"]) == (31.650259, -110.366453)
    # And the out-of-order bare id 7420: Sahara between Agadez and Tripoli (22.7 N, 12.9 E).
    r = df[df["incident_id"] == "7420"].iloc[0]
    assert (r["lat"], r["lon"], r["year"]) == (22.73438554, 12.93933141, 2016)
    assert df["lat"].isna().sum() == (frame["Coordinates"] == "").sum() == 57
    # Across releases the same incidents sit at the same place ("lat, lon" in the xlsx).
    xlsx = parsed(XLSX)[0].set_index("incident_id")[["lat", "lon"]]
    both = df.set_index("incident_id")[["lat", "lon"]].merge(xlsx, left_index=True, right_index=True,
                                                        suffixes=("", "_xlsx")).dropna()
    same = ((both["lat"] - both["lat_xlsx"]).abs() < 0.01) & ((both["lon"] - both["lon_xlsx"]).abs() < 0.01)
    assert len(both) > 10_000 and same.mean() > 0.95


def test_2022_schema_is_cp1252():
    df, report = parsed(S2022)
    assert report.counts["file decoded as Windows-1252 (not UTF-8)"] == 1
    assert df["origin_group"].isna().all()  # this release has no Country of Origin


def test_site_export_dates_and_ids():
    df, report = parsed(SITE)
    assert df["incident_date"].notna().all()
    per_month = df["incident_date"].dt.month.value_counts().sort_index().to_dict()
    assert per_month == {1: 57, 2: 60, 3: 51, 4: 67, 5: 3}
    assert (df["month"] == df["incident_date"].dt.month).all()
    frame = raw(SITE)
    assert frame["Main ID"].duplicated().sum() == 43 - 16
    assert sorted(df["incident_id"]) == sorted(frame["Incident ID"])
    assert report.counts["total computed as dead + missing (no total in source)"] == 238
    r = df[df["incident_id"].str.startswith("2026.MMP0190")]
    assert -5 in set(r["missing"].dropna())
    assert df["origin_group"].value_counts().to_dict()["unknown"] >= 120


# ---------------------------------------------------------------------------------------------- feed

@pytest.mark.parametrize("year", list(FEED_ROWS))
def test_feed_files(year):
    df, report = parsed(feed(year))
    frame = raw(feed(year))
    assert len(frame) == len(df) == FEED_ROWS[year]
    assert df["incident_id"].is_unique
    counts = frame["web_id"].value_counts()
    assert int((counts > 1).sum()) == FEED_REPEATED_IDS[year]
    assert report.counts["repeated incident id suffixed #n"] == int((counts - 1).sum())
    assert (df["year"] == year).all()
    assert int(df["dead_and_missing"].sum()) == int(as_int(frame["total_dead_and_missing"]).sum())
    assert int(mmp.aggregate(df)["dead_and_missing"].sum()) == int(df["dead_and_missing"].sum())
    if year == 2025:
        assert df["origin_group"].notna().all()
    else:
        assert df["origin_group"].isna().all()


def test_feed_thousands_separator():
    df, _ = parsed(feed(2015))
    assert df.loc[df["incident_id"] == "2015.MMP00108", "dead_and_missing"].tolist() == [1022]
