"""Several nationalities in one MMP incident: every separator style is split, each name resolved to
ISO3, the nationality filter finds every incident involving a country, and by-nationality rows count
such an incident towards each nationality while totals count it once."""
from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest

from dashboard import queries as q
from dashboard.data import build_cube
from ingest.countries import split_many, split_names
from ingest.report import Report
from ingest.sources import mmp
from tests.conftest import reference_dir, require_reference

REFERENCE = reference_dir() / "mmp"  # ../shared/reference beside the repository, or $HUMDASH_REFERENCE
SITE = REFERENCE / "mmp_global_siteexport_2026-01-to-2026-05.csv"
FULL = REFERENCE / "mmp_global_fullschema_2014-2025-04.xlsx"


def need(path: Path) -> Path:
    return require_reference(str(path.relative_to(reference_dir())))


@pytest.mark.parametrize("cell, expected", [
    ("Ethiopia,Somalia", ["Ethiopia", "Somalia"]),                 # IOM's allData style
    ("Ethiopia, Somalia", ["Ethiopia", "Somalia"]),                # the site export style
    ("Eritrea, Unknown", ["Eritrea", "Unknown"]),
    ("Mali; Niger", ["Mali", "Niger"]),
    ("Mali and Niger", ["Mali", "Niger"]),
    ("Mali/Niger", ["Mali", "Niger"]),
    ("Afghanistan & Pakistan", ["Afghanistan", "Pakistan"]),
    ("Sudan, South Sudan", ["Sudan", "South Sudan"]),
    ("Niger, Nigeria", ["Niger", "Nigeria"]),
    # names holding a separator stay whole
    ("Congo, Democratic Republic of the", ["Congo, Democratic Republic of the"]),
    ("Korea, Republic of", ["Korea, Republic of"]),
    ("Iran, Islamic Republic of", ["Iran, Islamic Republic of"]),
    ("China, Hong Kong Special Administrative Region", ["China, Hong Kong Special Administrative Region"]),
    ("Bosnia and Herzegovina", ["Bosnia and Herzegovina"]),
    ("Trinidad and Tobago", ["Trinidad and Tobago"]),
    ("United Kingdom of Great Britain and Northern Ireland", ["United Kingdom of Great Britain and Northern Ireland"]),
    ("Mixed/Unknown", ["Mixed/Unknown"]),  # one token: nobody's nationality is known
    # ... also inside lists
    ("Congo, Democratic Republic of the, Angola", ["Congo, Democratic Republic of the", "Angola"]),
    ("Bosnia and Herzegovina; Serbia", ["Bosnia and Herzegovina", "Serbia"]),
    ("Korea, Republic of and Japan", ["Korea, Republic of", "Japan"]),
    ("Colombia,Mixed,Venezuela (Bolivarian Republic of)", ["Colombia", "Mixed", "Venezuela (Bolivarian Republic of)"]),
    (" , Mali ,, ", ["Mali"]),
])
def test_every_separator_style_is_split(cell, expected):
    assert split_names(cell) == expected
    assert split_many([cell, cell]) == {cell: expected}


def write_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


ORIGINS = ["Ethiopia,Somalia", "Somalia, Eritrea", "Eritrea, Unknown", "Mali; Niger", "Mali and Niger",
           "Niger/Chad", "Congo, Democratic Republic of the", "Somalia", "Unknown", "Mixed/Unknown"]


@pytest.fixture()
def incidents(tmp_path):
    rows = [{"Main ID": f"2021.MMP{i:04d}", "Incident Date": f"2021-03-{i + 1:02d}", "Region of Incident":
             "Northern Africa", "Number of Dead": str(i + 1), "Minimum Estimated Number of Missing": "0",
             "Country of Origin": origin} for i, origin in enumerate(ORIGINS)]
    return mmp.read_file(write_csv(tmp_path / "origins.csv", rows), Report())


def test_each_named_nationality_gets_its_iso3(incidents):
    codes = dict(zip(incidents["origin"], incidents["origin_iso3"]))
    assert codes["Ethiopia,Somalia"] == "ETH;SOM"
    assert codes["Somalia, Eritrea"] == "SOM;ERI"
    assert codes["Eritrea, Unknown"] == "ERI"
    assert codes["Mali; Niger"] == codes["Mali and Niger"] == "MLI;NER"
    assert codes["Niger/Chad"] == "NER;TCD"
    assert codes["Congo, Democratic Republic of the"] == "COD"
    groups = dict(zip(incidents["origin"], incidents["origin_group"]))
    assert groups["Eritrea, Unknown"] == "multiple" and groups["Somalia"] == "single"
    assert groups["Congo, Democratic Republic of the"] == "single"
    assert groups["Mixed/Unknown"] == "unknown" and groups["Unknown"] == "unknown"


def test_nationality_filter_finds_every_incident_involving_the_country(incidents):
    cube, _precision = build_cube({"mmp_incidents": incidents, "mmp_deaths": mmp.aggregate(incidents)})
    involving = {origin for origin in ORIGINS if "Somalia" in origin}
    picked = q.filter_cube(cube, q.Filters(origins=("SOM",)))
    assert set(picked["origin"]) == involving
    dead = dict(zip(incidents["origin"], incidents["dead"]))
    assert q.migration_totals(cube, q.Filters(origins=("SOM",)))["dead"] == sum(dead[o] for o in involving)
    assert set(q.filter_cube(cube, q.Filters(origins=("NER",)))["origin"]) == {"Mali; Niger", "Mali and Niger",
                                                                               "Niger/Chad"}


def test_by_nationality_counts_each_nationality_and_totals_once(incidents):
    cube, _precision = build_cube({"mmp_incidents": incidents, "mmp_deaths": mmp.aggregate(incidents)})
    rows = q.deaths_by_origin(cube, q.Filters())
    dead = dict(zip(incidents["origin"], incidents["dead"].astype(int)))
    by_code = dict(zip(rows["origin_iso3"], rows["dead"]))
    assert by_code["SOM"] == dead["Ethiopia,Somalia"] + dead["Somalia, Eritrea"] + dead["Somalia"]
    assert by_code["ERI"] == dead["Somalia, Eritrea"] + dead["Eritrea, Unknown"]
    assert by_code["NER"] == dead["Mali; Niger"] + dead["Mali and Niger"] + dead["Niger/Chad"]
    assert rows.attrs["totals"]["dead"] == sum(dead.values())  # every incident once
    assert rows["dead"].sum() > sum(dead.values())  # the rows count shared incidents once per nationality
    names = dict(zip(rows["origin_iso3"], rows["origin"]))
    assert names["SOM"] == "Somalia" and names["TCD"] == "Chad"  # Chad only appears inside a list
    groups = dict(zip(rows["origin_iso3"], rows["origin_group"]))
    assert groups["SOM"] == "multiple" and groups["COD"] == "single"


def test_real_site_export_mixed_unknown_is_one_token_not_a_list():
    frame = mmp.read_file(need(SITE), Report())
    rows = frame[frame["origin"] == "Mixed/Unknown"]
    assert len(rows) == 3 and set(rows["origin_group"]) == {"unknown"} and rows["origin_iso3"].isna().all()


def test_real_xlsx_multi_nationality_incidents_are_split():
    frame = mmp.read_file(need(FULL), Report())
    multi = frame[frame["origin"].str.contains(",", regex=False).fillna(False)]
    assert len(multi) == 469  # the README's count of comma lists
    # every list of real countries has one code per named country
    for origin, codes in zip(multi["origin"], multi["origin_iso3"]):
        names = [n for n in origin.split(",") if n not in ("Unknown", "Mixed", "Mixed/Unknown")]
        if names:
            assert isinstance(codes, str) and len(codes.split(";")) == len(set(names)), (origin, codes)
        else:
            assert codes is None or codes is pd.NA or codes != codes, (origin, codes)
    cube, _precision = build_cube({"mmp_incidents": frame, "mmp_deaths": mmp.aggregate(frame)})
    picked = q.filter_cube(cube, q.Filters(origins=("SOM",)))
    assert (picked["origin_group"] == "multiple").any() and (picked["origin_group"] == "single").any()
