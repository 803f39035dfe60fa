"""The /data grid's server side: AG Grid's filterModel and sortModel translated into the table filter
(queries.ag_grid_rows), checked against plain-Python answers over a small frame written here, and
hostile models (unknown columns, unknown conditions, huge numbers, wrong types) answered with a clear
problem message, never an exception."""
from __future__ import annotations

import math
from datetime import datetime

import pandas as pd
import pytest

from dashboard.i18n import use_lang
from dashboard.queries import ag_grid_rows, column_kind, grid_rows

ROWS = [  # code, year, usd, share, day, regional
    ("HVEN19", 2019, 100, 0.5, "2019-03-01", False),
    ("hven20", 2020, 2_000_000, 12.25, "2020-01-15", True),
    ("HAFG20", 2020, None, None, None, False),
    (None, 2021, 50, 99.0, "2021-12-31", False),
    ("  ", 2018, 0, 0.0, "2018-06-30", True),
    ("XYZ", 2019, 10**12, 3.0, "2019-03-01", False),
]


def frame() -> pd.DataFrame:
    code, year, usd, share, day, regional = zip(*ROWS)
    return pd.DataFrame({
        "code": pd.array(code, dtype="string"), "year": list(year), "usd": pd.array(usd, dtype="Int64"),
        "share": [math.nan if v is None else v for v in share], "day": pd.to_datetime(list(day)),
        "regional": list(regional)})


def codes(rows: pd.DataFrame) -> list:
    return [None if pd.isna(v) else v for v in rows["code"]]


def expect(pred) -> list:
    """The codes of ROWS passing `pred` (a plain-Python reading of the condition), in table order."""
    return [r[0] for r in ROWS if pred(dict(zip(("code", "year", "usd", "share", "day", "regional"), r)))]


def test_column_kinds():
    kinds = {c: column_kind(t) for c, t in frame().dtypes.items()}
    assert kinds == {"code": "text", "year": "number", "usd": "number", "share": "number", "day": "date",
                     "regional": "text"}


TEXT = [  # AG Grid's text conditions; text compares case-blind, as AG Grid's own filter does
    ("contains", "ven", lambda r: r["code"] is not None and "ven" in r["code"].lower()),
    ("notContains", "ven", lambda r: r["code"] is None or "ven" not in r["code"].lower()),
    ("equals", "hven19", lambda r: (r["code"] or "").lower() == "hven19"),
    ("notEqual", "hven19", lambda r: (r["code"] or "").lower() != "hven19"),
    ("startsWith", "h", lambda r: (r["code"] or "").lower().startswith("h")),
    ("endsWith", "20", lambda r: (r["code"] or "").endswith("20")),
    ("blank", None, lambda r: r["code"] is None or not r["code"].strip()),
    ("notBlank", None, lambda r: r["code"] is not None and bool(r["code"].strip())),
]


@pytest.mark.parametrize("kind,value,pred", TEXT, ids=[t[0] for t in TEXT])
def test_text_conditions(kind, value, pred):
    model = {"filterType": "text", "type": kind, **({"filter": value} if value is not None else {})}
    rows, problems = ag_grid_rows(frame(), {"code": model}, [])
    assert problems == [] and codes(rows) == expect(pred)


NUMBER = [
    ("equals", 100, None, lambda v: v == 100),
    ("notEqual", 100, None, lambda v: v != 100),
    ("lessThan", 100, None, lambda v: v is not None and v < 100),
    ("lessThanOrEqual", 100, None, lambda v: v is not None and v <= 100),
    ("greaterThan", 100, None, lambda v: v is not None and v > 100),
    ("greaterThanOrEqual", 100, None, lambda v: v is not None and v >= 100),
    ("inRange", 50, 2_000_000, lambda v: v is not None and 50 <= v <= 2_000_000),  # inclusive, as the grid is set
    ("blank", None, None, lambda v: v is None),
    ("notBlank", None, None, lambda v: v is not None),
]


@pytest.mark.parametrize("kind,low,high,pred", NUMBER, ids=[t[0] for t in NUMBER])
def test_number_conditions(kind, low, high, pred):
    model = {"filterType": "number", "type": kind, "filter": low, "filterTo": high}
    rows, problems = ag_grid_rows(frame(), {"usd": model}, None)
    assert problems == [] and codes(rows) == expect(lambda r: pred(r["usd"]))


def test_float_column_and_date_conditions():
    rows, problems = ag_grid_rows(frame(), {"share": {"filterType": "number", "type": "greaterThan", "filter": 2.5}}, [])
    assert problems == [] and codes(rows) == expect(lambda r: r["share"] is not None and r["share"] > 2.5)
    day = lambda r: r["day"] and datetime.fromisoformat(r["day"])  # noqa: E731
    for model, pred in [
        ({"type": "equals", "dateFrom": "2019-03-01 00:00:00"}, lambda r: r["day"] == "2019-03-01"),
        ({"type": "lessThan", "dateFrom": "2019-03-01 00:00:00"}, lambda r: bool(r["day"]) and r["day"] < "2019-03-01"),
        ({"type": "greaterThan", "dateFrom": "2019-03-01"}, lambda r: bool(r["day"]) and r["day"] > "2019-03-01"),
        ({"type": "inRange", "dateFrom": "2019-01-01 00:00:00", "dateTo": "2020-12-31 00:00:00"},
         lambda r: bool(r["day"]) and datetime(2019, 1, 1) <= day(r) <= datetime(2020, 12, 31)),
        ({"type": "blank"}, lambda r: r["day"] is None),
        ({"type": "lessThan", "dateFrom": "9999-12-31 00:00:00"}, lambda r: r["day"] is not None),  # far, but a date
    ]:
        rows, problems = ag_grid_rows(frame(), {"day": {"filterType": "date", **model}}, [])
        assert problems == [] and codes(rows) == expect(pred), model


def test_conditions_join_and_columns_combine():
    either = {"filterType": "text", "operator": "OR", "conditions": [
        {"filterType": "text", "type": "startsWith", "filter": "x"},
        {"filterType": "text", "type": "endsWith", "filter": "19"}]}
    rows, problems = ag_grid_rows(frame(), {"code": either}, [])
    assert problems == [] and codes(rows) == expect(
        lambda r: (r["code"] or "").lower().startswith("x") or (r["code"] or "").endswith("19"))
    both = {"filterType": "number", "operator": "AND", "conditions": [
        {"type": "greaterThan", "filter": 2018}, {"type": "lessThan", "filter": 2021}]}
    rows, problems = ag_grid_rows(frame(), {"year": both, "regional": {"type": "equals", "filter": "TRUE"}}, [])
    assert problems == [] and codes(rows) == expect(lambda r: 2018 < r["year"] < 2021 and r["regional"])


def test_sort_model_several_columns_blanks_last():
    rows, problems = ag_grid_rows(frame(), {}, [{"colId": "year", "sort": "desc"}, {"colId": "usd", "sort": "asc"}])
    inf = float("inf")
    order = sorted(ROWS, key=lambda r: (-r[1], r[2] if r[2] is not None else inf))
    assert problems == [] and codes(rows) == [r[0] for r in order]
    rows, _p = ag_grid_rows(frame(), None, [{"colId": "share", "sort": "desc"}])
    assert codes(rows)[-1] == "HAFG20"  # the blank share sorts last either way


def test_the_text_syntax_and_the_grid_models_give_the_same_rows():
    """grid_rows (the text syntax) and ag_grid_rows share one filter: the same request, the same rows."""
    text, _p = grid_rows(frame(), "{code} icontains ven && {year} >= 2020", [{"column_id": "usd", "direction": "desc"}])
    model = {"code": {"type": "contains", "filter": "VEN"}, "year": {"type": "greaterThanOrEqual", "filter": 2020}}
    grid, problems = ag_grid_rows(frame(), model, [{"colId": "usd", "sort": "desc"}])
    assert problems == [] and codes(text) == codes(grid) == ["hven20"]


HOSTILE = [  # (filterModel, sortModel, words the one problem message must contain)
    ({"nope": {"type": "contains", "filter": "x"}}, [], "nope: no such column"),
    ({"code": {"type": "regex", "filter": ".*"}}, [], "code: unknown condition 'regex'"),
    ({"code": {"type": "contains"}}, [], "code: expected a text of 1 to 200 characters"),
    ({"code": {"type": "contains", "filter": "x" * 201}}, [], "expected a text of 1 to 200 characters"),
    ({"code": {"type": "contains", "filter": ["x"]}}, [], "expected a text"),
    ({"usd": {"type": "contains", "filter": "1"}}, [], "usd: unknown condition 'contains'"),
    ({"usd": {"type": "greaterThan", "filter": 10**400}}, [], "usd: number too large: at most 15 digits"),
    ({"usd": {"type": "greaterThan", "filter": -(10**15)}}, [], "number too large"),
    ({"usd": {"type": "greaterThan", "filter": 1e308 * 10}}, [], "number too large"),
    ({"share": {"type": "equals", "filter": math.nan}}, [], "number too large"),
    ({"usd": {"type": "equals", "filter": "12"}}, [], "usd: expected a number"),
    ({"usd": {"type": "equals", "filter": True}}, [], "expected a number"),
    ({"usd": {"type": "inRange", "filter": 1}}, [], "expected a number"),
    ({"day": {"type": "equals", "dateFrom": "2019-02-30 00:00:00"}}, [], "day: expected a date (YYYY-MM-DD)"),
    ({"day": {"type": "equals", "dateFrom": "<script>alert(1)</script>"}}, [], "expected a date"),
    ({"day": {"type": "lessThan", "dateFrom": "0000-01-01 00:00:00"}}, [], "day: expected a date"),  # no year 0
    ({"code": {"operator": "XOR", "conditions": [{"type": "blank"}]}}, [], "code: filter not understood"),
    ({"code": {"operator": "OR", "conditions": []}}, [], "filter not understood"),
    ({"code": {"operator": "OR", "conditions": [{"type": "blank"}] * 11}}, [], "more than 10 conditions"),
    ({"code": {"operator": "OR", "conditions": ["blank"]}}, [], "filter not understood"),
    ({"code": "contains x"}, [], "code: filter not understood"),
    ("{code} contains x", [], "filter: not understood"),
    ([{"code": 1}], [], "filter: not understood"),
    ({"x" * 10_000: {"type": "blank"}}, [], "x" * 40 + ": no such column"),
    ({}, [{"colId": "nope", "sort": "asc"}], "nope: cannot sort by this"),
    ({}, [{"colId": "year", "sort": "sideways"}], "year: cannot sort by this"),
    ({}, [None], "None: cannot sort by this"),
    ({}, "year desc", "sort: not understood"),
]


@pytest.mark.parametrize("filter_model,sort_model,words", HOSTILE, ids=[h[2][:30] for h in HOSTILE])
def test_hostile_models_give_a_clear_message_and_every_row(filter_model, sort_model, words):
    rows, problems = ag_grid_rows(frame(), filter_model, sort_model)
    assert len(problems) == 1 and words in problems[0], problems
    assert len(problems[0]) < 200  # a 10,000-character column name is cut
    assert codes(rows) == [r[0] for r in ROWS]  # nothing applied, nothing lost


def test_a_bad_condition_leaves_the_good_ones_applied():
    model = {"nope": {"type": "blank"}, "year": {"type": "equals", "filter": 2020},
             "usd": {"type": "lessThan", "filter": 10**20}}
    rows, problems = ag_grid_rows(frame(), model, [{"colId": "zzz", "sort": "asc"}, {"colId": "code", "sort": "asc"}])
    assert len(problems) == 3
    assert codes(rows) == sorted(expect(lambda r: r["year"] == 2020), key=str.lower)  # HAFG20, hven20


def test_problems_in_spanish():
    with use_lang("es"):
        _rows, problems = ag_grid_rows(frame(), {"nope": {"type": "blank"}, "usd": {"type": "equals", "filter": 1e99}},
                                       "x")
    assert problems == ["nope: no existe esa columna", "usd: número demasiado grande: como mucho 15 cifras",
                        "orden: no se entiende"]


def test_any_json_the_browser_could_send_is_answered():
    """Fuzz: whatever JSON arrives as the models, rows and messages come back (no exception)."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    scalar = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=30),
                       st.sampled_from(["contains", "equals", "inRange", "blank", "lessThan", "2019-03-01",
                                        "2019-03-01 00:00:00", "AND", "OR", "asc", "desc", "code", "usd", "day"]))
    json_value = st.recursive(scalar, lambda inner: st.lists(inner, max_size=4)
                              | st.dictionaries(st.text(max_size=10), inner, max_size=4), max_leaves=12)
    keys = st.sampled_from(["type", "filter", "filterTo", "dateFrom", "dateTo", "operator", "conditions",
                            "filterType"])
    condition = st.dictionaries(keys, json_value, max_size=5)
    column = st.sampled_from(["code", "year", "usd", "share", "day", "regional", "nope"])
    model = st.one_of(json_value, st.dictionaries(column, st.one_of(condition, st.fixed_dictionaries(
        {"operator": st.sampled_from(["AND", "OR", "x"]), "conditions": st.lists(condition, max_size=3)})),
        max_size=3))
    sort = st.one_of(json_value, st.lists(st.fixed_dictionaries({"colId": column, "sort": scalar}), max_size=3))
    data = frame()

    @settings(max_examples=150, deadline=None)
    @given(model, sort)
    def run(filter_model, sort_model):
        rows, problems = ag_grid_rows(data, filter_model, sort_model)
        assert 0 <= len(rows) <= len(data) and all(isinstance(p, str) for p in problems)

    run()
