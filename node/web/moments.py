"""Times on pages: UTC in a ``<time datetime>`` element plus relative words ("closes in 3 hours").

The server renders both in the reader's language (the date by Babel, the words from the
catalog), so a page reads right without JavaScript; ``/static/time.js`` then rewrites the time
into the reader's own time zone and keeps the relative words current, using the phrases the
page carries in ``data-`` attributes (so it speaks the page's language too).
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache

from babel import Locale
from babel.dates import format_date, format_time
from markupsafe import Markup, escape

from node.web.i18n import current, gettext, ngettext

__all__ = ["deadline", "localtime", "relative", "when"]


def _utc(value: datetime | str) -> datetime:
    when = datetime.fromisoformat(value.replace("Z", "+00:00")) if isinstance(value, str) else value
    return (when if when.tzinfo else when.replace(tzinfo=UTC)).astimezone(UTC)


def _span(seconds: int) -> str:
    if seconds >= 2 * 86400:
        return ngettext("%(num)d day", "%(num)d days", seconds // 86400)
    if seconds >= 3600:
        return ngettext("%(num)d hour", "%(num)d hours", seconds // 3600)
    if seconds >= 60:
        return ngettext("%(num)d minute", "%(num)d minutes", seconds // 60)
    return gettext("less than a minute")


def relative(value: datetime | str, now: datetime) -> str:
    """``"closes in 3 hours"`` or ``"closed 2 days ago"``: whole units, rounded down."""
    seconds = int((_utc(value) - _utc(now)).total_seconds())
    if seconds > 0:
        return gettext("closes in %(span)s", span=_span(seconds))
    return gettext("closed %(span)s ago", span=_span(-seconds))


def when(value: datetime | str) -> str:
    """A moment in the reader's style, in UTC: "Dec 2, 2026, 2:00 PM UTC", "2 dic 2026, 14:00 UTC"."""
    return _when(current().formats, _utc(value))


# A page of comments shows a time each and Babel's formatting is most of what a comment costs;
# the text depends only on the language and the moment, so the last few thousand are kept.
@lru_cache(maxsize=4096)
def _when(locale: Locale, moment: datetime) -> str:
    pattern = str(locale.datetime_formats["medium"])
    text = pattern.replace("{1}", format_date(moment, "medium", locale=locale)).replace(
        "{0}", format_time(moment, "short", tzinfo=UTC, locale=locale))
    return f"{text} UTC"


def _time(moment: datetime, attrs: str) -> str:
    stamp = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    return f'<time datetime="{stamp}"{attrs}>{escape(when(moment))}</time>'


def localtime(value: datetime | str) -> Markup:
    """A moment as ``<time datetime=…>Dec 2, 2026, 2:00 PM UTC</time>`` (localised by time.js)."""
    return _localtime(current().formats, value)


@lru_cache(maxsize=4096)
def _localtime(locale: Locale, value: datetime | str) -> Markup:
    return Markup(_time(_utc(value), " data-local"))


def deadline(value: datetime | str, now: datetime | None = None) -> Markup:
    """A closing time with how long is left: the time, then "(closes in 3 hours)"."""
    moment = _utc(value)
    words = relative(moment, now or datetime.now(UTC))
    phrases = {
        "future": gettext("closes in %(span)s", span="{span}"),
        "past": gettext("closed %(span)s ago", span="{span}"),
        "minute": gettext("less than a minute"),
    }
    data = "".join(f' data-{key}="{escape(text)}"' for key, text in phrases.items())
    return Markup(f'{_time(moment, " data-local")} <span class="relative" data-relative="'
                  f'{escape(moment.strftime("%Y-%m-%dT%H:%M:%SZ"))}"{data}>({escape(words)})</span>')
