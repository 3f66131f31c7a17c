"""Bookings as an iCalendar feed (RFC 5545): one VEVENT per active booking.

Content lines end in CRLF and are folded so that none is longer than 75 octets (§3.1), never
inside a UTF-8 sequence; TEXT values escape backslash, semicolon, comma and newlines (§3.3.11);
times are UTC in the basic form ``20250602T090000Z`` (§3.3.5, form #2).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["FeedEvent", "calendar", "escape_text", "fold", "utc_basic"]

_LIMIT = 75


@dataclass(frozen=True, slots=True)
class FeedEvent:
    """One booking as the feed shows it (times ISO 8601 UTC with Z)."""

    uid: str
    stamp: str
    start: str
    end: str
    summary: str
    location: str
    url: str
    description: str = ""


def escape_text(value: str) -> str:
    """An RFC 5545 §3.3.11 TEXT value."""
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return value.replace("\r\n", "\\n").replace("\r", "\\n").replace("\n", "\\n")


def fold(line: str) -> bytes:
    """One content line, folded at 75 octets (§3.1), with its CRLF."""
    encoded = line.encode("utf-8")
    parts: list[bytes] = []
    limit = _LIMIT
    while len(encoded) > limit:
        cut = limit
        while cut > 0 and (encoded[cut] & 0xC0) == 0x80:  # not inside a UTF-8 sequence
            cut -= 1
        parts.append(encoded[:cut])
        encoded = encoded[cut:]
        limit = _LIMIT - 1  # a continuation line starts with one space
    parts.append(encoded)
    return b"\r\n ".join(parts) + b"\r\n"


def utc_basic(iso: str) -> str:
    """``2025-06-02T09:00:00Z`` as ``20250602T090000Z``."""
    return iso.replace("-", "").replace(":", "")


def calendar(name: str, events: Iterable[FeedEvent]) -> bytes:
    """The VCALENDAR of ``events``, named ``name`` (``X-WR-CALNAME``, read by most clients)."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//poolnode//bookings//EN",
             "CALSCALE:GREGORIAN", "METHOD:PUBLISH", f"X-WR-CALNAME:{escape_text(name)}"]
    for event in events:
        lines += ["BEGIN:VEVENT", f"UID:{escape_text(event.uid)}",
                  f"DTSTAMP:{utc_basic(event.stamp)}", f"DTSTART:{utc_basic(event.start)}",
                  f"DTEND:{utc_basic(event.end)}", f"SUMMARY:{escape_text(event.summary)}",
                  f"LOCATION:{escape_text(event.location)}", f"URL:{event.url}"]
        if event.description:
            lines.append(f"DESCRIPTION:{escape_text(event.description)}")
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return b"".join(fold(line) for line in lines)
