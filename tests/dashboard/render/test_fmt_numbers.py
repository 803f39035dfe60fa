"""Numbers are formatted with Python's own grouping where that writes what Babel writes (en, es): the same
text for every integer and float, numpy's included, with 0, 1 and 2 decimals, in both languages."""
from __future__ import annotations

import numpy as np
from babel import Locale
from babel.numbers import parse_pattern
from hypothesis import given
from hypothesis import strategies as st

from dashboard.i18n import use_lang
from dashboard.render import fmt


def babel(value, lang: str, digits: int = 0) -> str:
    return parse_pattern("#,##0" + ("." + "0" * digits if digits else "")).apply(value, Locale.parse(lang))


@given(st.integers(min_value=-(10**15), max_value=10**15), st.sampled_from(["en", "es"]))
def test_whole_numbers_read_as_babel_writes_them(n, lang):
    with use_lang(lang):
        assert fmt.number(n, 0) == fmt.integer(n) == babel(n, lang)
        assert fmt.number(np.int64(n), 0) == babel(n, lang)


@given(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e15, max_value=1e15),
       st.sampled_from(["en", "es"]), st.sampled_from([0, 1, 2]))
def test_floats_read_as_babel_writes_them(x, lang, digits):
    with use_lang(lang):
        assert fmt.number(x, digits) == babel(x, lang, digits)
        assert fmt.number(np.float64(x), digits) == babel(x, lang, digits)


def test_the_fast_path_is_taken_only_where_it_is_exact():
    assert fmt._plain_symbols("en") is not None and fmt._plain_symbols("es") is not None
    with use_lang("es"):
        assert fmt.integer(1234) == "1.234" and fmt.number(1234.56, 1) == "1.234,6"
        assert fmt.number(0.25, 1) == "0,2" == babel(0.25, "es", 1)  # Babel's rounding: half to even
        assert fmt.number(float("inf"), 1) == babel(float("inf"), "es", 1)  # not finite: Babel writes it
    with use_lang("en"):
        assert fmt.usd(222724387) == "US$222,724,387"
