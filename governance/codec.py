"""JSON-safe encodings shared by every ``to_dict``/``from_dict``, canonical JSON and hashing."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from fractions import Fraction
from typing import Any, TypeVar

from governance.errors import RuleViolation

__all__ = [
    "MAX_SAFE_INT",
    "canonical_json",
    "datetime_from_str",
    "datetime_to_str",
    "fraction_from_str",
    "fraction_to_str",
    "get_field",
    "sha256_hex",
    "utc",
]

# RFC 8785 serialises numbers as IEEE doubles; integers beyond this would not round-trip.
MAX_SAFE_INT = 2**53 - 1

_FRACTION = re.compile(r"^(0|[1-9][0-9]*)/([1-9][0-9]*)$")

T = TypeVar("T")


def utc(moment: datetime, what: str = "time") -> datetime:
    """Return ``moment`` as an aware UTC datetime; naive datetimes are rejected."""
    if not isinstance(moment, datetime):
        raise RuleViolation("invalid_time", f"{what} must be a datetime")
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise RuleViolation("naive_datetime", f"{what} must be timezone-aware")
    # Normalising to the single UTC tzinfo object keeps comparisons on CPython's fast path.
    return moment.astimezone(UTC)


def datetime_to_str(moment: datetime) -> str:
    """Encode an aware datetime as ISO 8601 in UTC with a trailing ``Z``."""
    return utc(moment).isoformat().replace("+00:00", "Z")


def datetime_from_str(text: str) -> datetime:
    """Decode an ISO 8601 UTC string ending in ``Z``."""
    if not isinstance(text, str) or not text.endswith("Z"):
        raise RuleViolation("invalid_document", "times must be ISO 8601 UTC strings ending in Z")
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise RuleViolation("invalid_document", f"not an ISO 8601 time: {text!r}") from None
    return utc(parsed)


def fraction_to_str(value: Fraction) -> str:
    """Encode a non-negative Fraction as ``"n/d"`` (always with a denominator)."""
    return f"{value.numerator}/{value.denominator}"


def fraction_from_str(text: str) -> Fraction:
    """Decode ``"n/d"`` into a Fraction."""
    match = _FRACTION.match(text) if isinstance(text, str) else None
    if match is None:
        raise RuleViolation("invalid_document", f"fractions must look like 'n/d', got {text!r}")
    return Fraction(int(match.group(1)), int(match.group(2)))


def _check_json_safe(value: object) -> None:
    if value is None or isinstance(value, bool):
        return
    if isinstance(value, str):
        _check_text(value)
        return
    if isinstance(value, int):
        if abs(value) > MAX_SAFE_INT:
            raise RuleViolation("invalid_document", "integers must fit in 53 bits")
        return
    if isinstance(value, list):
        for item in value:
            _check_json_safe(item)
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise RuleViolation("invalid_document", "object keys must be strings")
            _check_text(key)
            _check_json_safe(item)
        return
    raise RuleViolation("invalid_document", f"not JSON-safe: {type(value).__name__}")


def _check_text(text: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise RuleViolation("invalid_document", "text holds a lone surrogate") from None


def _utf16(key: str) -> bytes:
    # Big-endian UTF-16 bytes compare as the code units do (RFC 8785 §3.2.3).
    return key.encode("utf-16-be", "surrogatepass")


def _jcs_ordered(value: object) -> object:
    if isinstance(value, dict):
        return {k: _jcs_ordered(value[k]) for k in sorted(value, key=_utf16)}
    if isinstance(value, list):
        return [_jcs_ordered(item) for item in value]
    return value


def canonical_json(value: object) -> bytes:
    """RFC 8785 (JCS) UTF-8 bytes of a JSON-safe value: members sorted by their names' UTF-16
    code units, no whitespace, strings escaped as ECMAScript's JSON.stringify does
    (docs/SPEC.md §Canonical JSON). The values it takes (text, integers within 53 bits, true,
    false, null, lists, objects) need no number formatting."""
    _check_json_safe(value)
    return json.dumps(
        _jcs_ordered(value), separators=(",", ":"), ensure_ascii=False
    ).encode("utf-8")


def sha256_hex(data: bytes) -> str:
    """Lower-case hex SHA-256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def get_field(data: Mapping[str, Any], key: str, kind: type[T]) -> T:
    """Read ``data[key]`` and check its JSON type, raising ``invalid_document`` otherwise."""
    if not isinstance(data, Mapping) or key not in data:
        raise RuleViolation("invalid_document", f"missing field {key!r}")
    value = data[key]
    if kind is int and isinstance(value, bool):
        raise RuleViolation("invalid_document", f"field {key!r} must be an integer")
    if not isinstance(value, kind):
        raise RuleViolation("invalid_document", f"field {key!r} must be {kind.__name__}")
    return value
