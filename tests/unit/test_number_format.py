"""Figures on the pages: the fast path (Python's ``format``) writes exactly what babel writes,
in English and Chinese, for every kind of value a page shows; other locales go to babel."""

from __future__ import annotations

from decimal import Decimal

import pytest
from babel import Locale
from babel.numbers import format_decimal
from hypothesis import given, settings
from hypothesis import strategies as st

from corp_carbon.web import i18n

LOCALES = ("en", "zh_Hans_CN")
values = st.one_of(
    st.integers(min_value=-(10**15), max_value=10**15),
    st.floats(allow_nan=False, allow_infinity=False, min_value=-1e12, max_value=1e12),
    st.decimals(allow_nan=False, allow_infinity=False, min_value=-(10**12), max_value=10**12),
    st.sampled_from([Decimal("-0"), Decimal("-0.004"), Decimal("0.005"), Decimal("2.675"),
                     Decimal("1E+3"), Decimal("999999.995"), 0.1 + 0.2]),
)  # fmt: skip


def _as_babel_writes(value: int | float | Decimal, digits: int, locale: str) -> str:
    return format_decimal(value, format=i18n._number_pattern(digits), locale=locale)


@pytest.mark.parametrize("locale", LOCALES)
@settings(max_examples=400, deadline=None)
@given(value=values, digits=st.integers(min_value=0, max_value=6))
def test_a_figure_reads_as_babel_writes_it(
    locale: str, value: int | float | Decimal, digits: int
) -> None:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(i18n, "get_locale", lambda: Locale.parse(locale))
        assert i18n.number(value, digits) == _as_babel_writes(value, digits, locale)


def test_english_and_chinese_take_the_fast_path_and_others_babel() -> None:
    assert all(i18n._plain_locale(locale) for locale in LOCALES)
    assert not i18n._plain_locale("de")  # 1.234,5
    assert not i18n._plain_locale("ar_EG")  # Arabic-Indic digits
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(i18n, "get_locale", lambda: Locale.parse("de"))
        assert i18n.number(Decimal("1234.5"), 1) == "1.234,5"
        patch.setattr(i18n, "get_locale", lambda: Locale.parse("en"))
        assert i18n.number(Decimal("1234.5"), 1) == "1,234.5"
        assert i18n.number(float("inf"), 1) == _as_babel_writes(float("inf"), 1, "en")
        assert i18n.number(None) == "—"
