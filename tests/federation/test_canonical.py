"""RFC 8785 canonical bytes: the one-pass path agrees with the ``rfc8785`` package on any JSON."""

from __future__ import annotations

import json
from typing import Any

import pytest
import rfc8785
from hypothesis import example, given, settings
from hypothesis import strategies as st

from federation import canonical
from federation.canonical import CanonicalizationError, canonicalize

# Characters where the two orders or the escapes could part ways: controls (short and \u00xx
# escapes), quote and backslash, DEL, U+2028, the top of the BMP (above the surrogates in
# code point order, below them in UTF-16), supplementary-plane characters, a lone surrogate.
TRICKY = ["a", "b", "\x00", "\x08", "\x1f", '"', "\\", "/", "\x7f", "é", "\u2028", "\ud7ff",
          "\ue000", "\uffff", "\U00010000", "\U0001f600", "\U0010ffff", "\ud800"]

any_text = st.text(st.characters(exclude_categories=()), max_size=8)
tricky_text = st.text(st.sampled_from(TRICKY), max_size=4)
texts = st.one_of(any_text, tricky_text, st.text(max_size=8))
numbers = st.one_of(
    st.integers(min_value=-(2**53) + 1, max_value=2**53 - 1),
    st.integers(),  # also outside the safe range
    st.sampled_from([0, -1, 2**53 - 1, 2**53, -(2**53) + 1, -(2**53)]),
    st.floats(allow_nan=True, allow_infinity=True),
)
json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), numbers, texts),
    lambda children: st.one_of(
        st.lists(children, max_size=5),
        st.dictionaries(texts, children, max_size=5),
    ),
    max_leaves=30,
)


def _reference(value: Any, allow_floats: bool) -> bytes | None:
    """The ``rfc8785`` package's bytes, or None where a canonical form must be refused."""
    if not allow_floats and canonical.find_float(value) is not None:
        return None
    try:
        return rfc8785.dumps(value)
    except (rfc8785.CanonicalizationError, UnicodeEncodeError):
        return None


def _ours(value: Any, allow_floats: bool) -> bytes | None:
    try:
        return canonicalize(value, allow_floats=allow_floats)
    except CanonicalizationError:
        return None


@settings(max_examples=600, deadline=None)
@given(json_values, st.booleans())
@example({"\ue000": 1, "\U0001f600": 2}, False)  # UTF-16 order puts the emoji first
@example({"\ud800": 1}, False)  # a lone surrogate in a key
@example(["\udfff"], False)
@example({"a": 2**53}, False)
@example({"a": 1.5, "b": 2**60}, False)  # the float is named first, as before
def test_canonical_bytes_equal_the_rfc8785_package(value: Any, allow_floats: bool) -> None:
    assert _ours(value, allow_floats) == _reference(value, allow_floats)


@settings(max_examples=300, deadline=None)
@given(json_values)
def test_json_text_round_trip_gives_the_same_bytes(value: Any) -> None:
    # What a node receives is parsed JSON text: escapes in it (\u00e9, \ud83d\ude00) decode
    # to the characters above, and their canonical form is the same.
    try:
        text = json.dumps(value, ensure_ascii=True)
    except ValueError:
        return
    parsed = json.loads(text)
    assert _ours(parsed, True) == _reference(parsed, True)


def test_the_one_pass_path_is_taken_only_where_it_is_exact() -> None:
    assert canonical._plain({"a": ["b", 1, True, None, {"é\ue000": "\U0001f600"}]})
    assert not canonical._plain({"\U0001f600": 1})
    assert not canonical._plain({1: "a"})  # json.dumps would write the key "1"
    assert not canonical._plain([1.0])
    assert not canonical._plain([2**53])
    assert not canonical._plain(x for x in ())


def test_known_vectors() -> None:
    # RFC 8785 §3.2.3's sorting example, keys from three planes.
    doc = {"\u20ac": "Euro Sign", "\r": "Carriage Return",
           "\ufb33": "Hebrew Letter Dalet With Dagesh", "1": "One",
           "\U0001f600": "Emoji: Grinning Face", "\x80": "Control",
           "\u00f6": "Latin Small Letter O With Diaeresis"}
    assert canonicalize(doc) == rfc8785.dumps(doc)
    text = canonicalize(doc).decode("utf-8")
    order = [text.index(json.dumps(v)) for v in
             ["Carriage Return", "One", "Control", "Latin Small Letter O With Diaeresis",
              "Euro Sign", "Emoji: Grinning Face", "Hebrew Letter Dalet With Dagesh"]]
    assert order == sorted(order)
    assert canonicalize({"b": [1, "\u0007\n"], "a": None}) == b'{"a":null,"b":[1,"\\u0007\\n"]}'


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ({"a": 0.5}, "document contains a floating-point number"),
        ({"a": 2**53}, "document contains an integer outside the JSON safe range"),
        ({"a": "\ud800"}, "document is not canonicalizable JSON"),
        ({"\udc00": 1}, "document is not canonicalizable JSON"),
        ({1: 1}, "document is not canonicalizable JSON"),
        ({"a": {1, 2}}, "document is not canonicalizable JSON"),
    ],
)
def test_refusals_name_the_reason(value: Any, reason: str) -> None:
    with pytest.raises(CanonicalizationError, match=reason):
        canonicalize(value)
