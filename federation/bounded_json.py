"""Parsing JSON from strangers with explicit bounds: nesting depth, number length, no NaN.

``json.loads`` alone recurses once per nesting level (100,000 nested arrays raise
``RecursionError``) and converts integers of any length (5,000 digits raise ``ValueError``
past Python's int-string limit, fewer cost quadratic time). Here the depth is measured
before parsing, without recursion, and every number goes through a hook that refuses long
digit strings before converting them. RFC 8259 §9 allows a parser to set such limits.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from federation.errors import BadActivity

__all__ = ["MAX_DEPTH", "MAX_NUMBER_CHARS", "JSONTooComplex", "loads_bounded"]

# ActivityStreams documents nest a handful of levels (activity, object, proof, tag, ...).
MAX_DEPTH = 64
# Room for any integer a signed document may hold (16 digits) and any double's shortest form.
MAX_NUMBER_CHARS = 40

# The closing quote is optional: an unterminated string then runs to the end in one match.
# With it required, each later '"' started a new failing scan: quadratic, a 1 MiB body of
# escaped quotes held the event loop for most of an hour.
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"?', re.S)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")


class JSONTooComplex(BadActivity):
    """The document is nested too deeply or holds a number beyond the bounds (400)."""


def _check_depth(text: str) -> None:
    if text.count("[") + text.count("{") <= MAX_DEPTH:
        return  # cannot be deeper than the number of openers: most documents stop here
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", text))
    depth = 0
    for char in brackets:
        if char in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                raise JSONTooComplex(f"JSON is nested more than {MAX_DEPTH} levels deep")
        else:
            depth -= 1


def _int(text: str) -> int:
    if len(text) > MAX_NUMBER_CHARS:
        raise JSONTooComplex(f"a number in the JSON has more than {MAX_NUMBER_CHARS} characters")
    return int(text)


def _float(text: str) -> float:
    if len(text) > MAX_NUMBER_CHARS:
        raise JSONTooComplex(f"a number in the JSON has more than {MAX_NUMBER_CHARS} characters")
    value = float(text)
    if not math.isfinite(value):
        raise JSONTooComplex("a number in the JSON is out of range")
    return value


def _constant(name: str) -> float:
    raise JSONTooComplex(f"{name} is not JSON (RFC 8259 §6 has no NaN or Infinity)")


def loads_bounded(text: str | bytes) -> Any:
    """``json.loads`` within the bounds above; ``JSONTooComplex`` (400) past them.

    A document that is not JSON still raises ``json.JSONDecodeError`` as ``json.loads`` does.
    """
    if isinstance(text, bytes | bytearray):
        text = text.decode("utf-8")
    _check_depth(text)
    return json.loads(text, parse_int=_int, parse_float=_float, parse_constant=_constant)
