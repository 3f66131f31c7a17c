"""Parsing JSON from strangers with explicit bounds: nesting depth, number length, no NaN,
and no text that no store should hold.

``json.loads`` alone recurses once per nesting level (100,000 nested arrays raise
``RecursionError``) and converts integers of any length (5,000 digits raise ``ValueError``
past Python's int-string limit, fewer cost quadratic time). Here the depth is measured
before parsing, without recursion, and every number goes through a hook that refuses long
digit strings before converting them. RFC 8259 §9 allows a parser to set such limits.

A JSON string may escape any character, so ``"\u0000"`` reaches Python as a NUL: PostgreSQL
refuses it in text (a 500 where SQLite stored it), and it, like the other C0 control
characters and a lone surrogate (``"\ud800"``, which UTF-8 cannot encode), has no place in
an ActivityPub document. Such a string, as a key or a value, is refused with a 400 naming
where it is; tab, line feed and carriage return stay allowed.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from federation.errors import BadActivity

__all__ = [
    "MAX_DEPTH",
    "MAX_NUMBER_CHARS",
    "REFUSED_CHARACTERS",
    "JSONTextRefused",
    "JSONTooComplex",
    "describe_character",
    "loads_bounded",
]

# ActivityStreams documents nest a handful of levels (activity, object, proof, tag, ...).
MAX_DEPTH = 64
# Room for any integer a signed document may hold (16 digits) and any double's shortest form.
MAX_NUMBER_CHARS = 40

# The closing quote is optional: an unterminated string then runs to the end in one match.
# With it required, each later '"' started a new failing scan: quadratic, a 1 MiB body of
# escaped quotes held the event loop for most of an hour.
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"?', re.S)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")


# C0 controls but tab, line feed and carriage return; UTF-16 surrogates (unpaired ones only
# get this far: json.loads joins an escaped pair into one character).
REFUSED_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")
# The escapes that can yield one: \b, \f, \u0000-\u001f and a \uD800-\uDFFF half. A match
# may be harmless (an escaped tab, a whole pair, an escaped backslash before "u0000"): it only
# means the parsed document is walked.
_REFUSABLE_ESCAPE = re.compile(r"\\(?:[bf]|u00[01]|u[dD][89a-fA-F])")


class JSONTooComplex(BadActivity):
    """The document is nested too deeply or holds a number beyond the bounds (400)."""


class JSONTextRefused(BadActivity):
    """A string of the document holds a control character or a lone surrogate (400)."""


def describe_character(char: str) -> str:
    """How a refused character is named in messages: ``U+0000 (NUL)``, ``U+D800 (a lone
    surrogate)``, ``U+001B (a control character)``."""
    code = ord(char)
    kind = "NUL" if code == 0 else "a lone surrogate" if code >= 0xD800 else "a control character"
    return f"U+{code:04X} ({kind})"


def _check_text(document: Any) -> None:
    """Refuse a key or string value holding a ``REFUSED_CHARACTERS`` character, naming where."""
    stack: list[tuple[Any, str]] = [(document, "")]
    while stack:
        value, where = stack.pop()
        if isinstance(value, str):
            found = REFUSED_CHARACTERS.search(value)
            if found:
                raise JSONTextRefused(
                    f"a string in the JSON holds {describe_character(found.group())} at "
                    f"{where or 'the top'}"
                )
        elif isinstance(value, dict):
            for key, item in value.items():
                stack.append((key, f"{where}.{key}".lstrip(".") + " (a key)"))
                stack.append((item, f"{where}.{key}".lstrip(".")))
        elif isinstance(value, list):
            stack.extend((item, f"{where}[{n}]") for n, item in enumerate(value))


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


_DECODER = json.JSONDecoder(parse_int=_int, parse_float=_float, parse_constant=_constant)
"""One decoder for every call: ``json.loads`` with hooks builds a new one each time."""


def _may_hold_refused(text: str) -> bool:
    """Whether the parsed text may hold a refused character (then it is walked).

    The parser refuses a raw control character anywhere (in a string as JSON's strict mode
    does, outside one as no token), so only an escape yields one; and a raw lone surrogate is
    in no text but non-ASCII text that UTF-8 cannot encode (never text decoded from bytes).
    """
    if _REFUSABLE_ESCAPE.search(text):
        return True
    if text.isascii():
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def loads_bounded(text: str | bytes) -> Any:
    """``json.loads`` within the bounds above; ``JSONTooComplex`` (400) past them, and
    ``JSONTextRefused`` (400) for a string holding a refused character.

    A document that is not JSON still raises ``json.JSONDecodeError`` as ``json.loads`` does.
    """
    if isinstance(text, bytes | bytearray):
        text = text.decode("utf-8")
    _check_depth(text)
    if text.startswith("\ufeff"):  # as json.loads says it
        raise json.JSONDecodeError("Unexpected UTF-8 BOM (decode using utf-8-sig)", text, 0)
    document = _DECODER.decode(text)
    if _may_hold_refused(text):  # most documents need no walk
        _check_text(document)
    return document
