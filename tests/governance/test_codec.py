from datetime import UTC, datetime, timedelta, timezone
from fractions import Fraction

import pytest
import rfc8785
from hypothesis import given
from hypothesis import strategies as st

from governance.codec import (
    canonical_json,
    datetime_from_str,
    datetime_to_str,
    fraction_from_str,
    fraction_to_str,
    utc,
)
from governance.errors import RuleViolation


def test_datetime_round_trip_in_utc_with_z() -> None:
    paris = datetime(2025, 3, 1, 13, 0, tzinfo=timezone(timedelta(hours=1)))
    assert datetime_to_str(paris) == "2025-03-01T12:00:00Z"
    assert datetime_from_str("2025-03-01T12:00:00Z") == paris
    assert datetime_from_str("2025-03-01T12:00:00Z").tzinfo is UTC


def test_naive_datetimes_are_rejected() -> None:
    with pytest.raises(RuleViolation) as info:
        utc(datetime(2025, 1, 1))
    assert info.value.code == "naive_datetime"
    with pytest.raises(RuleViolation):
        datetime_from_str("2025-03-01T12:00:00+01:00")


def test_fraction_round_trip() -> None:
    assert fraction_to_str(Fraction(2, 4)) == "1/2"
    assert fraction_to_str(Fraction(1)) == "1/1"
    assert fraction_from_str("2/3") == Fraction(2, 3)
    for bad in ("0.5", "1/0", "-1/2", "1", 3):
        with pytest.raises(RuleViolation):
            fraction_from_str(bad)  # type: ignore[arg-type]


def test_canonical_json_is_sorted_compact_utf8() -> None:
    assert canonical_json({"b": 1, "a": ["é", None, True]}) == '{"a":["é",null,true],"b":1}'.encode()
    for bad in (1.5, {1: "x"}, 2**60, object()):
        with pytest.raises(RuleViolation):
            canonical_json(bad)


def test_canonical_json_orders_names_by_utf16_code_units_as_rfc8785() -> None:
    # U+1F600 is D83D DE00 in UTF-16, before U+FB01: code point order would put it last.
    value = {"\ufb01": 1, "\U0001f600": 2, "a": 3}
    assert canonical_json(value) == '{"a":3,"\U0001f600":2,"\ufb01":1}'.encode()
    with pytest.raises(RuleViolation):
        canonical_json({"x": "\ud800"})


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53) + 1, 2**53 - 1) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)


@given(_JSON)
def test_canonical_json_is_rfc8785_for_every_value_it_takes(value: object) -> None:
    try:
        expected = rfc8785.dumps(value)
    except rfc8785.CanonicalizationError:  # a lone surrogate: neither takes it
        with pytest.raises(RuleViolation):
            canonical_json(value)
        return
    assert canonical_json(value) == expected
