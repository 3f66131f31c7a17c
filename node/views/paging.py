"""The query of a paged collection request: ``page=true`` and the keyset cursor ``before``.

Every paged collection (outbox, inbox, followers, following, members, proposals, ledger,
ballots) reads its request the same way, so a bad parameter is the same 400 everywhere.
"""

from __future__ import annotations

from aiohttp import web

from node.errors import InvalidRequest

__all__ = ["page_cursor", "wants_page"]

_MAX_CURSOR = 2**63 - 1  # SQLite's largest integer: a larger cursor would not bind


def page_cursor(request: web.Request) -> int | None:
    """The keyset cursor of a page request; InvalidRequest (400) unless a positive integer."""
    raw = request.query.get("before")
    if raw is None:
        return None
    # str.isdigit alone admits "²" and other digits int() refuses.
    if not (raw.isascii() and raw.isdigit()) or not 0 < int(raw) <= _MAX_CURSOR:
        raise InvalidRequest("'before' must be a positive integer cursor")
    return int(raw)


def wants_page(request: web.Request) -> bool:
    """Whether a collection request asks for a page (``page=true``) rather than the collection."""
    raw = request.query.get("page")
    if raw is None:
        if "before" in request.query:
            raise InvalidRequest("'before' is a cursor of a page: ask with page=true")
        return False
    if raw != "true":
        raise InvalidRequest("'page' must be 'true'")
    return True
