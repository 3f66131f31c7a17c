"""``loads_bounded`` refuses a refused character wherever it is and however it is written, and
otherwise parses exactly as ``json.loads`` (federation/bounded_json.py): it looks for the
escapes that can yield one instead of walking every document, so this checks the shortcut."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from federation.bounded_json import REFUSED_CHARACTERS, JSONTextRefused, loads_bounded

# Text with every kind of character the shortcut must tell apart: controls (refused, and tab,
# newlines allowed), lone surrogates, astral characters (an escaped pair), quotes, backslashes.
_TEXT = st.text(
    st.one_of(
        st.characters(min_codepoint=0, max_codepoint=0x7F),
        st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF),
        st.sampled_from("\\\"ué€\U0001f600bfu0"),
    ),
    max_size=12,
)
_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | _TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_TEXT, inner, max_size=4),
    max_leaves=12,
)


def _refused(value: Any) -> bool:
    if isinstance(value, str):
        return REFUSED_CHARACTERS.search(value) is not None
    if isinstance(value, dict):
        return any(_refused(k) or _refused(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_refused(v) for v in value)
    return False


@settings(max_examples=400, deadline=None)
@given(_JSON, st.booleans(), st.booleans())
def test_a_refused_character_is_refused_in_every_spelling_and_the_rest_parses_as_json_loads(
    value: Any, ascii_only: bool, indent: bool
) -> None:
    text = json.dumps(value, ensure_ascii=ascii_only, indent=1 if indent else None)
    # What the text holds, not what was dumped: escaped, a high surrogate then a low one
    # ("\\ud800\\udc00") is one astral character, which is not refused.
    if _refused(json.loads(text)):
        with pytest.raises(JSONTextRefused):
            loads_bounded(text)
    else:
        assert loads_bounded(text) == json.loads(text)
        assert loads_bounded(text.encode("utf-8")) == json.loads(text)


def test_an_escaped_surrogate_pair_is_one_character_and_raw_surrogates_are_refused() -> None:
    assert loads_bounded('["\\ud800\\udc00"]') == ["\U00010000"]
    with pytest.raises(JSONTextRefused):
        loads_bounded('["\ud800\udc00"]')
    with pytest.raises(JSONTextRefused):
        loads_bounded('["\\udc00\\ud800"]')


def test_a_raw_lone_surrogate_in_text_is_refused_and_a_byte_order_mark_is_not_json() -> None:
    with pytest.raises(JSONTextRefused):
        loads_bounded('["a\ud800"]')
    with pytest.raises(JSONTextRefused):
        loads_bounded('{"\udfff": 1}')
    with pytest.raises(json.JSONDecodeError):
        loads_bounded("\ufeff{}")
    # A raw control character is no JSON at all (in a string or outside one).
    for text in ('["\x00"]', '[1,\x07 2]'):
        with pytest.raises(json.JSONDecodeError):
            loads_bounded(text)
