"""CSV/JSON exports (exact text, HXL row, file names) and strict query-parameter parsing."""
from __future__ import annotations

import json
from datetime import date

import pandas as pd
import pytest

from dashboard.web import exports
from dashboard.web.params import SPECS, ParamError, describe, parse, parse_param, to_pairs
from dashboard.queries import Filters


def frame() -> pd.DataFrame:
    return pd.DataFrame({
        "year": [2019, 2020],
        "funding_usd": pd.array([76925346, None], dtype="Int64"),
        "date": pd.to_datetime(["2019-06-01", None]),
        "origin": ["Colombia,Venezuela (Bolivarian Republic of)", 'Say "hi"'],
        "_other": [False, True],
    })


def test_csv_exact_text_without_and_with_hxl():
    assert exports.to_csv(frame()) == (
        "year,funding_usd,date,origin\n"
        '2019,76925346,2019-06-01,"Colombia,Venezuela (Bolivarian Republic of)"\n'
        '2020,,,"Say ""hi"""\n')
    assert exports.to_csv(frame(), hxl=True).splitlines()[1] == "#date+year,#value+funding+total+usd,#date,#country+name+origin"


def test_hxl_row_has_a_cell_per_column():
    cols = ["plan_id", "no_tag_here", "dead"]
    assert exports.hxl_row(cols) == ["#activity+appeal+id+fts_internal", "", "#affected+killed"]
    text = exports.to_csv(pd.DataFrame({c: [1] for c in cols}), hxl=True)
    assert text.splitlines()[1] == "#activity+appeal+id+fts_internal,,#affected+killed"


def test_json_rows_and_meta():
    body = json.loads(exports.to_json(frame(), {"name": "x"}))
    assert body["meta"] == {"name": "x"}
    assert body["columns"] == ["year", "funding_usd", "date", "origin"]
    assert body["data"][0] == {"year": 2019, "funding_usd": 76925346, "date": "2019-06-01",
                               "origin": "Colombia,Venezuela (Bolivarian Republic of)"}
    assert body["data"][1]["funding_usd"] is None and body["data"][1]["date"] is None


def test_filename_says_table_filters_and_data_date():
    name = exports.filename("mmp-deaths-by-origin", [("date_from", "2019-01-01"), ("region", "../../etc/passwd")],
                            "2025-04-30", "csv")
    assert name == "mmp-deaths-by-origin_date_from-2019-01-01_region-..-..-etc-passwd_data-2025-04-30.csv"
    assert "/" not in name
    long = exports.filename("t", [("cause", "x" * 500)], None, "csv")
    assert len(long) <= 180 and long.endswith("_etc.csv")


# ------------------------------------------------------------------------------------------ params

KNOWN = {"regions": {"Caribbean", "Mediterranean,North America"}, "region_groups": {"Americas"},
         "causes": {"Drowning", "Violence,Drowning"}, "routes": set()}


def test_parse_every_kind():
    f, options, errors = parse({"year": "2019,2020", "date_from": "2019-01-01", "date_to": "2019-08-15",
                                "country": ["VEN", "COL"], "plan_id": "827", "region": "Mediterranean,North America",
                                "region_group": "Americas", "origin_iso3": "VEN", "cause": ["Violence,Drowning"],
                                "hxl": "1"}, SPECS.keys(), KNOWN)
    assert f.years == (2019, 2020) and f.date_from == date(2019, 1, 1) and f.date_to == date(2019, 8, 15)
    assert f.countries == ("VEN", "COL") and f.plan_ids == (827,)
    assert f.regions == ("Mediterranean,North America",)  # free text is never split on commas
    assert f.causes == ("Violence,Drowning",)
    assert options == {"hxl": True} and errors == []


@pytest.mark.parametrize("name,value", [
    ("year", "abc"), ("year", "1800"), ("year", "2019.0"), ("year", "-1"), ("year", "9" * 30),
    ("date_from", "2019-02-30"), ("date_from", "15/08/2019"), ("date_from", "2019-1-1"),
    ("country", "../../etc"), ("country", "ven"), ("country", "VENE"), ("origin_iso3", "V3N"),
    ("plan_id", "0"), ("plan_id", "82 7"), ("region", "Atlantis"), ("cause", "x\x00y"),
    ("region_group", "A" * 300), ("cluster_type", "sector"), ("freq", "week"), ("hxl", "maybe"),
    ("regional", "2"),
])
def test_bad_values_name_the_parameter(name, value):
    with pytest.raises(ParamError) as info:
        parse({name: value}, SPECS.keys(), KNOWN)
    assert info.value.param == name
    assert info.value.message


def test_unknown_and_repeated_parameters():
    with pytest.raises(ParamError) as info:
        parse({"colour": "red"}, ["year"], KNOWN)
    assert info.value.param == "colour" and "accepted: year" in info.value.message
    with pytest.raises(ParamError):
        parse({"date_from": ["2019-01-01", "2019-02-01"]}, ["date_from"], KNOWN)
    with pytest.raises(ParamError):
        parse({"year": [str(2000 + i % 50) for i in range(60)]}, ["year"], KNOWN)
    with pytest.raises(ParamError) as info:
        parse({"date_from": "2020-01-01", "date_to": "2019-01-01"}, ["date_from", "date_to"], KNOWN)
    assert info.value.param == "date_from"


def test_lenient_parse_keeps_defaults_and_reports():
    base = Filters(years=(2019,), region_groups=("Americas",))
    f, _, errors = parse({"year": "abc", "region_group": "", "foo": "1"}, ["year", "region_group"], KNOWN, base,
                         lenient=True)
    assert f.years == (2019,)  # bad value: default kept
    assert f.region_groups == ()  # explicitly emptied
    assert sorted(e.param for e in errors) == ["foo", "year"]


def test_pairs_round_trip_and_describe():
    base = Filters(region_groups=("Americas",), date_from=date(2019, 1, 1))
    f = base.but(region_groups=(), regions=("Caribbean", "South America"), date_from=date(2019, 2, 1))
    pairs = to_pairs(f, ["date_from", "region_group", "region"], base=base)
    assert pairs == [("date_from", "2019-02-01"), ("region_group", ""), ("region", "Caribbean"),
                     ("region", "South America")]
    query: dict = {}
    for k, v in pairs:
        query.setdefault(k, []).append(v)
    again, _, _ = parse(query, ["date_from", "region_group", "region"], None, base)
    assert again == f
    assert describe(f, ["date_from", "region", "region_group"]) == [("date_from", "2019-02-01"),
                                                                    ("region", "Caribbean+South America")]
    assert parse_param("year", None) == ()
