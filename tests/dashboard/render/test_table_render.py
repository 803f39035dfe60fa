"""The chart tables and number formatting stay exactly what Babel and the row-by-row rendering gave, now
that the locale and pattern are parsed once and the table is built from one array; and the rows the chart
callbacks send for the browser to build the table from (table_data / table_json) are the same cells."""
from __future__ import annotations

import json
from decimal import Decimal

import pandas as pd
import pytest
from babel.numbers import format_decimal
from hypothesis import given, settings
from hypothesis import strategies as st

from dashboard.render import fmt
from dashboard.render.components import _cell, _numeric, data_table, table_data, table_json
from dashboard.i18n import use_lang


@settings(max_examples=300, deadline=None)
@given(value=st.one_of(st.integers(-10**15, 10**15), st.floats(-1e12, 1e12, allow_nan=False),
                       st.decimals(-10**9, 10**9, allow_nan=False, allow_infinity=False, places=4)),
       digits=st.integers(0, 3), lang=st.sampled_from(["en", "es"]))
def test_number_equals_babel_format_decimal(value, digits, lang):
    pattern = "#,##0" + ("." + "0" * digits if digits > 0 else "")
    with use_lang(lang):
        assert fmt.number(value, digits) == format_decimal(value, format=pattern, locale=lang)


def _row_by_row(frame: pd.DataFrame) -> list[list[tuple[str, str | None]]]:
    """Cell by cell: _cell of each value as its own column holds it (a Python int, float, str, Timestamp),
    so a column of counts stays integers next to a column of decimals (iterrows() made them floats)."""
    columns = [c for c in frame.columns if not str(c).startswith("_")]
    values = {c: frame[c].tolist() for c in columns}
    return [[(_cell(values[c][i]), "num" if _numeric(frame[c]) else None) for c in columns] for i in range(len(frame))]


def _rendered(div) -> list[list[tuple[str, str | None]]]:
    body = div.children[0].children[1]
    return [[(td.children, getattr(td, "className", None)) for td in tr.children] for tr in body.children]


FRAMES = {
    "mixed": pd.DataFrame({"origin": ["Venezuela", "<b>x</b>", None], "dead": [1234567, 2, 0],
                           "share": [0.5, 12345.678, float("nan")], "_key": [1, 2, 3],
                           "missing": pd.array([1, None, -13], dtype="Int64"),
                           "day": pd.to_datetime(["2019-01-05", None, "2020-02-29"])}),
    "numbers only": pd.DataFrame({"lat": [12.5, -3.25], "n": [1000, 20000]}),  # counts stay integers
    "text and bool": pd.DataFrame({"flag": [True, False], "name": ["a", "b"]}),
}


@pytest.mark.parametrize("name", FRAMES)
@pytest.mark.parametrize("lang", ["en", "es"])
def test_data_table_cells_equal_the_row_by_row_rendering(name, lang):
    frame = FRAMES[name]
    with use_lang(lang):
        assert _rendered(data_table(frame)) == _row_by_row(frame)


def test_data_table_decimal_and_cap():
    frame = pd.DataFrame({"v": [Decimal("1.25")] * 5, "n": range(5)})
    with use_lang("en"):
        div = data_table(frame, max_rows=3)
    assert len(div.children[0].children[1].children) == 3 and "First 3 of 5 rows" in div.children[1].children


def _from_data(data: dict) -> list[list[tuple[str, str | None]]]:
    """The cells as assets/tables.js builds them: text, and class "num" where the column is numeric."""
    kinds = ["num" if c["num"] else None for c in data["columns"]]
    return [list(zip(row, kinds)) for row in data["rows"]]


@pytest.mark.parametrize("name", FRAMES)
@pytest.mark.parametrize("lang", ["en", "es"])
def test_table_data_cells_and_headers_equal_the_component_table(name, lang):
    frame = FRAMES[name]
    with use_lang(lang):
        data = json.loads(table_json(frame))
        assert data == table_data(frame)
        div = data_table(frame)
        assert _from_data(data) == _rendered(div) == _row_by_row(frame)
    head = div.children[0].children[0].children.children  # Thead > Tr > [Th]
    assert [c["label"] for c in data["columns"]] == [th.children for th in head]
    assert [c["title"] for c in data["columns"]] == [getattr(th, "title", None) for th in head]
    assert data["note"] is None and data["empty"] is None


def test_table_data_cap_empty_and_spanish_numbers():
    frame = pd.DataFrame({"dead": [1234567.0, 2, 3, 4, 5], "n": [1, 2, 3, 4, 5]})  # one float row
    with use_lang("es"):
        data = table_data(frame, max_rows=3)
        div = data_table(frame, max_rows=3)
        spanish = [fmt.number(1234567.0, 1), fmt.integer(1)]
    assert len(data["rows"]) == 3 and data["note"] == div.children[1].children and "5" in data["note"]
    assert _from_data(data) == _rendered(div)
    assert data["rows"][0] == spanish  # formatted in the request's language
    with use_lang("en"):
        assert table_data(frame, max_rows=3)["rows"][0] == ["1,234,567.0", "1"] != spanish
        assert table_data(frame.iloc[:0]) == {"columns": [], "rows": [], "note": None, "empty": "No rows."}


@pytest.mark.parametrize("lang, expected", [("en", [["12.5", "1,000"], ["-3.2", "20,000"]]),
                                             ("es", [["12,5", "1.000"], ["-3,2", "20.000"]])])
def test_a_count_next_to_decimals_is_written_as_a_whole_number(lang, expected):
    """The map's table (lat, lon, counts: every column a number) showed its counts as "112.0"."""
    with use_lang(lang):
        assert table_data(FRAMES["numbers only"])["rows"] == expected


def test_table_json_keeps_markup_as_text():
    frame = pd.DataFrame({"origin": ["<script>alert(1)</script>"], "n": [1]})
    data = json.loads(table_json(frame))
    assert data["rows"][0][0] == "<script>alert(1)</script>"  # escaped by textContent in the browser


@pytest.mark.parametrize("lang", ["en", "es"])
def test_years_and_identifiers_are_written_without_digit_grouping(lang):
    """A year is "2019" and a plan or cluster id "1517" in every language ("2,019" / "2.019" read as a
    number of thousands); amounts keep their grouping. Also in a frame whose rows come out as floats."""
    plans = pd.DataFrame({"plan_id": [1517, 827], "year": [2026, 2019], "cluster_id": ["8904", None],
                          "requirements_usd": [162650145, 222724387]})
    numbers = pd.DataFrame({"year": [2019, 2020], "lat": [12.5, -3.25]})
    with use_lang(lang):
        data = table_data(plans)
        assert data["rows"][0] == ["1517", "2026", "8904", fmt.integer(162650145)]
        assert data["rows"][1][:3] == ["827", "2019", ""]
        assert fmt.integer(162650145) in ("162,650,145", "162.650.145")
        assert _from_data(data) == _rendered(data_table(plans))
        assert [row[0] for row in table_data(numbers)["rows"]] == ["2019", "2020"]
        assert [c["label"] for c in data["columns"]][2] == ("Cluster ID" if lang == "en" else "ID del clúster")
