"""Country names to ISO3 (ingest.countries) on the names MMP actually publishes."""
from __future__ import annotations

import logging

import pytest

from ingest import countries
from ingest.countries import non_country_kind, split_names, to_iso3, unmatched


@pytest.mark.parametrize("cell, expected", [
    ("Ethiopia,Somalia", ["Ethiopia", "Somalia"]),
    ("Colombia,Mixed,Venezuela (Bolivarian Republic of)", ["Colombia", "Mixed", "Venezuela (Bolivarian Republic of)"]),
    ("China, Hong Kong Special Administrative Region", ["China, Hong Kong Special Administrative Region"]),
    ("China, Hong Kong Special Administrative Region,India",
     ["China, Hong Kong Special Administrative Region", "India"]),
    ("India,China, Macao Special Administrative Region", ["India", "China, Macao Special Administrative Region"]),
    (" Mali ,Niger ", ["Mali", "Niger"]),
    ("Unknown", ["Unknown"]),
    ("", []),
    ("   ", []),
    (None, []),
    (float("nan"), []),
])
def test_split_names_splits_on_bare_commas_only(cell, expected):
    assert split_names(cell) == expected


@pytest.mark.parametrize("name, iso3", [
    ("Venezuela (Bolivarian Republic of)", "VEN"),
    ("Iran (Islamic Republic of)", "IRN"),
    ("Türkiye", "TUR"),
    ("Côte d'Ivoire", "CIV"),
    ("Côte d&#039;Ivoire", "CIV"),  # the feed's HTML-escaped spelling
    ("Syrian Arab Republic", "SYR"),
    ("China, Hong Kong Special Administrative Region", "HKG"),
    ("Bolivia (Plurinational State of)", "BOL"),
    ("United Kingdom of Great Britain and Northern Ireland", "GBR"),
    ("United Republic of Tanzania", "TZA"),
    ("Democratic Republic of the Congo", "COD"),
    ("Congo", "COG"),
    ("Niger", "NER"),
    ("Nigeria", "NGA"),
    ("Guinea", "GIN"),
    ("Guinea-Bissau", "GNB"),
    ("Sudan", "SDN"),
    ("South Sudan", "SSD"),
    ("Dominica", "DMA"),
    ("Dominican Republic", "DOM"),
    ("State of Palestine", "PSE"),
    ("Viet Nam", "VNM"),
    ("Namibia", "NAM"),
])
def test_to_iso3_matches_un_style_names(name, iso3):
    assert to_iso3([name]) == {name: iso3}


def test_placeholders_and_blanks_are_none_and_not_unmatched():
    result = to_iso3(["Unknown", "Mixed", "Mixed/Unknown", "", "unknown"])
    assert set(result.values()) == {None}
    assert unmatched(result) == []
    assert non_country_kind("Mixed") == "mixed"
    assert non_country_kind("Unknown") == "unknown"
    assert non_country_kind("Mixed/Unknown") == "unknown"
    assert non_country_kind("") == "unknown"
    assert non_country_kind("Mali") is None


def test_unmatched_names_are_reported_not_guessed():
    result = to_iso3(["Narnia", "XYZ", "Mali"])
    assert result["Narnia"] is None
    assert result["XYZ"] is None  # three capitals must not be echoed back as a "code"
    assert result["Mali"] == "MLI"
    assert unmatched(result) == ["Narnia", "XYZ"]


def test_country_converter_logging_is_silenced(caplog):
    countries._CACHE.pop("Atlantis Republic", None)
    with caplog.at_level(logging.DEBUG):
        assert to_iso3(["Atlantis Republic"]) == {"Atlantis Republic": None}
    assert not [r for r in caplog.records if r.name.startswith("country_converter")]
    assert logging.getLogger("country_converter").level == logging.NOTSET  # restored afterwards


def test_each_distinct_name_is_matched_once(monkeypatch):
    real = countries._converter()
    calls: list[list[str]] = []

    class Spy:
        def convert(self, names, **kwargs):
            calls.append(list(names))
            return real.convert(names, **kwargs)

    monkeypatch.setattr(countries, "_converter", lambda: Spy())
    for name in ("Eritrea", "Somalia", "Yemen"):
        countries._CACHE.pop(name, None)
    rows = ["Eritrea", "Somalia", "Eritrea", "Yemen"] * 5000  # 20k rows, 3 distinct names
    result = to_iso3(rows)
    assert result == {"Eritrea": "ERI", "Somalia": "SOM", "Yemen": "YEM"}
    assert calls == [["Eritrea", "Somalia", "Yemen"]]
    to_iso3(rows)  # cached: no second call
    assert len(calls) == 1

