"""Times on pages: UTC in a ``<time datetime>`` element plus relative words ("closes in 3 hours").

The server renders both, so a page reads right without JavaScript; ``/static/time.js`` then
rewrites the time into the reader's own time zone and keeps the relative words current.
"""

from __future__ import annotations

from datetime import UTC, datetime

from markupsafe import Markup, escape

__all__ = ["deadline", "localtime", "relative"]


def _utc(value: datetime | str) -> datetime:
    when = datetime.fromisoformat(value.replace("Z", "+00:00")) if isinstance(value, str) else value
    return (when if when.tzinfo else when.replace(tzinfo=UTC)).astimezone(UTC)


def _span(seconds: int) -> str:
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size * (2 if unit == "day" else 1):
            count = seconds // size
            return f"{count} {unit}{'' if count == 1 else 's'}"
    return "less than a minute"


def relative(value: datetime | str, now: datetime, *, future: str = "closes in",
             past: str = "closed") -> str:
    """``"closes in 3 hours"`` or ``"closed 2 days ago"``: whole units, rounded down."""
    seconds = int((_utc(value) - _utc(now)).total_seconds())
    return f"{future} {_span(seconds)}" if seconds > 0 else f"{past} {_span(-seconds)} ago"


def _time(when: datetime, attrs: str) -> str:
    stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ")
    return f'<time datetime="{stamp}"{attrs}>{when.strftime("%Y-%m-%d %H:%M")} UTC</time>'


def localtime(value: datetime | str) -> Markup:
    """A moment as ``<time datetime=…>2026-12-02 14:00 UTC</time>`` (localised by time.js)."""
    return Markup(_time(_utc(value), " data-local"))


def deadline(value: datetime | str, now: datetime | None = None) -> Markup:
    """A closing time with how long is left: the time, then "(closes in 3 hours)"."""
    when = _utc(value)
    words = relative(when, now or datetime.now(UTC))
    return Markup(f'{_time(when, " data-local")} <span class="relative" data-relative="'
                  f'{escape(when.strftime("%Y-%m-%dT%H:%M:%SZ"))}">({escape(words)})</span>')
