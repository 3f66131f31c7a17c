"""JSON Canonicalization Scheme (RFC 8785) for integrity proofs, via the ``rfc8785`` package.

Our documents carry no floating-point numbers; JCS number formatting of floats (ECMAScript
shortest round-trip) is a portability trap between implementations, so floats are refused
unless a caller explicitly allows them (e.g. to check a third-party test vector).
"""

from __future__ import annotations

from typing import Any

import rfc8785

__all__ = ["CanonicalizationError", "canonicalize", "find_float"]


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


def canonicalize(value: Any, *, allow_floats: bool = False) -> bytes:
    """RFC 8785 canonical UTF-8 bytes of a JSON value (RFC 8785 §3.2)."""
    if not allow_floats and find_float(value) is not None:
        raise CanonicalizationError("document contains a floating-point number")
    try:
        return rfc8785.dumps(value)
    except rfc8785.IntegerDomainError:
        raise CanonicalizationError(
            "document contains an integer outside the JSON safe range"
        ) from None
    except rfc8785.CanonicalizationError:
        raise CanonicalizationError("document is not canonicalizable JSON") from None
