"""Helpers for web tests: a signed-in test client, CSRF tokens out of pages."""

from __future__ import annotations

import re
from typing import Any

from node.accounts import now_iso
from node.appkeys import ACTORS, WEB
from node.web.passwords import hash_password

HTML = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
PASSWORD = "correct horse battery staple"
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def csrf_of(html: str) -> str:
    """The CSRF token embedded in a page's forms."""
    match = _CSRF.search(html)
    assert match, "page has no CSRF field"
    return match[1]


async def set_password(client: Any, username: str, password: str = PASSWORD) -> None:
    """Give a member a password directly in the store."""
    actor = await client.app[ACTORS].get(username, "member")
    await client.app[WEB].set_password(actor.id, await hash_password(password), now_iso())


async def page(client: Any, path: str, status: int = 200) -> str:
    """GET a page as a browser would; check the status; return the HTML."""
    response = await client.get(path, headers=HTML)
    text = await response.text()
    assert response.status == status, (response.status, text[:500])
    return text


async def post_form(client: Any, path: str, data: dict[str, str], *, from_page: str | None = None,
                    status: int = 303) -> Any:
    """POST a form with the CSRF token of ``from_page`` (default: the same path)."""
    html = await page(client, from_page or path)
    response = await client.post(
        path, data={"csrf": csrf_of(html), **data}, headers=HTML, allow_redirects=False
    )
    if response.status != status:
        raise AssertionError((response.status, (await response.text())[:800]))
    return response


async def sign_in(client: Any, username: str, password: str = PASSWORD) -> None:
    """Sign in through the form."""
    await post_form(client, "/signin", {"username": username, "password": password})
