"""Numbers a request carries in its URL or form: row ids and cursors, read one way, bounded.

Both databases keep row ids as 64-bit integers (SQLite's INTEGER, PostgreSQL's bigint): a
larger number does not bind (SQLite raises OverflowError, PostgreSQL refuses the value), so a
comment number or a cursor of 30 digits used to be a 500. Every number taken from a path, a
query or a form goes through :func:`whole_number`: ASCII digits only (``str.isdigit`` alone
admits "²", which ``int`` refuses), at most 19 of them, within the bounds; anything else is
not a number. A path's number that is not one is the same 404 as a row that does not exist
(:func:`number_in_path`); a query's or form's is a 400 with the reason, said by the caller.
"""

from __future__ import annotations

from aiohttp import web

from node.errors import NotFound

__all__ = ["MAX_ROW_ID", "number_in_path", "whole_number"]

MAX_ROW_ID = 2**63 - 1
"""The largest row id either database holds (a signed 64-bit integer)."""
_MOST_DIGITS = len(str(MAX_ROW_ID))


def whole_number(raw: object, *, low: int = 1, high: int = MAX_ROW_ID) -> int | None:
    """``raw`` as a whole number from ``low`` to ``high``; None when it is anything else."""
    if not isinstance(raw, str) or not raw or len(raw) > _MOST_DIGITS:
        return None
    if not (raw.isascii() and raw.isdigit()):
        return None
    number = int(raw)
    return number if low <= number <= high else None


def number_in_path(request: web.Request, name: str, missing: str) -> int:
    """The row id the route's ``{name}`` holds; NotFound(``missing``) if it is none."""
    number = whole_number(request.match_info.get(name))
    if number is None:
        raise NotFound(missing)
    return number
