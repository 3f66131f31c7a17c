"""JSON Canonicalization Scheme (RFC 8785) for integrity proofs.

Our documents carry no floating-point numbers; JCS number formatting of floats (ECMAScript
shortest round-trip) is a portability trap between implementations, so floats are refused
unless a caller explicitly allows them (e.g. to check a third-party test vector).

Most documents take one pass in C: for JSON made only of strings, safe integers, booleans,
null, lists and string-keyed objects whose keys are all in the Basic Multilingual Plane,
``json.dumps(sort_keys=True, separators=(",", ":"), ensure_ascii=False)`` writes exactly the
RFC 8785 bytes: the same escapes (RFC 8785 §3.2.2.2: ``\\b \\f \\n \\r \\t \\" \\\\``, other
controls as ``\\u00xx``, everything else as UTF-8) and, without supplementary-plane keys,
the same member order (code point order equals UTF-16 code unit order, §3.2.3). Anything
else (a float, an integer outside the safe range, a key outside the BMP, a type JSON does
not have) takes the full path through the ``rfc8785`` package. A property test checks the
two against ``rfc8785`` over arbitrary JSON (tests/federation/test_canonical.py).
"""

from __future__ import annotations

import json
from typing import Any

import rfc8785

__all__ = ["CanonicalizationError", "canonicalize", "find_float"]

_SAFE = 2**53 - 1
_BMP_END = "\uffff"
_encode = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode


class CanonicalizationError(ValueError):
    """The value cannot be canonicalised; ``str(exc)`` is a client-safe reason."""


def find_float(value: Any, path: str = "$") -> str | None:
    """JSONPath-like location of the first float in ``value``, or ``None`` (RFC 8785 §3.2.2.3)."""
    if isinstance(value, float):
        return path
    if isinstance(value, dict):
        for k, v in value.items():
            found = find_float(v, f"{path}.{k}")
            if found is not None:
                return found
    elif isinstance(value, list | tuple):
        for i, v in enumerate(value):
            found = find_float(v, f"{path}[{i}]")
            if found is not None:
                return found
    return None


def _plain(value: Any) -> bool:
    """Whether ``json.dumps`` writes ``value``'s RFC 8785 bytes (see the module doc)."""
    kind = type(value)
    if kind is str or kind is bool or value is None:
        return True
    if kind is int:
        number: int = value
        return -_SAFE <= number <= _SAFE
    if kind is dict:
        for key, item in value.items():
            if type(key) is not str or (not key.isascii() and max(key) > _BMP_END):
                return False
            if not _plain(item):
                return False
        return True
    if kind is list or kind is tuple:
        return all(map(_plain, value))
    return False


def canonicalize(value: Any, *, allow_floats: bool = False) -> bytes:
    """RFC 8785 canonical UTF-8 bytes of a JSON value (RFC 8785 §3.2)."""
    try:
        if _plain(value):
            return _encode(value).encode("utf-8")
        if not allow_floats and find_float(value) is not None:
            raise CanonicalizationError("document contains a floating-point number")
        return rfc8785.dumps(value)
    except rfc8785.IntegerDomainError:
        raise CanonicalizationError(
            "document contains an integer outside the JSON safe range"
        ) from None
    except (rfc8785.CanonicalizationError, UnicodeEncodeError):
        # A lone surrogate (in a value or a key) has no UTF-8 form (RFC 8785 §3.2.2.2).
        raise CanonicalizationError("document is not canonicalizable JSON") from None
