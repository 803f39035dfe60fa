"""The chart tables and number formatting stay exactly what Babel and the row-by-row rendering gave, now
that the locale and pattern are parsed once and the table is built from one array."""
from __future__ import annotations

from decimal import Decimal

import pandas as pd
import pytest
from babel.numbers import format_decimal
from hypothesis import given, settings
from hypothesis import strategies as st

from dashboard import fmt
from dashboard.components import _cell, _numeric, data_table
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
    """The former rendering: iterrows(), one Series per row."""
    columns = [c for c in frame.columns if not str(c).startswith("_")]
    return [[(_cell(row[c]), "num" if _numeric(frame[c]) else None) for c in columns] for _i, row in frame.iterrows()]


def _rendered(div) -> list[list[tuple[str, str | None]]]:
    body = div.children[0].children[1]
    return [[(td.children, getattr(td, "className", None)) for td in tr.children] for tr in body.children]


FRAMES = {
    "mixed": pd.DataFrame({"origin": ["Venezuela", "<b>x</b>", None], "dead": [1234567, 2, 0],
                           "share": [0.5, 12345.678, float("nan")], "_key": [1, 2, 3],
                           "missing": pd.array([1, None, -13], dtype="Int64"),
                           "day": pd.to_datetime(["2019-01-05", None, "2020-02-29"])}),
    "numbers only": pd.DataFrame({"lat": [12.5, -3.25], "n": [1000, 20000]}),  # one float row: ints as floats
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
