"""The query of a paged collection request: ``page=true`` and the keyset cursor ``before``.

Every paged collection (outbox, inbox, followers, following, members, proposals, ledger,
ballots) reads its request the same way, so a bad parameter is the same 400 everywhere.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from aiohttp import web

from node.activitypub import activity_response
from node.appkeys import CONFIG
from node.documents import keyset_page_document
from node.errors import InvalidRequest
from node.request_numbers import whole_number

__all__ = ["keyset_page", "page_cursor", "wants_page"]

Row = TypeVar("Row")

def page_cursor(request: web.Request) -> int | None:
    """The keyset cursor of a page request; InvalidRequest (400) unless a positive integer."""
    raw = request.query.get("before")
    if raw is None:
        return None
    cursor = whole_number(raw)  # node/request_numbers.py: within what either database holds
    if cursor is None:
        raise InvalidRequest("'before' must be a positive integer cursor")
    return cursor


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


async def keyset_page(
    request: web.Request,
    collection_id: str,
    rows: Callable[[int, int | None], Awaitable[Sequence[Row]]],
    *,
    item: Callable[[Row], Any],
    cursor: Callable[[Row], int],
) -> web.Response:
    """One page of a keyset-paged collection: ``rows(limit + 1, before)`` newest first."""
    limit = request.app[CONFIG].page_size
    before = page_cursor(request)
    found = await rows(limit + 1, before)
    return activity_response(request, keyset_page_document(
        collection_id, found, limit=limit, before=before, item=item, cursor=cursor))
