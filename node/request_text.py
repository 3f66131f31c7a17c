"""Refusing text no store should hold, in what a request carries besides JSON.

A NUL (U+0000) is a character PostgreSQL refuses in text: a sign-up whose display name held
one, or a query naming one, answered 500 there while SQLite stored it (and a later
``migrate-db`` could not copy it). Neither it nor the other C0 control characters nor a lone
surrogate belong in a name, a form or a URL, so every request is checked at the edge, before
any handler runs, and answered 400 with where the character is:

* the URL's path and query (names and values): no C0 control at all;
* a form's fields (``application/x-www-form-urlencoded`` or ``multipart/form-data``; uploaded
  files are bytes and not looked at): none but tab, line feed and carriage return, which a
  multi-line text field sends (browsers end its lines with CR LF).

JSON bodies are checked as they are parsed (``federation.bounded_json``), with the same rule
as forms. A field that is one line of text (a title, a name) holds no tab, line feed or
carriage return either: :func:`check_one_line`, where such a field is read.
"""

from __future__ import annotations

import re

from aiohttp import web

from federation.bounded_json import REFUSED_CHARACTERS, describe_character
from federation.one_line import not_one_line
from node.errors import Handler, InvalidRequest

__all__ = ["FORM_TYPES", "check_one_line", "refuse_control_characters"]

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
_IN_URL = re.compile(r"[\x00-\x1f\ud800-\udfff]")
_WITH_BODY = frozenset({"POST", "PUT", "PATCH"})


def _in_url(request: web.Request) -> str | None:
    found = _IN_URL.search(request.path)
    if found:
        return f"the URL's path holds {describe_character(found.group())}"
    for name, value in request.query.items():
        found = _IN_URL.search(name) or _IN_URL.search(value)
        if found:
            return f"the URL's query parameter {name!r} holds {describe_character(found.group())}"
    return None


async def _in_form(request: web.Request) -> str | None:
    if request.method not in _WITH_BODY or request.content_type not in FORM_TYPES:
        return None
    try:
        form = await request.post()
    except UnicodeDecodeError:
        return "the form is not UTF-8"
    for name, value in form.items():
        if not isinstance(value, str):
            continue  # an uploaded file: bytes, read by the handler that takes it
        found = REFUSED_CHARACTERS.search(name) or REFUSED_CHARACTERS.search(value)
        if found:
            return f"the form field {name!r} holds {describe_character(found.group())}"
    return None


@web.middleware
async def refuse_control_characters(request: web.Request, handler: Handler) -> web.StreamResponse:
    """400 for a URL or a form holding a refused character (see the module docstring)."""
    where = _in_url(request) or await _in_form(request)
    if where is not None:
        raise InvalidRequest(f"{where}, which this node does not accept; remove it and send "
                             "the request again")
    return await handler(request)


def check_one_line(value: object, field: str) -> None:
    """InvalidRequest (400) when ``value`` is text holding a line break, a tab or another control
    character (federation/one_line.py): ``field`` (a title, a name) is one line of text."""
    if isinstance(value, str) and (found := not_one_line(value)) is not None:
        raise InvalidRequest(f"'{field}' is one line of text: it holds {found}")
